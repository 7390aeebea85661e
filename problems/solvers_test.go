package problems

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/sipbench/sipbench/core"
)

// noHessian hides the Hessian of a problem, as the field problems have none.
type noHessian struct{ Problem }

func scalar(v float64) *core.Tensor { return core.FromData([]float32{float32(v)}, 1, 1) }

func pair(a, b float64) *core.Tensor { return core.FromData([]float32{float32(a), float32(b)}, 1, 2) }

func TestSolveReachesSolution(t *testing.T) {
	t.Parallel()
	rot := NewRotation(4, math.Pi/4)
	// A rotation target and the solution closest to a start 0.3 away from it in u space.
	ry := [2]float64{0.3, 0.2}
	rStar := rot.fromU([2]float64{math.Asin(0.3) + 2*math.Pi, 0.2})
	rx0 := rot.fromU([2]float64{math.Asin(0.3) + 2*math.Pi + 0.3, 0.5})
	rot1 := NewRotation(1, 0.3)
	r1Star := rot1.fromU([2]float64{math.Pi - math.Asin(-0.4), 0.7})
	r1x0 := rot1.fromU([2]float64{math.Pi - math.Asin(-0.4) - 0.25, 0.9})

	for _, tc := range []struct {
		name   string
		p      Problem
		m      SolverMethod
		x0, y  *core.Tensor
		xStar  []float64
		s      SolveSettings
		tolX   float64 // distance to x* at the end
		maxIts int
	}{
		// exp: x* = −5 from −2; the Newton steps converge quadratically.
		{"exp newton", NewExp(), Newton, scalar(-2), scalar(math.Exp(-5)), []float64{-5},
			SolveSettings{LossThreshold: 1e-20}, 1e-5, 30},
		{"exp sip newton", NewExp(), SIPIteration, scalar(-2), scalar(math.Exp(-5)), []float64{-5},
			SolveSettings{LossThreshold: 1e-20}, 1e-5, 30},
		// Clipped steps of 0.1 need at least 30 to cover the distance 3.
		{"exp sip newton-clipped", NewExp(), SIPIteration, scalar(-2), scalar(math.Exp(-5)), []float64{-5},
			SolveSettings{Update: ExpNewtonClipped, LossThreshold: 1e-20, MaxIterations: 200}, 1e-5, 60},
		// Gradient descent: curvature y*² = e⁻¹ at x* = −0.5, η = 1 contracts by 0.63 per step.
		{"exp gd", NewExp(), GradientDescent, scalar(0), scalar(math.Exp(-0.5)), []float64{-0.5},
			SolveSettings{StepSize: 1, LossThreshold: 1e-14, MaxIterations: 1000}, 1e-5, 1000},
		{"exp lbfgs", NewExp(), LBFGS, scalar(-2), scalar(math.Exp(-3)), []float64{-3},
			SolveSettings{LossThreshold: 1e-16}, 1e-4, 100},
		// rotation, ξ = 4: Newton, SIP and L-BFGS from 0.3 away in u. The float32 rounding of
		// x (|x| ≈ 2.6, half an ulp 1.2e-7) moves u₂ by up to b·1.2e-7 = 5e-6, a loss floor
		// of about 1e-11; loss 1e-10 means |δu| ≤ 1.5e-5, |δx| ≤ 1.5e-5/(a·cos u₁) ≈ 7e-6.
		{"rotation newton", rot, Newton, pair(rx0[0], rx0[1]), pair(ry[0], ry[1]), rStar[:],
			SolveSettings{LossThreshold: 1e-10}, 2e-5, 30},
		{"rotation sip", rot, SIPIteration, pair(rx0[0], rx0[1]), pair(ry[0], ry[1]), rStar[:],
			SolveSettings{LossThreshold: 1e-10}, 2e-5, 30},
		{"rotation lbfgs", rot, LBFGS, pair(rx0[0], rx0[1]), pair(ry[0], ry[1]), rStar[:],
			SolveSettings{LossThreshold: 1e-10}, 2e-5, 100},
		// rotation, ξ = 1: gradient descent with η = 1/b² = 0.01 (the curvature is ≤ a² = b²).
		{"rotation gd", rot1, GradientDescent, pair(r1x0[0], r1x0[1]), pair(-0.4, 0.7), r1Star[:],
			SolveSettings{StepSize: 0.01, LossThreshold: 1e-12, MaxIterations: 2000}, 1e-5, 2000},
		// A problem without Hessian still solves with the other methods.
		{"exp (no Hessian) lbfgs", noHessian{NewExp()}, LBFGS, scalar(-1), scalar(math.Exp(-2)), []float64{-2},
			SolveSettings{LossThreshold: 1e-16}, 1e-4, 100},
	} {
		calls := 0
		tc.s.Callback = func(iter int, x *core.Tensor, loss float64) {
			if iter != calls && tc.m != LBFGS {
				t.Errorf("%s: callback iteration %d, want %d", tc.name, iter, calls)
			}
			calls++
		}
		r := Solve(tc.p, tc.m, tc.x0, tc.y, tc.s)
		if r.Status != Converged || r.Err() != nil {
			t.Errorf("%s: status %v (%v) after %d iterations, final loss %g", tc.name, r.Status, r.Err(), r.Iterations, r.FinalLoss())
		}
		if r.Iterations > tc.maxIts {
			t.Errorf("%s: %d iterations, want ≤ %d", tc.name, r.Iterations, tc.maxIts)
		}
		if len(r.Loss) != r.Iterations+1 || r.Loss[0] != tc.p.Loss(nil, tc.x0, tc.y)[0] {
			t.Errorf("%s: %d losses for %d iterations, Loss[0] = %g", tc.name, len(r.Loss), r.Iterations, r.Loss[0])
		}
		if calls < r.Iterations {
			t.Errorf("%s: %d callbacks for %d iterations", tc.name, calls, r.Iterations)
		}
		var d float64
		for i, v := range tc.xStar {
			d = math.Max(d, math.Abs(float64(r.X.Data[i])-v))
		}
		if d > tc.tolX {
			t.Errorf("%s: x = %v, want %v (distance %g)", tc.name, r.X.Data, tc.xStar, d)
		}
		if tc.x0.Data[0] == r.X.Data[0] {
			t.Errorf("%s: x0 was modified or x did not move", tc.name)
		}
	}
}

