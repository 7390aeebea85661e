package folder

import (
	"math"
	"slices"
	"testing"
)

// TestSnapshotLayout: a snapshot's kind is its own when it names one this sipbench knows;
// for one written before snapshots had a kind (or an unknown one), the kind its fields imply.
func TestSnapshotLayout(t *testing.T) {
	f := func(name string, shape ...int) Field {
		n := 1
		for _, s := range shape {
			n *= s
		}
		return Field{Name: name, Shape: shape, Data: make([]float32, n)}
	}
	for _, tc := range []struct {
		name string
		s    Snapshot
		want SnapshotKind
	}{
		{"paths", Snapshot{Fields: []Field{f(FieldPath, 5, 2)}}, SnapPaths},
		{"points", Snapshot{Fields: []Field{f(FieldTruth, 100, 2), f(FieldPrediction, 100, 2)}}, SnapPoints},
		{"scatter", Snapshot{Fields: []Field{f(FieldTruth, 100, 1)}}, SnapScatter},
		{"scatter of [n]", Snapshot{Fields: []Field{f(FieldTruth, 100)}}, SnapScatter},
		{"fields", Snapshot{Fields: []Field{f(FieldTruth, 2, 8, 8)}}, SnapFields},
		{"nothing", Snapshot{}, SnapFields},
		{"its own kind", Snapshot{Kind: SnapScatter, Fields: []Field{f(FieldTruth, 2, 8, 8)}}, SnapScatter},
		{"an unknown kind", Snapshot{Kind: "hologram", Fields: []Field{f(FieldTruth, 100, 2)}}, SnapPoints},
	} {
		if got := tc.s.Layout(); got != tc.want {
			t.Errorf("%s: Layout() = %q; want %q", tc.name, got, tc.want)
		}
	}
}

// TestFieldPairs: a field of [n, 2] is n points; any other shape, or data of another
// length (a snapshot is untrusted), is none.
func TestFieldPairs(t *testing.T) {
	ok := &Field{Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}
	if p := ok.Pairs(); len(p) != 2 || p[1] != [2]float64{3, 4} {
		t.Errorf("Pairs() = %v; want [[1 2] [3 4]]", p)
	}
	for _, f := range []*Field{nil, {Shape: []int{3, 2}, Data: []float32{1, 2}}, {Shape: []int{-1, 2}}, {Shape: []int{2, 3}, Data: make([]float32, 6)}} {
		if p := f.Pairs(); p != nil {
			t.Errorf("%+v: Pairs() = %v; want nil", f, p)
		}
	}
}

// TestValueRange: the finite range; a constant field padded by 5 % around its value (so
// that it takes the scale's middle colour), errors symmetric about 0.
func TestValueRange(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		sym    bool
		data   [][]float32
		lo, hi float64
	}{
		{false, [][]float32{{1, 3}, {nan, -2, inf}}, -2, 3},
		{false, [][]float32{{2, 2, 2}}, 1.9, 2.1},
		{false, [][]float32{{0, 0}}, -1e-6, 1e-6},
		{false, [][]float32{{nan}}, 0, 1},
		{true, [][]float32{{-1, 3}}, -3, 3},
		{true, [][]float32{{0}}, -1, 1},
	} {
		lo, hi := ValueRange(tc.sym, tc.data...)
		if math.Abs(lo-tc.lo) > 1e-12 || math.Abs(hi-tc.hi) > 1e-12 {
			t.Errorf("ValueRange(%v, %v) = [%g, %g]; want [%g, %g]", tc.sym, tc.data, lo, hi, tc.lo, tc.hi)
		}
	}
}

// TestFieldChannelNames: a field's own channel names (sanitized), else fluid's of a
// snapshot from before fields named them, else ch 1, ch 2, ….
func TestFieldChannelNames(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      *Field
		preset string
		c      int
		want   []string
	}{
		{"its own", &Field{Name: FieldTruth, Channels: []string{"u", "v"}}, "mine", 2, []string{"u", "v"}},
		{"sanitized", &Field{Name: FieldTruth, Channels: []string{"u\x1b[2J", "v"}}, "mine", 2, []string{`u\x1b[2J`, "v"}}, // shown, not obeyed
		{"too few of its own", &Field{Name: FieldTruth, Channels: []string{"u"}}, "mine", 2, []string{"ch 1", "ch 2"}},
		{"fluid's truth, from before", &Field{Name: FieldTruth}, "fluid", 2, []string{"v_x", "v_y"}},
		{"fluid's observation, from before", &Field{Name: FieldObserved}, "fluid", 2, []string{"m_0", "m_T"}},
		{"one channel", &Field{Name: FieldTruth}, "mine", 1, []string{""}},
		{"no field", nil, "mine", 3, []string{"ch 1", "ch 2", "ch 3"}},
	} {
		if got := tc.f.ChannelNames(tc.preset, tc.c); !slices.Equal(got, tc.want) {
			t.Errorf("%s: ChannelNames = %q; want %q", tc.name, got, tc.want)
		}
	}
}
