package problems

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// mode returns the n×n field amp·f(2π(ky·i + kx·j)/n) with f = sin or cos.
func mode(n, ky, kx int, amp float64, f func(float64) float64) []float64 {
	s := make([]float64, n*n)
	for i := range n {
		for j := range n {
			s[i*n+j] = amp * f(2*math.Pi*float64(ky*i+kx*j)/float64(n))
		}
	}
	return s
}

// TestHeatSineDecay checks P against the analytic solution of u_t = 8·∇²u on the periodic
// grid: a constant stays, a mode of wave vector k (cycles per cell) decays by
// exp(−(2π)²|k|²·8), and the mean is kept.
func TestHeatSineDecay(t *testing.T) {
	t.Parallel()
	const n = 32
	h := NewHeat(n)
	for _, tc := range []struct{ ky, kx int }{{0, 1}, {1, 0}, {1, 1}, {2, 3}, {0, 16}, {5, -7}} {
		const c = 0.75
		x := mode(n, tc.ky, tc.kx, 1, math.Sin)
		for i := range x {
			x[i] += c
		}
		// A second example in the same batch exercises the two-at-a-time packing.
		x2 := mode(n, tc.kx, tc.ky, 2, math.Cos)
		src := append(append([]float64(nil), x...), x2...)
		got := make([]float64, len(src))
		h.apply(got, src)
		k2 := float64(tc.ky*tc.ky+tc.kx*tc.kx) / (n * n)
		g := math.Exp(-4 * math.Pi * math.Pi * k2 * 8)
		want1 := mode(n, tc.ky, tc.kx, g, math.Sin)
		want2 := mode(n, tc.kx, tc.ky, 2*g, math.Cos)
		var mean float64
		for i := range want1 {
			mean += got[i]
			// FFT rounding: ≈ ε·log2(n²)·max|x| ≈ 1e-15; 1e-13 leaves margin.
			if d := math.Abs(got[i] - (want1[i] + c)); d > 1e-13 {
				t.Fatalf("k=%v: P(x)[%d] = %v, want %v", tc, i, got[i], want1[i]+c)
			}
			if d := math.Abs(got[n*n+i] - want2[i]); d > 1e-13 {
				t.Fatalf("k=%v (second example): P(x)[%d] = %v, want %v", tc, i, got[n*n+i], want2[i])
			}
		}
		if mean /= n * n; math.Abs(mean-c) > 1e-14 {
			t.Errorf("k=%v: mean after diffusion %v, want %v", tc, mean, c)
		}
	}
}

// TestHeatDampedInverse builds a residual from three modes and checks each one's gain:
//   - a low mode whose amplitude clearly exceeds the noise level and is plausible for a
//     signal (p = 1) is inverted exactly: gain exp(ℓ);
//   - a mode at 0.3× the noise level σ is neither signal nor noise (p ≈ ½, a = 0): gain 1,
//     not the inverse's exp(ℓ);
//   - a mode far larger than the expected signal amplitude e (p_s = p_n = 0, p = 0):
//     gain exp(−ℓ).
func TestHeatDampedInverse(t *testing.T) {
	t.Parallel()
	const n = 32
	h := NewHeat(n)
	ell := func(ky, kx int) float64 { return 4 * math.Pi * math.Pi * float64(ky*ky+kx*kx) / (n * n) * 8 }
	const a1, a3 = 0.01, 5.0
	s1 := mode(n, 0, 1, a1, math.Sin) // |R|/e = a1·n·exp(ℓ)/2 ≈ 0.22: p_s ≈ ½, p_n = 0
	s3 := mode(n, 2, 2, a3, math.Sin) // |R|/e ≈ 945: p_s = 0, and p_n = 0
	var ss float64
	for i := range s1 {
		ss += sq(s1[i] + s3[i])
	}
	sigma := 1e-6 * math.Sqrt(ss)
	a2 := 0.3 * sigma * 2 / (n * n) // |R| of amp·cos at ±k is amp·n²/2
	s2 := mode(n, 3, 0, a2, math.Cos)
	r := make([]float64, n*n)
	for i := range r {
		r[i] = s1[i] + s2[i] + s3[i]
	}
	got := make([]float64, n*n)
	h.dampedInverse(&h.work[0], got, r, 1)
	want := make([]float64, n*n)
	w1 := mode(n, 0, 1, a1*math.Exp(ell(0, 1)), math.Sin)
	w2 := mode(n, 3, 0, a2, math.Cos)
	w3 := mode(n, 2, 2, a3*math.Exp(-ell(2, 2)), math.Sin)
	for i := range want {
		want[i] = w1[i] + w2[i] + w3[i]
	}
	// Rounding of two FFTs of a field of size ≈ 5: ≈ 1e-14. The gain-1 mode has amplitude
	// ≈ 1.3e-10; inverting it instead would be off by 15× that, far above 1e-13.
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > 1e-13 {
			t.Fatalf("Δx[%d] = %v, want %v (diff %g)", i, got[i], want[i], d)
		}
	}
}

