package optimizers

import (
	"math"

	"github.com/sipbench/sipbench/core"
)

// Adam is the Adam optimizer (Kingma & Ba 2015) as torch.optim.Adam computes it, without
// weight decay or AMSGrad. With g the gradient and t the step count after incrementing,
//
//	m ← β₁m + (1−β₁)g
//	v ← β₂v + (1−β₂)g²
//	θ ← θ − (η/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)
//
// The bias corrections are computed in float64, everything else in float32.
//
// State order: step count, then m for every parameter, then v for every parameter.
type Adam struct {
	base
	// Beta1 and Beta2 are the decay rates of the first and second moment estimates;
	// NewAdam sets them to 0.9 and 0.999.
	Beta1, Beta2 float64
	// Eps is added to the denominator; NewAdam sets it to 1e-8.
	Eps float64

	m, v []*core.Tensor
}

var _ Optimizer = (*Adam)(nil)

// NewAdam returns an Adam optimizer for params with learning rate lr and PyTorch's
// defaults (β₁ 0.9, β₂ 0.999, ε 1e-8), its moments zeroed. It panics if lr < 0 or a
// parameter has no gradient or one of another shape.
func NewAdam(params []*core.Param, lr float64) *Adam {
	o := &Adam{base: newBase("NewAdam", params, lr), Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	o.m = o.buffers()
	o.v = o.buffers()
	return o
}

// Step performs one Adam update of every parameter from its Grad.
func (o *Adam) Step() {
	t := float64(o.nextStep())
	bc1 := 1 - math.Pow(o.Beta1, t)
	bc2 := 1 - math.Pow(o.Beta2, t)
	b1 := float32(o.Beta1)
	c1 := float32(1 - o.Beta1)
	b2 := float32(o.Beta2)
	c2 := float32(1 - o.Beta2)
	bc2sqrt := float32(math.Sqrt(bc2))
	eps := float32(o.Eps)
	stepSize := float32(-o.lr / bc1)
	for i, p := range o.params {
		checkGrad("Adam", p)
		m, v, x := o.m[i].Data, o.v[i].Data, p.Value.Data
		for j, g := range p.Grad.Data {
			m[j] = fma32(c1, g, m[j]*b1)
			v[j] = fma32(c2*g, g, v[j]*b2)
			denom := float32(float32(math.Sqrt(float64(v[j])))/bc2sqrt) + eps
			x[j] += float32(stepSize*m[j]) / denom
		}
	}
}

// State returns the step count, the first moments and the second moments, in that order.
func (o *Adam) State() []*core.Tensor { return o.state(o.m, o.v) }
