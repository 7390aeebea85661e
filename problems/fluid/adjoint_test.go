package fluid

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// checkVJP compares the vector–Jacobian product of f at x against central finite
// differences along a random direction δ: ⟨g, (f(x+εδ) − f(x−εδ))/2ε⟩ = ⟨vjp(g), δ⟩.
// This is the dot-product (adjoint) test ⟨g, Jδ⟩ = ⟨Jᵀg, δ⟩ with Jδ from differences.
//
// ε = 1e-6: the maps are piecewise polynomial of low degree in x (bilinear sampling of
// bilinear samples, a clamp, a square root), so the truncation error is O(ε²) ≈ 1e-12
// and rounding O(1e-16/ε) ≈ 1e-10 relative; tol is set between that and the size of
// an actual error (a missing term changes the result at O(1)).
func checkVJP(t *testing.T, name string, rng *rand.Rand, x []float64, f func(x []float64) []float64,
	vjp func(g []float64) []float64, eps, tol float64) {
	t.Helper()
	y := f(x)
	g := randVec(rng, len(y), 1)
	d := randVec(rng, len(x), 1)
	xp, xm := make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		xp[i] = x[i] + eps*d[i]
		xm[i] = x[i] - eps*d[i]
	}
	yp := append([]float64(nil), f(xp)...)
	ym := f(xm)
	var fd float64
	for i := range yp {
		fd += g[i] * (yp[i] - ym[i]) / (2 * eps)
	}
	an := dot(vjp(g), d)
	if err := math.Abs(fd - an); err > tol*max(math.Abs(fd), math.Abs(an), 1e-300) {
		t.Errorf("%s: ⟨g, Jδ⟩ by finite differences = %.12g, ⟨Jᵀg, δ⟩ = %.12g (rel. error %.3g > %g)",
			name, fd, an, err/math.Max(math.Abs(fd), math.Abs(an)), tol)
	} else {
		t.Logf("%s: fd %.12g adjoint %.12g rel. error %.2g", name, fd, an, err/math.Max(math.Abs(fd), math.Abs(an)))
	}
}

// TestMacCormackVJP checks the adjoint of one MacCormack advection with respect to the
// advected field and the displacements together, on rough random data (the limiter acts
// at a good fraction of the nodes), and on smooth data (the limiter mostly passes through).
func TestMacCormackVJP(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	n := 12
	m := n * n
	for _, c := range []struct {
		name string
		f    []float64
	}{
		{"rough", randVec(rng, m, 1)},
		{"smooth", gaussianBlob(n, 5.3, 7.1, 2.5)}, // off the cell grid: no tied neighbours
	} {
		x := append(append(append([]float64(nil), c.f...), randVec(rng, m, 0.7)...), randVec(rng, m, 0.7)...)
		out, sl, slb := make([]float64, m), make([]float64, m), make([]float64, m)
		f := func(x []float64) []float64 {
			maccormack(out, x[:m], x[m:2*m], x[2*m:], sl, make([]float64, n*n), make([]float64, n*n), n)
			return out
		}
		vjp := func(g []float64) []float64 {
			b := make([]float64, 3*m)
			maccormackAdjoint(b[:m], b[m:2*m], b[2*m:], g, x[:m], x[m:2*m], x[2*m:], sl, make([]float64, m), make([]float64, m), slb, n)
			return b
		}
		checkVJP(t, "maccormack/"+c.name, rng, x, f, vjp, 1e-6, 1e-7)
		// The clamp's branch: the gradient of a clamped node goes to one neighbour.
		clamped := 0
		f(x)
		for i := range n {
			for j := range n {
				p := i*n + j
				lo, hi, _, _ := limits(x[:m], n, float64(i)-x[2*m+p], float64(j)-x[m+p])
				if out[p] == lo || out[p] == hi {
					clamped++
				}
			}
		}
		t.Logf("maccormack/%s: %d of %d nodes at a limiter bound", c.name, clamped, m)
		if c.name == "rough" && clamped == 0 {
			t.Errorf("rough field: the limiter never acts, the clamp's adjoint is untested")
		}
	}
	// A 0/1 field (the generator's marker) has tied neighbours everywhere; with respect to
	// the displacements alone the map is still piecewise smooth (flat stencils pin the
	// output), which is what the gradient through a 0/1 marker needs.
	bin := make([]float64, m)
	for i := range bin {
		if rng.Float64() < 0.3 {
			bin[i] = 1
		}
	}
	d := append(randVec(rng, m, 0.7), randVec(rng, m, 0.7)...)
	out, sl, slb := make([]float64, m), make([]float64, m), make([]float64, m)
	checkVJP(t, "maccormack/binary", rng, d,
		func(x []float64) []float64 {
			maccormack(out, bin, x[:m], x[m:], sl, make([]float64, n*n), make([]float64, n*n), n)
			return out
		},
		func(g []float64) []float64 {
			b, fb := make([]float64, 2*m), make([]float64, m)
			maccormackAdjoint(fb, b[:m], b[m:], g, bin, d[:m], d[m:], sl, make([]float64, m), make([]float64, m), slb, n)
			return b
		}, 1e-6, 1e-7)
}

// newTestSim returns a sim on an n×n grid of the paper's physical size (128) and time step.
func newTestSim(n int) *sim {
	return newSim(n, 128/float64(n), 0.25, 8)
}

