package optimizers

import "github.com/sipbench/sipbench/core"

// SGD is stochastic gradient descent with optional heavy-ball momentum, as torch.optim.SGD
// computes it without dampening, Nesterov or weight decay. With g the gradient,
//
//	v ← μv + g
//	θ ← θ − ηv
//
// and v starts at zero, so the first step is θ ← θ − ηg. With μ = 0 this is plain gradient
// descent, θ ← θ − ηg.
//
// State order: step count, then the momentum buffer v of every parameter (allocated, and
// kept at zero, even when μ = 0).
type SGD struct {
	base
	// Momentum is μ; 0 means no momentum.
	Momentum float64

	buf []*core.Tensor
}

var _ Optimizer = (*SGD)(nil)

// NewSGD returns an SGD optimizer for params with learning rate lr and momentum μ. It
// panics if lr < 0, momentum < 0, or a parameter has no gradient or one of another shape.
func NewSGD(params []*core.Param, lr, momentum float64) *SGD {
	if momentum < 0 {
		panic("optimizers: NewSGD: negative momentum")
	}
	o := &SGD{base: newBase("NewSGD", params, lr), Momentum: momentum}
	o.buf = o.buffers()
	return o
}

// Step performs one SGD update of every parameter from its Grad.
func (o *SGD) Step() {
	o.nextStep()
	alpha := float32(-o.lr)
	mu := float32(o.Momentum)
	for i, p := range o.params {
		checkGrad("SGD", p)
		x := p.Value.Data
		if o.Momentum == 0 {
			for j, g := range p.Grad.Data {
				x[j] = fma32(alpha, g, x[j])
			}
			continue
		}
		v := o.buf[i].Data
		for j, g := range p.Grad.Data {
			v[j] = float32(v[j]*mu) + g
			x[j] = fma32(alpha, v[j], x[j])
		}
	}
}

// State returns the step count and the momentum buffers, in that order.
func (o *SGD) State() []*core.Tensor { return o.state(o.buf) }
