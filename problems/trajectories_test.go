package problems

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestFigure1FirstSteps(t *testing.T) {
	t.Parallel()
	// Hand computations from (3, 3):
	//  GD, η = 0.5/36: ∇L = (6, 108); x₁ = (3 − 6/72, 3 − 108/72) = (35/12, 1.5);
	//    then ∇L = (35/6, 13.5); x₂ = (35/12 − 35/432, 1.5 − 13.5/72) = (1225/432, 1.3125).
	//  Newton, η = 0.5: x₁ = (3 − 1.5, 3 − 0.5) = (1.5, 2.5); x₂ = (0.75, 2.5 − 2.5/6).
	//  PI, η = 0.05: z₀ = (3, 9), z₁ = (2.85, 8.55), x₁ = (2.85, √8.55);
	//    z₂ = (2.7075, 8.1225), x₂ = (2.7075, 2.85).
	for _, tc := range []struct {
		path Path
		want [][2]float64
	}{
		{Figure1GradientDescent(0.5/36, 10), [][2]float64{{3, 3}, {35.0 / 12, 1.5}, {1225.0 / 432, 1.3125}}},
		{Figure1Newton(0.5, 10), [][2]float64{{3, 3}, {1.5, 2.5}, {0.75, 2.5 - 2.5/6}}},
		{Figure1Inversion(0.05, 100), [][2]float64{{3, 3}, {2.85, math.Sqrt(8.55)}, {2.7075, 2.85}}},
	} {
		for i, w := range tc.want {
			got := tc.path.Points[i]
			// A few roundings of numbers of order 10.
			if math.Abs(got[0]-w[0]) > 1e-14 || math.Abs(got[1]-w[1]) > 1e-14 {
				t.Errorf("%s η=%v: point %d = %v, want %v", tc.path.Name, tc.path.Eta, i, got, w)
			}
		}
	}
}

func TestFigure1(t *testing.T) {
	t.Parallel()
	paths := Figure1()
	want := []struct {
		name  string
		eta   float64
		steps int
	}{{"GD", 0.5 / 36, 10}, {"GD", 0.005, 1000}, {"Newton", 0.5, 10}, {"Newton", 0.1, 100}, {"PI", 0.05, 100}}
	if len(paths) != len(want) {
		t.Fatalf("%d paths, want %d", len(paths), len(want))
	}
	for i, w := range want {
		p := paths[i]
		if p.Name != w.name || p.Eta != w.eta || len(p.Points) != w.steps+1 || p.Points[0] != Figure1Start {
			t.Errorf("path %d: %s η=%v %d points from %v; want %s η=%v %d points from %v",
				i, p.Name, p.Eta, len(p.Points), p.Points[0], w.name, w.eta, w.steps+1, Figure1Start)
		}
		// Every rule decreases L monotonically on this problem at these step sizes.
		for k := 1; k < len(p.Points); k++ {
			if Figure1Loss(p.Points[k]) >= Figure1Loss(p.Points[k-1]) {
				t.Errorf("%s η=%v: L rises at step %d", p.Name, p.Eta, k)
				break
			}
		}
	}
	// PI shrinks z geometrically: z_k = 0.95ᵏ·(3, 9), a straight line to 0 in y space.
	pi := paths[4].YPoints()
	for k, z := range pi {
		f := math.Pow(0.95, float64(k))
		// k roundings of relative 1e-16.
		if math.Abs(z[0]-3*f) > 1e-13 || math.Abs(z[1]-9*f) > 1e-13 {
			t.Errorf("PI z_%d = %v, want %v", k, z, [2]float64{3 * f, 9 * f})
		}
	}
	// Newton shrinks each coordinate geometrically: x_k = ((1−η)ᵏ·3, (1−η/3)ᵏ·3).
	nw := paths[3].Points
	if x, w := nw[100], [2]float64{3 * math.Pow(0.9, 100), 3 * math.Pow(1-0.1/3, 100)}; math.Abs(x[0]-w[0]) > 1e-13 || math.Abs(x[1]-w[1]) > 1e-13 {
		t.Errorf("Newton x_100 = %v, want %v", x, w)
	}
	if Figure1YLoss(Figure1Forward([2]float64{2, 3})) != Figure1Loss([2]float64{2, 3}) {
		t.Error("‖P(x)‖² ≠ L(x)")
	}
}

// TestFigure1Problem checks the PathProblem against the functions it wraps: each method's
// path, the metrics of an iterate, and the panic on an unknown method.
func TestFigure1Problem(t *testing.T) {
	t.Parallel()
	var p PathProblem = Figure1Problem{}
	want := map[string]Path{"pi": Figure1Inversion(0.05, 7), "newton": Figure1Newton(0.1, 7), "gd": Figure1GradientDescent(0.5/36, 7)}
	for _, m := range p.Methods() {
		w, ok := want[m]
		if !ok {
			t.Fatalf("unexpected method %q", m)
		}
		got := p.Path(m, w.Eta, 7)
		if len(got.Points) != 8 || got.Points[7] != w.Points[7] {
			t.Errorf("%s: %v, want %v", m, got.Points, w.Points)
		}
	}
	x := [2]float64{2, 3}
	// L = 4 + 81, P(x) = (2, 9), ‖P(x)‖² = 4 + 81.
	if got := p.Metrics(nil, x); len(got) != len(p.MetricNames()) || got[0] != 85 || got[1] != 2 || got[2] != 3 || got[3] != 85 {
		t.Errorf("Metrics(%v) = %v, want [85 2 3 85]", x, got)
	}
	if p.Loss(x) != 85 || p.Forward(x) != [2]float64{2, 9} {
		t.Errorf("Loss %v, Forward %v", p.Loss(x), p.Forward(x))
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "unknown method") {
			t.Errorf("Path of an unknown method: recovered %v, want a panic naming it", r)
		}
	}()
	p.Path("bfgs", 0.1, 3)
}
