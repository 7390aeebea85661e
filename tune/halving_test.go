package tune

import (
	"context"
	"math"
	"slices"
	"testing"
)

func TestGridScheduleKeep(t *testing.T) {
	if g := Grid(1e-5, 1e-1, 2); len(g) != 9 || g[0] != 1e-5 || g[1] != 3.16e-5 || g[8] != 0.1 {
		t.Errorf("Grid(1e-5, 1e-1, 2) = %v; want 9 rates, 1e-5, 3.16e-5 … 0.1", g)
	}
	if g := Grid(1, 0.5, 2); g != nil {
		t.Errorf("Grid with lo > hi = %v; want nil", g)
	}
	// 9 rates: 9 → 5 → 3 → 2 → 1, five rungs, each twice the steps of the one before.
	if r, s := Rungs(9), Schedule(9, 3000); r != 5 || !slices.Equal(s, []int{187, 375, 750, 1500, 3000}) {
		t.Errorf("Rungs(9) = %d, Schedule(9, 3000) = %v", r, s)
	}
	// Cost: 2 methods × (9·187 + 5·375 + 3·750 + 2·1500 + 1·3000)
	if c := Cost(9, 2, 3000); c != 2*(9*187+5*375+3*750+2*1500+3000) {
		t.Errorf("Cost(9, 2, 3000) = %d", c)
	}
	if s := StepsFor(9, 2, Cost(9, 2, 3000)); s < 3000 || Cost(9, 2, s) > Cost(9, 2, 3000) || Cost(9, 2, s+1) <= Cost(9, 2, 3000) {
		t.Errorf("StepsFor(the cost of 3000 steps) = %d", s)
	}
	if k := Keep([]float64{3, 1, math.Inf(1), 2, math.NaN()}); !slices.Equal(k, []bool{true, true, false, true, false}) {
		t.Errorf("Keep of 5 = %v; want the 3 lowest", k)
	}
	if k := Keep([]float64{2, 2, 2, 2}); !slices.Equal(k, []bool{true, true, false, false}) {
		t.Errorf("Keep of ties = %v; want the lower rates", k)
	}
}

// TestSearchQuadratic tunes gradient descent on f(x) = L/2·x², whose best step is 1/L
// (it reaches the minimum in one step; |1 − ηL| is the contraction per step, and a step of
// 2/L or more diverges). For curvatures over six decades, the search over a grid of 2 rates
// per decade must find 1/L within one grid step (a factor √10).
func TestSearchQuadratic(t *testing.T) {
	grid := Grid(1e-6, 1e1, 2)
	for _, L := range []float64{0.3, 3, 47, 250, 1e4, 3e5} {
		eval := func(_ context.Context, _, steps int, alive map[string][]float64) (map[string][]float64, error) {
			out := map[string][]float64{}
			for m, rates := range alive {
				for _, eta := range rates {
					x := 1.0
					for range steps {
						x -= eta * L * x // x ← x − η f'(x)
					}
					f := L / 2 * x * x
					if math.IsNaN(f) || math.IsInf(f, 0) {
						f = math.Inf(1)
					}
					out[m] = append(out[m], f)
				}
			}
			return out, nil
		}
		var seen []Rung
		rungs, best, err := Search(context.Background(), []string{"gd"}, grid, 64, eval, func(r Rung) { seen = append(seen, r) })
		if err != nil {
			t.Fatal(err)
		}
		got := best["gd"]
		if d := math.Abs(math.Log10(got * L)); d > 0.5+1e-9 {
			t.Errorf("L = %g: best step %g, 1/L = %g: %.2f decades apart; want within one grid step (0.5)", L, got, 1/L, d)
		}
		if len(rungs) != Rungs(len(grid)) || len(seen) != len(rungs) || len(rungs[len(rungs)-1].Curves[0].Rates) != 1 {
			t.Errorf("L = %g: %d rungs (%d reported), last with %v", L, len(rungs), len(seen), rungs[len(rungs)-1].Curves[0].Rates)
		}
	}
}

// TestSearchErrors: a short answer from the evaluator, and nothing to search.
func TestSearchErrors(t *testing.T) {
	bad := func(context.Context, int, int, map[string][]float64) (map[string][]float64, error) {
		return map[string][]float64{"a": {1}}, nil
	}
	if _, _, err := Search(context.Background(), []string{"a"}, []float64{1, 2}, 4, bad, nil); err == nil {
		t.Error("one score for two rates is no error")
	}
	if _, _, err := Search(context.Background(), nil, []float64{1}, 4, bad, nil); err == nil {
		t.Error("no methods is no error")
	}
}
