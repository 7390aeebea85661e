package problems

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// rotationCases are the (ξ, φ) settings of Figure 5: well and badly conditioned,
// decoupled and coupled.
var rotationCases = []struct{ xi, phi float64 }{
	{1, 0}, {1, math.Pi / 4}, {4, 0.3}, {32, 0}, {32, math.Pi / 4}, {0.5, 2},
}

// rotRandom returns x with u uniform in [−3, 3]² and y uniform in [−1, 1]².
func rotRandom(p *Rotation, rng *rand.Rand) (x, y [2]float64) {
	u := [2]float64{6*rng.Float64() - 3, 6*rng.Float64() - 3}
	y = [2]float64{2*rng.Float64() - 1, 2*rng.Float64() - 1}
	return p.fromU(u), y
}

func TestRotationSample(t *testing.T) {
	t.Parallel()
	for _, tc := range rotationCases {
		p := NewRotation(tc.xi, tc.phi)
		x1, y1 := p.Sample(rand.New(rand.NewPCG(1, 1)), 64)
		x2, y2 := p.Sample(rand.New(rand.NewPCG(1, 1)), 64)
		for i := range x1.Data {
			if x1.Data[i] != x2.Data[i] || y1.Data[i] != y2.Data[i] {
				t.Fatalf("ξ=%v φ=%v: element %d differs with the same seed", tc.xi, tc.phi, i)
			}
			if math.Abs(float64(y1.Data[i])) > 1 {
				t.Errorf("ξ=%v φ=%v: y*[%d] = %v outside [−1, 1]", tc.xi, tc.phi, i, y1.Data[i])
			}
		}
		// x* solves the problem up to its float32 rounding: |δx| ≤ 6e-8·|x| (|x| ≤ 5), which
		// P amplifies by at most max(a, b) ≤ 320, so |r| ≤ 1e-4 and L ≤ 1e-8.
		for i, l := range p.Loss(nil, x1, y1) {
			if l > 1e-8 {
				t.Errorf("ξ=%v φ=%v: loss at x*[%d] = %g", tc.xi, tc.phi, i, l)
			}
		}
		// In float64 the principal solution is exact.
		for i := range 64 {
			y := rotAt(y1, i)
			f := p.forward(p.fromU([2]float64{math.Asin(y[0]), y[1]}))
			if math.Abs(f[0]-y[0]) > 1e-12 || math.Abs(f[1]-y[1]) > 1e-12 {
				t.Errorf("ξ=%v φ=%v: P(x*) = %v, y* = %v", tc.xi, tc.phi, f, y)
			}
		}
	}
}

func rotLoss(p *Rotation, x, y [2]float64) float64 {
	f := p.forward(x)
	return 0.5 * ((f[0]-y[0])*(f[0]-y[0]) + (f[1]-y[1])*(f[1]-y[1]))
}

// TestRotationDerivatives checks the analytic gradient against central differences of the
// loss and the analytic Hessian against central differences of the gradient, in float64.
func TestRotationDerivatives(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range rotationCases {
		p := NewRotation(tc.xi, tc.phi)
		// Step in x small against the fastest scale 1/max(a, b) of P.
		h := 1e-4 / math.Max(p.a, p.b)
		for range 20 {
			x, y := rotRandom(p, rng)
			g := p.grad(x, y)
			H := p.hessian(x, y)
			Hm := [2][2]float64{{H[0], H[1]}, {H[1], H[2]}}
			for j := range 2 {
				xp, xm := x, x
				xp[j] += h
				xm[j] -= h
				fd := (rotLoss(p, xp, y) - rotLoss(p, xm, y)) / (2 * h)
				gp, gm := p.grad(xp, y), p.grad(xm, y)
				// Truncation O((h·max(a,b))²) = 1e-8 relative to the scale b² of the second
				// derivatives; rounding 1e-16·L/h.
				scale := math.Max(p.a, p.b) * math.Max(p.a, p.b)
				if math.Abs(fd-g[j]) > 1e-7*scale*math.Max(1, math.Hypot(x[0], x[1])) {
					t.Errorf("ξ=%v φ=%v x=%v y=%v: g[%d] = %g, finite difference %g", tc.xi, tc.phi, x, y, j, g[j], fd)
				}
				for i := range 2 {
					fdH := (gp[i] - gm[i]) / (2 * h)
					if math.Abs(fdH-Hm[i][j]) > 1e-6*scale {
						t.Errorf("ξ=%v φ=%v x=%v y=%v: H[%d][%d] = %g, finite difference %g", tc.xi, tc.phi, x, y, i, j, Hm[i][j], fdH)
					}
				}
			}
		}
	}
}