// TestHeatUpdateInvertsSignal checks the float32 Update end to end: from x = 0, when x* is
// a plausible low-frequency signal, one update gives x* (to float32 rounding). (Starting
// from x = 0 keeps the residual large against the float32 rounding of y*; see the Heat
// doc on the noise level.)
func TestHeatUpdateInvertsSignal(t *testing.T) {
	t.Parallel()
	const n = 32
	h := NewHeat(n)
	x := core.New(2, 1, n, n)
	xt := core.New(2, 1, n, n)
	for e := range 2 {
		core.ToFloat32(xt.Example(e), mode(n, 1, e+1, 0.02, math.Cos))
	}
	y := h.Forward(nil, xt)
	dx := h.Update(nil, "sip", x, y)
	for i := range dx.Data {
		got := float64(x.Data[i]) + float64(dx.Data[i])
		// y* is rounded to float32 (2⁻²⁴ relative) and the modes present are amplified by
		// exp(ℓ) ≤ exp(4π²·5/1024·8) ≈ 4.7: 1e-8 absolute for values ≤ 0.02.
		if math.Abs(got-float64(xt.Data[i])) > 1e-8 {
			t.Fatalf("x+Δx [%d] = %v, want x* = %v", i, got, xt.Data[i])
		}
	}
}

// TestHeatBoxes checks the generator against its specification over many examples.
func TestHeatBoxes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{64, 32} {
		seen := map[int]bool{}
		var boxes [heatSlots]heatBox
		f := make([]float64, n*n)
		for range 500 {
			count := heatBoxes(rng, n, &boxes)
			seen[count] = true
			if count < 4 || count > 10 {
				t.Fatalf("n=%d: count %d, want 4…10", n, count)
			}
			clear(f)
			var mass float64
			for s, b := range boxes {
				active := b.strength > 0
				if active != (s < count) {
					t.Fatalf("n=%d slot %d of %d: strength %v", n, s, count, b.strength)
				}
				if b.strength < 0 || b.strength >= 1 {
					t.Fatalf("n=%d: strength %v outside [0, 1)", n, b.strength)
				}
				hx, hy := (b.x1-b.x0)/2, (b.y1-b.y0)/2
				if hx < 0 || hx > 10 || hy < 0 || hy > 10 {
					t.Fatalf("n=%d: half-sizes %v, %v outside [0, 10]", n, hx, hy)
				}
				if b.x0 < 0 || b.y0 < 0 || b.x1 > float64(n) || b.y1 > float64(n) {
					t.Fatalf("n=%d: box %+v outside [0, %d]²", n, b, n)
				}
				rasterBox(f, n, b)
				mass += b.strength * (b.x1 - b.x0) * (b.y1 - b.y0)
			}
			// Fractional coverage conserves each box's heat exactly (up to rounding).
			var sum float64
			for _, v := range f {
				if v < 0 {
					t.Fatalf("n=%d: negative heat %v", n, v)
				}
				sum += v
			}
			if math.Abs(sum-mass) > 1e-9*math.Max(1, mass) {
				t.Fatalf("n=%d: field sum %v, boxes' heat %v", n, sum, mass)
			}
		}
		// count = 4 + ⌊7u⌋ takes every value 4…10 with probability 1/7: in 500 draws each
		// is missing with probability (6/7)⁵⁰⁰ ≈ 1e-34.
		for c := 4; c <= 10; c++ {
			if !seen[c] {
				t.Errorf("n=%d: count %d never drawn", n, c)
			}
		}
	}
}

// TestRasterBoxCoverage checks the anti-aliased rasterisation on a hand-computed box.
func TestRasterBoxCoverage(t *testing.T) {
	t.Parallel()
	const n = 4
	f := make([]float64, n*n)
	// [0.5, 2.25] in x, [1, 1.5] in y, strength 2: row 1 only, half a cell high.
	rasterBox(f, n, heatBox{x0: 0.5, x1: 2.25, y0: 1, y1: 1.5, strength: 2})
	want := make([]float64, n*n)
	want[1*n+0] = 2 * 0.5 * 0.5
	want[1*n+1] = 2 * 0.5 * 1
	want[1*n+2] = 2 * 0.5 * 0.25
	for i := range f {
		if f[i] != want[i] {
			t.Errorf("cell %d = %v, want %v", i, f[i], want[i])
		}
	}
}

func TestHeatAdjustPrediction(t *testing.T) {
	t.Parallel()
	const n = 8
	h := NewHeat(n)
	rng := rand.New(rand.NewPCG(1, 1))
	_, y := h.Sample(rng, 3)
	pred := core.New(3, 1, n, n)
	for i := range pred.Data {
		pred.Data[i] = float32(rng.NormFloat64())
	}
	tape := core.NewTape()
	out := h.AdjustPrediction(tape.Input(pred), y)
	for e := range 3 {
		var my, mo float64
		for i, v := range y.Example(e) {
			my += float64(v)
			mo += float64(out.Value.Example(e)[i])
		}
		// float32 values of order 1 summed over 64 cells.
		if math.Abs(my-mo)/(n*n) > 1e-6 {
			t.Errorf("example %d: mean of adjusted prediction %v, mean of y* %v", e, mo/(n*n), my/(n*n))
		}
	}
}
