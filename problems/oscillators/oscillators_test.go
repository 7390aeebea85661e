package oscillators

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// oscFixture returns the paper's oscillators, a batch of initial states and a smooth
// non-zero control.
func oscFixture() (*Oscillators, *core.Tensor, *core.Tensor) {
	p := New(2, 96, 0.125)
	rng := rand.New(rand.NewPCG(3, 5))
	_, y := p.Sample(rng, 3)
	x := core.New(3, 96)
	for i := range x.Data {
		x.Data[i] = float32(0.3 * math.Sin(float64(i)*0.1) * rng.Float64())
	}
	return p, y, x
}

// TestOscillatorsGradientFD checks ∂L/∂x (the RK4 adjoint) against central differences
// of Loss in float64 along random directions.
func TestOscillatorsGradientFD(t *testing.T) {
	p, y, x := oscFixture()
	g := p.Gradient(nil, x, y)
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 4 {
		v := core.New(x.Shape...)
		for i := range v.Data {
			v.Data[i] = float32(rng.NormFloat64())
		}
		// The loss in float64 at x + εv: simulate directly (Loss rounds nothing but x).
		lossAt := func(eps float64) float64 {
			var s float64
			for b := range x.Batch() {
				u := make([]float32, 96)
				_ = u
				s0 := state(y.Example(b))
				st := append([]float64(nil), s0...)
				end := p.simulateF64(st, x.Example(b), v.Example(b), eps)
				for k := range end {
					d := end[k] - s0[k]
					s += d * d
				}
			}
			return s
		}
		const eps = 1e-5
		fd := (lossAt(eps) - lossAt(-eps)) / (2 * eps)
		var an float64
		for i, gv := range g.Data {
			an += float64(gv) * float64(v.Data[i])
		}
		if math.Abs(fd-an) > 1e-5*math.Max(1, math.Abs(fd)) {
			t.Errorf("trial %d: ⟨∇L, v⟩ = %.9g, central difference %.9g", trial, an, fd)
		}
	}
}

// simulateF64 integrates with the control u + eps·v in float64 (for the tests' finite
// differences, which float32 controls would round).
func (p *Oscillators) simulateF64(s []float64, u, v []float32, eps float64) []float64 {
	m := 2 * p.N
	h := p.DT
	k1, k2, k3, k4, tmp := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	for t := range p.Steps {
		ut := float64(u[t]) + eps*float64(v[t])
		p.force(k1, s, ut)
		for i := range m {
			tmp[i] = s[i] + h/2*k1[i]
		}
		p.force(k2, tmp, ut)
		for i := range m {
			tmp[i] = s[i] + h/2*k2[i]
		}
		p.force(k3, tmp, ut)
		for i := range m {
			tmp[i] = s[i] + h*k3[i]
		}
		p.force(k4, tmp, ut)
		for i := range m {
			s[i] += h / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
		}
	}
	return s
}

// TestOscillatorsVJP checks ⟨J_P·v, w⟩ = ⟨v, J_Pᵀ·w⟩ with J_P·v by central differences.
func TestOscillatorsVJP(t *testing.T) {
	p, y, x := oscFixture()
	rng := rand.New(rand.NewPCG(4, 4))
	v := core.New(x.Shape...)
	for i := range v.Data {
		v.Data[i] = float32(rng.NormFloat64())
	}
	w := core.New(y.Shape...)
	for i := range w.Data {
		w.Data[i] = float32(rng.NormFloat64())
	}
	jtw := p.VJP(nil, x, y, w)
	const eps = 1e-5
	var lhs, rhs float64
	for b := range x.Batch() {
		plus := p.simulateF64(state(y.Example(b)), x.Example(b), v.Example(b), eps)
		minus := p.simulateF64(state(y.Example(b)), x.Example(b), v.Example(b), -eps)
		for k := range plus {
			lhs += (plus[k] - minus[k]) / (2 * eps) * float64(w.Example(b)[k])
		}
		for i, a := range jtw.Example(b) {
			rhs += float64(a) * float64(v.Example(b)[i])
		}
	}
	if math.Abs(lhs-rhs) > 1e-5*math.Max(1, math.Abs(lhs)) {
		t.Errorf("⟨J·v, w⟩ = %.9g, ⟨v, Jᵀ·w⟩ = %.9g", lhs, rhs)
	}
}

// TestOscillatorsUpdate checks the inverse update: J_P·Δx = y* − P(x) to first order (the
// step lies in J_P's row space and solves the linearised physics), and that a few steps
// of x ← x + Δx drive the loss down by orders of magnitude.
func TestOscillatorsUpdate(t *testing.T) {
	p, y, x := oscFixture()
	dx := p.Update(nil, "sip", x, y)
	const eps = 1e-6
	for b := range x.Batch() {
		s0 := state(y.Example(b))
		end := p.simulateF64(append([]float64(nil), s0...), x.Example(b), nil2(dx.Example(b)), 0)
		plus := p.simulateF64(append([]float64(nil), s0...), x.Example(b), dx.Example(b), eps)
		minus := p.simulateF64(append([]float64(nil), s0...), x.Example(b), dx.Example(b), -eps)
		for k := range end {
			jdx := (plus[k] - minus[k]) / (2 * eps)
			want := s0[k] - end[k]
			if math.Abs(jdx-want) > 1e-4*math.Max(1, math.Abs(want)) {
				t.Errorf("example %d component %d: J·Δx = %.6g, y* − P(x) = %.6g", b, k, jdx, want)
			}
		}
	}
	// Steps of Δx, halved until the loss falls (the physics is strongly nonlinear: a full
	// Gauss–Newton step can overshoot).
	before := p.Loss(nil, x, y)
	xs := x.Clone()
	for range 30 {
		d := p.Update(nil, "sip", xs, y)
		cur := p.Loss(nil, xs, y)
		for b := range xs.Batch() {
			for a := 1.0; a > 1e-3; a /= 2 {
				trial := xs.Clone()
				for i, v := range d.Example(b) {
					trial.Example(b)[i] += float32(a) * v
				}
				if l := p.Loss(nil, trial, y); l[b] < cur[b] {
					copy(xs.Example(b), trial.Example(b))
					break
				}
			}
		}
	}
	after := p.Loss(nil, xs, y)
	for b := range before {
		t.Logf("example %d: loss %.3g → %.3g", b, before[b], after[b])
		if !(after[b] < 1e-3*before[b]) {
			t.Errorf("example %d: 30 damped Gauss–Newton steps took the loss from %.3g to %.3g", b, before[b], after[b])
		}
	}
}

func nil2(v []float32) []float32 { return make([]float32, len(v)) }