// TestSolveNewtonMatchesExpUpdate checks the generic saddle-free Newton step (from the
// Hessian) against exp's hand-written Newton update, also where h < 0.
func TestSolveNewtonMatchesExpUpdate(t *testing.T) {
	t.Parallel()
	p := NewExp()
	for _, tc := range []struct{ x, y float64 }{{-6, 1}, {0, 0.1}, {-3, 0.04}, {1, 0.5}} {
		x0, y := scalar(tc.x), scalar(tc.y)
		var first float32
		Solve(p, Newton, x0, y, SolveSettings{MaxIterations: 1, Callback: func(it int, x *core.Tensor, _ float64) {
			if it == 1 {
				first = x.Data[0]
			}
		}})
		want := float32(tc.x) + p.Update(nil, ExpNewton, x0, y).Data[0]
		// Two float32 roundings of the step.
		if math.Abs(float64(first-want)) > 1e-6*math.Max(1, math.Abs(float64(want))) {
			t.Errorf("x=%v y=%v: Newton iterate %v, x + Update = %v", tc.x, tc.y, first, want)
		}
	}
}

func TestSolveStatuses(t *testing.T) {
	t.Parallel()
	p := NewExp()
	x0, y := scalar(-2), scalar(math.Exp(-5))

	r := Solve(p, GradientDescent, x0, y, SolveSettings{MaxIterations: 3})
	if r.Status != IterationLimit || !errors.Is(r.Err(), ErrIterationLimit) || r.Iterations != 3 || len(r.Loss) != 4 {
		t.Errorf("iteration limit: status %v, err %v, %d iterations, %d losses", r.Status, r.Err(), r.Iterations, len(r.Loss))
	}

	r = Solve(p, GradientDescent, x0, y, SolveSettings{MaxIterations: 1000, TimeLimit: time.Nanosecond})
	if r.Status != TimeLimit || !errors.Is(r.Err(), ErrTimeLimit) || r.Iterations > 1 {
		t.Errorf("time limit: status %v, err %v, %d iterations", r.Status, r.Err(), r.Iterations)
	}

	// From x0 = 2, η = 100 overshoots: x₁ = 2 − 100·(e² − y)e² < −5000, then the step
	// vanishes (e^x underflows); with η = −100 it climbs until eˣ overflows.
	r = Solve(p, GradientDescent, scalar(2), y, SolveSettings{StepSize: -100, MaxIterations: 100})
	if r.Status != Diverged || !errors.Is(r.Err(), ErrDiverged) {
		t.Errorf("divergence: status %v, err %v, x %v, losses %v", r.Status, r.Err(), r.X.Data, r.Loss)
	}

	r = Solve(p, SIPIteration, x0, y, SolveSettings{Stop: func(it int, x *core.Tensor, _ float64) bool { return it == 2 }})
	if r.Status != Converged || r.Err() != nil || r.Iterations != 2 {
		t.Errorf("stop condition: status %v, err %v, %d iterations", r.Status, r.Err(), r.Iterations)
	}

	// At the exact solution the run converges before the first step.
	xs := scalar(-5)
	// (The float32 rounding of y* leaves a loss of order (6e-8·e⁻⁵)² ≈ 1e-25.)
	r = Solve(p, Newton, xs, p.Forward(nil, xs), SolveSettings{LossThreshold: 1e-20})
	if r.Status != Converged || r.Iterations != 0 {
		t.Errorf("at the solution: status %v after %d iterations, loss %v", r.Status, r.Iterations, r.Loss)
	}

	// A fixed point of the method (h = 0: Δx = 0) ends the run as converged.
	r = Solve(p, SIPIteration, scalar(0), scalar(2), SolveSettings{})
	if r.Status != Converged || r.Iterations != 1 {
		t.Errorf("fixed point: status %v after %d iterations", r.Status, r.Iterations)
	}
}

