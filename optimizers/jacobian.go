package optimizers

import (
	"fmt"

	"github.com/sipbench/sipbench/core"
)

// JacobianObjective is an Objective that can build the joint Jacobian of the physics
// outputs over its batch, for HIG.
type JacobianObjective interface {
	Objective
	// Jacobian writes J = ∂y/∂θ of the physics outputs y = P(NN(y*; θ)) of every example
	// (example b's output component k is row b·dim y + k; one column per weight, in the
	// order of the parameters and their elements) into jac, and g = ∂L/∂y of the training
	// loss into g, each reallocated when too short, and returns them with the number of
	// rows. It overwrites Param.Grad.
	Jacobian(jac, g []float64) ([]float64, []float64, int)
}

var _ JacobianObjective = (*NetObjective)(nil)

// OutputLoss is implemented by problems whose per-example loss, as a function of the
// physics output P(x), is not ½‖P(x) − y*‖² (the paper's, and the default): they give
// ∂L/∂P themselves.
type OutputLoss interface {
	// OutputGradient writes ∂L/∂P per example at the output out = P(x) for the
	// observations y into dst (allocated when nil).
	OutputGradient(dst, out, y *core.Tensor) *core.Tensor
}

// VJPer is implemented by problems that compute J_Pᵀ·w, the transposed Jacobian of P at
// x applied to w (shaped like y), per example, directly; y is the observation, which P
// may read (Forward's dst). Without it, J_Pᵀ·w is Gradient(x, P(x) − w), which holds for
// the loss ½‖P(x) − y*‖² with P a function of x alone.
type VJPer interface {
	VJP(dst, x, y, w *core.Tensor) *core.Tensor
}

// Jacobian implements JacobianObjective for a method whose source is Adjoint.
//
// J = J_P·J_NN per example. The rows of J_P come from dim y transposed products
// J_Pᵀ·e_k, each for the whole batch at once (VJPer, or Gradient with the residual
// P(x) − e_k); then each row of J is one backward pass of the network from the x-space
// vector J_Pᵀ·e_k of one example. A network without buffers (no BatchNorm) treats its
// examples independently, so each example is run through it alone (a batch of 1) and
// its dim y backward passes cost a batch of 1 each; otherwise the whole batch's forward
// pass is kept and each backward pass seeds one example (the others zero), which is
// exact also where examples interact.
func (o *NetObjective) Jacobian(jac, g []float64) ([]float64, []float64, int) {
	if o.Method.Source != Adjoint {
		panic(fmt.Sprintf("optimizers: Jacobian: method %q: source %q (HIG inverts the physics' Jacobian: adjoint only)", o.Method.Name, o.Method.Source))
	}
	ps := o.Net.Params()
	n := core.CountParams(ps)
	x := o.forward().Value.Clone()
	rows := x.Batch() * o.Y.ExampleLen()
	jac = withLen(jac, rows*n)
	g = withLen(g, rows)
	out := o.Physics.Forward(o.Y.Clone(), x)
	o.outputGradient(g, out)
	w := o.physicsRows(x, out)
	if len(o.Net.Buffers()) == 0 && o.Forward == nil {
		o.jacobianByExample(jac, ps, w, x)
	} else {
		o.jacobianOfBatch(jac, ps, w, x)
	}
	return jac, g, rows
}

// withLen returns s with length n, reallocated when too short.
func withLen(s []float64, n int) []float64 {
	if cap(s) < n {
		s = make([]float64, n)
	}
	return s[:n]
}

// outputGradient writes g = ∂L/∂y of the training loss at the physics output out: the
// problem's OutputGradient, or the residual out − y*, times the method's reduction.
func (o *NetObjective) outputGradient(g []float64, out *core.Tensor) {
	var og *core.Tensor
	if ol, ok := o.Physics.(OutputLoss); ok {
		og = ol.OutputGradient(nil, out, o.Y)
	} else {
		og = out.Clone()
		for i, v := range out.Data {
			og.Data[i] = v - o.Y.Data[i]
		}
	}
	scale := o.Method.Reduction.Scale(out.Batch())
	for i, v := range og.Data {
		g[i] = float64(v) * scale
	}
}

// physicsRows returns J_Pᵀ·e_k at x for every output component k, each for the whole
// batch at once (shaped like x): VJPer's, or the Gradient at the residual out − e_k.
func (o *NetObjective) physicsRows(x, out *core.Tensor) []*core.Tensor {
	b, dimY := x.Batch(), o.Y.ExampleLen()
	w := make([]*core.Tensor, dimY)
	e := core.New(o.Y.Shape...)
	for k := range dimY {
		clear(e.Data)
		for bi := range b {
			e.Data[bi*dimY+k] = 1
		}
		if v, ok := o.Physics.(VJPer); ok {
			w[k] = v.VJP(nil, x, o.Y, e)
		} else {
			r := out.Clone()
			for i := range r.Data {
				r.Data[i] -= e.Data[i]
			}
			w[k] = o.Physics.Gradient(nil, x, r)
		}
	}
	return w
}

// jacobianByExample fills jac by running each example through the network alone (a
// batch of 1) and backpropagating each of its rows w[k]: exact for a network whose
// examples are independent (no buffers, no custom Forward). x is the network's output.
func (o *NetObjective) jacobianByExample(jac []float64, ps []*core.Param, w []*core.Tensor, x *core.Tensor) {
	dimY, n := len(w), core.CountParams(ps)
	yb := core.New(append([]int{1}, o.Y.Shape[1:]...)...)
	seed := core.New(append([]int{1}, x.Shape[1:]...)...)
	for bi := range x.Batch() {
		copy(yb.Data, o.Y.Example(bi))
		o.Tape.Reset()
		xb := o.Net.Forward(o.Tape.Const(yb))
		for k := range dimY {
			copy(seed.Data, w[k].Example(bi))
			core.ZeroGrads(ps)
			o.Tape.Backward(xb, seed)
			r := bi*dimY + k
			gradsRow(jac[r*n:(r+1)*n], ps)
		}
	}
}

// jacobianOfBatch fills jac from the whole batch's forward pass: each backward pass
// seeds one example's row w[k] and the others zero, exact also where examples interact.
// x is the network's output.
func (o *NetObjective) jacobianOfBatch(jac []float64, ps []*core.Param, w []*core.Tensor, x *core.Tensor) {
	dimY, n := len(w), core.CountParams(ps)
	xv := o.forward()
	seed := core.New(x.Shape...)
	dimX := x.ExampleLen()
	for bi := range x.Batch() {
		for k := range dimY {
			clear(seed.Data)
			copy(seed.Data[bi*dimX:(bi+1)*dimX], w[k].Example(bi))
			core.ZeroGrads(ps)
			o.Tape.Backward(xv, seed)
			r := bi*dimY + k
			gradsRow(jac[r*n:(r+1)*n], ps)
		}
	}
}

// gradsRow copies the parameters' gradients, in order, into dst.
func gradsRow(dst []float64, ps []*core.Param) {
	i := 0
	for _, p := range ps {
		for _, v := range p.Grad.Data {
			dst[i] = float64(v)
			i++
		}
	}
}
