package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sipbench/sipbench/runner"
)

const runUsage = "sipbench run PRESET [--methods a,b] [--steps N] [--seed S] [--seeds K] " +
	"[--scale quick|paper] [--set key=value]… [--workers W] [--out DIR] [--headless]\n" +
	"       [--slurm [--partition P] [--time T] [--cpus-per-task C] [--mem M] [--account A] [--qos Q]\n" +
	"        [--max-parallel N] [--sbatch-arg ARG]… [--requeue-max R] [--signal-lead D] [--dry-run]]"

// runFlags are the flags of `sipbench run`.
type runFlags struct {
	methods, scale, out string
	steps, seed, seeds  int
	workers             int
	sets                listFlag
	headless            bool
	every               time.Duration
}

func cmdRun(args []string) error {
	fs := newFlags("run", runUsage)
	var f runFlags
	fs.StringVar(&f.methods, "methods", "", "comma-separated methods to compare (default: the preset's defaults)")
	fs.StringVar(&f.scale, "scale", "", "quick (default) or paper")
	fs.IntVar(&f.steps, "steps", 0, "training steps per job (default: the scale's)")
	fs.IntVar(&f.seed, "seed", 0, "first seed")
	fs.IntVar(&f.seeds, "seeds", 1, "number of seeds (one job per method and seed)")
	fs.IntVar(&f.workers, "workers", 0, "jobs that train at once (default: the number of cores)")
	fs.Var(&f.sets, "set", "override a setting, key=value (repeatable; see 'sipbench list --json')")
	fs.StringVar(&f.out, "out", "", "run folder (default: runs/<date-time>-<preset>)")
	fs.BoolVar(&f.headless, "headless", false, "print progress lines instead of opening the dashboard")
	printEveryVar(fs, &f.every, 5*time.Second, "time between progress lines (headless)")
	ui := addUIFlags(fs)
	sf := addSlurmFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if _, err := ui.options(); err != nil {
		return err
	}
	if err := sf.check(fs); err != nil {
		return err
	}
	p, err := presetArg("run", pos)
	if err != nil {
		return err
	}
	if f.seeds < 1 || f.seed < 0 {
		return usagef("", "--seed must be ≥ 0 and --seeds ≥ 1")
	}
	if f.workers < 0 {
		return usagef("", "--workers must be ≥ 0")
	}
	if f.steps < 0 {
		return usagef("", "--steps must be ≥ 1")
	}
	sets := []string(f.sets)
	if f.steps > 0 {
		sets = append(sets, fmt.Sprintf("steps=%d", f.steps))
	}
	var methods []string
	if f.methods != "" {
		methods = splitList(f.methods)
	}
	spec, err := p.Resolve(f.scale, methods, sets)
	if err != nil {
		return usagef("run 'sipbench list --json' for the accepted methods and settings", "%v", err)
	}
	out := f.out
	if out == "" {
		out = runner.NewRunDir(p.Name)
	}
	var seeds []int
	for i := 0; i < f.seeds; i++ {
		seeds = append(seeds, f.seed+i)
	}
	r, err := runner.Create(spec, seeds, out)
	if err != nil {
		return err
	}
	if sf.on {
		if err := submitArray(out, "sipbench-"+p.Name, []runner.ArrayRun{{Run: r}}, sf); err != nil || sf.dryRun {
			return err
		}
		fmt.Printf("  watch it: sipbench watch %s\n", out)
		return nil
	}
	return execute(r, f.workers, f.headless, f.every, ui)
}

func cmdResume(args []string) error {
	fs := newFlags("resume", "sipbench resume DIR [--workers W] [--headless] [--job ID]…")
	workers := fs.Int("workers", 0, "jobs that train at once (default: the number of cores)")
	var jobs listFlag
	fs.Var(&jobs, "job", "train only this job (repeatable), here and headless; a failed job continues too")
	headless := fs.Bool("headless", false, "print progress lines instead of opening the dashboard")
	every := printEveryFlag(fs, 5*time.Second, "time between progress lines (headless)")
	ui := addUIFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("", "resume takes one run folder")
	}
	if _, err := ui.options(); err != nil {
		return err
	}
	r, err := runner.Open(pos[0])
	if err != nil {
		return err
	}
	if len(jobs) > 0 {
		return trainHere(r, runner.Options{Workers: *workers, Jobs: jobs, RetryFailed: true}, *every)
	}
	return execute(r, *workers, *headless, *every, ui)
}

