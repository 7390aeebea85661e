// Package tunecmd is the command `sipbench tune`: each method's best learning rate by
// successive halving, and the table of a tune folder.
package tunecmd

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/tune"
)

const tuneUsage = "sipbench tune PRESET --methods a,b [--lr 1e-5:1e-1] [--per-decade 2] [--lr-only] [--steps N | --budget STEPS] " +
	"[--seed S] [--validation N] [--scale quick|paper] [--set key=value]… [--workers W] [--out DIR] [--slurm …] (see sipbench run -h)\n\n" +
	"Successive halving over a log grid of learning rates, crossed with the values of every other hyper-parameter a\n" +
	"method declares tunable (SGD's momentum 0, 0.5, 0.9, 0.99; HIG's and Gauss–Newton's τ 1e-8 to 1e-2; --lr-only\n" +
	"leaves them at the preset's): every point trains a short way, the better half (by the preset's metric on\n" +
	"held-out examples of the seed's validation stream, never a training batch) trains twice as long, until one point\n" +
	"per method remains, trained for --steps. Each rung is a sweep folder of the tune folder; tuned.json records every\n" +
	"rung's curve, the budget and each method's best point (sipbench run PRESET --tuned DIR). A best value at the end\n" +
	"of its range is flagged: the best may lie beyond it. --out with a tune folder resumes it with its recorded plan."

// tuneFlags are tune's flags for a new search.
type tuneFlags struct {
	methods, lr, scale                    string
	perDecade, steps, budget, seed, valid int
	lrOnly                                bool
	sets                                  cmdline.ListFlag
}

// Run searches each method's best learning rate (and other hyper-parameters) by
// successive halving, or resumes a search (`sipbench tune`); cluster defines the flags that
// submit each rung to a cluster instead (--slurm).
func Run(args []string, cluster cmdline.Cluster) error {
	fs := cmdline.NewFlags("tune", tuneUsage)
	var f tuneFlags
	fs.StringVar(&f.methods, "methods", "", "comma-separated methods to tune (default: the preset's defaults)")
	fs.StringVar(&f.lr, "lr", "1e-5:1e-1", "the range of learning rates, LO:HI")
	fs.IntVar(&f.perDecade, "per-decade", 2, "rates per decade of the log grid")
	fs.BoolVar(&f.lrOnly, "lr-only", false, "search the learning rates alone, each method's other hyper-parameters at the preset's values")
	fs.IntVar(&f.steps, "steps", 0, "training steps of the last rung, each rung before it half the next (default: the scale's)")
	fs.IntVar(&f.budget, "budget", 0, "total training steps of the search, over every rung, rate and method (sets --steps)")
	fs.IntVar(&f.seed, "seed", 0, "the seed: initial weights, training batches and held-out examples")
	fs.IntVar(&f.valid, "validation", 256, "held-out examples each rate is scored on")
	fs.StringVar(&f.scale, "scale", "", "quick (default) or paper")
	workers := fs.Int("workers", 0, "jobs that train at once within a rate's run (default: the number of cores)")
	fs.Var(&f.sets, "set", "a setting, key=value (repeatable; not the tuned methods' lr.<method>)")
	out := fs.String("out", "", "tune folder (default: runs/<date-time>-tune-<preset>); a tune folder there is resumed")
	sf := cluster(fs)
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := sf.Check(fs); err != nil {
		return err
	}
	if sf.On() && sf.DryRun() {
		return cmdline.Usagef("", "tune --slurm submits one array per rung as the search goes; --dry-run has no rungs to show")
	}
	if *workers < 0 {
		return cmdline.Usagef("", "--per-decade and --validation must be ≥ 1; --steps, --budget, --seed and --workers ≥ 0")
	}
	dir := *out
	var plan tune.Plan
	if prev, err := cmdline.ReadTune(dir); err == nil {
		plan = prev.Plan // resume: the recorded plan, whatever the flags say
		fmt.Printf("sipbench: resuming the search in %s (%s, methods %s)\n", dir, plan.Preset, strings.Join(plan.Methods, ","))
	} else if plan, dir, err = f.newPlan(pos, dir); err != nil {
		return err
	}
	return runTune(dir, plan, *workers, sf)
}

