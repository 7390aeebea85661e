package optimizers

import (
	"fmt"
	"math"
	"slices"

	"github.com/sipbench/sipbench/core"
)

// Objective is the training objective of one batch as a function of the network
// parameters θ, for optimizers that evaluate it more than once per step (AdaHessian,
// Hessian-free). Every evaluation runs at the current values of the parameters, on the same
// batch, and leaves no trace in the network's non-trainable state (BatchNorm's running
// statistics are restored).
//
// An Objective is not safe for concurrent use.
type Objective interface {
	// Gradient re-runs forward, the method's x-space gradient and backward at the current
	// parameters, leaving ∂L/∂θ in every Param.Grad (zeroed first), and returns L.
	Gradient() float64
	// Value returns L at the current parameters. It does not touch Param.Grad.
	Value() float64
	// GaussNewton writes G·v into dst (one tensor per parameter, shaped like it) for the
	// Gauss–Newton matrix G = J_θᵀ·H_x·J_θ of L at the current parameters, with J_θ the
	// Jacobian of the network output x = NN(y*; θ) and H_x the Gauss–Newton matrix of L in
	// x. It overwrites Param.Grad.
	GaussNewton(dst, v []*core.Tensor)
}

// ClosureOptimizer is an Optimizer that needs the objective itself, not only its gradient.
// The runner calls StepWith instead of Step; on entry every Param.Grad holds ∂L/∂θ at the
// current parameters (as for Step). StepWith may overwrite Param.Grad.
type ClosureOptimizer interface {
	Optimizer
	StepWith(obj Objective)
}

// ObjectivePhysics is what a NetObjective needs of a problem: the training methods'
// Physics, the forward map P and the per-example loss L = ½‖P(x) − y*‖² whose gradient
// Physics.Gradient computes. problems.Problem satisfies it.
type ObjectivePhysics interface {
	Physics
	Forward(dst, x *core.Tensor) *core.Tensor
	Loss(dst []float64, x, y *core.Tensor) []float64
}

// NetObjective is the Objective of a network trained by a Method on one batch (y*, x*).
//
// The loss L(θ) and the curvature depend on the method's source, with s the method's
// batch reduction factor (1/B for a batch mean, 1 for a sum; Reduction.Scale) and
// x = NN(y*; θ):
//
//	Adjoint:    L = s·Σ_b ½‖P(x_b) − y*_b‖²,  H_x = s·J_Pᵀ·J_P   (the exact gradient)
//	Supervised: L = s·½‖x − x*‖²,            H_x = s·I
//	Inverse, Sign: the gradient is the method's XGrad (which is not the gradient of a
//	            fixed function of θ); Value reports the physics loss as for Adjoint, and
//	            H_x = s·I (the Hessian of the L2 proxy loss).
//
// Directional derivatives of the network and of P are central finite differences (see
// FDStep); everything else is exact.
type NetObjective struct {
	Net     core.Network
	Tape    *core.Tape // a scratch tape, not the one holding the caller's step
	Method  Method
	Physics ObjectivePhysics
	Y       *core.Tensor // the observations y*
	XTrue   *core.Tensor // the ground truth x* (read by Supervised and Sign only)
	// Forward records x = NN(y*) on the tape, with any post-processing the problem applies
	// inside the graph. If nil, Net.Forward(t.Const(Y)) is used.
	Forward func(t *core.Tape) *core.Var
	// FDStep is the relative step δ of the finite differences: a directional derivative
	// of f at z along v is (f(z + εv) − f(z − εv))/(2ε) with ε = δ·max(‖z‖, 1)/‖v‖. If
	// 0, 1e-3 is used (the truncation error is O(ε²) and float32 rounding O(2⁻²⁴/δ)
	// relative; both ≈ 1e-4 at this δ).
	FDStep float64

	saved  []*core.Tensor // the buffers' values at creation
	xgrad  *core.Tensor
	losses []float64
	plus   *core.Tensor
	scr    []*core.Tensor
	theta  []*core.Tensor

	// base is x = NN(y*) recorded at the parameters baseTheta on a tape that is not
	// Tape (UseBase); basePx is P(base), computed at its first use.
	base      *core.Var
	baseTheta []*core.Tensor
	basePx    *core.Tensor
}

var _ Objective = (*NetObjective)(nil)

func (o *NetObjective) fdStep() float64 {
	if o.FDStep == 0 {
		return 1e-3
	}
	return o.FDStep
}

