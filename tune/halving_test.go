package tune

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/sipbench/sipbench/optimizers"
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
		eval := func(_ context.Context, _, steps int, alive map[string][]Point) (map[string][]float64, error) {
			out := map[string][]float64{}
			for m, pts := range alive {
				for _, p := range pts {
					eta := p.LR
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
		rungs, best, err := Search(context.Background(), []string{"gd"}, map[string][]Point{"gd": Points(grid, nil)}, 64, eval, func(r Rung) { seen = append(seen, r) })
		if err != nil {
			t.Fatal(err)
		}
		got := best["gd"].LR
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
	bad := func(context.Context, int, int, map[string][]Point) (map[string][]float64, error) {
		return map[string][]float64{"a": {1}}, nil
	}
	if _, _, err := Search(context.Background(), []string{"a"}, map[string][]Point{"a": Points([]float64{1, 2}, nil)}, 4, bad, nil); err == nil {
		t.Error("one score for two rates is no error")
	}
	if _, _, err := Search(context.Background(), nil, nil, 4, bad, nil); err == nil {
		t.Error("no methods is no error")
	}
	if _, _, err := Search(context.Background(), []string{"a"}, map[string][]Point{}, 4, bad, nil); err == nil {
		t.Error("a method without candidates is no error")
	}
}

// TestSearchMomentum tunes heavy-ball SGD's rate and momentum together (Points crosses
// them) on two quadratics. On f(x) = L/2·x² the best point is η = 1/L with no momentum:
// x reaches 0 in one step and stays there only without momentum (a momentum μ carries
// the first step's velocity on, to −μ·x₀). On f = ½(x² + κy²) with κ = 10⁴, plain
// gradient descent contracts by at most (κ−1)/(κ+1) per step, and heavy ball with μ = 0.99
// by about √μ ≈ 0.995 (Polyak; μ = 0.9 has no rate that is stable for y and fast for x
// at this κ): the search must take μ = 0.99. Each term starts at ½ (x₀ = 1/√L). The last
// rung trains 2048 steps, the first 32: with a last rung of 1024 or less, the first rung
// (16 steps or less) ends before a momentum of 0.99 (a memory of about 100 steps) has
// built up its velocity, and halving drops it there, the short-horizon bias of successive
// halving.
func TestSearchMomentum(t *testing.T) {
	grid := Grid(1e-6, 1e1, 2)
	hs := []optimizers.Hyper{{Name: "momentum", Values: []float64{0, 0.5, 0.9, 0.99}}}
	cands := Points(grid, hs)
	if len(cands) != len(grid)*4 || cands[1].Dir() != "lr=1e-06,momentum=0.5" || cands[4].LR != grid[1] {
		t.Fatalf("Points: %d, %v", len(cands), cands[:5])
	}
	run := func(curv []float64) Evaluator {
		return func(_ context.Context, _, steps int, alive map[string][]Point) (map[string][]float64, error) {
			out := map[string][]float64{}
			for m, pts := range alive {
				for _, p := range pts {
					mu := p.Hypers[0].Value
					f := 0.0
					for _, L := range curv {
						x, v := 1/math.Sqrt(L), 0.0 // each term ½ at the start
						for range steps {
							v = mu*v + L*x // v ← μv + f'(x), as torch.optim.SGD
							x -= p.LR * v
						}
						f += L / 2 * x * x
					}
					if math.IsNaN(f) || math.IsInf(f, 0) {
						f = math.Inf(1)
					}
					out[m] = append(out[m], f)
				}
			}
			return out, nil
		}
	}
	for _, L := range []float64{0.3, 47, 1e4} {
		_, best, err := Search(context.Background(), []string{"sgd"}, map[string][]Point{"sgd": cands}, 64, run([]float64{L}), nil)
		if err != nil {
			t.Fatal(err)
		}
		b := best["sgd"]
		if d := math.Abs(math.Log10(b.LR * L)); d > 0.5+1e-9 || b.Hypers[0].Value != 0 {
			t.Errorf("L = %g: best %s; want η within a grid step of 1/L = %g and no momentum", L, b, 1/L)
		}
	}
	_, best, err := Search(context.Background(), []string{"sgd"}, map[string][]Point{"sgd": cands}, 2048, run([]float64{1, 1e4}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := best["sgd"]; b.Hypers[0].Value != 0.99 {
		t.Errorf("κ = 1e4: best %s; want momentum 0.99", b)
	}
	// CostOf: 36 points halve 36 → 18 → 9 → 5 → 3 → 2 → 1 (7 rungs); a method of 9
	// beside them halves its own, 9 → 5 → 3 → 2 → 1 → 1 → 1.
	s := Schedule(36, 640)
	want := 0
	for i, n := range []int{36, 18, 9, 5, 3, 2, 1} {
		want += n * s[i]
	}
	for i, n := range []int{9, 5, 3, 2, 1, 1, 1} {
		want += n * s[i]
	}
	if got := CostOf([]int{36, 9}, 640); got != want || Cost(9, 2, 640) != CostOf([]int{9, 9}, 640) {
		t.Errorf("CostOf([36 9], 640) = %d; want %d", got, want)
	}
	if st := StepsForOf([]int{36, 9}, want); st < 640 || CostOf([]int{36, 9}, st+1) <= want {
		t.Errorf("StepsForOf(the cost of 640) = %d", st)
	}
}
