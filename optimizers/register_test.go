package optimizers

import (
	"strings"
	"testing"

	"github.com/sipbench/sipbench/core"
)

type twoX struct{}

func (twoX) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	for i := range dst.Data {
		dst.Data[i] = x.Data[i] - y.Data[i]
	}
	return dst
}
func (twoX) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor { return dst }

// An optimizer and an x-space gradient source from another package work as the built-in
// ones: New builds it, Validate accepts it, XGrad applies the batch reduction.
func TestRegister(t *testing.T) {
	Register("sgd-copy-test", func(params []*core.Param, lr float64) Optimizer { return NewSGD(params, lr, 0) })
	RegisterSource("twice-adjoint-test", func(dst *core.Tensor, p Physics, x, y, xTrue *core.Tensor) {
		p.Gradient(dst, x, y)
		for i := range dst.Data {
			dst.Data[i] *= 2
		}
	})
	m := Method{Name: "mine", Source: "twice-adjoint-test", Optimizer: "sgd-copy-test", LR: 0.5}
	if err := m.Validate(nil); err != nil {
		t.Fatal(err)
	}
	p := &core.Param{Name: "w", Value: core.FromData([]float32{1}, 1), Grad: core.FromData([]float32{4}, 1)}
	opt, err := m.NewOptimizer([]*core.Param{p})
	if err != nil {
		t.Fatal(err)
	}
	opt.Step()
	if p.Value.Data[0] != -1 {
		t.Errorf("one step of the registered SGD: w = %v, want 1 − 0.5·4 = −1", p.Value.Data[0])
	}
	x := core.FromData([]float32{3, 5}, 2, 1)
	y := core.FromData([]float32{1, 1}, 2, 1)
	g := m.XGrad(nil, twoX{}, x, y, nil)
	if g.Data[0] != 2 || g.Data[1] != 4 { // 2·(x−y)/2 (batch mean)
		t.Errorf("XGrad of the registered source: %v, want [2 4]", g.Data)
	}
	m.Reduction = Sum
	if g := m.XGrad(nil, twoX{}, x, y, nil); g.Data[0] != 4 || g.Data[1] != 8 {
		t.Errorf("XGrad, summed: %v, want [4 8]", g.Data)
	}
	for _, c := range []struct {
		name string
		fn   func()
		want string
	}{
		{"optimizer twice", func() { Register("adam", func([]*core.Param, float64) Optimizer { return nil }) }, "exists"},
		{"bad name", func() { Register("My Opt", func([]*core.Param, float64) Optimizer { return nil }) }, "plain lowercase"},
		{"nil", func() { Register("nil-opt", nil) }, "nil constructor"},
		{"source twice", func() {
			RegisterSource(Inverse, func(*core.Tensor, Physics, *core.Tensor, *core.Tensor, *core.Tensor) {})
		}, "exists"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), c.want) {
					t.Errorf("%s: recovered %v, want a panic containing %q", c.name, r, c.want)
				}
			}()
			c.fn()
		}()
	}
}
