package tune

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
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

// RateDir names a rate's run folder: "lr=0.001" (Point.Dir of a point without other
// hyper-parameters).
func RateDir(rate float64) string { return Point{LR: rate}.Dir() }

// RungDir names a rung's sweep folder: "rung-0".
func RungDir(rung int) string { return "rung-" + strconv.Itoa(rung) }

// Spec resolves the plan for methods at one point: the plan's scale and settings, steps,
// and the point's settings for each method (lr.<method> = rate, and its other
// hyper-parameters').
func (t *Tuner) Spec(methods []string, p Point, steps int) (*presets.Spec, error) {
	sets := append(slices.Clone(t.Plan.Sets), "steps="+strconv.Itoa(steps))
	for _, m := range methods {
		sets = append(sets, p.Sets(m)...)
	}
	return t.Preset.Resolve(t.Plan.Scale, methods, sets)
}

// Candidates returns each method's points for grid: its rates, crossed with the values of
// the hyper-parameters its optimizer declares tunable when the plan searches them
// (Plan.Hypers).
func (t *Tuner) Candidates(grid []float64) map[string][]Point {
	out := map[string][]Point{}
	for _, name := range t.Plan.Methods {
		var hs []optimizers.Hyper
		if t.Plan.Hypers {
			for _, m := range t.Preset.Methods {
				if m.Name == name {
					hs = m.Hypers()
				}
			}
		}
		out[name] = Points(grid, hs)
	}
	return out
}

