package runner

import (
	"slices"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/problems"
)

// pathJob is the job of an iterative-solver preset (no network): its method's path from
// the problem's start, one iterate a step, with a metrics row of each. Its snapshot holds
// the path so far, the path mapped to y space, and the fields that every job of the run
// shares (Run.pathFields). A path is a function of its method and step size alone, so
// the job has no state but its step: its checkpoint is empty, and a stopped path job
// starts again from the start (in no more time than its rows take to write).
type pathJob struct {
	progress
	sv     problems.PathProblem
	path   [][2]float64 // x₀ (the start), x₁, …
	vals   []float64
	shared func() []folder.Field
}

var _ job = (*pathJob)(nil)

// newPathJob returns the job of the method m's path over steps steps; shared returns the
// fields that its snapshots share with the run's other jobs.
func newPathJob(sv problems.PathProblem, m optimizers.Method, steps int, shared func() []folder.Field) *pathJob {
	return &pathJob{sv: sv, path: sv.Path(m.Name, m.LR, steps).Points, shared: shared}
}

func (p *pathJob) metricNames() []string { return p.sv.MetricNames() }

func (p *pathJob) at() *progress { return &p.progress }

// resume reports false: a path job has no checkpoint to resume from.
func (p *pathJob) resume(string) (bool, error) { return false, nil }

// advance moves to the next iterate and returns its metrics.
func (p *pathJob) advance() []float64 {
	p.step++
	p.vals = p.sv.Metrics(p.vals, p.path[p.step])
	return p.vals
}

// finite reports whether the iterate and its metrics are finite.
func (p *pathJob) finite() bool {
	x := p.path[p.step]
	return folder.FiniteValue(x[0]) && folder.FiniteValue(x[1]) && !slices.ContainsFunc(p.vals, func(v float64) bool { return !folder.FiniteValue(v) })
}

// snapshot returns the path to the current iterate in x and in y space, and the run's
// shared fields.
func (p *pathJob) snapshot() *folder.Snapshot {
	pts := p.path[:p.step+1]
	ys := make([][2]float64, len(pts))
	for k, x := range pts {
		ys[k] = p.sv.Forward(x)
	}
	snap := &folder.Snapshot{Step: p.step, Kind: folder.SnapPaths}
	snap.Fields = append(snap.Fields, folder.PointsField(folder.FieldPath, pts), folder.PointsField(folder.FieldPathY, ys))
	snap.Fields = append(snap.Fields, p.shared()...)
	return snap
}

// checkpoint has nothing to save.
func (p *pathJob) checkpoint() error { return nil }

func (p *pathJob) close() {}

// pathFields returns the fields that the snapshot of every job of the solver run shares:
// the loss on a grid that covers every method's path, so that any one job's snapshot can
// draw the contours under all of them; the minimum in x and y space, if the problem knows
// it (problems.Minimizer); and the loss over y space on a grid that covers the paths
// mapped there (problems.YLosser). Those grids need every method's path: they are made
// once per run, and each call returns a copy.
func (r *Run) pathFields(sv problems.PathProblem) []folder.Field {
	r.pathOnce.Do(func() {
		var all [][2]float64
		for _, m := range r.spec.Methods {
			all = append(all, sv.Path(m.Name, m.LR, r.spec.Common.Steps).Points...)
		}
		r.pathShared = solverFields(sv, all)
	})
	out := make([]folder.Field, len(r.pathShared))
	for i, f := range r.pathShared {
		f.Data = slices.Clone(f.Data)
		out[i] = f
	}
	return out
}

// solverFields returns the loss grid over the points all, the minimum and the y-space
// loss grid (pathFields).
func solverFields(sv problems.PathProblem, all [][2]float64) []folder.Field {
	var fs []folder.Field
	if g, ok := folder.GridOver(folder.FieldLoss, sv.Loss, all, lossGridSize); ok {
		fs = append(fs, g)
	}
	if m, ok := sv.(problems.Minimizer); ok {
		x := m.Minimum()
		fs = append(fs, folder.PointsField(folder.FieldMinimum, [][2]float64{x}), folder.PointsField(folder.FieldMinimumY, [][2]float64{sv.Forward(x)}))
	}
	if yl, ok := sv.(problems.YLosser); ok {
		yall := make([][2]float64, len(all))
		for k, x := range all {
			yall[k] = sv.Forward(x)
		}
		if g, ok := folder.GridOver(folder.FieldLossY, yl.YLoss, yall, lossGridSize); ok {
			fs = append(fs, g)
		}
	}
	return fs
}

// lossGridSize is the number of samples per side of a solver preset's loss grid: enough
// for smooth contour lines on a full-screen dashboard, small enough for a snapshot of
// about 85 KB (Watch parses it once).
const lossGridSize = 64
