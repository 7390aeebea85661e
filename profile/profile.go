package profile

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/summary"
)

// A performance profile (Dolan and Moré 2002, "Benchmarking optimization software with
// performance profiles"; AlgoPerf reports them) compares methods over many problems: a
// problem is one seed of one run, each method's cost on it is the steps (or training
// seconds) its metric takes to reach the problem's target, and ρ_m(τ), the fraction of
// problems that method m solves within τ times the best method's cost, is drawn against
// τ ≥ 1. ρ_m(1) is how often m is the fastest; ρ_m(∞) how often it gets there at all.

// DefaultTolerance is ProfileOptions.Tolerance's default: the target is reached at 90 % of
// the best method's reduction, on a log scale.
const DefaultTolerance = 0.1

// ProfileOptions choose the cost and target of a Profile.
type Options struct {
	// Wall measures cost in training seconds instead of steps.
	Wall bool
	// Tolerance places each problem's target between the best final value f_L of its
	// methods and their first value f_0, on a log scale: log f_L + Tolerance·(log f_0 − log
	// f_L) (Moré and Wild's convergence test, in log space since errors fall by orders of
	// magnitude). 0 means DefaultTolerance; it must be below 1.
	Tolerance float64
	// Window is the running mean's window (RunningMean) of the metric; 0: DefaultWindow.
	Window int
}

// Profile is a performance profile over problems.
type Profile struct {
	Methods  []string // in order of first appearance over the runs
	Problems []string // "DIR seed S"
	// Ratios[p][m] is method m's cost on problem p over the best method's: 1 for the best,
	// +Inf if it never reaches the target, NaN if the problem's run has no such method.
	Ratios [][]float64
	Wall   bool
}

// ProfileOf reads the run folders dirs and returns their performance profile: every
// seed of every run is a problem, with each run's own metric (RunInfo.Metric).
func Of(dirs []string, o Options) (*Profile, error) {
	tol := o.Tolerance
	if tol == 0 {
		tol = DefaultTolerance
	}
	if !(tol > 0 && tol < 1) {
		return nil, fmt.Errorf("runner: profile tolerance %v: want 0 < t < 1", tol)
	}
	window := o.Window
	if window <= 0 {
		window = metrics.DefaultWindow
	}
	pr := &Profile{Wall: o.Wall}
	var probs []problem
	for _, dir := range dirs {
		info, err := folder.ReadInfo(dir)
		if err != nil {
			return nil, fmt.Errorf("runner: %s is not a run folder: %v", dir, err)
		}
		for _, m := range info.Methods {
			if !slices.Contains(pr.Methods, m) {
				pr.Methods = append(pr.Methods, m)
			}
		}
		run := runCurves{dir: dir, info: info, col: max(0, slices.Index(info.Metrics, info.Metric)), window: window}
		for _, seed := range info.Seeds {
			if p, ok := run.problem(seed, tol, o.Wall); ok {
				probs = append(probs, p)
			}
		}
	}
	if len(probs) == 0 {
		return nil, fmt.Errorf("runner: no run of %d folders has logged a value yet", len(dirs))
	}
	for _, p := range probs {
		pr.Problems = append(pr.Problems, p.name)
		pr.Ratios = append(pr.Ratios, p.ratios(pr.Methods))
	}
	return pr, nil
}

// A problem is one seed of one run: each method's cost to reach its target.
type problem struct {
	name  string
	costs map[string]float64
}

// ratios returns the problem's row of Profile.Ratios over methods: each cost over the
// best, NaN for a method the run lacks.
func (p problem) ratios(methods []string) []float64 {
	best := math.Inf(1)
	for _, c := range p.costs {
		best = math.Min(best, c)
	}
	row := make([]float64, len(methods))
	for i, m := range methods {
		c, ok := p.costs[m]
		switch {
		case !ok:
			row[i] = math.NaN()
		case math.IsInf(c, 1):
			row[i] = c
		default:
			row[i] = math.Max(c, 1e-12) / math.Max(best, 1e-12) // a cost of 0 (reached at once) ties
		}
	}
	return row
}

// runCurves reads the smoothed metric curves of one run folder's jobs.
type runCurves struct {
	dir         string
	info        folder.Info
	col, window int // the metric's column, the running mean's window
}

// ends are a curve's first and last running means.
type ends struct{ first, last float64 }

