package optimizers

import (
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// AdaHessian is the AdaHessian optimizer (Yao et al. 2020) as its reference implementation
// (amirgholami/adahessian) computes it, without weight decay. Each step draws a Rademacher
// vector z (entries ±1), estimates the Hessian diagonal by Hutchinson's method,
// D = |z ⊙ H·z|, averages D over the spatial window of every convolution kernel (a
// parameter of rank 4, [out, in, k, k]: each k×k block is replaced by its mean), and
// updates, with g the gradient and t the step count,
//
//	m ← β₁m + (1−β₁)g
//	v ← β₂v + (1−β₂)D²
//	θ ← θ − η · (m/(1−β₁ᵗ)) / ((√v/√(1−β₂ᵗ))^k + ε)
//
// with Hessian power k. H·z is a central difference of gradients,
// (∇L(θ + εz) − ∇L(θ − εz))/(2ε) with ε = HVPStep·max(‖θ‖, 1)/‖z‖ (the reference uses
// double backpropagation). Its error is the truncation O(ε²·‖∇³L‖) plus float32 rounding
// of the gradients, O(2⁻²⁴·‖∇L‖/ε): at the default step about 1e-3 relative to ‖H·z‖ on
// smooth networks (TestAdaHessianHVP measures it on a small Tanh MLP).
//
// The Rademacher vector of step t is drawn from a PCG stream seeded by (Seed, t), so the
// state needs no random-number state besides the step count.
//
// A step costs three gradient evaluations (the one the caller made, and two for H·z).
// Step alone (without an Objective) cannot estimate curvature and panics; the runner
// calls StepWith.
//
// State order: step count, m for every parameter, v for every parameter.
type AdaHessian struct {
	base
	// Beta1, Beta2 are the decay rates of the moments; NewAdaHessian sets 0.9 and 0.999.
	Beta1, Beta2 float64
	// Eps is added to the denominator; NewAdaHessian sets 1e-4 (the reference's default).
	Eps float64
	// HessianPower is k; NewAdaHessian sets 1.
	HessianPower float64
	// HVPStep is the relative finite-difference step of H·z; if 0, 1e-3 is used.
	HVPStep float64
	// Seed selects the Rademacher vectors' random stream.
	Seed uint64

	m, v            []*core.Tensor
	g, z, gp, theta []*core.Tensor
	d               []*core.Tensor
}

var _ ClosureOptimizer = (*AdaHessian)(nil)

// NewAdaHessian returns an AdaHessian optimizer for params with learning rate lr and the
// reference implementation's defaults (β 0.9/0.999, ε 1e-4, Hessian power 1). It panics
// as NewAdam does.
func NewAdaHessian(params []*core.Param, lr float64) *AdaHessian {
	o := &AdaHessian{base: newBase("NewAdaHessian", params, lr), Beta1: 0.9, Beta2: 0.999, Eps: 1e-4, HessianPower: 1}
	o.m = o.buffers()
	o.v = o.buffers()
	o.g, o.z, o.gp, o.theta, o.d = o.buffers(), o.buffers(), o.buffers(), o.buffers(), o.buffers()
	return o
}

// Step panics: AdaHessian needs the objective (StepWith).
func (o *AdaHessian) Step() {
	panic("optimizers: AdaHessian.Step: needs an objective; call StepWith")
}

// rademacher fills o.z with ±1 from the stream of step t.
func (o *AdaHessian) rademacher(t int) {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(t)))
	for _, z := range o.z {
		for j := range z.Data {
			if rng.Uint64()&1 == 0 {
				z.Data[j] = -1
			} else {
				z.Data[j] = 1
			}
		}
	}
}

// hessianDiag leaves the spatially averaged Hutchinson estimate |z ⊙ H·z| in o.d, for the
// Rademacher vector in o.z. It overwrites Param.Grad and restores Param.Value exactly.
func (o *AdaHessian) hessianDiag(obj Objective) {
	ps := o.params
	copyAll(o.theta, valuesOf(ps))
	step := o.HVPStep
	if step == 0 {
		step = 1e-3
	}
	eps := step * math.Max(norm(o.theta), 1) / math.Max(norm(o.z), 1e-30)
	shifted(ps, o.theta, eps, o.z)
	obj.Gradient()
	copyAll(o.gp, gradsOf(ps))
	shifted(ps, o.theta, -eps, o.z)
	obj.Gradient()
	copyAll(valuesOf(ps), o.theta)
	for i, p := range ps {
		d, z, gp, gm := o.d[i].Data, o.z[i].Data, o.gp[i].Data, p.Grad.Data
		for j := range d {
			hz := (float64(gp[j]) - float64(gm[j])) / (2 * eps)
			d[j] = float32(math.Abs(hz * float64(z[j])))
		}
		if s := p.Value.Shape; len(s) == 4 && s[2]*s[3] > 1 {
			k := s[2] * s[3]
			for b := 0; b < len(d); b += k {
				var sum float64
				for _, x := range d[b : b+k] {
					sum += float64(x)
				}
				mean := float32(sum / float64(k))
				for j := b; j < b+k; j++ {
					d[j] = mean
				}
			}
		}
	}
}

// StepWith performs one AdaHessian update from the gradient in Param.Grad and a Hutchinson
// estimate of the Hessian diagonal of obj. It leaves the gradient of the step's start in
// Param.Grad.
func (o *AdaHessian) StepWith(obj Objective) {
	t := o.nextStep()
	copyAll(o.g, gradsOf(o.params))
	o.rademacher(t)
	o.hessianDiag(obj)
	copyAll(gradsOf(o.params), o.g)
	bc1 := 1 - math.Pow(o.Beta1, float64(t))
	bc2 := 1 - math.Pow(o.Beta2, float64(t))
	k := o.HessianPower
	for i, p := range o.params {
		checkGrad("AdaHessian", p)
		m, v, x, d := o.m[i].Data, o.v[i].Data, p.Value.Data, o.d[i].Data
		for j, g := range o.g[i].Data {
			m[j] = float32(o.Beta1*float64(m[j]) + (1-o.Beta1)*float64(g))
			v[j] = float32(o.Beta2*float64(v[j]) + (1-o.Beta2)*float64(d[j])*float64(d[j]))
			denom := math.Pow(math.Sqrt(float64(v[j]))/math.Sqrt(bc2), k) + o.Eps
			x[j] = float32(float64(x[j]) - o.lr*float64(m[j])/bc1/denom)
		}
	}
}

// State returns the step count, the first moments and the second moments, in that order.
func (o *AdaHessian) State() []*core.Tensor { return o.state(o.m, o.v) }
