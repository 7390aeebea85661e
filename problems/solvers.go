package problems

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/sipbench/sipbench/core"
	"gonum.org/v1/gonum/optimize"
)

// Hessianer is implemented by problems that give the Hessian ∂²L/∂x² of every example's
// loss, which the Newton solver needs.
type Hessianer interface {
	// Hessian writes the n×n Hessian of each example's loss, n = the example length,
	// row-major and example after example (len batch·n·n), into dst (allocated when nil)
	// and returns it.
	Hessian(dst []float64, x, y *core.Tensor) []float64
}

// SolverMethod is an iterative solver for a single example (the "iterative solver" rows
// of the paper's Table 1 and the baseline a trained network has to beat).
type SolverMethod int

const (
	// GradientDescent iterates x ← x − η·∂L/∂x with the fixed step η = StepSize.
	GradientDescent SolverMethod = iota
	// Newton iterates the saddle-free Newton step x ← x − η·V·|S|⁻¹·Vᵀ·g, with
	// H = V·diag(S)·Vᵀ the problem's Hessian (eigen-directions with S = 0 are left
	// alone). Using |S| keeps every step downhill where H is indefinite; where H is
	// positive definite it is Newton's step. It needs a Problem that is a Hessianer.
	Newton
	// LBFGS runs gonum's limited-memory BFGS (memory 10) with its default (bisection) line search
	// on Loss and Gradient.
	LBFGS
	// SIPIteration iterates the problem's scale-invariant inverse update on its own,
	// x ← x + η·Δx with Δx = p.Update(SolveSettings.Update, x, y).
	SIPIteration
)

var solverNames = [...]string{"gd", "newton", "lbfgs", "sip"}

// String returns "gd", "newton", "lbfgs" or "sip".
func (m SolverMethod) String() string {
	if m < 0 || int(m) >= len(solverNames) {
		return fmt.Sprintf("SolverMethod(%d)", int(m))
	}
	return solverNames[m]
}

// ParseSolverMethod returns the method whose String is name.
func ParseSolverMethod(name string) (SolverMethod, error) {
	for i, n := range solverNames {
		if n == name {
			return SolverMethod(i), nil
		}
	}
	return 0, fmt.Errorf("problems: unknown solver %q, want one of %v", name, solverNames)
}

// SolverMethods returns the methods Solve accepts for p: all but Newton unless p is a
// Hessianer.
func SolverMethods(p Problem) []SolverMethod {
	if _, ok := p.(Hessianer); ok {
		return []SolverMethod{GradientDescent, Newton, LBFGS, SIPIteration}
	}
	return []SolverMethod{GradientDescent, LBFGS, SIPIteration}
}

// SolveStatus says why Solve stopped.
type SolveStatus int

const (
	// NotTerminated is the zero value; Solve never returns it.
	NotTerminated SolveStatus = iota
	// Converged: the loss reached LossThreshold, the Stop condition held, the step
	// vanished (a fixed point of the method), or L-BFGS reported convergence.
	Converged
	// IterationLimit: MaxIterations iterations were done.
	IterationLimit
	// TimeLimit: the run took longer than TimeLimit.
	TimeLimit
	// Diverged: the loss or the iterate became NaN or infinite.
	Diverged
	// Failed: the method could not continue (the L-BFGS line search found no decrease,
	// typically at the float32 resolution of the loss).
	Failed
)

var solveStatusNames = [...]string{"not terminated", "converged", "iteration limit", "time limit", "diverged", "failed"}

// String returns a lowercase description of s.
func (s SolveStatus) String() string {
	if s < 0 || int(s) >= len(solveStatusNames) {
		return fmt.Sprintf("SolveStatus(%d)", int(s))
	}
	return solveStatusNames[s]
}

// Errors of SolveResult.Err for the early stops.
var (
	ErrIterationLimit = errors.New("problems: solver reached the iteration limit")
	ErrTimeLimit      = errors.New("problems: solver reached the time limit")
	ErrDiverged       = errors.New("problems: solver diverged")
	ErrSolverFailed   = errors.New("problems: solver failed")
)

