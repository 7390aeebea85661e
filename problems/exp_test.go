package problems

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

func TestExpSampleReproducible(t *testing.T) {
	t.Parallel()
	p := NewExp()
	x1, y1 := p.Sample(rand.New(rand.NewPCG(1, 1)), 50)
	x2, y2 := p.Sample(rand.New(rand.NewPCG(1, 1)), 50)
	for i := range x1.Data {
		if x1.Data[i] != x2.Data[i] || y1.Data[i] != y2.Data[i] {
			t.Fatalf("example %d: (%v, %v) vs (%v, %v) with the same seed", i, x1.Data[i], y1.Data[i], x2.Data[i], y2.Data[i])
		}
		if x := x1.Data[i]; x > 0 || x <= -12 {
			t.Errorf("x*[%d] = %v outside (−12, 0]", i, x)
		}
	}
	// y* = P(x*), so the loss at the ground truth vanishes up to the float32 rounding of
	// y* (relative 2⁻²⁴, loss ≤ ½(2⁻²⁴·y)² ≤ 2e-15).
	for i, l := range p.Loss(nil, x1, y1) {
		if l > 2e-15 {
			t.Errorf("loss at ground truth %d = %g", i, l)
		}
	}
}

// TestExpDerivatives checks Gradient against central differences of Loss and Hessian
// against central differences of the analytic gradient, in float64.
func TestExpDerivatives(t *testing.T) {
	t.Parallel()
	const h = 1e-5
	for _, tc := range []struct{ x, y float64 }{
		{-3, 0.2}, {0.5, 0.01}, {-10, 1e-4}, {-1, 0.9}, {1, 3},
	} {
		lossAt := func(x float64) float64 { r := math.Exp(x) - tc.y; return 0.5 * r * r }
		gradAt := func(x float64) float64 { e := math.Exp(x); return (e - tc.y) * e }
		x := core.FromData([]float32{float32(tc.x)}, 1, 1)
		y := core.FromData([]float32{float32(tc.y)}, 1, 1)
		xf, yf := float64(x.Data[0]), float64(y.Data[0])
		tc.x, tc.y = xf, yf
		fdG := (lossAt(xf+h) - lossAt(xf-h)) / (2 * h)
		fdH := (gradAt(xf+h) - gradAt(xf-h)) / (2 * h)
		g := float64(NewExp().Gradient(nil, x, y).Data[0])
		H := NewExp().Hessian(nil, x, y)[0]
		// Central differences err by O(h²·f''') ≈ 1e-10·|f'''| plus rounding 1e-16/h; the
		// gradient is rounded to float32 (relative 6e-8).
		scale := math.Exp(2 * math.Abs(xf))
		if math.Abs(g-fdG) > 1e-7*scale {
			t.Errorf("x=%v y=%v: gradient %g, finite difference %g", xf, yf, g, fdG)
		}
		if math.Abs(H-fdH) > 1e-8*scale {
			t.Errorf("x=%v y=%v: Hessian %g, finite difference %g", xf, yf, H, fdH)
		}
	}
}

// TestExpAdjoint checks ⟨J·v, w⟩ = ⟨v, Jᵀ·w⟩ for the Jacobian J = diag(eˣ) of P, with J·v
// from finite differences of Forward and Jᵀ·w from Gradient (which is Jᵀ·(P(x) − y*),
// so Jᵀ·w is obtained with y* = P(x) − w).
func TestExpAdjoint(t *testing.T) {
	t.Parallel()
	p := NewExp()
	rng := rand.New(rand.NewPCG(1, 1))
	x, _ := p.Sample(rng, 16)
	v := make([]float64, 16)
	w := make([]float64, 16)
	for i := range v {
		v[i] = rng.NormFloat64()
		w[i] = rng.NormFloat64() * 0.01
	}
	const h = 1e-3
	var jv float64
	for i := range v {
		xi := float64(x.Data[i])
		jv += (math.Exp(xi+h*v[i]) - math.Exp(xi-h*v[i])) / (2 * h) * w[i]
	}
	px := p.Forward(nil, x)
	y := core.New(16, 1)
	for i := range y.Data {
		y.Data[i] = px.Data[i] - float32(w[i])
	}
	jtw := p.Gradient(nil, x, y)
	var vjt float64
	for i := range v {
		vjt += v[i] * float64(jtw.Data[i])
	}
	// Tolerance: the finite difference errs by h²/6·eˣ·|v|³ ≈ 2e-7 relative, the float32
	// boundary by 6e-8 relative on each term.
	if math.Abs(jv-vjt) > 1e-5*math.Max(1e-3, math.Abs(jv)) {
		t.Errorf("⟨Jv, w⟩ = %g, ⟨v, Jᵀw⟩ = %g", jv, vjt)
	}
}