// TestRotationTensorAPI checks that the float32 methods agree with the float64 kernels.
func TestRotationTensorAPI(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	p := NewRotation(4, 0.3)
	x, y := core.New(8, 2), core.New(8, 2)
	for i := range 8 {
		xi, yi := rotRandom(p, rng)
		rotSet(x, i, xi)
		rotSet(y, i, yi)
	}
	g := p.Gradient(nil, x, y)
	H := p.Hessian(nil, x, y)
	f := p.Forward(nil, x)
	l := p.Loss(nil, x, y)
	for i := range 8 {
		xi, yi := rotAt(x, i), rotAt(y, i)
		wg, wh, wf := p.grad(xi, yi), p.hessian(xi, yi), p.forward(xi)
		// float32 outputs: relative rounding 6e-8.
		for j := range 2 {
			if math.Abs(float64(g.Data[2*i+j])-wg[j]) > 1e-7*math.Max(1, math.Abs(wg[j])) ||
				math.Abs(float64(f.Data[2*i+j])-wf[j]) > 1e-7*math.Max(1, math.Abs(wf[j])) {
				t.Errorf("example %d: Gradient/Forward %v %v, want %v %v", i, g.Example(i), f.Example(i), wg, wf)
			}
		}
		if H[4*i] != wh[0] || H[4*i+1] != wh[1] || H[4*i+2] != wh[1] || H[4*i+3] != wh[2] {
			t.Errorf("example %d: Hessian %v, want %v", i, H[4*i:4*i+4], wh)
		}
		if l[i] != rotLoss(p, xi, yi) {
			t.Errorf("example %d: loss %v, want %v", i, l[i], rotLoss(p, xi, yi))
		}
	}
}

// TestRotationAdjoint checks ⟨J·v, w⟩ = ⟨v, Jᵀ·w⟩, with J·v from central differences of P
// and Jᵀ·w = grad(x, P(x) − w).
func TestRotationAdjoint(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range rotationCases {
		p := NewRotation(tc.xi, tc.phi)
		h := 1e-4 / math.Max(p.a, p.b)
		for range 20 {
			x, _ := rotRandom(p, rng)
			v := [2]float64{rng.NormFloat64(), rng.NormFloat64()}
			w := [2]float64{rng.NormFloat64(), rng.NormFloat64()}
			fp := p.forward([2]float64{x[0] + h*v[0], x[1] + h*v[1]})
			fm := p.forward([2]float64{x[0] - h*v[0], x[1] - h*v[1]})
			jv := ((fp[0]-fm[0])*w[0] + (fp[1]-fm[1])*w[1]) / (2 * h)
			f := p.forward(x)
			jtw := p.grad(x, [2]float64{f[0] - w[0], f[1] - w[1]})
			vjtw := v[0]*jtw[0] + v[1]*jtw[1]
			// Truncation (h·max(a,b))² = 1e-8 relative to ‖J‖·|v|·|w| ≤ max(a,b)·|v|·|w|.
			tol := 1e-7 * math.Max(p.a, p.b) * math.Hypot(v[0], v[1]) * math.Hypot(w[0], w[1])
			if math.Abs(jv-vjtw) > tol {
				t.Errorf("ξ=%v φ=%v: ⟨Jv, w⟩ = %g, ⟨v, Jᵀw⟩ = %g", tc.xi, tc.phi, jv, vjtw)
			}
		}
	}
}