// SolveSettings configures Solve. The zero value is usable.
type SolveSettings struct {
	// MaxIterations bounds the number of iterations (for L-BFGS, major iterations).
	// If it is 0, 100 is used.
	MaxIterations int

	// TimeLimit bounds the run time, checked after every iteration. If it is 0, there is
	// no limit.
	TimeLimit time.Duration

	// StepSize is η: the learning rate of GradientDescent (if 0, 1e-2 is used) and the
	// factor on the Newton and SIP steps (if 0, 1 is used). L-BFGS ignores it.
	StepSize float64

	// Update names the problem's update that SIPIteration iterates. If it is "", the
	// problem's default (Updates()[0]) is used.
	Update string

	// LossThreshold: the run has converged when the loss is at most LossThreshold.
	// If it is 0, only an exactly zero loss converges this way.
	LossThreshold float64

	// Stop, if not nil, is called after every iteration (and before the first, with
	// iteration 0 and x0); returning true ends the run with status Converged. Use it for
	// stop conditions the loss cannot express, such as an error against a known x*.
	Stop func(iter int, x *core.Tensor, loss float64) bool

	// Callback, if not nil, is called after every iteration with the iterate (and before
	// the first, with iteration 0 and x0). x is owned by Solve and must not be kept or
	// modified.
	Callback func(iter int, x *core.Tensor, loss float64)
}

// SolveResult is the outcome of Solve.
type SolveResult struct {
	// X is the final iterate, shape [1]+XShape (for L-BFGS the best point found).
	X *core.Tensor
	// Loss holds the loss of every iterate: Loss[0] at x0, Loss[k] after iteration k.
	Loss []float64
	// Iterations is the number of iterations done, len(Loss) − 1.
	Iterations int
	// Elapsed is the run time.
	Elapsed time.Duration
	// StepTime is the part of Elapsed spent in the method itself: Elapsed without the
	// evaluations of the loss for the stopping rules and without Stop and Callback. It is
	// what a comparison of solvers' speed should time.
	StepTime time.Duration
	// Status says why the run stopped.
	Status SolveStatus

	err error
}

// Err returns nil if the run converged, and otherwise an error saying why it stopped
// early (ErrIterationLimit, ErrTimeLimit, ErrDiverged, or an error wrapping
// ErrSolverFailed).
func (r *SolveResult) Err() error { return r.err }

// FinalLoss returns the loss of X, the last entry of Loss.
func (r *SolveResult) FinalLoss() float64 { return r.Loss[len(r.Loss)-1] }

// Solve solves the single inverse problem P(x) = y for x, starting from x0, with the
// method m. x0 and y are batches of one example, shapes [1]+XShape and [1]+YShape; they
// are not modified. It works for any Problem; Newton needs a Hessianer.
//
// Solve panics on a batch other than 1, mismatched shapes, an unknown method, Newton on a
// problem that is no Hessianer, or an update name the problem does not offer. Solve is
// synchronous; it uses p and so is as safe for concurrent use as p is.
func Solve(p Problem, m SolverMethod, x0, y *core.Tensor, s SolveSettings) SolveResult {
	if b := mustPair("Solve", x0, y, p.XShape(), p.YShape()); b != 1 {
		panic(fmt.Sprintf("problems: Solve: batch %d, want 1 (x0 %v, y %v)", b, x0.Shape, y.Shape))
	}
	if s.MaxIterations == 0 {
		s.MaxIterations = 100
	}
	switch m {
	case GradientDescent:
		if s.StepSize == 0 {
			s.StepSize = 1e-2
		}
		return solveSteps(p, x0, y, s, func(dst, x *core.Tensor) { p.Gradient(dst, x, y); scaleTensor(dst, -s.StepSize) })
	case Newton:
		h, ok := p.(Hessianer)
		if !ok {
			panic(fmt.Sprintf("problems: Solve: Newton needs a Hessianer, %T is none", p))
		}
		if s.StepSize == 0 {
			s.StepSize = 1
		}
		n := x0.ExampleLen()
		ns := &newtonStep{n: n, h: make([]float64, n*n), g: core.New(x0.Shape...)}
		return solveSteps(p, x0, y, s, func(dst, x *core.Tensor) {
			ns.step(dst, p, h, x, y)
			scaleTensor(dst, s.StepSize)
		})
	case LBFGS:
		return solveLBFGS(p, x0, y, s)
	case SIPIteration:
		name := s.Update
		if name == "" {
			name = p.Updates()[0]
		}
		if s.StepSize == 0 {
			s.StepSize = 1
		}
		return solveSteps(p, x0, y, s, func(dst, x *core.Tensor) {
			p.Update(dst, name, x, y)
			if s.StepSize != 1 {
				scaleTensor(dst, s.StepSize)
			}
		})
	}
	panic(fmt.Sprintf("problems: Solve: unknown method %v", m))
}

