package problems

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// TestPoissonSolvesLaplace checks P against its definition: L·P(x) = x with L the 5-point
// Dirichlet Laplacian applied by the stencil, for every grid size tried.
func TestPoissonSolvesLaplace(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 4, 8, 64} {
		p := NewPoisson(n)
		x := randField(rng, n*n)
		y := make([]float64, n*n)
		p.apply(y, x)
		got := make([]float64, n*n)
		laplacianDirichlet(got, y, n)
		// κ(L) ≈ 1700 at n = 64; the DST sums n² terms: 1e-10 is ≈ κ·n·ε with margin.
		for i := range x {
			if math.Abs(got[i]-x[i]) > 1e-10 {
				t.Fatalf("n=%d: (L·P(x))[%d] = %v, want x = %v", n, i, got[i], x[i])
			}
		}
	}
}

// TestPoissonSIPExact checks that one SIP update from any x lands on x*: x + Δx = L·y* = x*.
func TestPoissonSIPExact(t *testing.T) {
	t.Parallel()
	for _, n := range []int{8, 64} {
		p := NewPoisson(n)
		rng := rand.New(rand.NewPCG(1, 1))
		xt, y := p.Sample(rng, 4)
		x := core.New(xt.Shape...)
		for i := range x.Data {
			x.Data[i] = float32(3 * rng.NormFloat64())
		}
		dx := p.Update(nil, "sip", x, y)
		for e := 0; e < 4; e++ {
			var ymax float64
			for _, v := range y.Example(e) {
				ymax = math.Max(ymax, math.Abs(float64(v)))
			}
			// Rounding: y* is stored in float32 (error ≤ 2⁻²⁴·|y|), amplified by ‖L‖∞ = 8;
			// Δx and x + Δx are rounded in float32 (≤ 2⁻²⁴·(|x|+|Δx|) each, |x| ≲ 15).
			tol := 8*ymax*0x1p-24 + 4*20*0x1p-24
			xe, de, te := x.Example(e), dx.Example(e), xt.Example(e)
			for i := range xe {
				if got := float64(xe[i]) + float64(de[i]); math.Abs(got-float64(te[i])) > tol {
					t.Fatalf("n=%d example %d: x+Δx [%d] = %v, want x* = %v (tol %g)", n, e, i, got, te[i], tol)
				}
			}
		}
	}
}
