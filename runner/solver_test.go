package runner

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/problems"
)

// TestFieldAt checks the bilinear interpolation of a grid field: it reproduces functions
// in span{1, x, y, xy} exactly (up to float32 rounding of the samples), and a point
// outside the extent takes the value at the nearest point of the edge.
func TestFieldAt(t *testing.T) {
	t.Parallel()
	f := func(x, y float64) float64 { return 1 + 2*x - 3*y + 0.5*x*y }
	nx, ny := 5, 4
	g := folder.Field{Name: "loss", Shape: []int{ny, nx}, Data: make([]float32, nx*ny), Extent: []float64{-1, 3, 2, 5}}
	for j := range ny {
		for i := range nx {
			g.Data[j*nx+i] = float32(f(-1+float64(i), 2+float64(j)))
		}
	}
	if !g.Grid() {
		t.Fatal("Grid() = false for a well-formed grid")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		x, y := -1+4*rng.Float64(), 2+3*rng.Float64()
		if got, want := g.At(x, y), f(x, y); math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Errorf("At(%g, %g) = %g, want %g", x, y, got, want)
		}
	}
	for _, c := range [][4]float64{{-5, 3, -1, 3}, {10, 3, 3, 3}, {0, -7, 0, 2}, {0, 9, 0, 5}, {-9, 9, -1, 5}} {
		if got, want := g.At(c[0], c[1]), f(c[2], c[3]); math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Errorf("At(%g, %g) outside = %g, want the edge value %g", c[0], c[1], got, want)
		}
	}
	for _, bad := range []folder.Field{{Shape: []int{4, 5}, Data: g.Data}, {Shape: []int{4, 4}, Data: g.Data, Extent: g.Extent},
		{Shape: []int{ny, nx}, Data: g.Data, Extent: []float64{3, -1, 2, 5}}} {
		if bad.Grid() || !math.IsNaN(bad.At(0, 3)) {
			t.Errorf("field %v %v: Grid() true or At not NaN", bad.Shape, bad.Extent)
		}
	}
}

// TestSolverRunShipsLossGrid runs the trajectories preset and checks that every job's
// snapshot holds its path and a loss grid that covers every path of the run and samples
// Figure 1's loss.
func TestSolverRunShipsLossGrid(t *testing.T) {
	t.Parallel()
	s := spec(t, "trajectories", nil)
	dir, states := train(t, s, []int{0}, 2)
	var all [][2]float64
	for _, m := range s.Methods {
		all = append(all, problems.Figure1Problem{}.Path(m.Name, m.LR, 100).Points...)
	}
	for id, st := range states {
		if st != folder.Done {
			t.Fatalf("%s: %s", id, st)
		}
		snap, err := folder.ReadSnapshot(dir, id)
		if err != nil || snap == nil {
			t.Fatalf("%s: snapshot %v, %v", id, snap, err)
		}
		var g *folder.Field
		for i := range snap.Fields {
			if snap.Fields[i].Name == "loss" {
				g = &snap.Fields[i]
			}
		}
		if !g.Grid() || g.Shape[0] != lossGridSize {
			t.Fatalf("%s: loss field %+v is not a %d² grid", id, g, lossGridSize)
		}
		e := g.Extent
		for _, p := range all {
			if p[0] < e[0] || p[0] > e[1] || p[1] < e[2] || p[1] > e[3] {
				t.Errorf("%s: point %v outside the grid's extent %v", id, p, e)
			}
		}
		for _, c := range [][2]float64{{e[0], e[2]}, {e[1], e[3]}, {e[0], e[3]}} { // corners are samples
			if got, want := g.At(c[0], c[1]), problems.Figure1Loss(c); math.Abs(got-want) > 1e-6*want {
				t.Errorf("%s: loss at %v = %g, want %g", id, c, got, want)
			}
		}
		// Between samples, bilinear interpolation of x₁² + x₂⁴ errs by at most
		// h²/8·max|∂²L| per direction: h ≈ 3.6/63, max ∂²L/∂x₂² = 12x₂² ≈ 130 at x₂ = 3.3.
		x := [2]float64{1.2345, 2.3456}
		if got, want := g.At(x[0], x[1]), problems.Figure1Loss(x); math.Abs(got-want) > 0.06 {
			t.Errorf("%s: loss at %v = %g, want %g ± 0.06", id, x, got, want)
		}
	}
}