func scaleTensor(t *core.Tensor, f float64) {
	for i, v := range t.Data {
		t.Data[i] = float32(f * float64(v))
	}
}

// solveState tracks one run's history and decides when it ends.
type solveState struct {
	s     SolveSettings
	start time.Time
	res   SolveResult
	loss  []float64
	// observing is the time spent in observe: the stopping rules' loss, Stop, Callback.
	observing time.Duration
}

// observe records the loss of iterate iter and returns the status that ends the run, or
// NotTerminated.
func (st *solveState) observe(p Problem, x, y *core.Tensor, iter int) SolveStatus {
	t0 := time.Now()
	defer func() { st.observing += time.Since(t0) }()
	l := p.Loss(st.loss, x, y)[0]
	st.res.Loss = append(st.res.Loss, l)
	st.res.Iterations = iter
	if st.s.Callback != nil {
		st.s.Callback(iter, x, l)
	}
	switch {
	case math.IsNaN(l) || math.IsInf(l, 0) || !x.AllFinite():
		return Diverged
	case l <= st.s.LossThreshold:
		return Converged
	case st.s.Stop != nil && st.s.Stop(iter, x, l):
		return Converged
	case iter >= st.s.MaxIterations:
		return IterationLimit
	case st.s.TimeLimit > 0 && time.Since(st.start) > st.s.TimeLimit:
		return TimeLimit
	}
	return NotTerminated
}

func (st *solveState) finish(x *core.Tensor, status SolveStatus, err error) SolveResult {
	st.res.X = x
	st.res.Status = status
	st.res.Elapsed = time.Since(st.start)
	st.res.StepTime = max(0, st.res.Elapsed-st.observing)
	switch status {
	case IterationLimit:
		err = ErrIterationLimit
	case TimeLimit:
		err = ErrTimeLimit
	case Diverged:
		err = ErrDiverged
	case Failed:
		if err == nil {
			err = ErrSolverFailed
		} else {
			err = fmt.Errorf("%w: %w", ErrSolverFailed, err)
		}
	case Converged:
		err = nil
	}
	st.res.err = err
	return st.res
}

// solveSteps iterates x ← x + step(x) until a stopping rule holds. A zero step is a fixed
// point and ends the run as Converged.
func solveSteps(p Problem, x0, y *core.Tensor, s SolveSettings, step func(dst, x *core.Tensor)) SolveResult {
	st := &solveState{s: s, start: time.Now(), loss: make([]float64, 1)}
	x := x0.Clone()
	dx := core.New(x0.Shape...)
	if status := st.observe(p, x, y, 0); status != NotTerminated {
		return st.finish(x, status, nil)
	}
	for iter := 1; ; iter++ {
		step(dx, x)
		moved := false
		for i, v := range dx.Data {
			old := x.Data[i]
			x.Data[i] += v
			moved = moved || x.Data[i] != old
		}
		status := st.observe(p, x, y, iter)
		if status == NotTerminated && !moved {
			status = Converged
		}
		if status != NotTerminated {
			return st.finish(x, status, nil)
		}
	}
}

// newtonStep holds the scratch space of the saddle-free Newton step.
type newtonStep struct {
	n   int
	h   []float64
	g   *core.Tensor
	eig mat.EigenSym
}