func TestEigSym2(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	cases := [][3]float64{{1, 0, 2}, {2, 0, 1}, {3, 0, 3}, {1, 1, 1}, {1e5, 3, 0.1}, {-2, 5, 7}}
	for range 50 {
		cases = append(cases, [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64() * 100})
	}
	for _, m := range cases {
		S, V := eigSym2(m[0], m[1], m[2])
		if S[0] > S[1] {
			t.Errorf("%v: eigenvalues %v not ascending", m, S)
		}
		scale := math.Abs(m[0]) + math.Abs(m[1]) + math.Abs(m[2])
		// Reconstruction V·diag(S)·Vᵀ and orthonormality, to a few ulps of the scale.
		for i := range 2 {
			for j := range 2 {
				var a, o float64
				for k := range 2 {
					a += V[i][k] * S[k] * V[j][k]
					o += V[k][i] * V[k][j]
				}
				want := m[1]
				if i == j {
					want = m[2*i]
				}
				if math.Abs(a-want) > 1e-14*scale {
					t.Errorf("%v: (VSVᵀ)[%d][%d] = %v, want %v", m, i, j, a, want)
				}
				id := 0.0
				if i == j {
					id = 1
				}
				if math.Abs(o-id) > 1e-14 {
					t.Errorf("%v: (VᵀV)[%d][%d] = %v", m, i, j, o)
				}
			}
		}
	}
}

// TestRotationUpdateDescends checks that the SIP step points downhill: ⟨g, Δx⟩ ≤ 0 (it is
// −Σ|g_e|·|n_e| by construction) and the loss falls along it.
func TestRotationUpdateDescends(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range rotationCases {
		p := NewRotation(tc.xi, tc.phi)
		for range 50 {
			x, y := rotRandom(p, rng)
			d := p.sipStep(x, y)
			g := p.grad(x, y)
			if dot := g[0]*d[0] + g[1]*d[1]; dot > 0 || (dot == 0 && (g[0] != 0 || g[1] != 0)) {
				t.Errorf("ξ=%v φ=%v x=%v y=%v: ⟨g, Δx⟩ = %g", tc.xi, tc.phi, x, y, dot)
				continue
			}
			// A short step along Δx lowers L (first order: ε·⟨g, Δx⟩ < 0).
			const eps = 1e-3
			l0 := rotLoss(p, x, y)
			l1 := rotLoss(p, [2]float64{x[0] + eps*d[0], x[1] + eps*d[1]}, y)
			if !(l1 < l0) {
				t.Errorf("ξ=%v φ=%v x=%v y=%v: L(x + εΔx) = %g ≥ L(x) = %g", tc.xi, tc.phi, x, y, l1, l0)
			}
		}
	}
	// The tensor API gives the same step.
	p := NewRotation(32, math.Pi/4)
	x, y := p.Sample(rand.New(rand.NewPCG(2, 2)), 4)
	for i := range y.Data {
		y.Data[i] *= 0.5 // move away from the sampled solution
	}
	d := p.Update(nil, RotationSIP, x, y)
	for i := range 4 {
		w := p.sipStep(rotAt(x, i), rotAt(y, i))
		if math.Abs(float64(d.Data[2*i])-w[0]) > 1e-7*math.Abs(w[0]) || math.Abs(float64(d.Data[2*i+1])-w[1]) > 1e-7*math.Abs(w[1]) {
			t.Errorf("Update example %d = %v, want %v", i, d.Example(i), w)
		}
	}
}