// newPlan returns the plan of a new search of the preset that pos names, and its folder
// (dir, or a new one under runs/ if dir is "").
func (f *tuneFlags) newPlan(pos []string, dir string) (tune.Plan, string, error) {
	p, err := cmdline.PresetArg("tune", pos)
	if err != nil {
		return tune.Plan{}, "", err
	}
	if p.IsSolver() {
		return tune.Plan{}, "", cmdline.Usagef("", "%s has no network to train; tune a training preset", p.Name)
	}
	lo, hi, ok := parseRange(f.lr)
	if !ok {
		return tune.Plan{}, "", cmdline.Usagef("", "--lr %q: want LO:HI with 0 < LO ≤ HI, such as 1e-5:1e-1", f.lr)
	}
	if f.perDecade < 1 || f.steps < 0 || f.budget < 0 || f.seed < 0 || f.valid < 1 {
		return tune.Plan{}, "", cmdline.Usagef("", "--per-decade and --validation must be ≥ 1; --steps, --budget, --seed and --workers ≥ 0")
	}
	if f.steps > 0 && f.budget > 0 {
		return tune.Plan{}, "", cmdline.Usagef("", "give --steps or --budget, not both")
	}
	spec, err := p.Resolve(f.scale, cmdline.SplitList(f.methods), f.sets)
	if err != nil {
		return tune.Plan{}, "", cmdline.Usagef("run 'sipbench list --json' for the accepted methods and settings", "%v", err)
	}
	plan := tune.Plan{Preset: p.Name, Scale: spec.Scale, Methods: spec.MethodNames(), Sets: f.sets, Lo: lo, Hi: hi,
		PerDecade: f.perDecade, Steps: f.steps, Seed: f.seed, Validation: f.valid, Hypers: !f.lrOnly}
	if err := searchedSets(f.sets, spec, plan.Hypers); err != nil {
		return tune.Plan{}, "", err
	}
	ns := candidateCounts(p, plan)
	switch {
	case f.budget > 0:
		plan.Steps = tune.StepsForOf(ns, f.budget)
		if plan.Steps < 1 {
			return tune.Plan{}, "", cmdline.Usagef("", "--budget %d steps is less than one step per point and method (%d)", f.budget, tune.CostOf(ns, 1))
		}
	case plan.Steps == 0:
		plan.Steps = spec.Common.Steps
	}
	if dir == "" {
		dir = folder.NewRunDir("tune-" + p.Name)
	}
	return plan, dir, nil
}

// runTune runs (or resumes) the search of plan in dir, then prints its record; Ctrl-C
// stops it with its checkpoints written.
func runTune(dir string, plan tune.Plan, workers int, sf cmdline.ClusterFlags) error {
	p, err := cmdline.PresetArg("tune", []string{plan.Preset})
	if err != nil {
		return err
	}
	ctx, stop := cmdline.CancelOnSignal("the search")
	defer stop()
	t := &tune.Tuner{Dir: dir, Plan: plan, Preset: p, Workers: workers, Log: os.Stdout}
	if sf.On() {
		t.Submit = func(rung string, runs []runner.ArrayRun) error {
			return sf.Submit(rung, "sipbench-tune-"+plan.Preset, runs)
		}
	}
	grid := tune.Grid(plan.Lo, plan.Hi, plan.PerDecade)
	ns := candidateCounts(p, plan)
	fmt.Printf("sipbench: tuning %s (%s scale) for %s: %d rates from %g to %g%s, %d rungs up to %d steps (%d training steps in all), seed %d, %d held-out examples; folder %s\n",
		plan.Preset, plan.Scale, strings.Join(plan.Methods, ", "), len(grid), plan.Lo, plan.Hi, hypersText(p, plan), tune.Rungs(slices.Max(ns)), plan.Steps,
		tune.CostOf(ns, plan.Steps), plan.Seed, plan.Validation, dir)
	rec, err := t.Run(ctx)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(os.Stderr, "sipbench: stopped; sipbench tune --out %s resumes it\n", dir)
			return &cmdline.ExitError{Code: 130}
		}
		return err
	}
	fmt.Println()
	Print(os.Stdout, dir, rec)
	return nil
}

