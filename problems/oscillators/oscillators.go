// Package oscillators is the control problem of the half-inverse gradients paper: a chain
// of masses in harmonic potentials with quartic couplings, driven at its last mass, to be
// returned to its initial state (Oscillators; docs/oscillators.md).
package oscillators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// Oscillators is the control problem of the half-inverse gradients paper (Schnell, Holl
// and Thuerey, ICLR 2022, arXiv 2203.10131: its nonlinear oscillators, Figure 2b): N masses on a line,
// each in a harmonic potential, neighbours coupled by a quartic potential, the last one
// driven by a control u(t). The state s = (x₁…x_N, p₁…p_N) evolves by
//
//	ẋᵢ = pᵢ,   ṗᵢ = −xᵢ + Σ_{j = i±1} α·(xⱼ − xᵢ)³ + cᵢ·u(t),
//
// with α = 1 and c = (0, …, 0, 3), as the original's coup_nonlin_osc_batch (its linear
// coupling has strength 0). P integrates Steps steps of the classical fourth-order
// Runge–Kutta scheme of length DT, u held constant within a step (the original's
// rk4_batch). The unknown x is the control sequence (Steps values), the observation y*
// the initial state (2N values), and the task is to return to it: P(x; y*) is the state
// after Steps steps from y*, and the loss of one example is the original's l2_loss,
//
//	L = ‖P(x; y*) − y*‖²  (no ½: the original sums the squares),
//
// so Gradient is 2·J_Pᵀ·(P − y*) and OutputGradient 2·(P − y*).
//
// P reads the initial state from Forward's dst (as fluid reads its marker): Forward(dst,
// x) needs dst to hold y*, and panics on a nil dst. The problem has no ground truth: a
// whole family of controls returns the system to its start. Sample's x* is the zero
// control, so x_l1 is the mean |u|, the control's size.
//
// The inverse update "sip" is one Gauss–Newton step of the physics alone with the
// minimum-norm pseudo-inverse: Δx = J_Pᵀ·(J_P·J_Pᵀ)⁺·(y* − P(x)), J_P the 2N × Steps
// Jacobian of one example (its 2N rows from 2N adjoint sweeps for the batch), the
// eigenvalues of the 2N × 2N Gram matrix below 1e-12 of the largest dropped. It is the
// smallest change of the control that the linearised physics says reaches y*: exact for a
// linear P, scale-invariant in u, and cheap (2N adjoint sweeps). See docs/oscillators.md
// for why this is SIP's inverse here and what it cannot do.
//
// All arithmetic is in float64; tensors are float32. An Oscillators holds no scratch
// state and is safe for concurrent use.
type Oscillators struct {
	N     int     // masses
	Steps int     // RK4 steps, the length of the control
	DT    float64 // the step
}

var _ problems.Problem = (*Oscillators)(nil)

// The constants of the original's physics (coup_nonlin_osc_batch).
const (
	oscCoupling = 1.0 // α, the cubic force's strength
	oscGain     = 3.0 // c_N, the control's gain on the last mass
)

// New returns the problem with n masses and steps RK4 steps of length dt. It
// panics unless n ≥ 1, steps ≥ 1 and dt is positive and finite.
func New(n, steps int, dt float64) *Oscillators {
	if n < 1 || steps < 1 || !(dt > 0) || math.IsInf(dt, 0) {
		panic(fmt.Sprintf("oscillators: New: n %d, steps %d, dt %v", n, steps, dt))
	}
	return &Oscillators{N: n, Steps: steps, DT: dt}
}

// XShape returns [Steps].
func (p *Oscillators) XShape() []int { return []int{p.Steps} }

// YShape returns [2N].
func (p *Oscillators) YShape() []int { return []int{2 * p.N} }

// Sample draws initial states uniform in [0, 1)^(2N) (the original's np.random.rand) and
// returns the zero control as x*.
func (p *Oscillators) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	x = core.New(batch, p.Steps)
	y = core.New(batch, 2*p.N)
	for i := range y.Data {
		y.Data[i] = float32(rng.Float64())
	}
	return x, y
}