// TestRotationUpdateScaleInvariant checks section 2's scale invariance: at the same point u
// and the same y*, the step mapped to u space, Δu = diag(a, b)·R_φ·Δx, equals the
// hand-derived component-wise step in u, in which a and b cancel. The only dependence on ξ
// left is which eigenvalues exceed S_avg (which selects the 0.2 limit); settings with the
// same selection must give the same Δu whatever ξ and φ.
func TestRotationUpdateScaleInvariant(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	compared := 0
	for range 200 {
		u := [2]float64{6*rng.Float64() - 3, 6*rng.Float64() - 3}
		y := [2]float64{2*rng.Float64() - 1, 2*rng.Float64() - 1}
		// Hand derivation: H = R_φᵀ·diag(a²c, b²)·R_φ with c = cos²u₁ − r₁·sin u₁ and
		// g = R_φᵀ·(a·cos u₁·r₁, b·r₂), so (up to the eigenvectors' signs) g_e = (a·g₁, b·g₂)
		// with g₁ = cos u₁·r₁, g₂ = r₂, and Δu = diag(a, b)·n_e is
		// Δuᵢ = −sign(gᵢ)·min(|gᵢ/cᵢ|, limᵢ) with c₂ = 1 and limᵢ = 0.2/|gᵢ| or +∞.
		sn, cs := math.Sincos(u[0])
		r0, r1 := sn-y[0], u[1]-y[1]
		c := cs*cs - r0*sn
		gu := [2]float64{cs * r0, r1}
		cu := [2]float64{c, 1}
		refs := map[[2]bool][2]float64{}
		for _, tc := range rotationCases {
			p := NewRotation(tc.xi, tc.phi)
			S := [2]float64{p.a * p.a * c, p.b * p.b}
			// Skip near-degenerate spectra, where the eigenbasis is not determined, and
			// c ≈ 0, where the step in u₁ is unbounded.
			if math.Abs(S[0]-S[1]) < 1e-3*S[1] || math.Abs(c) < 1e-3 {
				continue
			}
			d := p.toU(p.sipStep(p.fromU(u), y)) // toU is linear
			avg := math.Sqrt(math.Abs(S[0] * S[1]))
			key := [2]bool{S[0] > avg, S[1] > avg}
			var want [2]float64
			for j := range 2 {
				n := math.Abs(gu[j] / cu[j])
				if !key[j] {
					n = math.Min(n, RotationLimit/math.Abs(gu[j]))
				}
				want[j] = -math.Copysign(n, gu[j])
			}
			// The small eigenvalue carries cancellation error ≈ 1e-16·b²/(a²|c|) ≤ 1e-7
			// relative for ξ = 32, |c| ≥ 1e-3; allow 1e-6.
			for j := range 2 {
				if math.Abs(d[j]-want[j]) > 1e-6*math.Max(1, math.Abs(want[j])) {
					t.Errorf("ξ=%v φ=%v u=%v y=%v: Δu = %v, want %v", tc.xi, tc.phi, u, y, d, want)
					break
				}
			}
			ref, ok := refs[key]
			if !ok {
				refs[key] = d
				continue
			}
			compared++
			for j := range 2 {
				if math.Abs(d[j]-ref[j]) > 1e-6*math.Max(1, math.Abs(ref[j])) {
					t.Errorf("ξ=%v φ=%v u=%v y=%v: Δu = %v, another setting with the same limits gave %v", tc.xi, tc.phi, u, y, d, ref)
					break
				}
			}
		}
	}
	// Every draw has ξ = 4 and ξ = 32 in the same class (S₂ = b² > S_avg as b/a = ξ² > √|c|).
	if compared < 200 {
		t.Errorf("only %d cross-setting comparisons", compared)
	}
}

// TestRotationClosest checks that x_dist vanishes at every exact solution and that the
// closest solution matches a brute-force search over the branches n ∈ [−40, 40].
func TestRotationClosest(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range rotationCases {
		p := NewRotation(tc.xi, tc.phi)
		for range 20 {
			y := [2]float64{2*rng.Float64() - 1, 2*rng.Float64() - 1}
			as := math.Asin(y[0])
			for n := -3; n <= 3; n++ {
				for _, base := range []float64{as, math.Pi - as} {
					xc := p.fromU([2]float64{base + 2*math.Pi*float64(n), y[1]})
					c := p.closest(xc, y)
					// Round trip through toU/fromU: a few ulps of |x| ≤ 30.
					if d := math.Hypot(c[0]-xc[0], c[1]-xc[1]); d > 1e-12 {
						t.Errorf("ξ=%v φ=%v: solution %v (n=%d) at distance %g from its closest solution %v", tc.xi, tc.phi, xc, n, d, c)
					}
				}
			}
			// Brute force from a random x with |u₁| ≤ 60 (well inside the searched branches).
			x := p.fromU([2]float64{120*rng.Float64() - 60, 6*rng.Float64() - 3})
			best := math.Inf(1)
			for n := -40; n <= 40; n++ {
				for _, base := range []float64{as, math.Pi - as} {
					xc := p.fromU([2]float64{base + 2*math.Pi*float64(n), y[1]})
					best = math.Min(best, math.Hypot(x[0]-xc[0], x[1]-xc[1]))
				}
			}
			c := p.closest(x, y)
			// P maps the rounding of c (ulps of |c|, up to 130) through max(a, b) = 320.
			tol := 1e-15 * (1 + math.Hypot(c[0], c[1])) * math.Max(p.a, p.b)
			if f := p.forward(c); math.Abs(f[0]-y[0]) > tol || math.Abs(f[1]-y[1]) > tol {
				t.Errorf("ξ=%v φ=%v: closest %v is no solution: P = %v, y* = %v", tc.xi, tc.phi, c, f, y)
			}
			if d := math.Hypot(x[0]-c[0], x[1]-c[1]); math.Abs(d-best) > 1e-12*math.Max(1, best) {
				t.Errorf("ξ=%v φ=%v x=%v y=%v: distance to closest %g, brute force %g", tc.xi, tc.phi, x, y, d, best)
			}
		}
	}
}

