package optimizers

import (
	"fmt"
	"math"
	"strings"

	"github.com/sipbench/sipbench/core"
)

// Optimizer updates a fixed set of network parameters from the gradients accumulated in
// their Grad tensors. The implementations follow PyTorch's single-tensor (CPU) update rules
// and defaults, with the arithmetic done in float32 in PyTorch's order of operations.
//
// An Optimizer is not safe for concurrent use.
type Optimizer interface {
	// Step performs one update of the bound parameters from their Grad. It does not
	// zero the gradients.
	Step()
	// LearningRate returns the current learning rate.
	LearningRate() float64
	// SetLearningRate sets the learning rate. It may be called at any time and takes
	// effect on the next Step.
	SetLearningRate(lr float64)
	// State returns every state tensor of the optimizer in a fixed order, starting with
	// the step count (a one-element tensor). The tensors are the optimizer's own:
	// copying saved values into them (Tensor.CopyFrom) restores a checkpoint. They are
	// allocated by the constructor, so a fresh optimizer can be restored before its
	// first Step.
	State() []*core.Tensor
}

// Names lists the names that New accepts, in a fixed order: the built-in optimizers, then
// those of Register in the order they were registered.
var Names = []string{"sgd", "adam", "adagrad", "adadelta", "rmsprop", "adahessian", "hf", "hig"}

// New returns the optimizer called name (one of Names, lowercase) bound to params, with
// learning rate lr and PyTorch's defaults for every other setting; "sgd" has no momentum.
// "adahessian", "hf" (Hessian-free, initial damping 1) and "hig" (half-inverse gradients,
// DefaultTau and DefaultKappa) are ClosureOptimizers.
// It returns an error for an unknown name, and panics as the named constructor does.
func New(name string, params []*core.Param, lr float64) (Optimizer, error) {
	switch name {
	case "sgd":
		return NewSGD(params, lr, 0), nil
	case "adam":
		return NewAdam(params, lr), nil
	case "adagrad":
		return NewAdagrad(params, lr), nil
	case "adadelta":
		return NewAdadelta(params, lr), nil
	case "rmsprop":
		return NewRMSprop(params, lr), nil
	case "adahessian":
		return NewAdaHessian(params, lr), nil
	case "hf":
		return NewHessianFree(params, lr, 1), nil
	case "hig":
		return NewHIG(params, lr, DefaultTau, DefaultKappa), nil
	}
	if c := registeredOptimizer(name); c != nil {
		return c(params, lr), nil
	}
	return nil, fmt.Errorf("optimizers: unknown optimizer %q (accepted: %s)", name, strings.Join(Names, ", "))
}

// base holds what every optimizer shares: the parameters, the learning rate and the step
// count. The step count lives in a one-element float32 tensor, as in PyTorch, so that it
// travels with the other state; it is exact up to 2²⁴ steps.
type base struct {
	params []*core.Param
	lr     float64
	step   *core.Tensor
}

func newBase(op string, params []*core.Param, lr float64) base {
	if lr < 0 {
		panic(fmt.Sprintf("optimizers: %s: negative learning rate %v", op, lr))
	}
	for i, p := range params {
		if p == nil || p.Value == nil || p.Grad == nil {
			panic(fmt.Sprintf("optimizers: %s: parameter %d has no value or gradient", op, i))
		}
		if !core.SameShape(p.Value.Shape, p.Grad.Shape) {
			panic(fmt.Sprintf("optimizers: %s: parameter %q value shape %v, gradient shape %v",
				op, p.Name, p.Value.Shape, p.Grad.Shape))
		}
	}
	return base{params: append([]*core.Param(nil), params...), lr: lr, step: core.New(1)}
}

// LearningRate returns the current learning rate.
func (b *base) LearningRate() float64 { return b.lr }

// SetLearningRate sets the learning rate used by the next Step. It panics if lr < 0.
func (b *base) SetLearningRate(lr float64) {
	if lr < 0 {
		panic(fmt.Sprintf("optimizers: SetLearningRate: negative learning rate %v", lr))
	}
	b.lr = lr
}

// Steps returns the number of Steps taken (including those restored from a checkpoint).
func (b *base) Steps() int { return int(b.step.Data[0]) }

// nextStep increments the step count and returns its new value.
func (b *base) nextStep() int {
	b.step.Data[0]++
	return int(b.step.Data[0])
}

// buffers allocates one zeroed buffer per parameter, shaped like it.
func (b *base) buffers() []*core.Tensor {
	bs := make([]*core.Tensor, len(b.params))
	for i, p := range b.params {
		bs[i] = core.New(p.Value.Shape...)
	}
	return bs
}

// state returns the step count followed by each group of buffers in order.
func (b *base) state(groups ...[]*core.Tensor) []*core.Tensor {
	s := []*core.Tensor{b.step}
	for _, g := range groups {
		s = append(s, g...)
	}
	return s
}

// checkGrad panics if p.Grad no longer matches p.Value (the caller replaced a tensor).
func checkGrad(op string, p *core.Param) {
	if len(p.Grad.Data) != len(p.Value.Data) {
		panic(fmt.Sprintf("optimizers: %s.Step: parameter %q value shape %v, gradient shape %v",
			op, p.Name, p.Value.Shape, p.Grad.Shape))
	}
}

// fma32 returns a·b + c rounded once to float32, as the fused multiply-add that PyTorch's
// compiled CPU kernels use for add(alpha=…) and addcmul. The product of two float32 values
// is exact in float64; the sum is formed in float64 with its rounding error recovered
// exactly (TwoSum), and a float64 sum that lands on a float32 rounding midpoint is moved
// off it towards the exact value, so that the final rounding to float32 is correct.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b) // exact: 24+24 significant bits
	s := p + float64(c)
	f := float32(s)
	if float64(f) == s || math.IsInf(s, 0) || math.IsNaN(s) {
		return f
	}
	// TwoSum: err = (p + c) − s exactly.
	bv := s - p
	err := (p - (s - bv)) + (float64(c) - bv)
	if err == 0 {
		return f
	}
	other := math.Nextafter32(f, float32(math.Copysign(math.Inf(1), s-float64(f))))
	if s == (float64(f)+float64(other))/2 { // a float32 midpoint: decide by err's sign
		return float32(math.Nextafter(s, math.Copysign(math.Inf(1), err)))
	}
	return f
}
