package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cli/showcmd"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

const sweepUsage = "sipbench sweep PRESET --set key=v1,v2,… [--set key=v]… [--methods a,b] [--steps N] " +
	"[--seed S] [--seeds K] [--scale quick|paper] [--workers W] [--out DIR] [--slurm …] [--problem-cmd CMD instead of PRESET] (see sipbench run -h)"

func cmdSweep(args []string) error {
	fs := cmdline.NewFlags("sweep", sweepUsage)
	var sets cmdline.ListFlag
	methods := fs.String("methods", "", "comma-separated methods (default: the preset's defaults)")
	scale := fs.String("scale", "", "quick (default) or paper")
	steps := fs.Int("steps", 0, "training steps per job (default: the scale's)")
	seed := fs.Int("seed", 0, "first seed")
	seeds := fs.Int("seeds", 1, "number of seeds per combination")
	workers := fs.Int("workers", 0, "jobs that train at once within a combination (default: the number of cores)")
	fs.Var(&sets, "set", "a setting and its values, key=v1,v2,… (repeatable; the grid is their product)")
	out := fs.String("out", "", "sweep folder (default: runs/<date-time>-sweep-<preset>)")
	sf := addSlurmFlags(fs)
	pc := problemCmdFlags(fs)
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := sf.check(fs); err != nil {
		return err
	}
	p, err := runPreset("sweep", pc, pos)
	if err != nil {
		return err
	}
	if *steps < 0 || *seeds < 1 || *seed < 0 || *workers < 0 {
		return cmdline.Usagef("", "--steps, --seeds must be ≥ 1, --seed and --workers ≥ 0")
	}
	if *seeds > runner.MaxSeeds || *seed > runner.MaxSeed-*seeds {
		return cmdline.Usagef("", "--seeds %d from --seed %d: at most %d seeds, each at most %d", *seeds, *seed, runner.MaxSeeds, runner.MaxSeed)
	}
	if p.IsSolver() {
		return cmdline.Usagef("", "%s has no network to train; sweep a training preset", p.Name)
	}
	grid, err := folder.ParseGrid(sets)
	if err != nil {
		return cmdline.Usagef("", "%v", err)
	}
	info, specs, err := folder.PlanSweep(p, *scale, cmdline.SplitList(*methods), grid, withSteps(nil, *steps))
	if err != nil {
		return cmdline.Usagef("run 'sipbench list --json' for the accepted methods and settings", "%v", err)
	}
	dir := *out
	if dir == "" {
		dir = folder.NewRunDir("sweep-" + p.Name)
	}
	if err := runner.CheckJobCount(len(specs[0].Methods), cmdline.SeedRange(*seed, *seeds)); err != nil {
		return cmdline.Usagef("", "%v", err)
	}
	if folder.IsSweep(dir) { // an interrupted sweep: the same flags continue it
		old, err := folder.ReadSweep(dir)
		if err != nil {
			return err
		}
		if !folder.SameSweep(old, info) {
			return fmt.Errorf("%s holds another sweep (of %s over %s): sipbench resume %s continues it, another --out starts this one",
				dir, old.Preset, strings.Join(old.Keys, ", "), dir)
		}
	} else if err := folder.CreateSweep(dir, info); err != nil {
		return err
	}
	seedList := cmdline.SeedRange(*seed, *seeds)
	if sf.on {
		return submitSweep(dir, info, specs, seedList, sf)
	}
	return trainSweep(dir, info, specs, seedList, *workers)
}

// trainSweep trains the sweep's combinations here, one after the other, each with a
// line when it ends, then prints the sweep's table. Ctrl-C or SIGTERM stops the sweep
// with checkpoints written (exit 130).
func trainSweep(dir string, info folder.SweepInfo, specs []*presets.Spec, seeds []int, workers int) error {
	ctx, stop := cmdline.CancelOnSignal("the sweep")
	defer stop()
	fmt.Printf("sipbench: sweep of %s (%s scale), %d combinations × %d jobs, folder %s\n",
		info.Preset, info.Scale, len(specs), len(specs[0].Methods)*len(seeds), dir)
	failed := false
	for i, spec := range specs {
		start := time.Now()
		sub := filepath.Join(dir, info.Runs[i].Dir)
		var r *runner.Run
		var err error
		continued := false
		if fi, serr := os.Lstat(filepath.Join(sub, "run.json")); serr == nil && fi.Mode().IsRegular() {
			r, err = runner.Open(sub) // begun before: continued, failed jobs included
			continued = true
		} else {
			r, err = runner.Create(spec, seeds, sub)
		}
		if err != nil {
			return err
		}
		if err := r.Start(ctx, runner.Options{Workers: workers, RetryFailed: continued}); err != nil {
			return err
		}
		notes, f := cmdline.EndNotes(r.Wait())
		failed = failed || f
		line := fmt.Sprintf("  [%d/%d] %-20s %5.1fs %s", i+1, len(specs), info.Runs[i].Dir, time.Since(start).Seconds(), notes)
		fmt.Println(strings.TrimRight(line, " "))
		if ctx.Err() != nil {
			return &cmdline.ExitError{Code: 130}
		}
	}
	fmt.Println()
	if err := showcmd.PrintSweep(os.Stdout, dir); err != nil {
		return err
	}
	if failed {
		return &cmdline.ExitError{Code: 1}
	}
	return nil
}

// submitSweep creates every combination's run folder under dir, as a local sweep would,
// and submits one Slurm array with a task per job of every combination.
func submitSweep(dir string, info folder.SweepInfo, specs []*presets.Spec, seeds []int, sf *slurmFlags) error {
	var runs []runner.ArrayRun
	for i, spec := range specs {
		r, err := runner.Create(spec, seeds, filepath.Join(dir, info.Runs[i].Dir))
		if err != nil {
			return err
		}
		runs = append(runs, runner.ArrayRun{Rel: info.Runs[i].Dir, Run: r})
	}
	if err := submitArray(dir, "sipbench-sweep-"+info.Preset, runs, sf); err != nil || sf.dryRun {
		return err
	}
	fmt.Printf("  watch a combination: sipbench watch %s\n", filepath.Join(dir, info.Runs[0].Dir))
	fmt.Printf("  the table so far:    sipbench show %s\n", dir)
	return nil
}
