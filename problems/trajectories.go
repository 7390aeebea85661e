package problems

import (
	"fmt"
	"math"
)

// The optimisation trajectories of the paper's Figure 1 (no network): the problem
// P(x) = (x₁, x₂²) with target y* = 0, so that L(x) = ‖P(x)‖² = x₁² + x₂⁴, solved from
// x = (3, 3) by three update rules:
//
//	gradient descent:         x ← x − η·∇L = x − η·(2x₁, 4x₂³)
//	Newton:                   x ← x − η·H⁻¹∇L = x − η·(x₁, x₂/3)
//	physics inversion (PI):   z = P(x), z ← z − η·z, x ← P⁻¹(z) = (z₁, √z₂)

// Figure1Start is the initial point of every Figure 1 trajectory.
var Figure1Start = [2]float64{3, 3}

// Path is one optimisation trajectory: the iterates x₀ (the start), x₁, …, x_steps of the
// update rule Name with step size Eta.
type Path struct {
	Name   string
	Eta    float64
	Points [][2]float64
}

// YPoints returns the path mapped to y space, P(x) = (x₁, x₂²) for every point.
func (p Path) YPoints() [][2]float64 {
	z := make([][2]float64, len(p.Points))
	for i, x := range p.Points {
		z[i] = Figure1Forward(x)
	}
	return z
}

// Figure1Forward returns P(x) = (x₁, x₂²).
func Figure1Forward(x [2]float64) [2]float64 { return [2]float64{x[0], x[1] * x[1]} }

// Figure1Loss returns L(x) = x₁² + x₂⁴, the function whose contours Figure 1 draws in x
// space.
func Figure1Loss(x [2]float64) float64 { return x[0]*x[0] + x[1]*x[1]*x[1]*x[1] }

// Figure1YLoss returns ‖z‖² = z₁² + z₂², the loss as a function of z = P(x), whose contours
// Figure 1 draws in y space.
func Figure1YLoss(z [2]float64) float64 { return z[0]*z[0] + z[1]*z[1] }

// Figure1GradientDescent returns the gradient-descent path x ← x − η·(2x₁, 4x₂³) from
// Figure1Start, steps+1 points.
func Figure1GradientDescent(eta float64, steps int) Path {
	return figure1Path("GD", eta, steps, func(x [2]float64) [2]float64 {
		return [2]float64{x[0] - eta*2*x[0], x[1] - eta*4*x[1]*x[1]*x[1]}
	})
}

// Figure1Newton returns Newton's path x ← x − η·(x₁, x₂/3) from Figure1Start (H⁻¹∇L with
// H = diag(2, 12x₂²)), steps+1 points.
func Figure1Newton(eta float64, steps int) Path {
	return figure1Path("Newton", eta, steps, func(x [2]float64) [2]float64 {
		return [2]float64{x[0] - eta*x[0], x[1] - eta*x[1]/3}
	})
}

// Figure1Inversion returns the perfect-physics-inversion path from Figure1Start: z = P(x),
// z ← (1 − η)·z, x ← (z₁, √z₂) (the branch x₂ ≥ 0 of the start), steps+1 points.
func Figure1Inversion(eta float64, steps int) Path {
	return figure1Path("PI", eta, steps, func(x [2]float64) [2]float64 {
		z := Figure1Forward(x)
		z[0] -= eta * z[0]
		z[1] -= eta * z[1]
		return [2]float64{z[0], math.Sqrt(z[1])}
	})
}

func figure1Path(name string, eta float64, steps int, step func([2]float64) [2]float64) Path {
	pts := make([][2]float64, steps+1)
	pts[0] = Figure1Start
	for i := 1; i <= steps; i++ {
		pts[i] = step(pts[i-1])
	}
	return Path{Name: name, Eta: eta, Points: pts}
}

// Figure1 returns the trajectories drawn in the paper's Figure 1, in this order: gradient
// descent with η = 0.5/36 (10 steps) and η = 0.005 (1000 steps), Newton with η = 0.5 (10
// steps) and η = 0.1 (100 steps), and perfect physics inversion with η = 0.05 (100 steps).
func Figure1() []Path {
	return []Path{
		Figure1GradientDescent(0.5/36, 10),
		Figure1GradientDescent(0.005, 1000),
		Figure1Newton(0.5, 10),
		Figure1Newton(0.1, 100),
		Figure1Inversion(0.05, 100),
	}
}

