package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cluster"
	_ "github.com/sipbench/sipbench/cluster/slurmengine" // the engine of --slurm
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
)

// slurmFlags are the flags of run and sweep that hand the jobs to a cluster: --slurm, or
// --cluster NAME for another registered engine.
type slurmFlags struct {
	on         bool
	engine     string // --cluster; "slurm" for --slurm
	eng        cluster.Engine
	opts       cluster.Options
	extra      cmdline.ListFlag
	dryRun     bool
	requeueMax int
	setup      cmdline.ListFlag
	bin        string
	ownDryRun  bool // the command's --dry-run is its own, not the batch script's
}

// addSlurmFlags defines --slurm and its companions on fs.
func addSlurmFlags(fs *flag.FlagSet) *slurmFlags {
	f := &slurmFlags{}
	fs.BoolVar(&f.on, "slurm", false, "submit the jobs to Slurm as one job array instead of training here")
	fs.Func("cluster", "submit the jobs as one job array to this cluster engine instead of training here (--slurm is --cluster slurm)",
		func(name string) error { f.engine, f.on = name, true; return nil })
	fs.StringVar(&f.opts.Partition, "partition", "", "Slurm partition (with --slurm)")
	fs.StringVar(&f.opts.Time, "time", cluster.DefaultTime, "time limit per task, in Slurm's syntax such as 1-00:00:00; a task checkpoints and requeues itself before it (with --slurm)")
	fs.IntVar(&f.opts.CPUsPerTask, "cpus-per-task", cluster.DefaultCPUsPerTask, "cores per task; its op threads (with --slurm)")
	fs.StringVar(&f.opts.Mem, "mem", "", "memory per task, such as 4G (with --slurm)")
	fs.StringVar(&f.opts.Account, "account", "", "Slurm account to charge (with --slurm)")
	fs.StringVar(&f.opts.QOS, "qos", "", "Slurm quality of service (with --slurm)")
	fs.IntVar(&f.opts.MaxParallel, "max-parallel", 0, "at most this many tasks at once, the array's %N (default: min(tasks, 256); with --slurm)")
	fs.DurationVar(&f.opts.SignalLead, "signal-lead", cluster.DefaultSignalLead, "how long before the time limit Slurm warns a task to checkpoint and requeue (with --slurm)")
	fs.Var(&f.extra, "sbatch-arg", "another sbatch option, such as --gres=gpu:1 (repeatable; with --slurm)")
	fs.Var(&f.setup, "setup", "a shell line the batch script runs before training, such as 'module load gcc' (repeatable; with --slurm)")
	fs.StringVar(&f.bin, "bin", "", "the sipbench binary the tasks run, on a file system the compute nodes see (default: this one; with --slurm)")
	if fs.Lookup("dry-run") == nil { // check has a --dry-run of its own (the plan)
		fs.BoolVar(&f.dryRun, "dry-run", false, "write and print the batch script, submit nothing (with --slurm)")
	} else {
		f.ownDryRun = true
	}
	fs.IntVar(&f.requeueMax, "requeue-max", 3, "requeues on preemption or time limit before a job is failed (with --slurm)")
	return f
}

// check validates the flags before anything is written: numbers, the options' syntax, and
// that the engine is there to submit to (a usage error otherwise: exit 2).
func (f *slurmFlags) check(fs *flag.FlagSet) error {
	if err := f.pickEngine(fs); err != nil {
		return err
	}
	if !f.on {
		var set []string
		fs.Visit(func(fl *flag.Flag) {
			switch fl.Name {
			case "dry-run":
				if !f.ownDryRun {
					set = append(set, "--"+fl.Name)
				}
			case "partition", "time", "cpus-per-task", "mem", "account", "qos", "max-parallel", "signal-lead", "sbatch-arg", "requeue-max", "setup", "bin":
				set = append(set, "--"+fl.Name)
			}
		})
		if len(set) > 0 {
			return cmdline.Usagef("", "%s only apply with --slurm", strings.Join(set, ", "))
		}
		return nil
	}
	if f.opts.CPUsPerTask < 1 || f.opts.MaxParallel < 0 || f.requeueMax < 0 {
		return cmdline.Usagef("", "--cpus-per-task must be ≥ 1, --max-parallel and --requeue-max ≥ 0")
	}
	if f.opts.SignalLead < time.Second || f.opts.SignalLead%time.Second != 0 {
		return cmdline.Usagef("", "--signal-lead must be whole seconds, at least 1s")
	}
	f.opts.Extra = f.extra
	f.opts.Setup = f.setup
	if err := f.eng.Check(f.opts); err != nil {
		return cmdline.Usagef("", "%s", strings.TrimPrefix(err.Error(), f.engine+": "))
	}
	if !f.dryRun {
		if err := f.eng.Available(); err != nil {
			if f.engine == cluster.DefaultEngine {
				return cmdline.Usagef("--slurm submits to a Slurm cluster: run it on the cluster's login node, or leave --slurm out to train here",
					"--slurm: Slurm's sbatch is not on PATH")
			}
			return cmdline.Usagef("leave --cluster out to train here", "--cluster %s: %v", f.engine, err)
		}
	}
	return nil
}

// pickEngine resolves --slurm and --cluster NAME into the engine: --slurm is --cluster
// slurm, and either turns the flags on.
func (f *slurmFlags) pickEngine(fs *flag.FlagSet) error {
	slurmSet := false
	fs.Visit(func(fl *flag.Flag) { slurmSet = slurmSet || fl.Name == "slurm" && f.on })
	switch {
	case slurmSet && f.engine != "" && f.engine != cluster.DefaultEngine:
		return cmdline.Usagef("", "--slurm and --cluster %s name two engines: give one", f.engine)
	case !f.on:
		return nil
	case f.engine == "":
		f.engine = cluster.DefaultEngine
	}
	eng, err := cluster.Lookup(f.engine)
	if err != nil {
		return cmdline.Usagef("", "--cluster %s: no such engine; this sipbench has %s", f.engine, strings.Join(cluster.Names(), ", "))
	}
	f.eng = eng
	return nil
}