// Evaluate trains the rung: a run folder per point (the methods alive at that point, the
// plan's seed), made or, when a resumed search finds it, continued; then scores each
// method's job at each point with runner.Validate. A rung already trained costs only its
// scoring.
func (t *Tuner) Evaluate(ctx context.Context, rung, steps int, alive map[string][]Point) (map[string][]float64, error) {
	dir := filepath.Join(t.Dir, RungDir(rung))
	points := rungPoints(t.Plan.Methods, alive)
	if t.Log != nil {
		fmt.Fprintf(t.Log, "  rung %d: %d steps, %d runs, %s\n", rung+1, steps, len(points), dir)
	}
	info := folder.SweepInfo{Preset: t.Plan.Preset, Keys: []string{"lr"}, Methods: t.Plan.Methods}
	var specs []*presets.Spec
	for _, pt := range points {
		var ms []string
		for _, m := range t.Plan.Methods {
			if slices.ContainsFunc(alive[m], func(q Point) bool { return q.Dir() == pt.Dir() }) {
				ms = append(ms, m)
			}
		}
		spec, err := t.Spec(ms, pt, steps)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
		info.Scale = spec.Scale
		for _, h := range pt.Hypers {
			if !slices.Contains(info.Keys, h.Name) {
				info.Keys = append(info.Keys, h.Name)
			}
		}
		info.Runs = append(info.Runs, folder.SweepRun{Dir: pt.Dir(), Values: pt.Values()})
	}
	if !folder.IsSweep(dir) {
		if err := folder.CreateSweep(dir, info); err != nil {
			return nil, err
		}
	}
	var runs []*runner.Run
	for i, pt := range points {
		rd := filepath.Join(dir, pt.Dir())
		var r *runner.Run
		var err error
		if _, rerr := folder.ReadInfo(rd); rerr == nil {
			r, err = runner.Open(rd)
			if err != nil {
				return nil, err
			}
		} else if r, err = runner.Create(specs[i], []int{t.Plan.Seed}, rd); err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	if err := t.train(ctx, dir, runs, points); err != nil {
		return nil, err
	}
	scores := map[string][]float64{}
	for m, ps := range alive {
		for _, pt := range ps {
			rd, id := filepath.Join(dir, pt.Dir()), folder.JobID(m, t.Plan.Seed)
			st, err := folder.ReadStatus(rd, id)
			if err != nil {
				return nil, err
			}
			t.Budget.Jobs++
			t.Budget.Steps += st.Step
			t.Budget.Seconds += st.Wall
			if st.State == folder.Failed {
				return nil, fmt.Errorf("tune: %s/%s failed: %s", rd, id, st.Message)
			}
			s, err := summary.Validate(rd, id, "", t.Plan.Validation, t.Plan.Seed)
			if err != nil {
				return nil, err
			}
			scores[m] = append(scores[m], s)
		}
	}
	return scores, nil
}

// rungPoints returns the distinct points (by run folder) alive for any of methods, in
// order of rate.
func rungPoints(methods []string, alive map[string][]Point) []Point {
	var points []Point
	seen := map[string]bool{}
	for _, m := range methods {
		for _, p := range alive[m] {
			if !seen[p.Dir()] {
				seen[p.Dir()] = true
				points = append(points, p)
			}
		}
	}
	slices.SortStableFunc(points, func(a, b Point) int { return cmp.Compare(a.LR, b.LR) })
	return points
}

// train trains the rung's runs: here, one after the other, or on the cluster (Submit),
// waiting for every job to end.
func (t *Tuner) train(ctx context.Context, dir string, runs []*runner.Run, points []Point) error {
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
				fmt.Fprintf(t.Log, "    %-14s %5.1fs\n", points[i].Dir(), time.Since(start).Seconds())
			}
		}
		return nil
	}
	mark := filepath.Join(dir, submitted)
	if _, err := os.Stat(mark); err != nil {
		var ar []runner.ArrayRun
		for i, r := range runs {
			ar = append(ar, runner.ArrayRun{Rel: points[i].Dir(), Run: r})
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
			rd := filepath.Join(dir, points[i].Dir())
			info, err := folder.ReadInfo(rd)
			if err != nil {
				return err
			}
			for _, j := range info.Jobs {
				st, err := folder.ReadStatus(rd, j.ID)
				if err != nil || !(st.State == folder.Done || st.State == folder.Diverged || st.State == folder.Failed) {
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
	cands := t.Candidates(grid)
	most := 0
	for _, c := range cands {
		most = max(most, len(c))
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
			fmt.Fprintf(t.Log, "  rung %d of %d, held-out %s (* kept):\n", r.Rung+1, Rungs(most), rec.Metric)
			for _, c := range r.Curves {
				line := "    " + c.Method + ":"
				for i := range c.Rates {
					mark := " "
					if c.Kept[i] {
						mark = "*"
					}
					line += fmt.Sprintf(" %s%s %s", mark, c.Point(i), fmtScore(c.Scores[i]))
				}
				fmt.Fprintln(t.Log, line)
			}
		}
		Write(t.Dir, rec) // a progress record; the final write reports errors
	}
	_, best, err := Search(ctx, p.Methods, cands, p.Steps, t.Evaluate, after)
	if err != nil {
		return rec, err
	}
	defaults, err := t.Preset.Resolve(p.Scale, p.Methods, p.Sets)
	if err != nil {
		return rec, err
	}
	last := rec.Rungs[len(rec.Rungs)-1]
	for i, m := range p.Methods {
		b := Best{Method: m, LR: best[m].LR, Hypers: best[m].Hypers, Default: defaults.Methods[i].LR}
		for _, h := range best[m].Hypers {
			b.DefaultHypers = append(b.DefaultHypers, HyperValue{Name: h.Name, Value: hyperOf(defaults.Methods[i], h.Name)})
		}
		b.Edge = edges(best[m], grid, defaults.Methods[i].Hypers())
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

// hyperOf returns the value of m's hyper-parameter name (optimizers.Hyper), NaN for one it
// does not have.
func hyperOf(m optimizers.Method, name string) float64 {
	switch name {
	case "momentum":
		return m.Momentum
	case "tau":
		return m.Tau
	}
	return math.NaN()
}

// edges says which of p's values are the lowest or highest the search tried (grid's rates,
// hs's values), so that the best may lie beyond them: "lr 1e-05, the grid's lowest". A
// hyper-parameter at 0, its least possible value, is no edge.
func edges(p Point, grid []float64, hs []optimizers.Hyper) []string {
	var out []string
	edge := func(name string, v float64, vals []float64) {
		if len(vals) < 2 {
			return
		}
		switch {
		case v == vals[0] && v != 0:
			out = append(out, fmt.Sprintf("%s %g, the lowest tried", name, v))
		case v == vals[len(vals)-1]:
			out = append(out, fmt.Sprintf("%s %g, the highest tried", name, v))
		}
	}
	edge("lr", p.LR, grid)
	for _, hv := range p.Hypers {
		for _, h := range hs {
			if h.Name == hv.Name {
				edge(h.Name, hv.Value, h.Values)
			}
		}
	}
	return out
}