func TestExpUpdate(t *testing.T) {
	t.Parallel()
	p := NewExp()
	for _, tc := range []struct {
		name         string
		x, y         float64
		newton, clip float64 // expected Δx
	}{
		// eˣ = 1, y* = e⁻²: g = 1 − e⁻² > 0, h = 2 − e⁻² > 0; |g/h| = (1−e⁻²)/(2−e⁻²).
		{"above target", 0, math.Exp(-2), -(1 - math.Exp(-2)) / (2 - math.Exp(-2)), -0.1},
		// eˣ = e⁻⁶ ≪ y* = 1: g < 0, h = e⁻⁶(2e⁻⁶ − 1) < 0; the step still goes up,
		// |g/h| = (1 − e⁻⁶)/(1 − 2e⁻⁶).
		{"far below target, h < 0", -6, 1, (1 - math.Exp(-6)) / (1 - 2*math.Exp(-6)), 0.1},
		// 2eˣ = y*: h = 0, so Δx = 0.
		{"h = 0", 0, 2, 0, 0},
		// at the solution g = 0.
		{"solution", -1, math.Exp(-1), 0, 0},
		// small step is not clipped: x = ln(y*) + 0.01.
		{"near solution", -4 + 0.01, math.Exp(-4), -math.Expm1(0.01) / (2*math.Exp(0.01) - 1), -math.Expm1(0.01) / (2*math.Exp(0.01) - 1)},
		// huge x: the limit ½ downhill.
		{"overflow", 800, 0.5, -0.5, -0.1},
	} {
		x := core.FromData([]float32{float32(tc.x)}, 1, 1)
		y := core.FromData([]float32{float32(tc.y)}, 1, 1)
		want := tc.newton
		got := float64(p.Update(nil, ExpNewton, x, y).Data[0])
		gotC := float64(p.Update(nil, ExpNewtonClipped, x, y).Data[0])
		// The inputs are rounded to float32 (x = −3.99 by 2e-7, which moves the step by
		// about as much) and the output too (relative 6e-8).
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("%s: newton Δx = %g, want %g", tc.name, got, want)
		}
		wantC := math.Copysign(math.Min(math.Abs(want), 0.1), want)
		if want == 0 {
			wantC = 0
		}
		if math.Abs(gotC-wantC) > 1e-6 {
			t.Errorf("%s: newton-clipped Δx = %g, want %g", tc.name, gotC, wantC)
		}
		// The step never climbs: sign(Δx) = sign(−g).
		g := float64(p.Gradient(nil, x, y).Data[0])
		if got*g > 0 {
			t.Errorf("%s: Δx = %g has the sign of g = %g", tc.name, got, g)
		}
	}
}

func TestExpUpdatePanicsOnUnknownName(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Update with unknown name did not panic")
		}
	}()
	NewExp().Update(nil, "sip", core.New(1, 1), core.New(1, 1))
}

func TestExpMetrics(t *testing.T) {
	t.Parallel()
	p := NewExp()
	x := core.FromData([]float32{0, -1}, 2, 1)
	xt := core.FromData([]float32{-1, -1}, 2, 1)
	y := core.FromData([]float32{float32(math.Exp(-1)), float32(math.Exp(-1))}, 2, 1)
	m := p.Metrics(nil, x, xt, y)
	d := 1 - math.Exp(-1) // |e⁰ − e⁻¹| for the first example, 0 for the second
	// No x* below −4: x_l1_low falls back to x_l1.
	want := []float64{0.5, 0.25, d / 2, 0.25 * d * d, 0.5}
	// float32 rounding of e⁻¹ in y*: 3e-8.
	for i, name := range p.MetricNames() {
		if math.Abs(m[i]-want[i]) > 1e-7 {
			t.Errorf("%s = %g, want %g", name, m[i], want[i])
		}
	}
	// x_l1_low averages only the examples with x* < −4: here |−7 − (−5)| and |−3 − (−6)|.
	low := p.Metrics(nil, core.FromData([]float32{-7, -3, 0}, 3, 1), core.FromData([]float32{-5, -6, -1}, 3, 1),
		core.FromData([]float32{1, 1, 1}, 3, 1))
	if low[4] != 2.5 {
		t.Errorf("x_l1_low = %g, want 2.5", low[4])
	}
	if p.MetricNames()[0] != "x_l1" {
		t.Errorf("first metric %q, want x_l1", p.MetricNames()[0])
	}
}