// submitArray submits one Slurm array for the jobs of runs (runner.SubmitArray) with the
// flags' options, and prints what it did; with --dry-run it prints the script instead.
func submitArray(dir, name string, runs []runner.ArrayRun, f *slurmFlags) error {
	exe := f.bin
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("cannot find the sipbench executable for the batch script (--bin names one): %v", err)
		}
		if strings.Contains(exe, string(filepath.Separator)+"go-build") {
			fmt.Fprintf(os.Stderr, "sipbench: warning: %s is a temporary build (go run): the tasks need a binary on a file system the compute nodes see (go build, then --bin)\n", exe)
		}
	} else if fi, err := os.Stat(exe); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return cmdline.Usagef("", "--bin %s is not an executable file here (the login node must see it where the compute nodes do)", exe)
	}
	exe, _ = filepath.Abs(exe)
	for _, p := range []struct{ what, path string }{{"the sipbench binary", exe}, {"the run folder", dir}} {
		if w := folder.LocalOnly(p.path); w != "" {
			fmt.Fprintf(os.Stderr, "sipbench: warning: %s %s is on %s: compute nodes may not see it (use --bin, --out on a shared file system)\n", p.what, p.path, w)
		}
	}
	// What keeps a job from being trained twice, on this run folder's file system.
	if m := folder.LockModeOf(dir); m.FS != "" {
		fmt.Fprintf(os.Stderr, "sipbench: locks in the run folder: %s\n", m.Why)
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	// The job's name says which run it trains: the preset, and when it was submitted.
	name += "-" + time.Now().Format("20060102-1504")
	taskArgs, err := problemTaskArgs(runs)
	if err != nil {
		return err
	}
	sub, err := runner.SubmitArray(dir, runs, runner.SubmitOptions{
		Options: f.opts, Engine: f.eng, Name: name, Exe: exe, WorkDir: wd, RequeueMax: f.requeueMax, DryRun: f.dryRun, TaskArgs: taskArgs,
		Comment: []string{"Written by 'sipbench " + strings.Join(os.Args[1:], " ") + "'."},
	})
	if err != nil {
		return err
	}
	if f.dryRun {
		fmt.Print(sub.Script)
		fmt.Printf("\nsipbench: dry run: wrote %s (%d tasks), submitted nothing; %s %s submits it\n", sub.Path, sub.Tasks, f.eng.Terms().Submit, sub.Path)
		return nil
	}
	if strings.Contains(sub.Array, ",") {
		fmt.Printf("sipbench: submitted job arrays %s (the cluster's MaxArraySize splits them): %d tasks, one per job of %s\n", sub.Array, sub.Tasks, dir)
		return nil
	}
	fmt.Printf("sipbench: submitted job array %s: %d tasks, one per job of %s\n", sub.Array, sub.Tasks, dir)
	return nil
}

// resumeOnSlurm submits the unfinished jobs of a run folder, or of every run of a sweep
// folder, to Slurm again (resume --slurm): lost, cancelled (a refused submission among
// them), failed; never a job that trains, waits in Slurm's queue or cannot be told
// (squeue failing). The task numbers of slurm.json stay those of the first submission.
func resumeOnSlurm(dir string, only []string, f *slurmFlags) error {
	dirs := []string{dir}
	name := "sipbench-"
	if folder.IsSweep(dir) {
		info, err := folder.ReadSweep(dir)
		if err != nil {
			return err
		}
		dirs = nil
		for _, r := range info.Runs {
			dirs = append(dirs, filepath.Join(dir, r.Dir))
		}
		name += "sweep-" + info.Preset
	}
	var runs []runner.ArrayRun
	var busy []string
	n := 0
	for _, d := range dirs {
		r, err := runner.Open(d)
		if err != nil {
			return err
		}
		if len(dirs) == 1 {
			name += r.Info.Preset
		}
		st, err := summary.NewIndex(filepath.Dir(d)).Status(d)
		if err != nil {
			return err
		}
		ids := []string{}
		for _, j := range st.Jobs {
			if len(only) > 0 && !slices.Contains(only, j.Info.ID) {
				continue
			}
			switch j.Kind {
			case summary.JobLost, summary.JobInterrupted, summary.JobFailed:
				ids = append(ids, j.Info.ID)
			case summary.JobTraining, summary.JobQueued, summary.JobUnknown:
				busy = append(busy, fmt.Sprintf("%s (%s)", j.Info.ID, j.Kind))
			}
		}
		n += len(ids)
		rel := ""
		if len(dirs) > 1 {
			rel = filepath.Base(d)
		}
		runs = append(runs, runner.ArrayRun{Rel: rel, Run: r, Only: ids})
	}
	if n == 0 {
		msg := "nothing to resume in " + dir + ": every job is finished"
		if len(busy) > 0 {
			msg = "nothing to resume in " + dir + ": the unfinished jobs train, wait in Slurm's queue, or cannot be told while squeue fails: " + strings.Join(busy, ", ")
		}
		return errors.New(msg)
	}
	if len(busy) > 0 {
		fmt.Printf("sipbench: left alone (training, queued, or unknown): %s\n", strings.Join(busy, ", "))
	}
	return submitArray(dir, name, runs, f)
}