// PathProblem is a problem solved without a network, as in the paper's Figure 1: each
// method is an update rule iterated from a fixed start on one example in a 2-D x space,
// and a training step is one iteration. A preset of a PathProblem trains no network;
// the runner logs Metrics of every iterate and ships the paths with a grid of Loss for
// the dashboard to draw. Figure1Problem implements it.
type PathProblem interface {
	// Methods names the update rules Path accepts.
	Methods() []string

	// Path returns the iterates x₀ (the start), x₁, …, x_steps of the update rule method
	// with step size eta. It panics on a method that Methods does not list.
	Path(method string, eta float64, steps int) Path

	// Forward returns P(x), the iterate mapped to y space.
	Forward(x [2]float64) [2]float64

	// Loss returns the loss whose contour lines are drawn under the paths.
	Loss(x [2]float64) float64

	// MetricNames lists the metrics Metrics reports, in order.
	MetricNames() []string

	// Metrics writes the metrics of the iterate x into dst (len(MetricNames()),
	// allocated when nil) and returns it.
	Metrics(dst []float64, x [2]float64) []float64
}

// Figure1Problem is the problem of Figure 1 as a PathProblem: L(x) = x₁² + x₂⁴ from
// Figure1Start, with the update rules "pi" (Figure1Inversion), "newton" (Figure1Newton)
// and "gd" (Figure1GradientDescent). Its metrics are the loss, the iterate and the loss
// in y space, ‖P(x)‖².
type Figure1Problem struct{}

var _ PathProblem = Figure1Problem{}

// Methods returns "pi", "newton" and "gd".
func (Figure1Problem) Methods() []string { return []string{"pi", "newton", "gd"} }

// Path returns the path of the named update rule.
func (Figure1Problem) Path(method string, eta float64, steps int) Path {
	switch method {
	case "gd":
		return Figure1GradientDescent(eta, steps)
	case "newton":
		return Figure1Newton(eta, steps)
	case "pi":
		return Figure1Inversion(eta, steps)
	}
	panic(fmt.Sprintf("problems: Figure1Problem.Path: unknown method %q (methods: pi, newton, gd)", method))
}

// Forward returns Figure1Forward(x).
func (Figure1Problem) Forward(x [2]float64) [2]float64 { return Figure1Forward(x) }

// YLoss returns Figure1YLoss(y).
func (Figure1Problem) YLoss(y [2]float64) float64 { return Figure1YLoss(y) }

// Minimum returns the origin, where L is 0.
func (Figure1Problem) Minimum() [2]float64 { return [2]float64{} }

var _ Minimizer = Figure1Problem{}

// A Minimizer is a PathProblem that knows where its loss is least; the viewers mark it.
type Minimizer interface {
	// Minimum returns the x where the loss is least.
	Minimum() [2]float64
}

var _ YLosser = Figure1Problem{}

// A YLosser is a PathProblem with a loss over y space, whose contour lines the viewers
// draw under the paths mapped to y space.
type YLosser interface {
	// YLoss returns the loss of y = P(x) in y space.
	YLoss(y [2]float64) float64
}

// Loss returns Figure1Loss(x).
func (Figure1Problem) Loss(x [2]float64) float64 { return Figure1Loss(x) }

// MetricNames returns loss, x1, x2 and y_loss.
func (Figure1Problem) MetricNames() []string { return []string{"loss", "x1", "x2", "y_loss"} }

// Metrics writes L(x), x₁, x₂ and ‖P(x)‖² into dst.
func (Figure1Problem) Metrics(dst []float64, x [2]float64) []float64 {
	dst = dstSlice("Figure1Problem.Metrics", dst, 4)
	dst[0], dst[1], dst[2], dst[3] = Figure1Loss(x), x[0], x[1], Figure1YLoss(Figure1Forward(x))
	return dst
}
