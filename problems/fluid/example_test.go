package fluid_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/sipbench/sipbench/problems/fluid"
)

// A training step's physics side: sample, evaluate a prediction, and get the two x-space
// signals a method can send back (the adjoint gradient, or −Δx of the SIP update).
func ExampleNewFluid() {
	p := fluid.NewFluid(32) // the quick scale; 64 is the paper's
	rng := rand.New(rand.NewPCG(1, 1))
	xTrue, y := p.Sample(rng, 2)
	x := xTrue.Clone()
	for i := range x.Data {
		x.Data[i] *= 0.5 // a prediction with half the true velocity
	}
	g := p.Gradient(nil, x, y)
	dx := p.Update(nil, "sip", x, y)
	m := p.Metrics(nil, x, xTrue, y)
	fmt.Println(p.XShape(), p.YShape(), g.Shape, dx.Shape, p.Updates())
	fmt.Println(p.MetricNames(), len(m), g.AllFinite() && dx.AllFinite())
	// Output:
	// [2 32 32] [2 32 32] [2 2 32 32] [2 2 32 32] [sip lbfgs accumulated-gd]
	// [x_l1 loss v_l1] 3 true
}
