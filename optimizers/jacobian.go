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
	xv := o.forward()
	x := xv.Value.Clone()
	b := x.Batch()
	dimY := o.Y.ExampleLen()
	rows := b * dimY
	if cap(jac) < rows*n {
		jac = make([]float64, rows*n)
	}
	jac = jac[:rows*n]
	if cap(g) < rows {
		g = make([]float64, rows)
	}
	g = g[:rows]

	out := o.Physics.Forward(o.Y.Clone(), x)
	var og *core.Tensor
	if ol, ok := o.Physics.(OutputLoss); ok {
		og = ol.OutputGradient(nil, out, o.Y)
	} else {
		og = out.Clone()
		for i, v := range out.Data {
			og.Data[i] = v - o.Y.Data[i]
		}
	}
	scale := o.Method.Reduction.Scale(b)
	for i, v := range og.Data {
		g[i] = float64(v) * scale
	}

	// J_Pᵀ·e_k for every example: w[k] shaped like x.
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

	row := func(r int) {
		dst := jac[r*n : (r+1)*n]
		i := 0
		for _, p := range ps {
			for _, v := range p.Grad.Data {
				dst[i] = float64(v)
				i++
			}
		}
	}
	dimX := x.ExampleLen()
	if len(o.Net.Buffers()) == 0 && o.Forward == nil {
		yb := core.New(append([]int{1}, o.Y.Shape[1:]...)...)
		seed := core.New(append([]int{1}, x.Shape[1:]...)...)
		for bi := range b {
			copy(yb.Data, o.Y.Example(bi))
			o.Tape.Reset()
			xb := o.Net.Forward(o.Tape.Const(yb))
			for k := range dimY {
				copy(seed.Data, w[k].Example(bi))
				core.ZeroGrads(ps)
				o.Tape.Backward(xb, seed)
				row(bi*dimY + k)
			}
		}
	} else {
		xv = o.forward()
		seed := core.New(x.Shape...)
		for bi := range b {
			for k := range dimY {
				clear(seed.Data)
				copy(seed.Data[bi*dimX:(bi+1)*dimX], w[k].Example(bi))
				core.ZeroGrads(ps)
				o.Tape.Backward(xv, seed)
				row(bi*dimY + k)
			}
		}
	}
	return jac, g, rows
}