// step writes −V·|S|⁻¹·Vᵀ·g into dst.
func (ns *newtonStep) step(dst *core.Tensor, p Problem, hp Hessianer, x, y *core.Tensor) {
	n := ns.n
	hp.Hessian(ns.h, x, y)
	p.Gradient(ns.g, x, y)
	dst.Zero()
	if n == 1 {
		if h := ns.h[0]; h != 0 {
			dst.Data[0] = float32(-float64(ns.g.Data[0]) / math.Abs(h))
		}
		return
	}
	sym := mat.NewSymDense(n, ns.h) // H is symmetric; the upper triangle is used.
	if !ns.eig.Factorize(sym, true) {
		panic("problems: Solve: Newton: eigen-decomposition of the Hessian failed")
	}
	S := ns.eig.Values(nil)
	var V mat.Dense
	ns.eig.VectorsTo(&V)
	out := make([]float64, n)
	for k, lam := range S {
		if lam == 0 {
			continue
		}
		var ge float64
		for i := range n {
			ge += V.At(i, k) * float64(ns.g.Data[i])
		}
		c := -ge / math.Abs(lam)
		for i := range n {
			out[i] += c * V.At(i, k)
		}
	}
	for i, v := range out {
		dst.Data[i] = float32(v)
	}
}

// lbfgsMemory is the number of stored pairs of L-BFGS.
const lbfgsMemory = 10

// errStopRun ends gonum's Minimize from the recorder when a stopping rule of Solve holds.
var errStopRun = errors.New("problems: lbfgs: stop")

// solveLBFGS runs gonum's limited-memory BFGS (optimize.LBFGS, memory 10, its default
// bisection line search) through optimize.Minimize. The iterate is kept in float64 by
// gonum and evaluated at its float32 rounding; Solve's stopping rules are checked after
// every major iteration, which gonum reports to a recorder.
func solveLBFGS(p Problem, x0, y *core.Tensor, s SolveSettings) SolveResult {
	st := &solveState{s: s, start: time.Now(), loss: make([]float64, 1)}
	x := x0.Clone()
	if status := st.observe(p, x, y, 0); status != NotTerminated {
		return st.finish(x, status, nil)
	}
	xe := x0.Clone() // the point gonum evaluates
	gt := core.New(x0.Shape...)
	lossBuf := make([]float64, 1)
	set := func(dst *core.Tensor, v []float64) {
		for i, f := range v {
			dst.Data[i] = float32(f)
		}
	}
	prob := optimize.Problem{
		Func: func(v []float64) float64 {
			set(xe, v)
			return p.Loss(lossBuf, xe, y)[0]
		},
		Grad: func(grad, v []float64) {
			set(xe, v)
			p.Gradient(gt, xe, y)
			for i, f := range gt.Data {
				grad[i] = float64(f)
			}
		},
	}
	rec := &lbfgsRecorder{}
	status := NotTerminated
	rec.record = func(loc *optimize.Location) error {
		rec.iter++
		set(x, loc.X)
		if status = st.observe(p, x, y, rec.iter); status != NotTerminated {
			return errStopRun
		}
		return nil
	}
	init := make([]float64, len(x0.Data))
	for i, v := range x0.Data {
		init[i] = float64(v)
	}
	settings := &optimize.Settings{
		Converger:         optimize.NeverTerminate{}, // Solve's own rules decide
		GradientThreshold: 1e-300,
		Recorder:          rec,
	}
	_, err := optimize.Minimize(prob, init, settings, &optimize.LBFGS{Store: lbfgsMemory})
	if status != NotTerminated {
		return st.finish(x, status, nil)
	}
	if err != nil {
		return st.finish(x, Failed, err)
	}
	return st.finish(x, Converged, nil) // gonum found a zero gradient
}

// lbfgsRecorder passes gonum's major iterations to a function; returning an error ends
// the run.
type lbfgsRecorder struct {
	iter   int
	record func(loc *optimize.Location) error
}

func (r *lbfgsRecorder) Init() error { return nil }

func (r *lbfgsRecorder) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op == optimize.MajorIteration {
		return r.record(loc)
	}
	return nil
}