// UseBase tells the objective that x, recorded on a tape other than Tape by the same
// forward pass as Forward's (or Net.Forward(Const(Y))), in training mode, is its
// prediction at the current parameters. While the parameters equal these (compared
// bit for bit at each call), GaussNewton backpropagates from x instead of recording
// the forward pass again, and Value reads the loss from it: the results are the same
// bits, as a forward pass at the same parameters gives the same x. x's tape must not
// be reset while the objective is used.
//
// A Hessian-free step calls GaussNewton at its start's parameters once per CG
// iteration: the base saves one of its three forward passes each time (and one
// evaluation of P).
func (o *NetObjective) UseBase(x *core.Var) {
	if x.Tape() == o.Tape {
		panic("optimizers: UseBase: x is recorded on the objective's own tape, which its evaluations reset")
	}
	o.base, o.basePx = x, nil
	o.baseTheta = snapshotInto(o.baseTheta, valuesOf(o.Net.Params()))
}

// atBase reports whether a base is set (UseBase) and the parameters are those it was
// recorded at.
func (o *NetObjective) atBase() bool {
	if o.base == nil {
		return false
	}
	for i, p := range o.Net.Params() {
		if !slices.Equal(p.Value.Data, o.baseTheta[i].Data) {
			return false
		}
	}
	return true
}

// forward records x at the current parameters on the tape and restores the buffers.
func (o *NetObjective) forward() *core.Var {
	if o.saved == nil {
		for _, b := range o.Net.Buffers() {
			o.saved = append(o.saved, b.Clone())
		}
	}
	o.Tape.Reset()
	var x *core.Var
	if o.Forward != nil {
		x = o.Forward(o.Tape)
	} else {
		x = o.Net.Forward(o.Tape.Const(o.Y))
	}
	for i, b := range o.Net.Buffers() {
		b.CopyFrom(o.saved[i])
	}
	return x
}

// loss returns L at the prediction x.
func (o *NetObjective) loss(x *core.Tensor) float64 {
	inv := o.Method.Reduction.Scale(x.Batch())
	if o.Method.Source == Supervised {
		var s float64
		for i, v := range x.Data {
			d := float64(v) - float64(o.XTrue.Data[i])
			s += d * d
		}
		return s / 2 * inv
	}
	o.losses = o.Physics.Loss(o.losses, x, o.Y)
	var s float64
	for _, l := range o.losses {
		s += l
	}
	return s * inv
}

// Gradient implements Objective.
func (o *NetObjective) Gradient() float64 {
	x := o.forward()
	o.xgrad = o.Method.XGrad(o.xgrad, o.Physics, x.Value, o.Y, o.XTrue)
	core.ZeroGrads(o.Net.Params())
	o.Tape.Backward(x, o.xgrad)
	return o.loss(x.Value)
}

// Value implements Objective.
func (o *NetObjective) Value() float64 {
	if o.atBase() {
		return o.loss(o.base.Value)
	}
	return o.loss(o.forward().Value)
}

// GaussNewton implements Objective: u = J_θ·v by a central difference of two forward
// passes, w = H_x·u (for Adjoint J_P·u by a central difference of P, then J_Pᵀ·J_P·u =
// Physics.Gradient(x, P(x) − J_P·u)), and G·v = J_θᵀ·w by one backward pass at θ, from
// the base (UseBase) where the parameters are its own, else from a third forward pass.
func (o *NetObjective) GaussNewton(dst, v []*core.Tensor) {
	ps := o.Net.Params()
	if len(dst) != len(ps) || len(v) != len(ps) {
		panic(fmt.Sprintf("optimizers: GaussNewton: %d parameters, %d directions, %d destinations", len(ps), len(v), len(dst)))
	}
	atBase := o.atBase()
	o.theta = snapshotInto(o.theta, valuesOf(ps))
	eps := o.fdStep() * math.Max(norm(o.theta), 1) / math.Max(norm(v), 1e-30)
	shifted(ps, o.theta, eps, v)
	xp := o.forward().Value
	o.plus = cloneInto(o.plus, xp)
	shifted(ps, o.theta, -eps, v)
	xm := o.forward().Value
	u := o.scratch(0, xm.Shape)
	for i := range u.Data {
		u.Data[i] = float32((float64(o.plus.Data[i]) - float64(xm.Data[i])) / (2 * eps))
	}
	copyAll(valuesOf(ps), o.theta)
	x := o.base
	if !atBase {
		x = o.forward()
	}
	w := o.curvature(x.Value, u, atBase)
	core.ZeroGrads(ps)
	x.Tape().BackwardAgain(x, w)
	for i, p := range ps {
		dst[i].CopyFrom(p.Grad)
	}
}