// TestSolverWriteErrorFails checks that a solver job whose snapshot cannot be written
// (snapshot.json is a folder, so the rename onto it fails) ends failed, saying why,
// instead of done with no snapshot.
func TestSolverWriteErrorFails(t *testing.T) {
	t.Parallel()
	s := spec(t, "trajectories", nil)
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(s, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	id := r.Info.Jobs[0].ID
	if err := os.Mkdir(filepath.Join(dir, id, folder.SnapshotFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id, folder.SnapshotFile, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), Options{Workers: 1})
	states := r.Wait()
	if states[id] != folder.Failed {
		t.Fatalf("%s: state %s; want failed", id, states[id])
	}
	st, err := folder.ReadStatus(dir, id)
	if err != nil || st.State != folder.Failed || st.Message == "" {
		t.Fatalf("status %+v, %v; want failed with a message", st, err)
	}
}

// TestSolverJobIsAJob checks that a solver job runs in the run loop as a network job does:
// a cancelled context stops it before its first step (cancelled, no row); a resume
// trains it to the end, with one row per iterate that holds the method's path's metrics
// exactly as metrics.csv writes them (8 digits); its snapshots along the way hold the path so far (step k: k+1 points), and
// its status records the step it reached.
func TestSolverJobIsAJob(t *testing.T) {
	t.Parallel()
	s := spec(t, "trajectories", []string{"newton"}, "steps=30")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(s, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	id := r.Info.Jobs[0].ID
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.Start(ctx, Options{Workers: 1})
	if st := r.Wait()[id]; st != folder.Cancelled {
		t.Fatalf("with a cancelled context: %s; want cancelled", st)
	}
	if rows := readAll(t, dir, id, r.Info.Metrics); len(rows) != 0 {
		t.Fatalf("cancelled before its first step: %d rows", len(rows))
	}
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := r2.Subscribe()
	r2.Start(context.Background(), Options{Workers: 1})
	var snaps []*folder.Snapshot
	for range sub.C {
		for _, e := range sub.Drain() {
			if e.Kind == EvSnapshot {
				snaps = append(snaps, e.Snapshot)
			}
		}
	}
	for _, e := range sub.Drain() {
		if e.Kind == EvSnapshot {
			snaps = append(snaps, e.Snapshot)
		}
	}
	if st := r2.Wait()[id]; st != folder.Done {
		t.Fatalf("resumed: %s; want done", st)
	}
	path := problems.Figure1Newton(0.1, 30).Points
	rows := readAll(t, dir, id, r.Info.Metrics)
	if len(rows) != 30 {
		t.Fatalf("%d rows; want 30", len(rows))
	}
	for k, row := range rows {
		if want := (problems.Figure1Problem{}).Metrics(nil, path[k+1]); row.Step != k+1 || !slices.Equal(row.Metrics, rounded(want)) {
			t.Errorf("row %d: step %d %v; want step %d %v", k, row.Step, row.Metrics, k+1, want)
		}
	}
	if len(snaps) != 4 { // steps 1, 10, 20, 30
		t.Fatalf("%d snapshots; want 4", len(snaps))
	}
	for _, snap := range snaps {
		if f := snap.Field(folder.FieldPath); f == nil || f.Shape[0] != snap.Step+1 || snap.Kind != folder.SnapPaths {
			t.Errorf("snapshot of step %d: kind %q, path %+v; want the path's first %d points", snap.Step, snap.Kind, f, snap.Step+1)
		}
	}
	if st, err := folder.ReadStatus(dir, id); err != nil || st.Step != 30 || st.State != folder.Done {
		t.Errorf("status %+v, %v; want done at step 30", st, err)
	}
}

// TestSolverJobDiverges: a path that overflows (gradient descent with η = 1 from (3, 3):
// x₂ ← x₂ − 4x₂³) ends diverged at its first step with a non-finite metric, as a network
// job does; the run's other jobs end done, with snapshots whose loss grids cover the
// diverging path as far as its losses fit in a float32 (before, the grid's overflowing
// samples made every job's snapshot unwritable: JSON has no infinity).
func TestSolverJobDiverges(t *testing.T) {
	t.Parallel()
	s := spec(t, "trajectories", nil, "lr.gd=1")
	dir, states := train(t, s, []int{0}, 1)
	path := problems.Figure1GradientDescent(1, 100).Points
	first := slices.IndexFunc(path, func(x [2]float64) bool {
		return slices.ContainsFunc(problems.Figure1Problem{}.Metrics(nil, x), func(v float64) bool { return !folder.FiniteValue(v) })
	})
	if first < 0 {
		t.Fatal("the path's metrics stay finite")
	}
	st, _ := folder.ReadStatus(dir, "gd-seed0")
	if states["gd-seed0"] != folder.Diverged {
		t.Fatalf("state %s (%s); want diverged", states["gd-seed0"], st.Message)
	}
	if want := fmt.Sprintf("non-finite values at step %d", first); st.Message != want {
		t.Errorf("message %q; want %q", st.Message, want)
	}
	for _, id := range []string{"pi-seed0", "newton-seed0"} {
		st, _ := folder.ReadStatus(dir, id)
		snap, err := folder.ReadSnapshot(dir, id)
		if states[id] != folder.Done || err != nil || snap == nil {
			t.Fatalf("%s: %s (%s), snapshot %v; want done with a snapshot", id, states[id], st.Message, err)
		}
		g := snap.Field(folder.FieldLoss)
		if g == nil || !g.Grid() || g.Extent[3] < path[2][1] || g.Extent[2] > path[1][1] {
			t.Errorf("%s: loss grid %v; want one over the gd path's first points %v", id, g, path[:3])
		}
	}
}

// rounded returns vs as metrics.csv writes them: 8 significant digits.
func rounded(vs []float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i], _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 8, 64), 64)
	}
	return out
}
