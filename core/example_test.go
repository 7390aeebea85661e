package core_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// Record f(x) = Σ xᵢ² on a tape, then sweep it backwards: x.Grad = ∂f/∂x = 2x.
func ExampleTape() {
	tp := core.NewTape()
	x := tp.Input(core.FromData([]float32{1, -2, 3}, 3))
	f := core.Sum(core.Mul(x, x))
	tp.Backward(f, nil) // nil seeds a scalar output with 1
	fmt.Println("f =", f.Value.Data[0])
	fmt.Println("∂f/∂x =", x.Grad.Data)
	// Output:
	// f = 14
	// ∂f/∂x = [2 -4 6]
}

// Backward seeds any node with any upstream gradient, not only a scalar loss with 1. This
// is how every training method enters the network: the runner computes one vector g in
// x space (∂L/∂x through the physics, or −Δx of SIP) and backpropagates it from the
// prediction, so the parameters receive Jᵀ·g.
func ExampleTape_Backward() {
	tp := core.NewTape()
	w := core.NewParam("w", 1, 2) // a linear "network" x = w·y, w of shape [out, in]
	copy(w.Value.Data, []float32{3, -1})
	y := tp.Const(core.FromData([]float32{1, 2, 0.5, 4}, 2, 2)) // two observations
	x := core.Linear(y, tp.Param(w), nil)                       // predictions, shape [2, 1]
	g := core.FromData([]float32{1, -1}, 2, 1)                  // the x-space gradient
	tp.Backward(x, g)
	fmt.Println("x =", x.Value.Data)
	fmt.Println("∂⟨x, g⟩/∂w =", w.Grad.Data) // = Σ_b g_b·y_b
	// Output:
	// x = [1 -2.5]
	// ∂⟨x, g⟩/∂w = [0.5 -2]
}

// A network's forward and backward pass: predict, take a loss, backpropagate into the
// parameters' Grad; then plain gradient steps by hand (package optimizers has the real
// ones).
func ExampleNewMLP() {
	rng := rand.New(rand.NewPCG(1, 2))
	net := core.NewMLP([]int{2, 8, 1}, core.Tanh, rng) // PyTorch's nn.Linear initialisation
	y := core.FromData([]float32{0, 1, 1, 0, 1, 1}, 3, 2)
	target := core.FromData([]float32{1, 1, -1}, 3, 1)
	loss := func() float32 {
		tp := core.NewTape()
		l := core.L2Loss(net.Forward(tp.Const(y)), tp.Const(target)) // ½Σ(x − x*)²
		core.ZeroGrads(net.Params())
		tp.Backward(l, nil)
		return l.Value.Data[0]
	}
	fmt.Println("parameters:", core.CountParams(net.Params()))
	fmt.Printf("loss %.3f\n", loss())
	for range 100 {
		for _, p := range net.Params() {
			for i, g := range p.Grad.Data {
				p.Value.Data[i] -= 0.1 * g
			}
		}
		loss()
	}
	fmt.Printf("loss %.3f after 100 steps\n", loss())
	// Output:
	// parameters: 33
	// loss 1.582
	// loss 0.000 after 100 steps
}

// A U-Net maps a batch of fields (NCHW) to fields of the same size.
func ExampleNewUNet() {
	rng := rand.New(rand.NewPCG(1, 2))
	net := core.NewUNet(1, 1, 4, 16, rng) // 1 channel in and out, 4 levels, 16 filters
	tp := core.NewTape()
	x := net.Forward(tp.Const(core.New(2, 1, 32, 32)))
	fmt.Println("output shape:", x.Value.Shape)
	fmt.Println("parameters:", core.CountParams(net.Params()))
	// Output:
	// output shape: [2 1 32 32]
	// parameters: 37697
}

// Gemm is the one matrix product of sipbench: C = alpha·op(A)·op(B) + beta·C, row-major,
// with the row strides given. Here C = A·Bᵀ for A 2×3 and B 2×3.
func ExampleGemm() {
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, -1, 2, 1, 0}
	c := make([]float32, 4)
	core.Gemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c[:2])
	fmt.Println(c[2:])
	// Output:
	// [-2 4]
	// [-2 13]
}
