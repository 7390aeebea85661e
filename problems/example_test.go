package problems_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// The exp problem's Newton updates from x = 0 towards y* = e⁻² (x* = −2).
func ExampleExp_Update() {
	p := problems.NewExp()
	x := core.FromData([]float32{0}, 1, 1)
	y := core.FromData([]float32{float32(math.Exp(-2))}, 1, 1)
	for _, name := range p.Updates() {
		fmt.Printf("%s: Δx = %.4f\n", name, p.Update(nil, name, x, y).Data[0])
	}
	// Output:
	// newton: Δx = -0.4637
	// newton-clipped: Δx = -0.1000
}

// Solving one exp example with each single-example solver.
func ExampleSolve() {
	p := problems.NewExp()
	x0 := core.FromData([]float32{-2}, 1, 1)
	y := core.FromData([]float32{float32(math.Exp(-5))}, 1, 1)
	for _, m := range []problems.SolverMethod{problems.Newton, problems.SIPIteration, problems.LBFGS} {
		r := problems.Solve(p, m, x0, y, problems.SolveSettings{LossThreshold: 1e-18})
		fmt.Printf("%-6s %v, x = %.3f, loss %.0e → below 1e-18: %v\n",
			m, r.Status, r.X.Data[0], r.Loss[0], r.FinalLoss() <= 1e-18)
	}
	// Gradient descent crawls: the curvature y*² = e⁻¹⁰ at x* is tiny.
	r := problems.Solve(p, problems.GradientDescent, x0, y, problems.SolveSettings{StepSize: 1, MaxIterations: 100})
	fmt.Printf("gd     %v, x = %.3f, err: %v\n", r.Status, r.X.Data[0], r.Err())
	// Output:
	// newton converged, x = -5.000, loss 8e-03 → below 1e-18: true
	// sip    converged, x = -5.000, loss 8e-03 → below 1e-18: true
	// lbfgs  converged, x = -5.000, loss 8e-03 → below 1e-18: true
	// gd     iteration limit, x = -2.740, err: problems: solver reached the iteration limit
}

// The SIP update of the rotation problem is a descent step for any conditioning ξ; x_dist
// measures the distance to the nearest of its infinitely many solutions.
func ExampleRotation() {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, xi := range []float64{1, 32} {
		p := problems.NewRotation(xi, math.Pi/4)
		xTrue, y := p.Sample(rng, 100)
		x := core.New(100, 2) // start every example at x = 0
		before := p.Metrics(nil, x, xTrue, y)
		for range 5 {
			dx := p.Update(nil, "sip", x, y)
			for i, v := range dx.Data {
				x.Data[i] += v
			}
		}
		after := p.Metrics(nil, x, xTrue, y)
		fmt.Printf("ξ=%-2v y_l2 %.3f → %.0e, x_dist falls: %v\n", xi, before[2], after[2], after[1] < before[1])
	}
	// Output:
	// ξ=1  y_l2 0.352 → 2e-06, x_dist falls: true
	// ξ=32 y_l2 0.342 → 4e-05, x_dist falls: true
}

// The first points of the Figure 1 trajectories.
func ExampleFigure1() {
	for _, path := range problems.Figure1() {
		x := path.Points[1]
		fmt.Printf("%-6s η=%.4f %4d steps: x₁ = (%.4f, %.4f), L(end) = %.2e\n",
			path.Name, path.Eta, len(path.Points)-1, x[0], x[1], problems.Figure1Loss(path.Points[len(path.Points)-1]))
	}
	// Output:
	// GD     η=0.0139   10 steps: x₁ = (2.9167, 1.5000), L(end) = 5.54e+00
	// GD     η=0.0050 1000 steps: x₁ = (2.9700, 2.4600), L(end) = 6.16e-04
	// Newton η=0.5000   10 steps: x₁ = (1.5000, 2.5000), L(end) = 5.51e-02
	// Newton η=0.1000  100 steps: x₁ = (2.7000, 2.9000), L(end) = 1.05e-04
	// PI     η=0.0500  100 steps: x₁ = (2.8500, 2.9240), L(end) = 3.15e-03
}
