package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

const runUsage = "sipbench run PRESET [--methods a,b] [--steps N] [--seed S] [--seeds K] " +
	"[--scale quick|paper] [--set key=value]… [--tuned TUNEDIR] [--workers W] [--out DIR] [--headless]\n" +
	"       [--slurm [--partition P] [--time T] [--cpus-per-task C] [--mem M] [--account A] [--qos Q]\n" +
	"        [--max-parallel N] [--sbatch-arg ARG]… [--requeue-max R] [--signal-lead D] [--dry-run]]"

// runFlags are the flags of `sipbench run`.
type runFlags struct {
	methods, scale, out string
	tuned               string
	steps, seed, seeds  int
	workers             int
	sets                listFlag
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
	fs.StringVar(&f.tuned, "tuned", "", "train each method at the learning rate that 'sipbench tune' found in this tune folder")
	view := addViewFlags(fs)
	ui := addUIFlags(fs)
	sf := addSlurmFlags(fs)
	pc := problemCmdFlags(fs)
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
	p, err := runPreset("run", pc, pos)
	if err != nil {
		return err
	}
	if f.seeds < 1 || f.seed < 0 {
		return usagef("", "--seed must be ≥ 0 and --seeds ≥ 1")
	}
	if f.seeds > runner.MaxSeeds || f.seed > runner.MaxSeed-f.seeds {
		return usagef("", "--seeds %d from --seed %d: at most %d seeds, each at most %d", f.seeds, f.seed, runner.MaxSeeds, runner.MaxSeed)
	}
	if f.workers < 0 {
		return usagef("", "--workers must be ≥ 0")
	}
	if f.steps < 0 {
		return usagef("", "--steps must be ≥ 1")
	}
	spec, err := p.Resolve(f.scale, splitList(f.methods), withSteps(f.sets, f.steps))
	if err != nil {
		return usagef("run 'sipbench list --json' for the accepted methods and settings", "%v", err)
	}
	var rates map[string]float64
	if f.tuned != "" {
		var lrs []string
		if lrs, rates, err = tunedSets(f.tuned, p.Name, spec.MethodNames(), f.sets); err != nil {
			return usagef("", "%v", err)
		}
		if spec, err = p.Resolve(f.scale, splitList(f.methods), withSteps(append(slices.Clone([]string(f.sets)), lrs...), f.steps)); err != nil {
			return usagef("", "%v", err)
		}
	}
	if err := runner.CheckJobCount(len(spec.Methods), seedRange(f.seed, f.seeds)); err != nil {
		return usagef("", "%v", err)
	}
	out := f.out
	if out == "" {
		out = runner.NewRunDir(p.Name)
	}
	r, err := runner.Create(spec, seedRange(f.seed, f.seeds), out)
	if err != nil {
		return err
	}
	if rates != nil {
		if err := runner.MarkTuned(out, f.tuned, rates); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "sipbench: at the rates tuned in %s: %s\n", f.tuned, fmtRates(spec.MethodNames(), rates))
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
	fs := newFlags("resume", "sipbench resume DIR [--workers W] [--headless] [--job ID]… [--problem-cmd CMD | --trust-problem-cmd] [--slurm [Slurm flags as for run]]\n\nWith --slurm, the jobs that are not finished (lost, cancelled, failed, never submitted) are submitted to Slurm again, with the tasks of their first submission; DIR may then be a sweep folder.")
	workers := fs.Int("workers", 0, "jobs that train at once (default: the number of cores)")
	var jobs listFlag
	fs.Var(&jobs, "job", "train only this job (repeatable), here and headless; a failed job continues too")
	view := addViewFlags(fs)
	ui := addUIFlags(fs)
	sf := addSlurmFlags(fs)
	pc := problemCmdFlags(fs)
	fs.BoolVar(&pc.trust, "trust-problem-cmd", false, "run the problem command that the run folder records (only for a folder you trust)")
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
	if err := pc.forResume(pos[0]); err != nil {
		return err
	}
	if err := sf.check(fs); err != nil {
		return err
	}
	if sf.on {
		return resumeOnSlurm(pos[0], jobs, sf)
	}
	if runner.IsSweep(pos[0]) { // every combination: begun ones continue, the others start
		if len(jobs) > 0 {
			return usagef("", "--job names a job of a run folder; resume a combination of the sweep by its folder")
		}
		info, specs, seeds, err := runner.ContinueSweep(pos[0])
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
			if err := runner.WaitTrainer(r.Dir, pid, 10*time.Second); err != nil {
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
	if err := showRun(os.Stdout, r.Dir); err != nil {
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

// printProgress prints a line per job every interval until the subscription closes,
// and a line whenever a job ends other than done.
func printProgress(w io.Writer, info runner.RunInfo, sub *runner.Subscription, every time.Duration) {
	p := newProgress(w, info)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case _, ok := <-sub.C:
			for _, e := range sub.Drain() {
				p.apply(e)
			}
			if !ok {
				p.print()
				return
			}
		case <-tick.C:
			p.print()
		}
	}
}

// progress is what the headless progress lines show of each job.
type progress struct {
	w     io.Writer
	info  runner.RunInfo
	col   int // the column of info.Metric
	start time.Time
	jobs  map[string]*jobProgress
}

type jobProgress struct {
	state runner.State
	step  int
	wall  float64
	val   float64
	msg   string
	slurm string // Slurm's view, for a cluster run
}

func newProgress(w io.Writer, info runner.RunInfo) *progress {
	p := &progress{w: w, info: info, start: time.Now(), jobs: map[string]*jobProgress{}}
	for i, m := range info.Metrics {
		if m == info.Metric {
			p.col = i
		}
	}
	for _, j := range info.Jobs {
		p.jobs[j.ID] = &jobProgress{state: runner.Queued}
	}
	return p
}

// apply takes an event in; a job that ends other than done gets a line at once.
func (p *progress) apply(e runner.Event) {
	v := p.jobs[e.Job]
	if v == nil {
		return
	}
	switch e.Kind {
	case runner.EvState:
		v.state, v.msg = e.State, runner.SanitizeLines(e.Message, 1000) // it may quote a folder's content
		if e.State.Final() && e.State != runner.Done || e.State == runner.Lost {
			line := fmt.Sprintf("[%5.0fs] %s %s at step %d %s", time.Since(p.start).Seconds(), e.Job, e.State, e.Step, v.msg)
			fmt.Fprintln(p.w, strings.TrimRight(line, " "))
		}
	case runner.EvMetrics:
		v.step, v.wall, v.val = e.Step, e.Wall, e.Metrics[p.col]
	case runner.EvCluster:
		v.slurm = e.Cluster.String()
	case runner.EvNote:
		fmt.Fprintf(p.w, "[%5.0fs] %s: %s\n", time.Since(p.start).Seconds(), e.Job, runner.SanitizeLines(e.Message, 1000))
	}
}

// print writes a line per job.
func (p *progress) print() {
	for _, j := range p.info.Jobs {
		v := p.jobs[j.ID]
		rate := 0.0
		if v.wall > 0 {
			rate = float64(v.step) / v.wall
		}
		line := fmt.Sprintf("[%5.0fs] %-24s %-9s step %6d/%-6d", time.Since(p.start).Seconds(), j.ID, v.state, v.step, j.Steps)
		if v.step > 0 {
			line += fmt.Sprintf("  %s %-10.4g %7.1f steps/s", p.info.Metric, v.val, rate)
		}
		if v.slurm != "" {
			line += "  slurm: " + v.slurm
		}
		if v.msg != "" {
			line += "  " + v.msg
		}
		fmt.Fprintln(p.w, line)
	}
}

// fmtRates formats the rates of methods that rates holds: "adam 0.00316, sgd 0.1".
func fmtRates(methods []string, rates map[string]float64) string {
	var parts []string
	for _, m := range methods {
		if lr, ok := rates[m]; ok {
			parts = append(parts, m+" "+strconv.FormatFloat(lr, 'g', 3, 64))
		}
	}
	return strings.Join(parts, ", ")
}

// runPreset returns the preset that `run` (or `sweep`) names, or the preset of a problem
// process (--problem-cmd, without a preset).
func runPreset(cmd string, pc *problemCmd, pos []string) (*presets.Preset, error) {
	if pc.cmd == "" {
		return presetArg(cmd, pos)
	}
	if len(pos) > 0 {
		return nil, usagef("the process describes its problem and proposes its preset (docs/problem-protocol.md)",
			"%s takes a preset or --problem-cmd, not both", cmd)
	}
	return pc.preset()
}