func TestRotationMetrics(t *testing.T) {
	t.Parallel()
	p := NewRotation(1, 0) // a = b = 10, u = 10·x
	// Example 0: y* = (0, 0.5), x = (0.01·π·2 + 0.001, 0.05): the closest solution has
	// u₁ = 2π, so it is (0.2π, 0.05) at distance 0.001 (up to float32 rounding of x).
	// Example 1: x = x* exactly.
	y := core.FromData([]float32{0, 0.5, 0, 0}, 2, 2)
	x := core.FromData([]float32{float32(0.2*math.Pi + 0.001), 0.05, 0, 0}, 2, 2)
	xt := core.FromData([]float32{0, 0.05, 0, 0}, 2, 2)
	m := p.Metrics(nil, x, xt, y)
	x0 := float64(x.Data[0])
	u0 := 10 * x0
	r := math.Sin(u0)
	r1 := 10*float64(x.Data[1]) - 0.5
	want := []float64{
		x0 / 4,
		(x0 - 0.2*math.Pi) / 2,
		(0.5*(r*r+r1*r1) + 0) / 2,
	}
	// float32 rounding of x (6e-8 relative) enters linearly.
	for i, name := range p.MetricNames() {
		if math.Abs(m[i]-want[i]) > 1e-7 {
			t.Errorf("%s = %g, want %g", name, m[i], want[i])
		}
	}
	if math.Abs(m[1]-0.0005) > 1e-6 {
		t.Errorf("x_dist = %g, want about 0.001/2", m[1])
	}
}

func TestRotationPanics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"xi = 0", func() { NewRotation(0, 0) }},
		{"unknown update", func() { NewRotation(1, 0).Update(nil, "newton", core.New(1, 2), core.New(1, 2)) }},
		{"shape", func() { NewRotation(1, 0).Loss(nil, core.New(1, 3), core.New(1, 2)) }},
		{"batch", func() { NewRotation(1, 0).Gradient(nil, core.New(2, 2), core.New(1, 2)) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
}

// TestRotationNearest: Nearest is Closest of every example of the batch.
func TestRotationNearest(t *testing.T) {
	p := NewRotation(8, 0.3)
	rng := rand.New(rand.NewPCG(1, 2))
	_, y := p.Sample(rng, 5)
	x := core.New(5, 2)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64() * 3)
	}
	n := p.Nearest(nil, x, y)
	for i := range 5 {
		xi := [2]float64{float64(x.Data[2*i]), float64(x.Data[2*i+1])}
		yi := [2]float64{float64(y.Data[2*i]), float64(y.Data[2*i+1])}
		want := p.Closest(xi, yi)
		if got := [2]float64{float64(n.Data[2*i]), float64(n.Data[2*i+1])}; math.Abs(got[0]-want[0]) > 1e-5 || math.Abs(got[1]-want[1]) > 1e-5 {
			t.Errorf("example %d: Nearest %v; Closest %v", i, got, want)
		}
	}
}
