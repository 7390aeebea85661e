package problems

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// fieldCase is one linear field problem under test: its shared part and a constructor.
type fieldCase struct {
	name string
	n    int
	p    Problem
	lin  *linearField
}

func fieldCases() []fieldCase {
	var cs []fieldCase
	for _, n := range []int{8, 32} {
		po := NewPoisson(n)
		he := NewHeat(n)
		cs = append(cs,
			fieldCase{"poisson", n, po, &po.linearField},
			fieldCase{"heat", n, he, &he.linearField})
	}
	return cs
}

func randField(rng *rand.Rand, m int) []float64 {
	x := make([]float64, m)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestFieldAdjoint checks ⟨P·v, w⟩ = ⟨v, Pᵀ·w⟩ with Pᵀ = P, the identity the gradient
// relies on, on random batched fields.
func TestFieldAdjoint(t *testing.T) {
	t.Parallel()
	for _, c := range fieldCases() {
		rng := rand.New(rand.NewPCG(1, 1))
		m := 3 * c.n * c.n
		v, w := randField(rng, m), randField(rng, m)
		pv, pw := make([]float64, m), make([]float64, m)
		c.lin.apply(pv, v)
		c.lin.apply(pw, w)
		lhs, rhs := dot(pv, w), dot(v, pw)
		// Both sides sum m ≤ 3072 products of O(‖P‖) terms: 1e-12 relative to the size of
		// the terms (‖Pv‖·‖w‖) is a few hundred ε.
		scale := math.Sqrt(dot(pv, pv) * dot(w, w))
		if math.Abs(lhs-rhs) > 1e-12*scale {
			t.Errorf("%s n=%d: ⟨Pv,w⟩ = %v, ⟨v,Pw⟩ = %v", c.name, c.n, lhs, rhs)
		}
	}
}

// TestFieldGradientFD checks Gradient against central differences of Loss. The loss is
// quadratic in x, so a central difference is exact up to rounding for any step; the step
// 2⁻⁴ and the inputs, multiples of 2⁻¹⁰, keep x ± h exact in float32.
func TestFieldGradientFD(t *testing.T) {
	t.Parallel()
	for _, c := range fieldCases() {
		if c.n > 8 {
			continue
		}
		rng := rand.New(rand.NewPCG(1, 1))
		const batch = 2
		m := c.n * c.n
		x := core.New(batch, 1, c.n, c.n)
		y := core.New(batch, 1, c.n, c.n)
		for i := range x.Data {
			x.Data[i] = float32(math.Round(rng.NormFloat64()*1024) / 1024)
			y.Data[i] = float32(rng.NormFloat64())
		}
		g := c.p.Gradient(nil, x, y)
		const h = 1.0 / 16
		lp, lm := make([]float64, batch), make([]float64, batch)
		for _, i := range []int{0, 1, m/2 + 3, m - 1, m + 5, 2*m - 1} {
			e := i / m
			old := x.Data[i]
			x.Data[i] = old + h
			c.p.Loss(lp, x, y)
			x.Data[i] = old - h
			c.p.Loss(lm, x, y)
			x.Data[i] = old
			fd := (lp[e] - lm[e]) / (2 * h)
			// g is rounded to float32 (relative 6e-8); the loss difference loses about
			// ε64·L/h. 1e-5 relative to the gradient's scale covers both.
			scale := math.Max(1, math.Abs(fd))
			if d := math.Abs(float64(g.Data[i]) - fd); d > 1e-5*scale {
				t.Errorf("%s n=%d: ∂L/∂x[%d] = %v, central difference %v", c.name, c.n, i, g.Data[i], fd)
			}
		}
	}
}

// TestFieldForwardMatchesFloat64 checks that the float32 interface is P in float64 rounded
// once, and that Loss of y* = P(x*) at x* is zero to float32 rounding.
func TestFieldForwardMatchesFloat64(t *testing.T) {
	t.Parallel()
	for _, c := range fieldCases() {
		rng := rand.New(rand.NewPCG(1, 1))
		x, y := c.p.Sample(rng, 3)
		want := make([]float64, len(x.Data))
		core.ToFloat64(want, x.Data)
		c.lin.apply(want, want)
		for i, v := range y.Data {
			if v != float32(want[i]) {
				t.Fatalf("%s n=%d: y*[%d] = %v, want P(x*) = %v", c.name, c.n, i, v, float32(want[i]))
			}
		}
		loss := c.p.Loss(nil, x, y)
		for e, l := range loss {
			// Residual is float32 rounding of y*: ½·Σ (ε32·|y|)² ≤ ½·n²·(6e-8·max|y|)².
			var ymax float64
			for _, v := range y.Example(e) {
				ymax = math.Max(ymax, math.Abs(float64(v)))
			}
			if bound := 0.5 * float64(c.n*c.n) * math.Pow(6e-8*ymax, 2); l > bound {
				t.Errorf("%s n=%d: loss at x* = %g, want ≤ %g", c.name, c.n, l, bound)
			}
		}
		m := c.p.Metrics(nil, x, x, y)
		if m[0] != 0 || m[1] != 0 {
			t.Errorf("%s n=%d: x metrics at x* = %v, want 0", c.name, c.n, m[:2])
		}
	}
}

func TestFieldSampleReproducible(t *testing.T) {
	t.Parallel()
	for _, c := range fieldCases() {
		x1, y1 := c.p.Sample(rand.New(rand.NewPCG(1, 1)), 2)
		x2, y2 := c.p.Sample(rand.New(rand.NewPCG(1, 1)), 2)
		x3, _ := c.p.Sample(rand.New(rand.NewPCG(2, 1)), 2)
		same := true
		for i := range x1.Data {
			if x1.Data[i] != x2.Data[i] || y1.Data[i] != y2.Data[i] {
				t.Fatalf("%s n=%d: same seed, different sample at %d", c.name, c.n, i)
			}
			same = same && x1.Data[i] == x3.Data[i]
		}
		if same {
			t.Errorf("%s n=%d: different seeds gave the same sample", c.name, c.n)
		}
	}
}

func TestFieldPanics(t *testing.T) {
	t.Parallel()
	for _, c := range fieldCases() {
		x := core.New(2, 1, c.n, c.n)
		bad := core.New(2, 1, c.n, c.n+1)
		for name, f := range map[string]func(){
			"forward shape": func() { c.p.Forward(nil, bad) },
			"loss pair":     func() { c.p.Loss(nil, x, core.New(3, 1, c.n, c.n)) },
			"update name":   func() { c.p.Update(nil, "newton", x, x) },
			"gradient dst":  func() { c.p.Gradient(bad, x, x) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s n=%d: %s: no panic", c.name, c.n, name)
					}
				}()
				f()
			}()
		}
	}
}