func (p *Oscillators) check(op string, x, y *core.Tensor) {
	if len(x.Shape) != 2 || x.Shape[1] != p.Steps || len(y.Shape) != 2 || y.Shape[1] != 2*p.N || x.Shape[0] != y.Shape[0] {
		panic(fmt.Sprintf("oscillators: Oscillators.%s: x %v, y %v; want [B %d], [B %d]", op, x.Shape, y.Shape, p.Steps, 2*p.N))
	}
}

// force writes f(s, u) into out.
func (p *Oscillators) force(out, s []float64, u float64) {
	n := p.N
	for i := range n {
		out[i] = s[n+i]
		f := -s[i]
		if i+1 < n {
			d := s[i+1] - s[i]
			f += oscCoupling * d * d * d
		}
		if i > 0 {
			d := s[i-1] - s[i]
			f += oscCoupling * d * d * d
		}
		if i == n-1 {
			f += oscGain * u
		}
		out[n+i] = f
	}
}

// forceT adds (∂f/∂s)ᵀ·a at s into as and returns cᵀ·a, the adjoint of u.
func (p *Oscillators) forceT(as, s, a []float64) float64 {
	n := p.N
	for i := range n {
		as[n+i] += a[i] // ẋᵢ = pᵢ
		ap := a[n+i]
		as[i] -= ap
		if i+1 < n {
			d := s[i+1] - s[i]
			g := 3 * oscCoupling * d * d * ap
			as[i+1] += g
			as[i] -= g
		}
		if i > 0 {
			d := s[i-1] - s[i]
			g := 3 * oscCoupling * d * d * ap
			as[i-1] += g
			as[i] -= g
		}
	}
	return oscGain * a[2*n-1]
}

// rk4 holds one step's stages for the adjoint sweep.
type rk4 struct{ s, s2, s3, s4 []float64 }

// simulate integrates from s0 with the control u and returns the final state and, if
// keep, every step's stages.
func (p *Oscillators) simulate(s0 []float64, u []float32, keep bool) ([]float64, []rk4) {
	m := 2 * p.N
	h := p.DT
	s := append([]float64(nil), s0...)
	k1, k2, k3, k4 := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	var steps []rk4
	for t := range p.Steps {
		ut := float64(u[t])
		st := rk4{s: append([]float64(nil), s...), s2: make([]float64, m), s3: make([]float64, m), s4: make([]float64, m)}
		p.force(k1, st.s, ut)
		for i := range m {
			st.s2[i] = st.s[i] + h/2*k1[i]
		}
		p.force(k2, st.s2, ut)
		for i := range m {
			st.s3[i] = st.s[i] + h/2*k2[i]
		}
		p.force(k3, st.s3, ut)
		for i := range m {
			st.s4[i] = st.s[i] + h*k3[i]
		}
		p.force(k4, st.s4, ut)
		for i := range m {
			s[i] = st.s[i] + h/6*(k1[i]+2*k2[i]+2*k3[i]+k4[i])
		}
		if keep {
			steps = append(steps, st)
		}
	}
	return s, steps
}

// adjoint sweeps λ, the adjoint of the final state, back through the stored steps and
// writes the adjoint of the control into du.
func (p *Oscillators) adjoint(du []float32, steps []rk4, lambda []float64) {
	m := 2 * p.N
	h := p.DT
	l := append([]float64(nil), lambda...)
	a1, a2, a3, a4 := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	as := make([]float64, m)
	for t := len(steps) - 1; t >= 0; t-- {
		st := steps[t]
		for i := range m {
			a1[i], a2[i], a3[i], a4[i] = h/6*l[i], h/3*l[i], h/3*l[i], h/6*l[i]
		}
		var au float64
		// k4 = f(s4); s4 = s + h·k3
		clear(as)
		au += p.forceT(as, st.s4, a4)
		for i := range m {
			l[i] += as[i]
			a3[i] += h * as[i]
		}
		// k3 = f(s3); s3 = s + h/2·k2
		clear(as)
		au += p.forceT(as, st.s3, a3)
		for i := range m {
			l[i] += as[i]
			a2[i] += h / 2 * as[i]
		}
		// k2 = f(s2); s2 = s + h/2·k1
		clear(as)
		au += p.forceT(as, st.s2, a2)
		for i := range m {
			l[i] += as[i]
			a1[i] += h / 2 * as[i]
		}
		// k1 = f(s)
		clear(as)
		au += p.forceT(as, st.s, a1)
		for i := range m {
			l[i] += as[i]
		}
		du[t] = float32(au)
	}
}