// testState returns a divergence-free random velocity of physical speed ~speed and a
// marker: a blob plus 0.1·white noise. The noise keeps the limiter's switch points
// (new = lo or hi) and tied neighbours (lo attained twice, as in the 0/1 markers of the
// problem, where min and max have no derivative) at distances ≫ ε from the data, so that
// the finite differences see one smooth piece. A pure blob fails: its far tail is below
// ε, and a symmetric one ties neighbours exactly.
func testState(rng *rand.Rand, s *sim, speed float64) (v, m []float64) {
	n := s.n
	v = randVec(rng, 2*n*n, speed)
	c := make([]float64, 2*n*n)
	toCentres(c, v, n) // smooth it a little
	toFaces(v, c, n)
	s.proj.project(v)
	m = gaussianBlob(n, float64(n)/2-1.3, float64(n)/2+0.7, float64(n)/8)
	for i := range m {
		m[i] += 0.1 * rng.NormFloat64()
	}
	return v, m
}

func TestStageVJPs(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	n := 16
	s := newTestSim(n)
	m := n * n
	// Speeds ~8 (h = 8, dt = 0.25): displacements ~0.25 cells, up to ~1.
	v, mk := testState(rng, s, 8)

	adv := make([]float64, 2*m)
	checkVJP(t, "selfAdvect", rng, v,
		func(x []float64) []float64 { s.selfAdvect(adv, x); return adv },
		func(g []float64) []float64 { b := make([]float64, 2*m); s.selfAdvectAdjoint(b, g, v); return b },
		1e-6, 1e-7)

	proj := make([]float64, 2*m)
	checkVJP(t, "project", rng, v,
		func(x []float64) []float64 { copy(proj, x); s.proj.project(proj); return proj },
		func(g []float64) []float64 { b := append([]float64(nil), g...); s.proj.project(b); return b },
		1e-6, 1e-7)

	// Rescale: x = [q | old].
	qo := append(append([]float64(nil), randVec(rng, 2*m, 1)...), v...)
	res := make([]float64, 2*m)
	checkVJP(t, "rescale", rng, qo,
		func(x []float64) []float64 { rescale(res, x[:2*m], x[2*m:]); return res },
		func(g []float64) []float64 {
			b := make([]float64, 4*m)
			rescaleAdjoint(b[:2*m], b[2*m:], g, qo[:2*m], qo[2*m:])
			return b
		}, 1e-6, 1e-7)

	// Marker advection: x = [m | v].
	mv := append(append([]float64(nil), mk...), v...)
	mo := make([]float64, m)
	checkVJP(t, "advectMarker", rng, mv,
		func(x []float64) []float64 { s.advectMarker(mo, x[:m], x[m:]); return mo },
		func(g []float64) []float64 {
			b := make([]float64, 3*m)
			s.advectMarkerAdjoint(b[:m], b[m:], g, mv[:m], mv[m:])
			return b
		}, 1e-6, 1e-7)
}

// TestRolloutVJP checks one step and the whole 8-step rollout, x = [v₀ | m₀] ↦ [v_K | m_K].
func TestRolloutVJP(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	n := 16
	m := n * n
	for _, steps := range []int{1, 8} {
		s := newSim(n, 128/float64(n), 0.25, steps)
		v, mk := testState(rng, s, 8)
		x := append(append([]float64(nil), v...), mk...)
		out := make([]float64, 3*m)
		f := func(x []float64) []float64 {
			s.rollout(x[:2*m], x[2*m:])
			copy(out, s.vel[steps])
			copy(out[2*m:], s.mark[steps])
			return out
		}
		vjp := func(g []float64) []float64 {
			s.rollout(x[:2*m], x[2*m:])
			b := make([]float64, 3*m)
			s.rolloutAdjoint(b[:2*m], g[2*m:], g[:2*m])
			copy(b[2*m:], s.mb)
			return b
		}
		// Eight steps compose the kinks of eight MacCormack passes; the differences
		// straddle one only with probability ~ε·(nodes·steps), still negligible.
		checkVJP(t, map[int]string{1: "step", 8: "rollout8"}[steps], rng, x, f, vjp, 1e-6, 1e-6)
	}
}

func TestFreqLossGradient(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		n       int
		falloff float64
	}{{16, 20}, {64, 80}} {
		n := c.n
		l := newFreqLoss(n, c.falloff, core.NewFFT2(n, n))
		z := gaussianBlob(n, float64(n)/2+0.3, float64(n)/3, float64(n)/6)
		for i := range z {
			z[i] += 0.3 * rng.NormFloat64()
		}
		g := make([]float64, n*n)
		v := l.grad(g, z)
		if v2 := l.value(z); v2 != v {
			t.Errorf("n=%d: grad returns L = %g, value %g", n, v, v2)
		}
		// The mean is ignored: L(z + c) = L(z), and the gradient sums to 0.
		zc := append([]float64(nil), z...)
		for i := range zc {
			zc[i] += 5
		}
		if v2 := l.value(zc); math.Abs(v2-v) > 1e-9*v {
			t.Errorf("n=%d: L(z+5) = %g, L(z) = %g", n, v2, v)
		}
		var s float64
		for _, x := range g {
			s += x
		}
		if math.Abs(s) > 1e-9*maxAbs(g)*float64(n) {
			t.Errorf("n=%d: Σ∂L/∂z = %g, want 0", n, s)
		}
		active := 0
		for i := range l.w2 {
			if l.w2[i] > 1e-30 {
				active++
			}
		}
		t.Logf("n=%d: L = %g, %d modes with w² > 1e-30", n, v, active)
		one := []float64{0}
		checkVJP(t, "freqLoss", rng, z,
			func(x []float64) []float64 { one[0] = l.value(x); return one },
			func(gg []float64) []float64 {
				b := make([]float64, n*n)
				for i := range b {
					b[i] = gg[0] * g[i]
				}
				return b
			}, 1e-6, 1e-6)
	}
}
