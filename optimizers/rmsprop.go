package optimizers

import "github.com/sipbench/sipbench/core"

// RMSprop is the RMSprop optimizer (Hinton 2012) as torch.optim.RMSprop computes it,
// without momentum, centering or weight decay. With g the gradient,
//
//	s ← αs + (1−α)g²
//	θ ← θ − η · g / (√s + ε)
//
// State order: step count, then s for every parameter.
type RMSprop struct {
	base
	// Alpha is the decay rate of the squared-gradient average; NewRMSprop sets it to 0.99.
	Alpha float64
	// Eps is added to the denominator; NewRMSprop sets it to 1e-8.
	Eps float64

	sq []*core.Tensor
}

var _ Optimizer = (*RMSprop)(nil)

// NewRMSprop returns an RMSprop optimizer for params with learning rate lr and PyTorch's
// defaults (α 0.99, ε 1e-8). It panics if lr < 0 or a parameter has no gradient or one of
// another shape.
func NewRMSprop(params []*core.Param, lr float64) *RMSprop {
	o := &RMSprop{base: newBase("NewRMSprop", params, lr), Alpha: 0.99, Eps: 1e-8}
	o.sq = o.buffers()
	return o
}

// Step performs one RMSprop update of every parameter from its Grad.
func (o *RMSprop) Step() {
	o.nextStep()
	alpha := float32(o.Alpha)
	c := float32(1 - o.Alpha)
	eps := float32(o.Eps)
	value := float32(-o.lr)
	for i, p := range o.params {
		checkGrad("RMSprop", p)
		s, x := o.sq[i].Data, p.Value.Data
		for j, g := range p.Grad.Data {
			s[j] = fma32(c*g, g, s[j]*alpha)
			avg := sqrt32(s[j]) + eps
			x[j] += float32(value*g) / avg
		}
	}
}

// State returns the step count and the squared-gradient averages, in that order.
func (o *RMSprop) State() []*core.Tensor { return o.state(o.sq) }
