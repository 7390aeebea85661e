package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

const trainTaskUsage = "sipbench train-task DIR [--requeue-max N] [--first F] [--task I] [--print-every D] [--problem-cmd CMD --problem-exe PATH]"

// cmdTrainTask is what each task of a cluster's array runs (Slurm's batch script execs it):
// it trains its own job of DIR, found through DIR's record (slurm.json) by the task's index
// that its engine's environment gives (SLURM_ARRAY_TASK_ID), headless, with the cores it
// was given (SLURM_CPUS_PER_TASK) as op threads. SIGUSR1 (the warning ahead of the time
// limit) and SIGTERM (preemption, a cancel) checkpoint the job; then the task requeues
// itself.
func cmdTrainTask(args []string) error {
	fs := cmdline.NewFlags("train-task", trainTaskUsage)
	requeueMax := fs.Int("requeue-max", 3, "requeues allowed before the job is failed")
	index := fs.Int("task", -1, "array task to train (default: --first + $SLURM_ARRAY_TASK_ID)")
	first := fs.Int("first", 0, "the folder's task that array index 0 trains (a further array of a folder split at MaxArraySize)")
	every := printEveryFlag(fs, 30*time.Second, "time between progress lines")
	pc := problemCmdFlags(fs)
	fs.StringVar(&pc.exe, "problem-exe", "", "the problem command's program, an absolute path (the batch script gives it)")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdline.Usagef("train-task runs inside a Slurm array task (the batch script of 'sipbench run --slurm' calls it)",
			"train-task takes one run or sweep folder")
	}
	if *requeueMax < 0 || *first < 0 {
		return cmdline.Usagef("", "--requeue-max and --first must be ≥ 0")
	}
	eng, err := engineOf(pos[0])
	if err != nil {
		return err
	}
	task, err := eng.TaskFromEnv(os.Getenv)
	global := *first + task.Index // the folder's task: the record's numbering
	if *index >= 0 {
		global, err = *index, nil
	}
	if err != nil {
		return cmdline.Usagef("train-task runs inside a cluster's array task; --task I names the task by hand", "%v", err)
	}
	// Catch the signals before anything else, so that none can kill the task unsaved.
	stop, release := catchTaskSignals()
	defer release()

	if pc.cmd != "" { // the script's command, never one read from the folder
		if _, err := pc.preset(); err != nil {
			return err
		}
	}
	r, job, err := runner.OpenTask(pos[0], global)
	if err != nil {
		return err
	}
	if task.Array != "" { // the script submitted again by hand: the record follows the new array
		if changed, err := cluster.AdoptArray(pos[0], task.Array, *first); err != nil {
			fmt.Fprintf(os.Stderr, "sipbench: warning: %v (watch may follow the old array)\n", err)
		} else if changed {
			fmt.Printf("sipbench: %s now records array %s (the script was submitted again)\n", cluster.RecordFileOf(eng.Name()), task.Array)
		}
	}
	node := ""
	if task.Node != "" {
		node = " on node " + task.Node
	}
	fmt.Printf("sipbench: task %s (restart %d)%s trains job %s of %s with %d op threads\n",
		task.ID(), task.Restarts, node, job, r.Dir, max(1, task.CPUs))
	info := r.Info
	for _, j := range r.Info.Jobs {
		if j.ID == job {
			info.Jobs = []folder.JobInfo{j}
		}
	}
	sub := r.Subscribe()
	printed := make(chan struct{})
	go func() {
		cmdline.PrintProgress(os.Stdout, info, sub, *every)
		close(printed)
	}()
	out, err := r.TrainTask(context.Background(), job, task, runner.TaskOptions{RequeueMax: *requeueMax, Engine: eng}, stop)
	if errors.Is(err, folder.ErrJobDone) {
		fmt.Println("sipbench:", err)
		return nil
	}
	if err != nil {
		return err
	}
	<-printed
	return reportTask(job, out)
}

// engineOf returns the engine that the record of the folder dir names.
func engineOf(dir string) (cluster.Engine, error) {
	rec, err := cluster.ReadRecord(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: no task → job map: %v", dir, err)
	}
	return rec.EngineOf()
}

// catchTaskSignals catches SIGUSR1, SIGTERM and Ctrl-C: the first one's name is sent on
// stop (the task checkpoints its job and requeues or stops); later ones, as Slurm's
// SIGTERM after a requeue, are absorbed. release stops catching them.
func catchTaskSignals() (stop chan string, release func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM, os.Interrupt)
	stop = make(chan string, 1)
	go func() {
		sig := <-sigs
		fmt.Printf("sipbench: %s: checkpointing\n", signalName(sig))
		stop <- signalName(sig)
	}()
	return stop, func() { signal.Stop(sigs) }
}

// reportTask prints how the task's job ended; a failed job is exit code 1.
func reportTask(job string, out runner.TaskOutcome) error {
	line := fmt.Sprintf("sipbench: job %s %s", job, out.State)
	if out.Message != "" {
		line += ": " + out.Message
	}
	fmt.Println(line)
	if out.State == folder.Failed {
		return &cmdline.ExitError{Code: 1}
	}
	return nil
}

// signalName names the signals that stop a task as Slurm's documentation does.
func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGUSR1:
		return "SIGUSR1"
	case syscall.SIGTERM:
		return "SIGTERM"
	case os.Interrupt:
		return "SIGINT"
	}
	return s.String()
}
