package optimizers_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/problems"
)

// An optimizer updates parameters from the gradients in their Grad. Adam's first steps move
// every parameter by about the learning rate, whatever the gradient's size (here 1 and 100).
func ExampleNew() {
	p := core.NewParam("p", 2)
	target := core.FromData([]float32{1, -100}, 2)
	opt, err := optimizers.New("adam", []*core.Param{p}, 0.1)
	if err != nil {
		panic(err)
	}
	for range 3 {
		tp := core.NewTape()
		core.ZeroGrads([]*core.Param{p})
		tp.Backward(core.L2Loss(tp.Param(p), tp.Const(target)), nil) // ∂/∂p ½‖p − target‖²
		opt.Step()
		fmt.Printf("p = [%.4f %.4f]\n", p.Value.Data[0], p.Value.Data[1])
	}
	// Output:
	// p = [0.1000 -0.1000]
	// p = [0.1996 -0.2000]
	// p = [0.2984 -0.3000]
}

// What each kind of training method sends back into the network for one prediction of the
// exp problem (P(x) = eˣ): the prediction x = −2 of an observation y* = e⁻⁶, so x* = −6.
// Gradient descent through P sends a vanishing ∂L/∂x; the Newton update (an inverse
// solver, as SIP) sends the step it would take; supervised training sends x − x*.
func ExampleMethod_XGrad() {
	exp := problems.NewExp()
	x := core.FromData([]float32{-2}, 1, 1)
	y := core.FromData([]float32{float32(math.Exp(-6))}, 1, 1)
	xTrue := core.FromData([]float32{-6}, 1, 1)
	for _, m := range []optimizers.Method{
		{Name: "adam", Source: optimizers.Adjoint},
		{Name: "newton", Source: optimizers.Inverse, Update: "newton"},
		{Name: "supervised", Source: optimizers.Supervised},
	} {
		g := m.XGrad(nil, exp, x, y, xTrue)
		fmt.Printf("%-10s sends %.4f\n", m.Name, g.Data[0])
	}
	// Output:
	// adam       sends 0.0180
	// newton     sends 0.4954
	// supervised sends 4.0000
}

// One training loop serves every method: predict x = NN(y*), ask the method for its
// x-space gradient, backpropagate it through the network, let the optimizer step. Here a
// network learns to invert P(x) = eˣ for x* ∈ (−12, 0], trained by the clipped Newton
// update and, from the same initial weights and batches, by Adam through the adjoint
// (Figure 2 of the paper, in small).
func ExampleMethod() {
	exp := problems.NewExp()
	xTest, yTest := exp.Sample(rand.New(rand.NewPCG(0, 0)), 256)
	for _, m := range []optimizers.Method{
		{Name: "newton-clipped", Source: optimizers.Inverse, Update: "newton-clipped", Optimizer: "adam", LR: 0.01},
		{Name: "adam", Source: optimizers.Adjoint, Optimizer: "adam", LR: 0.01},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		net := core.NewMLP([]int{1, 16, 1}, core.Sigmoid, rng)
		opt, err := m.NewOptimizer(net.Params())
		if err != nil {
			panic(err)
		}
		for range 500 {
			xTrue, y := exp.Sample(rng, 32)
			tp := core.NewTape()
			x := net.Forward(tp.Const(y))
			g := m.XGrad(nil, exp, x.Value, y, xTrue)
			core.ZeroGrads(net.Params())
			tp.Backward(x, g)
			opt.Step()
		}
		x := net.Forward(core.NewTape().Const(yTest)).Value
		e := exp.Metrics(nil, x, xTest, yTest) // x_l1, …, x_l1_low (the error where x* < −4)
		fmt.Printf("%-14s x error %.1f, where x* < −4: %.1f\n", m.Name, e[0], e[4])
	}
	// Output:
	// newton-clipped x error 2.1, where x* < −4: 2.1
	// adam           x error 3.4, where x* < −4: 5.0
}
