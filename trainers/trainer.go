package trainers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sipbench/sipbench/folder"
)

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
	log, err := folder.OpenAppendIn(dir, "", folder.TrainLogFile) // never through a link
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
	pid := cmd.Process.Pid
	exit := make(chan error, 1)
	spawned.Store(pid, exit)
	go func() { exit <- cmd.Wait() }() // reap it if it ends while we are still running
	return pid, nil
}

// spawned maps the process id of each trainer that Spawn started to a channel that
// receives its exit (WaitTrainer).
var spawned sync.Map

// Wait waits until the trainer pid that Spawn started for the run in dir has locked
// one of its jobs (it trains), has ended, or timeout has passed. It returns an error only
// if the trainer ended with a failure before that: the last line of its train.log says
// why (the folder is trained by another process, a file is damaged, …), which the user
// would otherwise never see.
func Wait(dir string, pid int, timeout time.Duration) error {
	v, ok := spawned.Load(pid)
	if !ok {
		return nil
	}
	exit := v.(chan error)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		select {
		case err := <-exit:
			exit <- err // for a later call
			if err == nil {
				return nil
			}
			return fmt.Errorf("the training process ended at once (%v): %s", err, lastLogLine(dir))
		case <-tick.C:
			if slices.Contains(List(dir), pid) {
				return nil
			}
		case <-deadline:
			return nil
		}
	}
}

// lastLogLine returns the last line of the run's train.log that is not empty.
func lastLogLine(dir string) string {
	b, err := folder.ReadFileIn(dir, "", folder.TrainLogFile, folder.MaxRecordFile)
	if err != nil {
		return "see " + filepath.Join(dir, folder.TrainLogFile)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// List returns the process ids of the processes on this machine that train jobs of
// the run in dir, cluster array tasks left out (cancel those through their engine), this
// process left out too. They are found through the jobs' locks: a lock that is held proves its
// owner alive, so a stale or reused process id is never returned. Where the system lists
// its locks (Linux's /proc/locks), the process ids are the lock's holders as the kernel
// names them, each checked to be a sipbench (/proc/PID/exe), not what the lock file says:
// its content, written just after the lock is taken and readable by anyone who can write
// the folder, may name any process.
func List(dir string) []int {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		return nil
	}
	host, _ := os.Hostname()
	seen := map[int]bool{os.Getpid(): true}
	var pids []int
	add := func(pid int) {
		if pid > 0 && !seen[pid] {
			seen[pid] = true
			pids = append(pids, pid)
		}
	}
	for _, j := range info.Jobs {
		o, err := folder.JobLockOwner(dir, j.ID)
		if err != nil || o == nil || o.Host != host || o.Task != "" {
			continue
		}
		holders, ok := lockHolders(filepath.Join(dir, j.ID, folder.LockFile))
		if !ok {
			add(o.PID) // no list of locks: the owner as its lock file names it
			continue
		}
		for _, pid := range holders {
			if isSipbench(pid) {
				add(pid)
			}
		}
	}
	return pids
}

// Stop asks the trainers of the run in dir on this machine (Trainers) to stop:
// SIGTERM, on which sipbench checkpoints its jobs and exits. It returns the process ids
// it signalled.
func Stop(dir string) []int {
	var done []int
	for _, pid := range List(dir) {
		if terminate(pid) == nil {
			done = append(done, pid)
		}
	}
	return done
}
