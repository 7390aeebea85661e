package tune

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

// Tuner runs a search's rungs as sweep folders of run folders below Dir, and scores them
// on held-out examples. Its Evaluate is the Evaluator of Search.
type Tuner struct {
	Dir    string
	Plan   Plan
	Preset *presets.Preset
	// Workers is the jobs of one rate's run that train at once here; 0 for the cores.
	Workers int
	// Submit, if not nil, hands a rung's runs to a cluster (one array, Slurm) instead of
	// training them here; Evaluate then waits for their jobs, polling every Poll (0: 5 s).
	Submit func(dir string, runs []runner.ArrayRun) error
	Poll   time.Duration
	Log    io.Writer // a line per rate trained; nil for none

	Budget Budget // what the rungs evaluated so far trained
}

// submitted names the file that marks a rung handed to the cluster, so that resuming
// waits for its array instead of submitting it again.
const submitted = "submitted"

// RateDir names a rate's run folder: "lr=0.001".
func RateDir(rate float64) string { return "lr=" + strconv.FormatFloat(rate, 'g', -1, 64) }

// RungDir names a rung's sweep folder: "rung-0".
func RungDir(rung int) string { return "rung-" + strconv.Itoa(rung) }

// Spec resolves the plan for methods at one rate: the plan's scale and settings, steps,
// and lr.<method> = rate for each.
func (t *Tuner) Spec(methods []string, rate float64, steps int) (*presets.Spec, error) {
	sets := append(slices.Clone(t.Plan.Sets), "steps="+strconv.Itoa(steps))
	for _, m := range methods {
		sets = append(sets, "lr."+m+"="+strconv.FormatFloat(rate, 'g', -1, 64))
	}
	return t.Preset.Resolve(t.Plan.Scale, methods, sets)
}