func TestSolveMethods(t *testing.T) {
	t.Parallel()
	if got := SolverMethods(NewExp()); len(got) != 4 {
		t.Errorf("SolverMethods(Exp) = %v", got)
	}
	if got := SolverMethods(noHessian{NewExp()}); len(got) != 3 || got[1] != LBFGS {
		t.Errorf("SolverMethods(no Hessian) = %v", got)
	}
	for _, m := range []SolverMethod{GradientDescent, Newton, LBFGS, SIPIteration} {
		if got, err := ParseSolverMethod(m.String()); err != nil || got != m {
			t.Errorf("ParseSolverMethod(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseSolverMethod("adam"); err == nil {
		t.Error("ParseSolverMethod(adam) gave no error")
	}
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"newton without Hessian", func() { Solve(noHessian{NewExp()}, Newton, scalar(0), scalar(1), SolveSettings{}) }},
		{"batch 2", func() { Solve(NewExp(), LBFGS, core.New(2, 1), core.New(2, 1), SolveSettings{}) }},
		{"unknown update", func() { Solve(NewExp(), SIPIteration, scalar(0), scalar(0.5), SolveSettings{Update: "x"}) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
}

// TestSolveStepTime checks that StepTime leaves out the time of the stopping rules: with
// a Stop that sleeps 20 ms per call, Elapsed holds the sleeps and StepTime does not.
func TestSolveStepTime(t *testing.T) {
	p := NewExp()
	x0, y := scalar(0), scalar(2)
	for _, m := range []SolverMethod{GradientDescent, LBFGS} {
		r := Solve(p, m, x0, y, SolveSettings{MaxIterations: 3, Stop: func(int, *core.Tensor, float64) bool {
			time.Sleep(20 * time.Millisecond)
			return false
		}})
		calls := time.Duration(r.Iterations+1) * 20 * time.Millisecond
		if r.Elapsed < calls || r.StepTime < 0 || r.StepTime > r.Elapsed-calls {
			t.Errorf("%v: Elapsed %v, StepTime %v, %d iterations; want Elapsed ≥ %v and StepTime ≤ Elapsed − that",
				m, r.Elapsed, r.StepTime, r.Iterations, calls)
		}
	}
}
