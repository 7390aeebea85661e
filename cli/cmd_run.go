package cli

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cli/showcmd"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
	"github.com/sipbench/sipbench/trainers"
)

const runUsage = "sipbench run PRESET [--methods a,b] [--steps N] [--seed S] [--seeds K] " +
	"[--scale quick|paper] [--set key=value]… [--tuned TUNEDIR] [--workers W] [--out DIR] [--headless]\n" +
	"       [--slurm|--cluster E [--partition P] [--time T] [--cpus-per-task C] [--mem M] [--account A] [--qos Q]\n" +
	"        [--max-parallel N] [--sbatch-arg ARG]… [--requeue-max R] [--signal-lead D] [--dry-run]]"

// runFlags are the flags of `sipbench run`.
type runFlags struct {
	methods, scale, out string
	tuned               string
	steps, seed, seeds  int
	workers             int
	sets                cmdline.ListFlag
}

// check returns a usage error for seeds, workers or steps out of their ranges.
func (f *runFlags) check() error {
	if f.seeds < 1 || f.seed < 0 {
		return cmdline.Usagef("", "--seed must be ≥ 0 and --seeds ≥ 1")
	}
	if f.seeds > runner.MaxSeeds || f.seed > runner.MaxSeed-f.seeds {
		return cmdline.Usagef("", "--seeds %d from --seed %d: at most %d seeds, each at most %d", f.seeds, f.seed, runner.MaxSeeds, runner.MaxSeed)
	}
	if f.workers < 0 {
		return cmdline.Usagef("", "--workers must be ≥ 0")
	}
	if f.steps < 0 {
		return cmdline.Usagef("", "--steps must be ≥ 1")
	}
	return nil
}

// cmdRun creates a run folder of a preset and trains it (here, in the background with the
// dashboard, or on Slurm).
func cmdRun(args []string) error {
	fs := cmdline.NewFlags("run", runUsage)
	var f runFlags
	fs.StringVar(&f.methods, "methods", "", "comma-separated methods to compare (default: the preset's defaults)")
	fs.StringVar(&f.scale, "scale", "", "quick (default) or paper")
	fs.IntVar(&f.steps, "steps", 0, "training steps per job (default: the scale's)")
	fs.IntVar(&f.seed, "seed", 0, "first seed")
	fs.IntVar(&f.seeds, "seeds", 1, "number of seeds (one job per method and seed)")
	fs.IntVar(&f.workers, "workers", 0, "jobs that train at once (default: the number of cores)")
	fs.Var(&f.sets, "set", "override a setting, key=value (repeatable; see 'sipbench list --json')")
	fs.StringVar(&f.out, "out", "", "run folder (default: runs/<date-time>-<preset>)")
	fs.StringVar(&f.tuned, "tuned", "", "train each method at the learning rate that 'sipbench tune' found in this tune folder")
	view := addViewFlags(fs)
	ui := addUIFlags(fs)
	sf := addSlurmFlags(fs)
	pc := problemCmdFlags(fs)
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if _, err := ui.options(); err != nil {
		return err
	}
	if err := sf.check(fs); err != nil {
		return err
	}
	p, err := runPreset("run", pc, pos)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	spec, err := p.Resolve(f.scale, cmdline.SplitList(f.methods), withSteps(f.sets, f.steps))
	if err != nil {
		return cmdline.Usagef("run 'sipbench list --json' for the accepted methods and settings", "%v", err)
	}
	var rates map[string]float64
	var lrs []string // the tuned settings
	if f.tuned != "" {
		if lrs, rates, err = cmdline.TunedSets(f.tuned, p.Name, spec.MethodNames(), f.sets); err != nil {
			return cmdline.Usagef("", "%v", err)
		}
		if spec, err = p.Resolve(f.scale, cmdline.SplitList(f.methods), withSteps(append(slices.Clone([]string(f.sets)), lrs...), f.steps)); err != nil {
			return cmdline.Usagef("", "%v", err)
		}
	}
	if err := runner.CheckJobCount(len(spec.Methods), cmdline.SeedRange(f.seed, f.seeds)); err != nil {
		return cmdline.Usagef("", "%v", err)
	}
	out := f.out
	if out == "" {
		out = folder.NewRunDir(p.Name)
	}
	r, err := runner.Create(spec, cmdline.SeedRange(f.seed, f.seeds), out)
	if err != nil {
		return err
	}
	if rates != nil {
		if err := summary.MarkTuned(out, f.tuned, rates, cmdline.OtherTuned(lrs)); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "sipbench: at the rates tuned in %s: %s%s\n", f.tuned, cmdline.FmtRates(spec.MethodNames(), rates), cmdline.FmtOther(cmdline.OtherTuned(lrs)))
	}
	if sf.on {
		if err := submitArray(out, "sipbench-"+p.Name, []runner.ArrayRun{{Run: r}}, sf); err != nil || sf.dryRun {
			return err
		}
		fmt.Printf("  watch it: sipbench watch %s\n", out)
		return nil
	}
	return execute(r, f.workers, view, ui)
}

