package fluid

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

func TestSample(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{32, 64} {
		f := NewFluid(n)
		m := n * n
		x, y, omega := f.generate(rng, 4)
		if !x.AllFinite() || !y.AllFinite() {
			t.Fatalf("n=%d: non-finite sample", n)
		}
		loss := f.Loss(nil, x, y)
		floor := float64(m) * math.Sqrt(freqThreshold)
		for b := range 4 {
			yb := y.Example(b)
			ones := 0
			for _, v := range yb[:m] {
				if v != 0 && v != 1 {
					t.Fatalf("n=%d: m₀ not 0/1: %g", n, v)
				}
				if v == 1 {
					ones++
				}
			}
			// The fill fraction f ∈ [0.05, 0.15] of n² cells, fewer only when the box
			// holds fewer positive noise values than f·n².
			if ones == 0 || float64(ones) > 0.15*float64(m)+1 {
				t.Errorf("n=%d example %d: %d marked cells of %d", n, b, ones, m)
			}
			// x* reproduces m_T: every mode of the residual (float32 rounding of m_T,
			// ~1e-7) is far below the threshold, so the loss is the floor n²·√1e-5.
			if math.Abs(loss[b]-floor) > 1e-9*floor {
				t.Errorf("n=%d example %d: L(x*) = %.10g, want the floor %.10g", n, b, loss[b], floor)
			}
			// x* is (at the faces, before centring) divergence-free: its centre average
			// has the vortex of strength ω and the uniform part.
			c := make([]float64, 2*m)
			core.ToFloat64(c, x.Example(b))
			// The estimator sees the vortex through the fluctuations (0.1·noise), the
			// projection and the centring; measured |error| ≤ 0.002 on these examples,
			// 0.01 allows 5× that (a wrong normalisation 120.5 would be off by percents).
			w := f.omegaOf(c)
			t.Logf("n=%d example %d: omegaOf(x*) = %.4f, ω = %.4f", n, b, w, omega[b])
			if math.Abs(w-omega[b]) > 0.01 {
				t.Errorf("n=%d example %d: omegaOf(x*) = %g, generated ω = %g", n, b, w, omega[b])
			}
		}
		// The marker moves: m_T differs from m₀.
		var moved float64
		for b := range 4 {
			yb := y.Example(b)
			for i := range m {
				moved += math.Abs(float64(yb[i] - yb[m+i]))
			}
		}
		if moved < 1 {
			t.Errorf("n=%d: m_T equals m₀", n)
		}
		// A wrong velocity raises the loss.
		x2 := x.Clone()
		for i := range x2.Data {
			x2.Data[i] *= 0.8
		}
		for b, l := range f.Loss(nil, x2, y) {
			if l <= loss[b]*1.01 {
				t.Errorf("n=%d example %d: L(0.8·x*) = %g not above L(x*) = %g", n, b, l, loss[b])
			}
		}
	}
}

// TestGradient checks the problem's Gradient (through toFaces, 8 steps and the loss, float32
// at the boundary) against central differences of the float64 loss along a random
// direction, at a perturbed ground truth (away from the loss's floor).
func TestGradient(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	n := 32
	f := NewFluid(n)
	m := n * n
	x, y := f.Sample(rng, 2)
	for i := range x.Data {
		x.Data[i] *= 0.9
	}
	g := f.Gradient(nil, x, y)
	for b := range 2 {
		c := make([]float64, 2*m)
		core.ToFloat64(c, x.Example(b))
		d := randVec(rng, 2*m, 1)
		eps := 1e-6
		cp, cm := make([]float64, 2*m), make([]float64, 2*m)
		for i := range c {
			cp[i], cm[i] = c[i]+eps*d[i], c[i]-eps*d[i]
		}
		fd := (f.lossCentres(cp, y.Example(b)) - f.lossCentres(cm, y.Example(b))) / (2 * eps)
		var an float64
		for i, v := range g.Example(b) {
			an += float64(v) * d[i]
		}
		// float32 gradient (rel. 6e-8 per value, summed over 2n² random-sign terms) and
		// the finite differences' O(ε²) and rounding (L ~ 1e3, ε = 1e-6: 1e-10/1e-6).
		if err := math.Abs(fd - an); err > 1e-4*math.Abs(fd) {
			t.Errorf("example %d: dL along δ: differences %.10g, Gradient %.10g", b, fd, an)
		} else {
			t.Logf("example %d: differences %.10g, Gradient %.10g, rel. %.2g", b, fd, an, err/math.Abs(fd))
		}
	}
	// Forward reproduces y from x*.
	x0, y0 := f.Sample(rng, 1)
	p := f.Forward(y0.Clone(), x0)
	for i, v := range p.Data {
		if v != y0.Data[i] {
			t.Fatalf("Forward(x*) differs from y* at %d: %g vs %g", i, v, y0.Data[i])
		}
	}
}