// parseRange parses "LO:HI" with 0 < LO ≤ HI, both finite.
func parseRange(s string) (lo, hi float64, ok bool) {
	a, b, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || !(lo > 0) || !(lo <= hi) || math.IsInf(hi, 0) {
		return 0, 0, false
	}
	return lo, hi, true
}

// searchedSets returns a usage error for a setting of sets that the search sets itself: a
// method's learning rate, or (with hypers) another hyper-parameter it searches.
func searchedSets(sets []string, spec *presets.Spec, hypers bool) error {
	for _, s := range sets {
		k, _, _ := strings.Cut(strings.TrimSpace(s), "=")
		for _, m := range spec.Methods {
			if k == "lr."+m.Name {
				return cmdline.Usagef("", "--set %s: tune searches the learning rates", s)
			}
			for _, h := range m.Hypers() {
				if k == h.Name+"."+m.Name && hypers {
					return cmdline.Usagef("", "--set %s: tune searches %s's %s (--lr-only leaves it at the value given)", s, m.Name, h.Name)
				}
			}
		}
	}
	return nil
}

// candidateCounts returns the number of points each method of plan searches.
func candidateCounts(p *presets.Preset, plan tune.Plan) []int {
	t := &tune.Tuner{Plan: plan, Preset: p}
	cands := t.Candidates(tune.Grid(plan.Lo, plan.Hi, plan.PerDecade))
	var ns []int
	for _, m := range plan.Methods {
		ns = append(ns, len(cands[m]))
	}
	return ns
}

// hypersText names the other hyper-parameters that plan searches: " (crossed with sgd's
// momentum 0 to 0.99)"; "" for none.
func hypersText(p *presets.Preset, plan tune.Plan) string {
	if !plan.Hypers {
		return ""
	}
	var parts []string
	for _, m := range p.Methods {
		if !slices.Contains(plan.Methods, m.Name) {
			continue
		}
		for _, h := range m.Hypers() {
			parts = append(parts, fmt.Sprintf("%s's %s %g to %g", m.Name, h.Name, h.Values[0], h.Values[len(h.Values)-1]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (crossed with " + strings.Join(parts, ", ") + ")"
}

// Print prints a finished search: each method's best rate (and other tuned
// hyper-parameters) beside the preset's, its held-out score, the budget, and a warning for
// every best value at the end of the range searched.
func Print(w io.Writer, dir string, rec *tune.Record) {
	fmt.Fprintf(w, "%s: %s (%s scale), %s on %d held-out examples after %d steps\n", dir, rec.Plan.Preset, rec.Plan.Scale, rec.Metric, rec.Plan.Validation, rec.Plan.Steps)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "METHOD\tTUNED LR\tPRESET'S LR\tHELD-OUT "+rec.Metric+"\tOTHER (PRESET'S)\t")
	for _, b := range rec.Best {
		score := "diverged"
		if s := float64(b.Score); !math.IsInf(s, 0) && !math.IsNaN(s) {
			score = strconv.FormatFloat(s, 'g', 4, 64)
		}
		var other []string
		for i, h := range b.Hypers {
			o := fmt.Sprintf("%s %g", h.Name, h.Value)
			if i < len(b.DefaultHypers) {
				o += fmt.Sprintf(" (%g)", b.DefaultHypers[i].Value)
			}
			other = append(other, o)
		}
		fmt.Fprintf(tw, "%s\t%g\t%g\t%s\t%s\t\n", b.Method, b.LR, b.Default, score, strings.Join(other, ", "))
	}
	tw.Flush()
	for _, b := range rec.Best {
		if len(b.Edge) > 0 {
			fmt.Fprintf(w, "warning: %s's best is at the end of the range searched (%s): the best may lie beyond it\n",
				b.Method, strings.Join(b.Edge, "; "))
		}
	}
	fmt.Fprintf(w, "budget: %d jobs, %d training steps, %.0f s of training; sipbench run %s --tuned %s trains at these rates\n",
		rec.Budget.Jobs, rec.Budget.Steps, rec.Budget.Seconds, rec.Plan.Preset, dir)
}
