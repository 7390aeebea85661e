package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/slurm"
)

// slurmFlags are the flags of run and sweep that hand the jobs to Slurm.
type slurmFlags struct {
	on         bool
	opts       slurm.Options
	extra      listFlag
	dryRun     bool
	requeueMax int
}

// addSlurmFlags defines --slurm and its companions on fs.
func addSlurmFlags(fs *flag.FlagSet) *slurmFlags {
	f := &slurmFlags{}
	fs.BoolVar(&f.on, "slurm", false, "submit the jobs to Slurm as one job array instead of training here")
	fs.StringVar(&f.opts.Partition, "partition", "", "Slurm partition (with --slurm)")
	fs.StringVar(&f.opts.Time, "time", "", "time limit per task, in Slurm's syntax such as 4:00:00 (with --slurm)")
	fs.IntVar(&f.opts.CPUsPerTask, "cpus-per-task", slurm.DefaultCPUsPerTask, "cores per task; its op threads (with --slurm)")
	fs.StringVar(&f.opts.Mem, "mem", "", "memory per task, such as 4G (with --slurm)")
	fs.StringVar(&f.opts.Account, "account", "", "Slurm account to charge (with --slurm)")
	fs.StringVar(&f.opts.QOS, "qos", "", "Slurm quality of service (with --slurm)")
	fs.IntVar(&f.opts.MaxParallel, "max-parallel", 0, "at most this many tasks at once, the array's %N (with --slurm)")
	fs.DurationVar(&f.opts.SignalLead, "signal-lead", slurm.DefaultSignalLead, "how long before the time limit Slurm warns a task to checkpoint and requeue (with --slurm)")
	fs.Var(&f.extra, "sbatch-arg", "another sbatch option, such as --gres=gpu:1 (repeatable; with --slurm)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "write and print the batch script, submit nothing (with --slurm)")
	fs.IntVar(&f.requeueMax, "requeue-max", 3, "requeues on preemption or time limit before a job is failed (with --slurm)")
	return f
}

// check validates the flags before anything is written: numbers, the options' syntax, and
// that Slurm is there to submit to (a usage error otherwise: exit 2).
func (f *slurmFlags) check(fs *flag.FlagSet) error {
	if !f.on {
		var set []string
		fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "partition", "time", "cpus-per-task", "mem", "account", "qos", "max-parallel", "signal-lead", "sbatch-arg", "dry-run", "requeue-max":
				set = append(set, "--"+fl.Name)
			}
		})
		if len(set) > 0 {
			return usagef("", "%s only apply with --slurm", strings.Join(set, ", "))
		}
		return nil
	}
	if f.opts.CPUsPerTask < 1 || f.opts.MaxParallel < 0 || f.requeueMax < 0 {
		return usagef("", "--cpus-per-task must be ≥ 1, --max-parallel and --requeue-max ≥ 0")
	}
	if f.opts.SignalLead < time.Second || f.opts.SignalLead%time.Second != 0 {
		return usagef("", "--signal-lead must be whole seconds, at least 1s")
	}
	f.opts.Extra = f.extra
	probe := &slurm.Script{Options: f.opts, Tasks: 1, Command: []string{"x"}}
	if err := probe.Validate(); err != nil {
		return usagef("", "%s", strings.TrimPrefix(err.Error(), "slurm: "))
	}
	if !f.dryRun {
		if err := (slurm.Client{}).Available(); err != nil {
			return usagef("--slurm submits to a Slurm cluster: run it on the cluster's login node, or leave --slurm out to train here",
				"--slurm: Slurm's sbatch is not on PATH")
		}
	}
	return nil
}

// arrayRun is one run folder whose jobs an array trains: rel is its path below the
// folder that holds the array's slurm.json ("" for that folder itself).
type arrayRun struct {
	rel string
	run *runner.Run
}

// submitArray writes the batch script and slurm.json of dir (a run folder, or a sweep
// folder whose runs are its sub-folders) and submits one array with a task per job of
// runs. With --dry-run it prints the script instead. When sbatch refuses, every job is
// marked failed with sbatch's message (the folder never looks queued) and the error
// carries the message (exit 1).
func submitArray(dir, name string, runs []arrayRun, f *slurmFlags) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the sipbench executable for the batch script: %v", err)
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		fmt.Fprintf(os.Stderr, "sipbench: warning: %s is a temporary build (go run): the tasks need a binary on a file system the compute nodes see (go build, then run it)\n", exe)
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	rec := &slurm.Record{Script: slurm.ScriptFile}
	subs := map[string]*slurm.Record{}
	for _, ar := range runs {
		if ar.rel != "" {
			subs[ar.rel] = &slurm.Record{Script: filepath.Join("..", slurm.ScriptFile)}
		}
		for _, j := range ar.run.Info.Jobs {
			tj := slurm.TaskJob{Task: len(rec.Tasks), Run: ar.rel, Job: j.ID}
			rec.Tasks = append(rec.Tasks, tj)
			if s := subs[ar.rel]; s != nil {
				s.Tasks = append(s.Tasks, slurm.TaskJob{Task: tj.Task, Job: j.ID})
			}
		}
	}
	script := &slurm.Script{
		Options: f.opts,
		Name:    name,
		Tasks:   len(rec.Tasks),
		Log:     filepath.Join(abs, slurm.LogPattern),
		Dir:     wd,
		Command: []string{exe, "train-task", abs, "--requeue-max", fmt.Sprint(f.requeueMax)},
		Comment: []string{
			"sipbench: one array task per job of " + abs + ";",
			"task i trains the job that slurm.json maps it to. Each task's log: slurm/ARRAY_TASK.log.",
			"Written by 'sipbench " + strings.Join(os.Args[1:], " ") + "'.",
			"Re-submit by hand with: sbatch " + filepath.Join(abs, slurm.ScriptFile),
			"(sbatch --array=3 " + filepath.Join(abs, slurm.ScriptFile) + " re-submits task 3 alone).",
		},
	}
	path, err := slurm.WriteScript(abs, script)
	if err != nil {
		return err
	}
	write := func() error {
		if err := slurm.WriteRecord(abs, rec); err != nil {
			return err
		}
		for rel, s := range subs {
			s.Array, s.Submitted = rec.Array, rec.Submitted
			if err := slurm.WriteRecord(filepath.Join(abs, rel), s); err != nil {
				return err
			}
		}
		return nil
	}
	if err := write(); err != nil {
		return err
	}
	if f.dryRun {
		fmt.Print(script.String())
		fmt.Printf("\nsipbench: dry run: wrote %s (%d tasks), submitted nothing; sbatch %s submits it\n", path, script.Tasks, path)
		return nil
	}
	id, err := (slurm.Client{}).Submit(context.Background(), path)
	if err != nil {
		msg := err.Error()
		var ce *slurm.CommandError
		if errors.As(err, &ce) {
			msg = ce.Msg
		}
		for _, ar := range runs {
			for _, j := range ar.run.Info.Jobs {
				runner.SetJobState(ar.run.Dir, j.ID, runner.Failed, "never submitted to Slurm: "+msg)
			}
		}
		return fmt.Errorf("sbatch refused the array (%s marked failed): %s", dir, msg)
	}
	rec.Array, rec.Submitted = id, time.Now().UTC().Format(time.RFC3339)
	if err := write(); err != nil {
		return fmt.Errorf("submitted array %s, but recording it failed: %v", id, err)
	}
	fmt.Printf("sipbench: submitted job array %s: %d tasks, one per job of %s\n", id, len(rec.Tasks), dir)
	return nil
}