// execute trains the run. On a terminal (not headless) it starts the training in a
// detached background process and opens the dashboard on the run folder, so that
// quitting or a dropped connection does not stop it. Otherwise it trains here
// (trainHere).
func execute(r *runner.Run, workers int, headless bool, every time.Duration, ui *uiFlags) error {
	if !headless && interactive() {
		opts, err := ui.options()
		if err != nil {
			return err
		}
		if _, err := spawnTraining(r.Dir, workers); err != nil {
			return err
		}
		return watchInTUI(r.Dir, opts)
	}
	return trainHere(r, runner.Options{Workers: workers}, every)
}

// trainHere trains the run in this process with progress lines: the first Ctrl-C or
// SIGTERM stops the jobs gracefully (checkpoints written, exit 130); a second one exits at
// once.
func trainHere(r *runner.Run, o runner.Options, every time.Duration) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	interrupted := make(chan struct{})
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		close(interrupted)
		fmt.Fprintln(os.Stderr, "\nsipbench: stopping (checkpoints are being written; Ctrl-C again to quit at once)")
		cancel()
		if _, ok := <-sigs; ok {
			os.Exit(130)
		}
	}()
	sub := r.Subscribe()
	if err := r.Start(ctx, o); err != nil {
		return err
	}
	fmt.Printf("sipbench: %s (%s scale), %d jobs, run folder %s\n", r.Info.Preset, r.Info.Scale, len(r.Info.Jobs), r.Dir)
	for _, s := range r.Skipped {
		fmt.Println("sipbench: skipped:", s)
	}
	printProgress(os.Stdout, r.Info, sub, every)
	states := r.Wait()
	fmt.Println()
	if err := showRun(os.Stdout, r.Dir, nil, 0, false); err != nil {
		return err
	}
	select {
	case <-interrupted:
		return &exitError{130}
	default:
	}
	for _, s := range states {
		if s == runner.Failed {
			return &exitError{1}
		}
	}
	return nil
}

// printProgress prints a line per job every interval until the subscription closes.
func printProgress(w io.Writer, info runner.RunInfo, sub *runner.Subscription, every time.Duration) {
	type jobView struct {
		state runner.State
		step  int
		wall  float64
		val   float64
		msg   string
		slurm string // Slurm's view, for a cluster run
	}
	metric := 0
	for i, m := range info.Metrics {
		if m == info.Metric {
			metric = i
		}
	}
	views := map[string]*jobView{}
	for _, j := range info.Jobs {
		views[j.ID] = &jobView{state: runner.Queued}
	}
	start := time.Now()
	print := func() {
		for _, j := range info.Jobs {
			v := views[j.ID]
			rate := 0.0
			if v.wall > 0 {
				rate = float64(v.step) / v.wall
			}
			line := fmt.Sprintf("[%5.0fs] %-24s %-9s step %6d/%-6d", time.Since(start).Seconds(), j.ID, v.state, v.step, j.Steps)
			if v.step > 0 {
				line += fmt.Sprintf("  %s %-10.4g %7.1f steps/s", info.Metric, v.val, rate)
			}
			if v.slurm != "" {
				line += "  slurm: " + v.slurm
			}
			if v.msg != "" {
				line += "  " + v.msg
			}
			fmt.Fprintln(w, line)
		}
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case _, ok := <-sub.C:
			for _, e := range sub.Drain() {
				v := views[e.Job]
				if v == nil {
					continue
				}
				switch e.Kind {
				case runner.EvState:
					v.state, v.msg = e.State, e.Message
					if e.State.Final() && e.State != runner.Done {
						fmt.Fprintf(w, "[%5.0fs] %s %s at step %d %s\n", time.Since(start).Seconds(), e.Job, e.State, e.Step, e.Message)
					}
				case runner.EvMetrics:
					v.step, v.wall, v.val = e.Step, e.Wall, e.Metrics[metric]
				case runner.EvCluster:
					v.slurm = e.Cluster.String()
				}
			}
			if !ok {
				print()
				return
			}
		case <-tick.C:
			print()
		}
	}
}