// Evaluate trains the rung: a run folder per rate (the methods alive at that rate, the
// plan's seed), made or, when a resumed search finds it, continued; then scores each
// method's job at each rate with runner.Validate. A rung already trained costs only its
// scoring.
func (t *Tuner) Evaluate(ctx context.Context, rung, steps int, alive map[string][]float64) (map[string][]float64, error) {
	dir := filepath.Join(t.Dir, RungDir(rung))
	var rates []float64
	for _, rs := range alive {
		rates = append(rates, rs...)
	}
	slices.Sort(rates)
	rates = slices.Compact(rates)
	if t.Log != nil {
		fmt.Fprintf(t.Log, "  rung %d: %d steps, %d rates, %s\n", rung+1, steps, len(rates), dir)
	}
	info := runner.SweepInfo{Preset: t.Plan.Preset, Keys: []string{"lr"}, Methods: t.Plan.Methods}
	var specs []*presets.Spec
	for _, rate := range rates {
		var ms []string
		for _, m := range t.Plan.Methods {
			if slices.Contains(alive[m], rate) {
				ms = append(ms, m)
			}
		}
		spec, err := t.Spec(ms, rate, steps)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
		info.Scale = spec.Scale
		info.Runs = append(info.Runs, runner.SweepRun{Dir: RateDir(rate), Values: map[string]string{"lr": strconv.FormatFloat(rate, 'g', -1, 64)}})
	}
	if !runner.IsSweep(dir) {
		if err := runner.CreateSweep(dir, info); err != nil {
			return nil, err
		}
	}
	var runs []*runner.Run
	for i, rate := range rates {
		rd := filepath.Join(dir, RateDir(rate))
		var r *runner.Run
		var err error
		if _, rerr := runner.ReadRunInfo(rd); rerr == nil {
			r, err = runner.Open(rd)
			if err != nil {
				return nil, err
			}
		} else if r, err = runner.Create(specs[i], []int{t.Plan.Seed}, rd); err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	if err := t.train(ctx, dir, runs, rates); err != nil {
		return nil, err
	}
	scores := map[string][]float64{}
	for m, rs := range alive {
		for _, rate := range rs {
			rd, id := filepath.Join(dir, RateDir(rate)), runner.JobID(m, t.Plan.Seed)
			st, err := runner.ReadStatus(rd, id)
			if err != nil {
				return nil, err
			}
			t.Budget.Jobs++
			t.Budget.Steps += st.Step
			t.Budget.Seconds += st.Wall
			if st.State == runner.Failed {
				return nil, fmt.Errorf("tune: %s/%s failed: %s", rd, id, st.Message)
			}
			s, err := runner.Validate(rd, id, "", t.Plan.Validation, t.Plan.Seed)
			if err != nil {
				return nil, err
			}
			scores[m] = append(scores[m], s)
		}
	}
	return scores, nil
}

// train trains the rung's runs: here, one after the other, or on the cluster (Submit),
// waiting for every job to end.
func (t *Tuner) train(ctx context.Context, dir string, runs []*runner.Run, rates []float64) error {
	if t.Submit == nil {
		for i, r := range runs {
			start := time.Now()
			if err := r.Start(ctx, runner.Options{Workers: t.Workers}); err != nil {
				return err
			}
			r.Wait()
			if err := ctx.Err(); err != nil {
				return err
			}
			if t.Log != nil {
				fmt.Fprintf(t.Log, "    %-14s %5.1fs\n", RateDir(rates[i]), time.Since(start).Seconds())
			}
		}
		return nil
	}
	mark := filepath.Join(dir, submitted)
	if _, err := os.Stat(mark); err != nil {
		var ar []runner.ArrayRun
		for i, r := range runs {
			ar = append(ar, runner.ArrayRun{Rel: RateDir(rates[i]), Run: r})
		}
		if err := t.Submit(dir, ar); err != nil {
			return err
		}
		if err := os.WriteFile(mark, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
			return err
		}
	}
	poll := t.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	for {
		left := 0
		for i := range runs {
			rd := filepath.Join(dir, RateDir(rates[i]))
			info, err := runner.ReadRunInfo(rd)
			if err != nil {
				return err
			}
			for _, j := range info.Jobs {
				st, err := runner.ReadStatus(rd, j.ID)
				if err != nil || !(st.State == runner.Done || st.State == runner.Diverged || st.State == runner.Failed) {
					left++
				}
			}
		}
		if left == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// Run runs the search of t.Plan (resuming the rungs already in t.Dir), writing
// tuned.json after every rung and at the end, and returns the record. A rung's line goes
// to t.Log as it ends.
func (t *Tuner) Run(ctx context.Context) (*Record, error) {
	p := t.Plan
	grid := Grid(p.Lo, p.Hi, p.PerDecade)
	if grid == nil {
		return nil, fmt.Errorf("tune: no grid from %g to %g with %d per decade", p.Lo, p.Hi, p.PerDecade)
	}
	if p.Validation < 1 || p.Steps < 1 {
		return nil, fmt.Errorf("tune: %d validation examples, %d steps: want both ≥ 1", p.Validation, p.Steps)
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return nil, err
	}
	rec := &Record{Plan: p, Grid: grid, Metric: t.Preset.Metric}
	if err := Write(t.Dir, rec); err != nil {
		return nil, err
	}
	after := func(r Rung) {
		r.Dir = RungDir(r.Rung)
		rec.Rungs = append(rec.Rungs, r)
		rec.Budget = t.Budget
		if t.Log != nil {
			fmt.Fprintf(t.Log, "  rung %d of %d, held-out %s (* kept):\n", r.Rung+1, Rungs(len(grid)), rec.Metric)
			for _, c := range r.Curves {
				line := "    " + c.Method + ":"
				for i, rate := range c.Rates {
					mark := " "
					if c.Kept[i] {
						mark = "*"
					}
					line += fmt.Sprintf(" %s%g %s", mark, rate, fmtScore(c.Scores[i]))
				}
				fmt.Fprintln(t.Log, line)
			}
		}
		Write(t.Dir, rec) // a progress record; the final write reports errors
	}
	_, best, err := Search(ctx, p.Methods, grid, p.Steps, t.Evaluate, after)
	if err != nil {
		return rec, err
	}
	defaults, err := t.Preset.Resolve(p.Scale, p.Methods, p.Sets)
	if err != nil {
		return rec, err
	}
	last := rec.Rungs[len(rec.Rungs)-1]
	for i, m := range p.Methods {
		b := Best{Method: m, LR: best[m], Default: defaults.Methods[i].LR}
		for _, c := range last.Curves {
			if c.Method == m {
				b.Score = c.Scores[0]
			}
		}
		rec.Best = append(rec.Best, b)
	}
	rec.Budget, rec.Done = t.Budget, true
	return rec, Write(t.Dir, rec)
}

// fmtScore formats a score: "(0.0123)", "(diverged)".
func fmtScore(s Score) string {
	if b, _ := s.MarshalJSON(); string(b) == "null" {
		return "(diverged)"
	}
	return "(" + strconv.FormatFloat(float64(s), 'g', 3, 64) + ")"
}