func cmdResume(args []string) error {
	fs := cmdline.NewFlags("resume", "sipbench resume DIR [--workers W] [--headless] [--job ID]… [--problem-cmd CMD | --trust-problem-cmd] [--slurm [Slurm flags as for run]]\n\nWith --slurm, the jobs that are not finished (lost, cancelled, failed, never submitted) are submitted to Slurm again, with the tasks of their first submission; DIR may then be a sweep folder.")
	workers := fs.Int("workers", 0, "jobs that train at once (default: the number of cores)")
	var jobs cmdline.ListFlag
	fs.Var(&jobs, "job", "train only this job (repeatable), here and headless; a failed job continues too")
	view := addViewFlags(fs)
	ui := addUIFlags(fs)
	sf := addSlurmFlags(fs)
	pc := problemCmdFlags(fs)
	fs.BoolVar(&pc.trust, "trust-problem-cmd", false, "run the problem command that the run folder records (only for a folder you trust)")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdline.Usagef("", "resume takes one run folder")
	}
	if _, err := ui.options(); err != nil {
		return err
	}
	if err := pc.forResume(pos[0]); err != nil {
		return err
	}
	if err := sf.check(fs); err != nil {
		return err
	}
	if sf.on {
		return resumeOnSlurm(pos[0], jobs, sf)
	}
	if folder.IsSweep(pos[0]) { // every combination: begun ones continue, the others start
		if len(jobs) > 0 {
			return cmdline.Usagef("", "--job names a job of a run folder; resume a combination of the sweep by its folder")
		}
		info, specs, seeds, err := folder.ContinueSweep(pos[0])
		if err != nil {
			return err
		}
		return trainSweep(pos[0], info, specs, seeds, *workers)
	}
	r, err := runner.Open(pos[0])
	if err != nil {
		return err
	}
	if len(jobs) > 0 {
		return trainHere(r, runner.Options{Workers: *workers, Jobs: jobs, RetryFailed: true}, view.every)
	}
	return execute(r, *workers, view, ui)
}

// execute trains the run. On a terminal (not headless) it starts the training in a
// detached background process and opens the dashboard on the run folder, so that
// quitting or a dropped connection does not stop it. Otherwise it trains here
// (trainHere).
func execute(r *runner.Run, workers int, view *viewFlags, ui *uiFlags) error {
	if !view.headless && interactive() {
		opts, err := ui.options()
		if err != nil {
			return err
		}
		free, busy := r.Claims()
		switch {
		case len(free) > 0:
			pid, err := spawnTraining(r.Dir, workers)
			if err != nil {
				return err
			}
			// A trainer that fails at once says why only in train.log: say it here.
			if err := trainers.Wait(r.Dir, pid, 10*time.Second); err != nil {
				return err
			}
		case len(busy) > 0:
			fmt.Fprintf(os.Stderr, "sipbench: %v; watching it\n", busy[0])
		}
		return watchInTUI(r.Dir, opts)
	}
	return trainHere(r, runner.Options{Workers: workers, RetryFailed: true}, view.every)
}

// trainHere trains the run in this process with progress lines: the first Ctrl-C or
// SIGTERM stops the jobs gracefully (checkpoints written, exit 130); a second one exits at
// once.
func trainHere(r *runner.Run, o runner.Options, every time.Duration) error {
	ctx, stop := cmdline.CancelOnSignal("the run")
	defer stop()
	sub := r.Subscribe()
	if err := r.Start(ctx, o); err != nil {
		return err
	}
	fmt.Printf("sipbench: %s (%s scale), %d jobs, run folder %s\n", r.Info.Preset, r.Info.Scale, len(r.Info.Jobs), r.Dir)
	for _, s := range r.Skipped {
		fmt.Println("sipbench: skipped:", s)
	}
	cmdline.PrintProgress(os.Stdout, r.Info, sub, every)
	states := r.Wait()
	fmt.Println()
	if err := showcmd.PrintRun(os.Stdout, r.Dir); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return &cmdline.ExitError{Code: 130}
	}
	for _, s := range states {
		if s == folder.Failed {
			return &cmdline.ExitError{Code: 1}
		}
	}
	return nil
}
