package cli

import (
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

// submitArray submits one Slurm array for the jobs of runs (runner.SubmitArray) with the
// flags' options, and prints what it did; with --dry-run it prints the script instead.
func submitArray(dir, name string, runs []runner.ArrayRun, f *slurmFlags) error {
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
	sub, err := runner.SubmitArray(dir, runs, runner.SubmitOptions{
		Options: f.opts, Name: name, Exe: exe, WorkDir: wd, RequeueMax: f.requeueMax, DryRun: f.dryRun,
		Comment: []string{"Written by 'sipbench " + strings.Join(os.Args[1:], " ") + "'."},
	})
	if err != nil {
		return err
	}
	if f.dryRun {
		fmt.Print(sub.Script)
		fmt.Printf("\nsipbench: dry run: wrote %s (%d tasks), submitted nothing; sbatch %s submits it\n", sub.Path, sub.Tasks, sub.Path)
		return nil
	}
	fmt.Printf("sipbench: submitted job array %s: %d tasks, one per job of %s\n", sub.Array, sub.Tasks, dir)
	return nil
}