// problem returns the problem of seed: the target between the methods' first and best
// last values (tol), and each method's cost to reach it; false if no job of the seed
// has logged a value yet. Two passes over each job's rows, in memory bounded whatever
// their number: the first and last running means, then the first step that reaches the
// target.
func (r runCurves) problem(seed int, tol float64, wall bool) (problem, bool) {
	curves := map[string]ends{}
	f0, fL := 0.0, math.Inf(1)
	n := 0
	for _, m := range r.info.Methods {
		e, ok := r.ends(folder.JobID(m, seed))
		if !ok {
			continue
		}
		curves[m] = e
		if v := e.first; v > 0 && !math.IsInf(v, 0) {
			f0 += math.Log(v)
			n++
		}
		if v := e.last; v > 0 && v < fL {
			fL = v
		}
	}
	if n == 0 || math.IsInf(fL, 1) {
		return problem{}, false // nothing logged yet
	}
	target := math.Exp(math.Log(fL) + tol*(f0/float64(n)-math.Log(fL)))
	p := problem{name: r.dir + " seed " + strconv.Itoa(seed), costs: map[string]float64{}}
	for m := range curves {
		p.costs[m] = r.cost(folder.JobID(m, seed), target, wall)
	}
	return p, true
}

// ends returns the job's first and last running means (+Inf for a diverged first row);
// false if it cannot be read or has no row.
func (r runCurves) ends(job string) (ends, bool) {
	e, rows := ends{math.Inf(1), math.Inf(1)}, 0
	err := smoothedRows(r.dir, job, r.info.Metrics, r.col, r.window, func(_ int, _, mean float64) bool {
		if rows == 0 {
			e.first = mean
		}
		e.last = mean
		rows++
		return true
	}, func() { rows++ })
	return e, err == nil && rows > 0
}

// cost returns the step (with wall, the training seconds) at which the job's running
// mean first reaches target; +Inf if it never does.
func (r runCurves) cost(job string, target float64, wall bool) float64 {
	cost := math.Inf(1)
	smoothedRows(r.dir, job, r.info.Metrics, r.col, r.window, func(step int, w, mean float64) bool {
		if mean > target {
			return true
		}
		cost = float64(step)
		if wall {
			cost = w
		}
		return false
	}, nil)
	return cost
}

// smoothedRows reads the job's metrics.csv in one pass, in chunks of rows, and calls visit
// with each row's step, wall time and running mean of column col, until visit returns
// false or a value is not finite (a diverged job: then nonFinite is called, if not nil,
// when it is the first row).
func smoothedRows(dir, job string, names []string, col, window int, visit func(step int, wall, mean float64) bool, nonFinite func()) error {
	rm := summary.NewRunningMean(window)
	mr := metrics.NewReader(dir, job, names)
	for {
		rows, err := mr.Next(summary.SummaryChunk)
		if err != nil {
			return err
		}
		for _, r := range rows {
			v := r.Metrics[col]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				if rm.Len() == 0 && nonFinite != nil {
					nonFinite()
				}
				return nil
			}
			if !visit(r.Step, r.Wall, rm.Add(v)) {
				return nil
			}
		}
		if len(rows) < summary.SummaryChunk {
			return nil
		}
	}
}

// At returns ρ_m(τ) of method index m: the fraction of the problems that have the method
// whose ratio is at most tau; with tau = +Inf, the fraction it solves at all.
func (p *Profile) At(m int, tau float64) float64 {
	n, k := 0, 0
	for _, row := range p.Ratios {
		if math.IsNaN(row[m]) {
			continue
		}
		n++
		if !math.IsInf(row[m], 1) && row[m] <= tau { // never reaching the target is never within τ
			k++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(k) / float64(n)
}

// Steps returns the sorted finite ratios of method m: where its profile steps up.
func (p *Profile) Steps(m int) []float64 {
	var out []float64
	for _, row := range p.Ratios {
		if v := row[m]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	sort.Float64s(out)
	return out
}

// ProfileDirs returns the run folders of a performance profile from folders: a run
// folder itself, a sweep's runs, and the run and sweep folders directly inside any other
// folder (a check folder's experiments, a folder of runs), in name order.
func Dirs(folders []string) ([]string, error) {
	var dirs []string
	var add func(d string, depth int) error
	add = func(d string, depth int) error {
		switch {
		case folder.IsSweep(d):
			info, err := folder.ReadSweep(d)
			if err != nil {
				return err
			}
			for _, r := range info.Runs {
				if sub := filepath.Join(d, r.Dir); isRunDir(sub) {
					dirs = append(dirs, sub)
				}
			}
		case isRunDir(d):
			dirs = append(dirs, d)
		case depth == 0:
			ents, err := os.ReadDir(d)
			if err != nil {
				return err
			}
			for _, e := range ents {
				if e.IsDir() && e.Type()&os.ModeSymlink == 0 {
					if err := add(filepath.Join(d, e.Name()), 1); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	for _, f := range folders {
		if err := add(f, 0); err != nil {
			return nil, err
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("runner: no run folders in %v", folders)
	}
	return dirs, nil
}

// isRunDir reports whether d holds a readable run.json.
func isRunDir(d string) bool {
	_, err := folder.ReadInfo(d)
	return err == nil
}
