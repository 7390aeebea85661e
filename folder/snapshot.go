package folder

import (
	"math"

	"github.com/sipbench/sipbench/problems"
)

// SnapshotKind says how viewers (the dashboard's fields pane, `sipbench plot`) draw a
// snapshot; every viewer draws every kind, so that a problem of your own gets both
// without an edit elsewhere.
type SnapshotKind string

// The kinds of snapshots.
const (
	// SnapFields: one example's fields, [channels, height, width] or [height, width]:
	// FieldTruth, FieldObserved, FieldPrediction and FieldError, drawn as heatmaps.
	SnapFields SnapshotKind = problems.DrawFields
	// SnapScatter: a scalar unknown over the batch, [batch, 1] (or [batch]): the
	// prediction drawn against the truth.
	SnapScatter SnapshotKind = problems.DrawScatter
	// SnapPoints: two unknowns over the batch, [batch, 2]: the predictions drawn in the
	// plane, each beside FieldNearest (the exact solution closest to it) if the problem
	// writes it, else beside FieldTruth.
	SnapPoints SnapshotKind = problems.DrawPoints
	// SnapPaths: iterative solvers' paths in the plane, FieldPath and FieldPathY [n, 2],
	// over the contours of the grids FieldLoss and FieldLossY (see Field).
	SnapPaths SnapshotKind = problems.DrawPaths
)

// The names of a snapshot's fields.
const (
	FieldTruth      = "x*"   // the ground truth x*
	FieldObserved   = "y*"   // the observation y*
	FieldPrediction = "x"    // the network's prediction x
	FieldError      = "x-x*" // the prediction's error x − x*
	// FieldNearest is, for a problem with several exact solutions of one observation,
	// the one closest to each prediction (SnapPoints).
	FieldNearest  = "x°"
	FieldPath     = "path"      // a solver's iterates in x space
	FieldPathY    = "y-path"    // its iterates mapped to y space, P(x)
	FieldLoss     = "loss"      // the loss over x space, a grid
	FieldLossY    = "y-loss"    // the loss over y space, a grid
	FieldMinimum  = "minimum"   // where the loss is least, [1, 2] (problems.Minimizer)
	FieldMinimumY = "y-minimum" // the same mapped to y space, P(x)
)

// Field returns the field named name, or nil (also for a nil snapshot).
func (s *Snapshot) Field(name string) *Field {
	if s == nil {
		return nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Layout returns how to draw s: its Kind, or for a snapshot written before snapshots had
// one (or with a kind this sipbench does not know), the kind its fields imply.
func (s *Snapshot) Layout() SnapshotKind {
	switch s.Kind {
	case SnapFields, SnapScatter, SnapPoints, SnapPaths:
		return s.Kind
	}
	return LayoutOf(s)
}

// layoutOf infers a snapshot's kind from its fields: a path is SnapPaths, a truth of
// [batch, 2] SnapPoints, of [batch, 1] or [batch] SnapScatter, else SnapFields.
func LayoutOf(s *Snapshot) SnapshotKind {
	if s.Field(FieldPath) != nil {
		return SnapPaths
	}
	t := s.Field(FieldTruth)
	switch {
	case t == nil:
		return SnapFields
	case len(t.Shape) == 2 && t.Shape[1] == 2:
		return SnapPoints
	case len(t.Shape) == 1 || len(t.Shape) == 2 && t.Shape[1] == 1:
		return SnapScatter
	}
	return SnapFields
}

// Pairs returns a field of shape [n, 2] as n points, or nil if it has another shape or
// too little data (a snapshot is untrusted input).
func (f *Field) Pairs() [][2]float64 {
	if f == nil || len(f.Shape) != 2 || f.Shape[1] != 2 || f.Shape[0] < 0 || len(f.Data) != 2*f.Shape[0] {
		return nil
	}
	out := make([][2]float64, f.Shape[0])
	for i := range out {
		out[i] = [2]float64{float64(f.Data[2*i]), float64(f.Data[2*i+1])}
	}
	return out
}

// ValueRange returns the range of the finite values in data that a viewer maps onto its
// colour scale: [0, 1] when none is finite; with symmetric, [−m, m] with m the largest
// magnitude (errors: the middle colour at zero), [−1, 1] if all are 0; otherwise the
// smallest and largest value, widened to a tenth of |value| (at least 10⁻⁶) around a
// range narrower than 10⁻¹², so that a constant field takes the scale's middle colour in
// every viewer.
func ValueRange(symmetric bool, data ...[]float32) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, d := range data {
		for _, v := range d {
			x := float64(v)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 1
	}
	if symmetric {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if m == 0 {
			m = 1
		}
		return -m, m
	}
	if hi-lo < 1e-12 {
		d := math.Max(math.Abs(lo)*0.05, 1e-6)
		return lo - d, hi + d
	}
	return lo, hi
}
