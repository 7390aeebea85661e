package optimizers

import (
	"fmt"
	"math"

	"github.com/sipbench/sipbench/core"
)

// HessianFree is Martens' (2010) Hessian-free optimizer with Gauss–Newton curvature. Each
// step runs CGIters iterations of conjugate gradients from d = 0 on
//
//	(G + λI)·d = −g
//
// with G the Gauss–Newton matrix of the objective (Objective.GaussNewton) and g the
// gradient, then sets θ ← θ + η·d (η the learning rate, 1 in Martens' method). The damping
// λ follows the Levenberg–Marquardt rule on the reduction ratio
//
//	ρ = (L(θ + ηd) − L(θ)) / q(ηd),  q(p) = gᵀp + ½pᵀGp,
//
// λ ← 3λ/2 if ρ < 1/4, λ ← 2λ/3 if ρ > 3/4. CG stops early when the residual falls below
// 1e-6 of ‖g‖ or a direction of non-positive curvature appears. Simplifications against
// Martens: no warm start of CG from the previous step, no CG backtracking, no line
// search; the step is always taken.
//
// A step costs 1 + (iterations + 1) Gauss–Newton products (3 forward passes and 1
// backward pass each) + 2 forward passes.
//
// State order: step count, then λ (a one-element tensor, whose float32 value is the
// damping used).
type HessianFree struct {
	base
	// CGIters is the number of CG iterations per step; NewHessianFree sets 10.
	CGIters int
	// MinDamping is a floor on λ (0: none).
	MinDamping float64
	// Rho is the last step's reduction ratio (NaN before the first step).
	Rho float64

	lambda              *core.Tensor
	g, d, r, p, gp, tmp []*core.Tensor
}

var _ ClosureOptimizer = (*HessianFree)(nil)

// NewHessianFree returns a Hessian-free optimizer for params with learning rate lr, 10 CG
// iterations per step and initial damping lambda. It panics if lr or lambda is negative,
// or as NewAdam does.
func NewHessianFree(params []*core.Param, lr, lambda float64) *HessianFree {
	if lambda < 0 {
		panic(fmt.Sprintf("optimizers: NewHessianFree: negative damping %v", lambda))
	}
	o := &HessianFree{base: newBase("NewHessianFree", params, lr), CGIters: 10, Rho: math.NaN()}
	o.lambda = core.New(1)
	o.lambda.Data[0] = float32(lambda)
	o.g, o.d, o.r, o.p, o.gp, o.tmp = o.buffers(), o.buffers(), o.buffers(), o.buffers(), o.buffers(), o.buffers()
	return o
}

// Damping returns the current λ.
func (o *HessianFree) Damping() float64 { return float64(o.lambda.Data[0]) }

// Step panics: Hessian-free needs the objective (StepWith).
func (o *HessianFree) Step() {
	panic("optimizers: HessianFree.Step: needs an objective; call StepWith")
}

// StepWith performs one Hessian-free step on obj, from the gradient in Param.Grad.
func (o *HessianFree) StepWith(obj Objective) {
	o.nextStep()
	ps := o.params
	copyAll(o.g, gradsOf(ps))
	lambda := o.Damping()
	l0 := obj.Value()
	o.cg(obj, lambda)
	// q(ηd) = η·gᵀd + ½η²·dᵀGd.
	obj.GaussNewton(o.tmp, o.d)
	eta := o.lr
	q := eta*dot(o.g, o.d) + 0.5*eta*eta*dot(o.d, o.tmp)
	for i, p := range ps {
		for j, dj := range o.d[i].Data {
			p.Value.Data[j] = float32(float64(p.Value.Data[j]) + eta*float64(dj))
		}
	}
	l1 := obj.Value()
	o.Rho = math.NaN()
	if q < 0 {
		o.Rho = (l1 - l0) / q
	}
	switch {
	case !(o.Rho >= 0.25): // also NaN: no predicted decrease, or a non-finite loss
		lambda *= 1.5
	case o.Rho > 0.75:
		lambda *= 2.0 / 3
	}
	lambda = math.Max(lambda, o.MinDamping)
	o.lambda.Data[0] = float32(lambda)
	copyAll(gradsOf(ps), o.g)
}

// cg solves (G + λI)·d = −g approximately into o.d.
func (o *HessianFree) cg(obj Objective, lambda float64) {
	for i := range o.d {
		o.d[i].Zero()
		for j, g := range o.g[i].Data {
			o.r[i].Data[j] = -g
		}
	}
	copyAll(o.p, o.r)
	rr := dot(o.r, o.r)
	tol := 1e-12 * rr // (1e-6·‖g‖)²
	for range o.CGIters {
		if rr <= tol || rr == 0 {
			return
		}
		obj.GaussNewton(o.gp, o.p)
		for i := range o.gp {
			for j, p := range o.p[i].Data {
				o.gp[i].Data[j] = float32(float64(o.gp[i].Data[j]) + lambda*float64(p))
			}
		}
		pAp := dot(o.p, o.gp)
		if !(pAp > 0) {
			return
		}
		alpha := rr / pAp
		for i := range o.d {
			for j := range o.d[i].Data {
				o.d[i].Data[j] = float32(float64(o.d[i].Data[j]) + alpha*float64(o.p[i].Data[j]))
				o.r[i].Data[j] = float32(float64(o.r[i].Data[j]) - alpha*float64(o.gp[i].Data[j]))
			}
		}
		next := dot(o.r, o.r)
		beta := next / rr
		rr = next
		for i := range o.p {
			for j := range o.p[i].Data {
				o.p[i].Data[j] = float32(float64(o.r[i].Data[j]) + beta*float64(o.p[i].Data[j]))
			}
		}
	}
}

// State returns the step count and the damping λ.
func (o *HessianFree) State() []*core.Tensor { return []*core.Tensor{o.step, o.lambda} }
