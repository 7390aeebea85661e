package fluid

import (
	"fmt"
	"math"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// The inverse updates a Fluid offers (Update's names). Each maps a prediction x₀ to a
// correction Δx; an Inverse training method sends −Δx into the network, so that the
// network regresses onto x₀ + Δx.
const (
	// UpdateSIP is the scale-invariant estimate of sip.go (the original's estimate_v0).
	UpdateSIP = "sip"
	// UpdateLBFGS runs LBFGSIterations iterations of L-BFGS (problems.Solve with
	// problems.LBFGS) per example from x₀: Δx = x_lbfgs − x₀.
	UpdateLBFGS = "lbfgs"
	// UpdateAccumulatedGD takes AccumulatedSteps plain gradient steps of size
	// AccumulatedLR per example from x₀ and rescales the accumulated step to the norm of
	// the first gradient (see accumulatedGD).
	UpdateAccumulatedGD = "accumulated-gd"
)

// Settings of the "lbfgs" and "accumulated-gd" updates (experiments.md: "L-BFGS (16
// iterations per example from the prediction, network regresses onto the result);
// accumulated GD (8 gradient steps, lr 4e-2, rescaled to the first gradient's norm)").
const (
	LBFGSIterations  = 16
	AccumulatedSteps = 8
	AccumulatedLR    = 4e-2
)

var updateNames = []string{UpdateSIP, UpdateLBFGS, UpdateAccumulatedGD}

// Updates returns ["sip", "lbfgs", "accumulated-gd"]; "sip" is the default.
func (f *Fluid) Updates() []string { return append([]string(nil), updateNames...) }

// Update computes Δx of the named update for every example: "sip" (sip.go), "lbfgs" or
// "accumulated-gd" (updates.go). It panics on another name.
func (f *Fluid) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	var one func(w *Fluid, dst, x, y []float32)
	switch name {
	case UpdateSIP:
		one = (*Fluid).sipUpdate
	case UpdateLBFGS:
		one = (*Fluid).lbfgsUpdate
	case UpdateAccumulatedGD:
		one = (*Fluid).accumulatedGD
	default:
		panic(fmt.Sprintf("fluid: Update: unknown update %q (have %v)", name, updateNames))
	}
	f.check("Update", x, y)
	dst = dstLike("Update", dst, x)
	f.caches(x.Batch())
	f.each(x.Batch(), func(w *Fluid, b int) {
		one(w, dst.Example(b), x.Example(b), y.Example(b))
		if name == UpdateSIP {
			// w.sim holds the prediction's rollout from m₀: keep it, with its loss,
			// for Metrics (cache.go).
			f.pred[b].recordPred(w, x.Example(b), y.Example(b), w.lossOfRollout(), &f.truth[b])
		}
	})
	return dst
}

// one returns batch-of-one scratch tensors for x and y.
func (f *Fluid) one() (x1, y1 *core.Tensor) {
	if f.x1 == nil {
		f.x1 = core.New(1, 2, f.n, f.n)
		f.y1 = core.New(1, 2, f.n, f.n)
	}
	return f.x1, f.y1
}

// lbfgsUpdate writes Δx = x_lbfgs − x of one example into dst, x_lbfgs the iterate after
// LBFGSIterations major iterations of problems.Solve's L-BFGS (gonum's, memory 10,
// bisection line search) on Loss and Gradient from x. A run that stops early (the line
// search finds no decrease) gives its last iterate; a diverged one (non-finite) gives
// Δx = 0, so that one bad example cannot poison a training step.
func (f *Fluid) lbfgsUpdate(dst, x, y []float32) {
	x1, y1 := f.one()
	copy(x1.Data, x)
	copy(y1.Data, y)
	res := problems.Solve(f, problems.LBFGS, x1, y1, problems.SolveSettings{MaxIterations: LBFGSIterations})
	if res.Status == problems.Diverged || !res.X.AllFinite() {
		clear(dst)
		return
	}
	for i, v := range res.X.Data {
		dst[i] = v - x[i]
	}
}

// accumulatedGD writes the "accumulated GD" update of one example into dst. Our reading
// of experiments.md's "8 gradient steps, lr 4e-2, rescaled to the first gradient's norm":
//
//	x_0 = x,  x_{k+1} = x_k − η·∂L/∂x(x_k)  (k = 0 … 7, η = 4e-2, in float64),
//	Δx = (x_8 − x_0) · ‖g_0‖ / ‖x_8 − x_0‖,  g_0 = ∂L/∂x(x_0),
//
// per example: the direction of 8 accumulated gradient steps with the length of the
// single gradient that gd would send, so that the same network optimizer settings apply
// (Δx = 0 where the steps cancel). η is the original's at 64×64; the gradient per
// component is about the same at n = 32 (mean |∂L/∂x| at x = ½x*: 0.011 at n = 32, 0.013
// at n = 64, 4 examples each), so η is kept at every n. The 8 steps travel little (at
// ½x*, x_l1 5.433 → 5.431 at n = 32), so the update is close to the gradient's direction
// with the first curvature corrections.
func (f *Fluid) accumulatedGD(dst, x, y []float32) {
	m2 := 2 * f.n * f.n
	if f.acc == nil {
		f.acc = make([]float64, m2)
		f.g = make([]float64, m2)
	}
	c, g := f.acc, f.g
	core.ToFloat64(c, x)
	var norm0 float64
	for k := range AccumulatedSteps {
		f.gradCentres(g, c, y)
		if k == 0 {
			norm0 = norm(g)
		}
		for i, v := range g {
			c[i] -= AccumulatedLR * v
		}
	}
	for i, v := range x {
		c[i] -= float64(v)
	}
	s := norm(c)
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		clear(dst)
		return
	}
	s = norm0 / s
	for i, v := range c {
		dst[i] = float32(v * s)
	}
}

func norm(v []float64) float64 {
	var s float64
	for _, a := range v {
		s += a * a
	}
	return math.Sqrt(s)
}
