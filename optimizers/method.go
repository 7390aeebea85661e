package optimizers

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/core"
)

// Source says where a training method's x-space gradient comes from.
type Source string

// The x-space gradient sources of the paper's training methods.
const (
	// Adjoint sends ∂L/∂x, the gradient of the physics loss backpropagated through P.
	Adjoint Source = "adjoint"
	// Inverse sends −Δx, the negated update of a scale-invariant inverse solver U(y*|x)
	// (SIP; for exp also the Newton variants).
	Inverse Source = "inverse"
	// Supervised sends x − x*, the gradient of ½‖x − x*‖² (needs the ground truth).
	Supervised Source = "supervised"
	// Sign sends −sign(x* − x) (the "Rescaled" baseline of Figure 2; needs the ground truth).
	Sign Source = "sign"
)

// ProxyLoss is the network loss of an Inverse method, between the prediction x₀ and the
// constant target x̃ = x₀ + Δx.
type ProxyLoss string

// The proxy losses. L2 (½‖x₀ − x̃‖², the paper's default) sends −Δx; L1 (‖x₀ − x̃‖₁, which
// the original uses for rotation) sends sign(−Δx).
const (
	L2 ProxyLoss = "l2"
	L1 ProxyLoss = "l1"
)

// Reduction is how a training loss combines the per-example losses of a batch of B.
type Reduction string

// The batch reductions. The original trains exp, Poisson and heat on the batch sum
// (loss.sum.backward()) and rotation and fluid on the batch mean, so that a learning
// rate of SGD, AdaHessian's ε and Hessian-free's damping mean what they meant there only
// with the same reduction (a sum makes the gradient B times larger than a mean).
const (
	// Mean divides the batch's summed loss by B; "" means Mean.
	Mean Reduction = "mean"
	// Sum takes the batch's summed loss as it is.
	Sum Reduction = "sum"
)

// Scale returns the factor of the summed per-example losses in the training loss of a
// batch of b: 1/b for Mean (and ""), 1 for Sum.
func (r Reduction) Scale(b int) float64 {
	if r == Sum {
		return 1
	}
	return 1 / float64(b)
}

// Physics is what a training method needs of a problem: the gradient through P and the
// problem's inverse updates. problems.Problem satisfies it.
type Physics interface {
	Gradient(dst, x, y *core.Tensor) *core.Tensor
	Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor
}

// Method is one training method of the paper: where the x-space gradient comes from, and
// the network optimizer that turns it into a parameter update.
//
// Every method trains with the same loop: x₀ = NN(y*); g = XGrad(x₀, y*, x*); the network
// is backpropagated from g; the optimizer steps. The batch's loss is the mean or the sum
// of the per-example losses (Reduction), so XGrad divides by the batch size or not.
type Method struct {
	Name      string    // short lowercase name: "sip", "adam", "sgd", …
	Source    Source    // where the x-space gradient comes from
	Update    string    // for Inverse: the problem's update name ("sip", "newton", …)
	Proxy     ProxyLoss // for Inverse: the network's proxy loss; "" means L2
	Optimizer string    // network optimizer, one of Names
	LR        float64   // learning rate
	Momentum  float64   // for "sgd"
	Reduction Reduction // the batch reduction of the training loss; "" means Mean
	// Tau and Kappa are HIG's relative truncation τ and exponent κ (for "hig": κ = ½ is
	// HIG, κ = 1 Gauss–Newton); other optimizers ignore them.
	Tau, Kappa float64
}

// NewOptimizer returns m's network optimizer bound to params.
func (m Method) NewOptimizer(params []*core.Param) (Optimizer, error) {
	switch m.Optimizer {
	case "sgd":
		return NewSGD(params, m.LR, m.Momentum), nil
	case "hig":
		return NewHIG(params, m.LR, m.Tau, m.Kappa), nil
	}
	return New(m.Optimizer, params, m.LR)
}

// Validate reports whether this sipbench can train with m, as a run folder recorded it: a
// known source, proxy loss and optimizer (one of Names), a finite learning rate and
// momentum, and for an Inverse method an update among updates (the problem's Updates).
func (m Method) Validate(updates []string) error {
	switch m.Source {
	case Adjoint, Supervised, Sign:
	case Inverse:
		if !slices.Contains(updates, m.Update) {
			return fmt.Errorf("optimizers: method %q: the problem has no update %q (updates: %s)", m.Name, m.Update, strings.Join(updates, ", "))
		}
	default:
		if registeredSource(m.Source) != nil {
			break
		}
		return fmt.Errorf("optimizers: method %q: unknown source %q", m.Name, m.Source)
	}
	if m.Proxy != "" && m.Proxy != L1 && m.Proxy != L2 {
		return fmt.Errorf("optimizers: method %q: unknown proxy loss %q (l1, l2)", m.Name, m.Proxy)
	}
	if !slices.Contains(Names, m.Optimizer) {
		return fmt.Errorf("optimizers: method %q: unknown optimizer %q (optimizers: %s)", m.Name, m.Optimizer, strings.Join(Names, ", "))
	}
	if math.IsNaN(m.LR) || math.IsInf(m.LR, 0) || m.LR < 0 || math.IsNaN(m.Momentum) || math.IsInf(m.Momentum, 0) {
		return fmt.Errorf("optimizers: method %q: learning rate %g must be finite and ≥ 0, momentum %g finite", m.Name, m.LR, m.Momentum)
	}
	if m.Optimizer == "hig" {
		if m.Source != Adjoint {
			return fmt.Errorf("optimizers: method %q: hig inverts the physics' Jacobian and needs the adjoint source, not %q", m.Name, m.Source)
		}
		if math.IsNaN(m.Tau) || math.IsInf(m.Tau, 0) || m.Tau < 0 || math.IsNaN(m.Kappa) || math.IsInf(m.Kappa, 0) {
			return fmt.Errorf("optimizers: method %q: truncation %g must be finite and ≥ 0, kappa %g finite", m.Name, m.Tau, m.Kappa)
		}
	}
	return nil
}

// XGrad writes into dst (allocated when nil) the x-space gradient that m sends into the
// network for predictions x of observations y with ground truth xTrue, times
// m.Reduction.Scale(batch) (divided by the batch size for a batch mean). It panics on an
// unknown source.
func (m Method) XGrad(dst *core.Tensor, p Physics, x, y, xTrue *core.Tensor) *core.Tensor {
	if dst == nil {
		dst = core.New(x.Shape...)
	}
	inv := 1 / float32(x.Batch())
	if m.Reduction == Sum {
		inv = 1
	}
	switch m.Source {
	case Adjoint:
		p.Gradient(dst, x, y)
		for i := range dst.Data {
			dst.Data[i] *= inv
		}
	case Inverse:
		p.Update(dst, m.Update, x, y)
		for i, dx := range dst.Data {
			if m.Proxy == L1 {
				dst.Data[i] = -sign(dx) * inv
			} else {
				dst.Data[i] = -dx * inv
			}
		}
	case Supervised:
		for i, v := range x.Data {
			dst.Data[i] = (v - xTrue.Data[i]) * inv
		}
	case Sign:
		for i, v := range x.Data {
			dst.Data[i] = -sign(xTrue.Data[i]-v) * inv
		}
	default:
		f := registeredSource(m.Source)
		if f == nil {
			panic(fmt.Sprintf("optimizers: method %q: unknown source %q", m.Name, m.Source))
		}
		f(dst, p, x, y, xTrue)
		for i := range dst.Data {
			dst.Data[i] *= inv
		}
	}
	return dst
}

func sign(v float32) float32 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	case math.IsNaN(float64(v)):
		return v
	}
	return 0
}
