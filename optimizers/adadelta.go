package optimizers

import (
	"math"

	"github.com/sipbench/sipbench/core"
)

// Adadelta is the Adadelta optimizer (Zeiler 2012) as torch.optim.Adadelta computes it,
// without weight decay; the learning rate scales the step (PyTorch's default is 1.0, which
// gives Zeiler's original rule). With g the gradient,
//
//	s ← ρs + (1−ρ)g²
//	Δ ← √(a + ε) / √(s + ε) · g
//	a ← ρa + (1−ρ)Δ²
//	θ ← θ − ηΔ
//
// State order: step count, then s for every parameter, then a for every parameter.
type Adadelta struct {
	base
	// Rho is the decay rate of both running averages; NewAdadelta sets it to 0.9.
	Rho float64
	// Eps is added inside both square roots; NewAdadelta sets it to 1e-6.
	Eps float64

	sq, acc []*core.Tensor
}

var _ Optimizer = (*Adadelta)(nil)

// NewAdadelta returns an Adadelta optimizer for params with learning rate lr (PyTorch's
// default is 1.0) and PyTorch's defaults ρ 0.9, ε 1e-6. It panics if lr < 0 or a parameter
// has no gradient or one of another shape.
func NewAdadelta(params []*core.Param, lr float64) *Adadelta {
	o := &Adadelta{base: newBase("NewAdadelta", params, lr), Rho: 0.9, Eps: 1e-6}
	o.sq = o.buffers()
	o.acc = o.buffers()
	return o
}

// Step performs one Adadelta update of every parameter from its Grad.
func (o *Adadelta) Step() {
	o.nextStep()
	rho := float32(o.Rho)
	c := float32(1 - o.Rho)
	eps := float32(o.Eps)
	alpha := float32(-o.lr)
	for i, p := range o.params {
		checkGrad("Adadelta", p)
		s, a, x := o.sq[i].Data, o.acc[i].Data, p.Value.Data
		for j, g := range p.Grad.Data {
			s[j] = fma32(c*g, g, s[j]*rho)
			std := sqrt32(s[j] + eps)
			d := float32(float32(sqrt32(a[j]+eps)/std) * g)
			a[j] = fma32(c*d, d, a[j]*rho)
			x[j] = fma32(alpha, d, x[j])
		}
	}
}

// State returns the step count, the squared-gradient averages and the squared-update
// averages, in that order.
func (o *Adadelta) State() []*core.Tensor { return o.state(o.sq, o.acc) }

// sqrt32 returns the correctly rounded float32 square root of x.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
