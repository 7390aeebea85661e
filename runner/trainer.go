package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// TrainLogFile is the file in a run folder that a background trainer (Spawn) appends
// its output to.
const TrainLogFile = "train.log"

// Spawn starts command (an executable and its arguments, typically this sipbench's
// `resume DIR --headless`) as a background trainer of the run folder dir: detached in a
// session of its own (where the system has sessions), so that closing the terminal or
// the SSH connection does not stop it, with stdin from the null device and its output
// appended to dir/train.log. The process is reaped if it ends while this one runs. Spawn
// returns its process id; StopTrainers stops it.
func Spawn(dir string, command []string) (int, error) {
	if len(command) == 0 {
		return 0, fmt.Errorf("runner: Spawn: no command")
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	log, err := os.OpenFile(filepath.Join(dir, TrainLogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, log, log
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("runner: starting the training process: %v", err)
	}
	go cmd.Wait() // reap it if it ends while we are still running
	return cmd.Process.Pid, nil
}

// Trainers returns the process ids of the processes on this machine that train jobs of
// the run in dir, Slurm array tasks left out (cancel those through Slurm), this process
// left out too. They are found through the jobs' locks: a lock that is held proves its
// owner alive, so a stale or reused process id is never returned.
func Trainers(dir string) []int {
	info, err := ReadRunInfo(dir)
	if err != nil {
		return nil
	}
	host, _ := os.Hostname()
	seen := map[int]bool{}
	var pids []int
	for _, j := range info.Jobs {
		o, err := JobLockOwner(dir, j.ID)
		if err != nil || o == nil || o.PID <= 0 || o.Host != host || o.Task != "" || o.PID == os.Getpid() || seen[o.PID] {
			continue
		}
		seen[o.PID] = true
		pids = append(pids, o.PID)
	}
	return pids
}

// StopTrainers asks the trainers of the run in dir on this machine (Trainers) to stop:
// SIGTERM, on which sipbench checkpoints its jobs and exits. It returns the process ids
// it signalled.
func StopTrainers(dir string) []int {
	var done []int
	for _, pid := range Trainers(dir) {
		if terminate(pid) == nil {
			done = append(done, pid)
		}
	}
	return done
}