// curvature returns H_x·u at x; if atBase, x is the base's and P(x) is computed once.
func (o *NetObjective) curvature(x, u *core.Tensor, atBase bool) *core.Tensor {
	inv := o.Method.Reduction.Scale(x.Batch())
	w := o.scratch(1, x.Shape)
	if o.Method.Source != Adjoint {
		for i, v := range u.Data {
			w.Data[i] = float32(float64(v) * inv)
		}
		return w
	}
	// J_P·u by a central difference of P around x.
	eps := o.fdStep() * math.Max(norm([]*core.Tensor{x}), 1) / math.Max(norm([]*core.Tensor{u}), 1e-30)
	z := o.scratch(2, x.Shape)
	for i, v := range x.Data {
		z.Data[i] = v + float32(eps)*u.Data[i]
	}
	pp := o.Physics.Forward(o.scratch(3, o.Y.Shape), z)
	for i, v := range x.Data {
		z.Data[i] = v - float32(eps)*u.Data[i]
	}
	pm := o.Physics.Forward(o.scratch(4, o.Y.Shape), z)
	var px *core.Tensor
	if atBase {
		if o.basePx == nil {
			o.basePx = o.Physics.Forward(core.New(o.Y.Shape...), x)
		}
		px = o.scratch(5, o.Y.Shape)
		px.CopyFrom(o.basePx)
	} else {
		px = o.Physics.Forward(o.scratch(5, o.Y.Shape), x)
	}
	// r = P(x) − J_P·u, so that Gradient(x, r) = J_Pᵀ(P(x) − r) = J_Pᵀ·J_P·u.
	for i := range pp.Data {
		jp := (float64(pp.Data[i]) - float64(pm.Data[i])) / (2 * eps)
		px.Data[i] = float32(float64(px.Data[i]) - jp)
	}
	o.Physics.Gradient(w, x, px)
	for i := range w.Data {
		w.Data[i] = float32(float64(w.Data[i]) * inv)
	}
	return w
}

func (o *NetObjective) scratch(i int, shape []int) *core.Tensor {
	for len(o.scr) <= i {
		o.scr = append(o.scr, nil)
	}
	if o.scr[i] == nil || !core.SameShape(o.scr[i].Shape, shape) {
		o.scr[i] = core.New(shape...)
	}
	return o.scr[i]
}

func cloneInto(dst, src *core.Tensor) *core.Tensor {
	if dst == nil || !core.SameShape(dst.Shape, src.Shape) {
		return src.Clone()
	}
	copy(dst.Data, src.Data)
	return dst
}

func valuesOf(ps []*core.Param) []*core.Tensor {
	ts := make([]*core.Tensor, len(ps))
	for i, p := range ps {
		ts[i] = p.Value
	}
	return ts
}

func gradsOf(ps []*core.Param) []*core.Tensor {
	ts := make([]*core.Tensor, len(ps))
	for i, p := range ps {
		ts[i] = p.Grad
	}
	return ts
}

// norm returns the Euclidean norm of the concatenated tensors, in float64.
func norm(ts []*core.Tensor) float64 { return math.Sqrt(dot(ts, ts)) }

// dot returns Σ aᵢ·bᵢ over the concatenated tensors, in float64.
func dot(a, b []*core.Tensor) float64 {
	var s float64
	for i := range a {
		for j, v := range a[i].Data {
			s += float64(v) * float64(b[i].Data[j])
		}
	}
	return s
}

// shifted sets every parameter's value to base + a·v (rounded once to float32).
func shifted(ps []*core.Param, base []*core.Tensor, a float64, v []*core.Tensor) {
	for i, p := range ps {
		for j, d := range v[i].Data {
			p.Value.Data[j] = float32(float64(base[i].Data[j]) + a*float64(d))
		}
	}
}

// snapshotInto copies src into dst (allocated when nil or of another length) and returns
// it.
func snapshotInto(dst, src []*core.Tensor) []*core.Tensor {
	if len(dst) != len(src) {
		dst = make([]*core.Tensor, len(src))
	}
	for i, t := range src {
		dst[i] = cloneInto(dst[i], t)
	}
	return dst
}

// newLike allocates one zeroed tensor per parameter, shaped like it.
func newLike(ps []*core.Param) []*core.Tensor {
	ts := make([]*core.Tensor, len(ps))
	for i, p := range ps {
		ts[i] = core.New(p.Value.Shape...)
	}
	return ts
}

// copyAll copies src's tensors into dst's.
func copyAll(dst, src []*core.Tensor) {
	for i := range dst {
		copy(dst[i].Data, src[i].Data)
	}
}