func state(y []float32) []float64 {
	s := make([]float64, len(y))
	for i, v := range y {
		s[i] = float64(v)
	}
	return s
}

// Forward computes P(x; y*) into dst, which must hold y* (the initial state) on entry.
// It panics on a nil dst.
func (p *Oscillators) Forward(dst, x *core.Tensor) *core.Tensor {
	if dst == nil {
		panic("oscillators: Oscillators.Forward: dst must hold the initial states y* (Forward(y.Clone(), x))")
	}
	p.check("Forward", x, dst)
	m := 2 * p.N
	for b := range x.Batch() {
		end, _ := p.simulate(state(dst.Example(b)), x.Example(b), false)
		for i := range m {
			dst.Data[b*m+i] = float32(end[i])
		}
	}
	return dst
}

// Loss writes ‖P(x; y*) − y*‖² per example.
func (p *Oscillators) Loss(dst []float64, x, y *core.Tensor) []float64 {
	p.check("Loss", x, y)
	b := x.Batch()
	if dst == nil {
		dst = make([]float64, b)
	}
	if len(dst) != b {
		panic(fmt.Sprintf("oscillators: Oscillators.Loss: dst has %d elements for a batch of %d", len(dst), b))
	}
	for i := range b {
		s0 := state(y.Example(i))
		end, _ := p.simulate(s0, x.Example(i), false)
		var l float64
		for k, v := range end {
			d := v - s0[k]
			l += d * d
		}
		dst[i] = l
	}
	return dst
}

// Gradient computes ∂L/∂x = 2·J_Pᵀ·(P − y*) per example by the adjoint of the RK4 steps.
func (p *Oscillators) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	p.check("Gradient", x, y)
	dst = p.dst("Gradient", dst, x)
	for b := range x.Batch() {
		s0 := state(y.Example(b))
		end, steps := p.simulate(s0, x.Example(b), true)
		for k := range end {
			end[k] = 2 * (end[k] - s0[k])
		}
		p.adjoint(dst.Example(b), steps, end)
	}
	return dst
}

// VJP computes J_Pᵀ·w per example (w shaped like y), the transposed Jacobian of P at x
// from the initial states y.
func (p *Oscillators) VJP(dst, x, y, w *core.Tensor) *core.Tensor {
	p.check("VJP", x, y)
	p.check("VJP", x, w)
	dst = p.dst("VJP", dst, x)
	for b := range x.Batch() {
		_, steps := p.simulate(state(y.Example(b)), x.Example(b), true)
		p.adjoint(dst.Example(b), steps, state(w.Example(b)))
	}
	return dst
}

// OutputGradient writes ∂L/∂P = 2·(P − y*).
func (p *Oscillators) OutputGradient(dst, out, y *core.Tensor) *core.Tensor {
	if dst == nil {
		dst = core.New(out.Shape...)
	}
	for i, v := range out.Data {
		dst.Data[i] = 2 * (v - y.Data[i])
	}
	return dst
}

func (p *Oscillators) dst(op string, dst, x *core.Tensor) *core.Tensor {
	if dst == nil {
		return core.New(x.Shape...)
	}
	if !core.SameShape(dst.Shape, x.Shape) {
		panic(fmt.Sprintf("oscillators: Oscillators.%s: dst %v, x %v", op, dst.Shape, x.Shape))
	}
	return dst
}

// Updates returns sip.
func (*Oscillators) Updates() []string { return []string{"sip"} }

// oscGramCut drops the Gram matrix's eigenvalues below this fraction of the largest.
const oscGramCut = 1e-12