// TestSIPUpdate: from a prediction with the right translation and fluctuations but a
// vortex strength off by ±1, the SIP estimate x + Δx has a strength closer to the truth
// on average.
func TestSIPUpdate(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	n := 32
	f := NewFluid(n)
	m := n * n
	const B = 8
	xs, y, _ := f.generate(rng, B)
	x := xs.Clone()
	c := make([]float64, 2*m)
	wrong := make([]float64, B)
	for b := range B {
		wrong[b] = 1
		if b%2 == 1 {
			wrong[b] = -1
		}
		clear(c)
		f.addFlow(c, 0, 0, wrong[b])
		xb := x.Example(b)
		for i := range xb {
			xb[i] += float32(c[i])
		}
	}
	dx := f.Update(nil, "sip", x, y)
	var before, after float64
	moved := 0
	for b := range B {
		core.ToFloat64(c, xs.Example(b))
		wTrue := f.omegaOf(c)
		core.ToFloat64(c, x.Example(b))
		w0 := f.omegaOf(c)
		for i, v := range dx.Example(b) {
			c[i] += float64(v)
		}
		w1 := f.omegaOf(c)
		before += math.Abs(w0 - wTrue)
		after += math.Abs(w1 - wTrue)
		if (w1-w0)*(wTrue-w0) > 0 {
			moved++
		}
		t.Logf("example %d: ω* = %.3f, prediction %.3f, after SIP %.3f", b, wTrue, w0, w1)
	}
	if after >= before || moved < B/2+1 {
		t.Errorf("SIP: mean |ω − ω*| %.3f → %.3f, %d of %d moved toward ω*", before/B, after/B, moved, B)
	}
	// At the truth, the update keeps the strength and the translation: x* + Δx is the
	// smooth part of x*, within the fluctuations (0.1·noise) of it.
	dt := f.Update(nil, "sip", xs, y)
	var l1 float64
	for _, v := range dt.Data {
		l1 += math.Abs(float64(v))
	}
	t.Logf("mean |Δx| at x*: %.4f", l1/float64(len(dt.Data)))
	if l1/float64(len(dt.Data)) > 0.2 {
		t.Errorf("SIP at the truth: mean |Δx| = %g, want about the fluctuations' 0.1·0.8", l1/float64(len(dt.Data)))
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	f := NewFluid(32)
	x, y := f.Sample(rng, 2)
	got := f.Metrics(nil, x, x, y)
	if got[0] != 0 || got[2] != 0 {
		t.Errorf("metrics of x* against itself: %v, want x_l1 = v_l1 = 0", got)
	}
	x2 := x.Clone()
	for i := range x2.Data {
		x2.Data[i] += 0.5
	}
	got = f.Metrics(nil, x2, x, y)
	// A uniform shift by 0.5 in both components is divergence-free and survives the
	// projection; x_l1 is exactly 0.5 (float32 rounding).
	if math.Abs(got[0]-0.5) > 1e-6 || got[2] <= 0 || got[1] <= float64(32*32)*math.Sqrt(freqThreshold) {
		t.Errorf("metrics of x*+0.5: %v", got)
	}
}
