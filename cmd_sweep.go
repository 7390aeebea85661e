package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

const sweepUsage = "sipbench sweep PRESET --set key=v1,v2,… [--set key=v]… [--methods a,b] [--steps N] " +
	"[--seed S] [--seeds K] [--scale quick|paper] [--workers W] [--out DIR] [--slurm …] (see sipbench run -h)"

func cmdSweep(args []string) error {
	fs := newFlags("sweep", sweepUsage)
	var sets listFlag
	methods := fs.String("methods", "", "comma-separated methods (default: the preset's defaults)")
	scale := fs.String("scale", "", "quick (default) or paper")
	steps := fs.Int("steps", 0, "training steps per job (default: the scale's)")
	seed := fs.Int("seed", 0, "first seed")
	seeds := fs.Int("seeds", 1, "number of seeds per combination")
	workers := fs.Int("workers", 0, "jobs that train at once within a combination (default: the number of cores)")
	fs.Var(&sets, "set", "a setting and its values, key=v1,v2,… (repeatable; the grid is their product)")
	out := fs.String("out", "", "sweep folder (default: runs/<date-time>-sweep-<preset>)")
	sf := addSlurmFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := sf.check(fs); err != nil {
		return err
	}
	p, err := presetArg("sweep", pos)
	if err != nil {
		return err
	}
	if *steps < 0 || *seeds < 1 || *seed < 0 || *workers < 0 {
		return usagef("", "--steps, --seeds must be ≥ 1, --seed and --workers ≥ 0")
	}
	if p.IsSolver() {
		return usagef("", "%s has no network to train; sweep a training preset", p.Name)
	}
	var keys []string
	grid := map[string][]string{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || v == "" {
			return usagef("", "--set %q: want key=v1,v2,…", kv)
		}
		if _, dup := grid[k]; dup {
			return usagef("", "--set: %s given twice", k)
		}
		keys = append(keys, k)
		grid[k] = splitList(v)
	}
	var ms []string
	if *methods != "" {
		ms = splitList(*methods)
	}
	combos := [][]string{nil}
	for _, k := range keys {
		var next [][]string
		for _, c := range combos {
			for _, v := range grid[k] {
				next = append(next, append(append([]string(nil), c...), k+"="+v))
			}
		}
		combos = next
	}
	info := runner.SweepInfo{Preset: p.Name}
	for _, k := range keys {
		if len(grid[k]) > 1 {
			info.Keys = append(info.Keys, k)
		}
	}
	var specs []*presets.Spec
	for _, c := range combos {
		s := c
		if *steps > 0 {
			s = append(append([]string(nil), c...), fmt.Sprintf("steps=%d", *steps))
		}
		spec, err := p.Resolve(*scale, ms, s)
		if err != nil {
			return usagef("run 'sipbench list --json' for the accepted methods and settings", "%v", err)
		}
		specs = append(specs, spec)
		run := runner.SweepRun{Values: map[string]string{}}
		var name []string
		for _, kv := range c {
			k, _, _ := strings.Cut(kv, "=")
			run.Values[k] = spec.Values[k]
			if len(grid[k]) > 1 {
				name = append(name, k+"="+spec.Values[k])
			}
		}
		run.Dir = strings.Join(name, "_")
		if run.Dir == "" {
			run.Dir = "all"
		}
		info.Runs = append(info.Runs, run)
		info.Scale, info.Methods = spec.Scale, spec.MethodNames()
	}
	dir := *out
	if dir == "" {
		dir = runner.NewRunDir("sweep-" + p.Name)
	}
	if _, err := os.Stat(filepath.Join(dir, runner.SweepFile)); err == nil {
		return fmt.Errorf("%s already holds a sweep (use another --out)", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, runner.SweepFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var seedList []int
	for i := range *seeds {
		seedList = append(seedList, *seed+i)
	}
	if sf.on {
		return submitSweep(dir, info, specs, seedList, sf)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			fmt.Fprintln(os.Stderr, "\nsipbench: stopping the sweep (checkpoints are being written)")
			cancel()
		}
	}()
	fmt.Printf("sipbench: sweep of %s (%s scale), %d combinations × %d jobs, folder %s\n",
		p.Name, info.Scale, len(specs), len(specs[0].Methods)*len(seedList), dir)
	failed := false
	for i, spec := range specs {
		start := time.Now()
		r, err := runner.Create(spec, seedList, filepath.Join(dir, info.Runs[i].Dir))
		if err != nil {
			return err
		}
		if err := r.Start(ctx, runner.Options{Workers: *workers}); err != nil {
			return err
		}
		states := r.Wait()
		var notes []string
		for id, s := range states {
			if s != runner.Done {
				notes = append(notes, id+" "+string(s))
			}
			failed = failed || s == runner.Failed
		}
		fmt.Printf("  [%d/%d] %-20s %5.1fs %s\n", i+1, len(specs), info.Runs[i].Dir, time.Since(start).Seconds(), strings.Join(notes, ", "))
		if ctx.Err() != nil {
			return &exitError{130}
		}
	}
	fmt.Println()
	if err := showSweep(os.Stdout, dir); err != nil {
		return err
	}
	if failed {
		return &exitError{1}
	}
	return nil
}

// isSweep reports whether dir is a sweep folder.
func isSweep(dir string) bool { return runner.IsSweep(dir) }

// showSweep prints a sweep's table: per combination (rows) and method (columns), the
// preset's metric at each job's end, averaged over the last 64 logged steps and over
// seeds (Figure 5 d/e).
func showSweep(w io.Writer, dir string) error {
	info, err := runner.ReadSweep(dir)
	if err != nil {
		return err
	}
	if len(info.Runs) == 0 {
		return errors.New("sweep has no runs")
	}
	var metric string
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := strings.Join(info.Keys, " ") + "\t"
	if len(info.Keys) == 0 {
		header = "RUN\t"
	}
	for _, m := range info.Methods {
		header += m + "\t"
	}
	var lines []string
	for _, run := range info.Runs {
		sub := filepath.Join(dir, run.Dir)
		ri, err := runner.ReadRunInfo(sub)
		if err != nil {
			lines = append(lines, run.Dir+"\t(not started)\t")
			continue
		}
		metric = ri.Metric
		s, err := Summarize(sub, ri, nil, 64)
		if err != nil {
			return err
		}
		label := run.Dir
		if len(info.Keys) > 0 {
			var vs []string
			for _, k := range info.Keys {
				vs = append(vs, run.Values[k])
			}
			label = strings.Join(vs, " ")
		}
		line := label + "\t"
		for _, m := range info.Methods {
			var sum float64
			var n int
			for _, js := range s.Jobs {
				if js.Job.Method == m {
					sum += js.Values[len(js.Values)-1]
					n++
				}
			}
			v := nan()
			if n > 0 {
				v = sum / float64(n)
			}
			line += fmtVal(v) + "\t"
		}
		lines = append(lines, line)
	}
	fmt.Fprintf(w, "%s: sweep of %s (%s scale); %s at the end, mean over the last 64 logged steps and the seeds\n",
		dir, info.Preset, info.Scale, metric)
	fmt.Fprintln(tw, header)
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	return tw.Flush()
}

// submitSweep creates every combination's run folder under dir, as a local sweep would,
// and submits one Slurm array with a task per job of every combination.
func submitSweep(dir string, info runner.SweepInfo, specs []*presets.Spec, seeds []int, sf *slurmFlags) error {
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