// Update computes the minimum-norm Gauss–Newton step of the physics (see Oscillators).
func (p *Oscillators) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	if name != "sip" {
		panic(fmt.Sprintf("oscillators: Oscillators.Update: unknown update %q (sip)", name))
	}
	p.check("Update", x, y)
	dst = p.dst("Update", dst, x)
	m, n := 2*p.N, p.Steps
	rows := make([][]float64, m)
	row := make([]float32, n)
	e := make([]float64, m)
	for b := range x.Batch() {
		s0 := state(y.Example(b))
		end, steps := p.simulate(s0, x.Example(b), true)
		for k := range m {
			clear(e)
			e[k] = 1
			p.adjoint(row, steps, e)
			rows[k] = state(row)
		}
		r := make([]float64, m) // y* − P(x)
		for k := range m {
			r[k] = s0[k] - end[k]
		}
		dx := minNormStep(rows, r)
		out := dst.Example(b)
		for t := range n {
			out[t] = float32(dx[t])
		}
	}
	return dst
}

// minNormStep returns Jᵀ·(J·Jᵀ)⁺·r for the m × n matrix J given by its rows, the
// eigenvalues of J·Jᵀ below oscGramCut of the largest dropped (Jacobi eigenvalue
// iteration: m is 2N, a handful).
func minNormStep(j [][]float64, r []float64) []float64 {
	m, n := len(j), len(j[0])
	g := make([][]float64, m)
	for a := range m {
		g[a] = make([]float64, m)
		for b := range m {
			var s float64
			for k := range n {
				s += j[a][k] * j[b][k]
			}
			g[a][b] = s
		}
	}
	vals, vecs := jacobiEigen(g)
	var lmax float64
	for _, l := range vals {
		lmax = math.Max(lmax, l)
	}
	c := make([]float64, m) // (J·Jᵀ)⁺·r
	for i, l := range vals {
		if !(l > oscGramCut*lmax) {
			continue
		}
		var vr float64
		for a := range m {
			vr += vecs[a][i] * r[a]
		}
		for a := range m {
			c[a] += vecs[a][i] * vr / l
		}
	}
	dx := make([]float64, n)
	for a := range m {
		for k := range n {
			dx[k] += j[a][k] * c[a]
		}
	}
	return dx
}

// jacobiEigen returns the eigenvalues and eigenvectors (columns) of the small symmetric
// matrix a, by cyclic Jacobi rotations. a is overwritten.
func jacobiEigen(a [][]float64) ([]float64, [][]float64) {
	m := len(a)
	v := make([][]float64, m)
	for i := range m {
		v[i] = make([]float64, m)
		v[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, total float64
		for i := range m {
			for k := range m {
				total += a[i][k] * a[i][k]
				if i != k {
					off += a[i][k] * a[i][k]
				}
			}
		}
		if off <= 1e-30*total || off == 0 {
			break
		}
		for pi := 0; pi < m-1; pi++ {
			for q := pi + 1; q < m; q++ {
				if a[pi][q] == 0 {
					continue
				}
				theta := (a[q][q] - a[pi][pi]) / (2 * a[pi][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range m {
					akp, akq := a[k][pi], a[k][q]
					a[k][pi], a[k][q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range m {
					apk, aqk := a[pi][k], a[q][k]
					a[pi][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := range m {
					vkp, vkq := v[k][pi], v[k][q]
					v[k][pi], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	vals := make([]float64, m)
	for i := range m {
		vals[i] = a[i][i]
	}
	return vals, v
}

// MetricNames returns x_l1 (the mean |u|, x* being the zero control) and loss (the mean
// of ‖P − y*‖² over the batch: the original's loss per data point, Figure 2b's axis).
func (*Oscillators) MetricNames() []string { return []string{"x_l1", "loss"} }

// Metrics writes x_l1 and loss.
func (p *Oscillators) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	p.check("Metrics", x, y)
	p.check("Metrics", xTrue, y)
	if dst == nil {
		dst = make([]float64, 2)
	}
	if len(dst) != 2 {
		panic(fmt.Sprintf("oscillators: Oscillators.Metrics: dst has %d elements, want 2", len(dst)))
	}
	var l1 float64
	for i, v := range x.Data {
		l1 += math.Abs(float64(v) - float64(xTrue.Data[i]))
	}
	dst[0] = l1 / float64(len(x.Data))
	var loss float64
	for _, l := range p.Loss(nil, x, y) {
		loss += l
	}
	dst[1] = loss / float64(x.Batch())
	return dst
}
