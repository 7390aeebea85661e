package optimizers

import (
	"math"

	"github.com/sipbench/sipbench/core"
)

// Adagrad is the Adagrad optimizer (Duchi et al. 2011) as torch.optim.Adagrad computes it,
// without learning-rate decay or weight decay and with an initial accumulator of 0. With g
// the gradient,
//
//	s ← s + g²
//	θ ← θ − η · g / (√s + ε)
//
// State order: step count, then the accumulator s of every parameter.
type Adagrad struct {
	base
	// Eps is added to the denominator; NewAdagrad sets it to 1e-10.
	Eps float64

	sum []*core.Tensor
}

var _ Optimizer = (*Adagrad)(nil)

// NewAdagrad returns an Adagrad optimizer for params with learning rate lr and PyTorch's
// defaults (ε 1e-10, initial accumulator 0). It panics if lr < 0 or a parameter has no
// gradient or one of another shape.
func NewAdagrad(params []*core.Param, lr float64) *Adagrad {
	o := &Adagrad{base: newBase("NewAdagrad", params, lr), Eps: 1e-10}
	o.sum = o.buffers()
	return o
}

// Step performs one Adagrad update of every parameter from its Grad.
func (o *Adagrad) Step() {
	o.nextStep()
	value := float32(-o.lr)
	eps := float32(o.Eps)
	for i, p := range o.params {
		checkGrad("Adagrad", p)
		s, x := o.sum[i].Data, p.Value.Data
		for j, g := range p.Grad.Data {
			s[j] = fma32(g, g, s[j])
			std := float32(math.Sqrt(float64(s[j]))) + eps
			x[j] += float32(value*g) / std
		}
	}
}

// State returns the step count and the accumulators, in that order.
func (o *Adagrad) State() []*core.Tensor { return o.state(o.sum) }
