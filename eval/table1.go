package eval

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// table1Batch is the batch size of the network's timed inference (the paper's 64).
const table1Batch = 64

// table1Stream is the PCG stream of Table 1's examples: not one of the training streams
// (1: initial weights, 2: batches), so that the examples are fresh for the network.
const table1Stream = 3

// Table1Options are the settings of one Table 1 evaluation.
type Table1Options struct {
	Examples  int           // examples drawn (seeded) for every row
	Seed      uint64        // the examples' seed
	MaxIters  int           // iteration limit per example of the iterative rows
	TimeLimit time.Duration // time limit per example of the iterative rows (0: none)
	// GDStep is η of the gradient-descent row. If it is 0, 1e-2 is used.
	GDStep float64
	LBFGS  bool // add the L-BFGS row
	// NoGD leaves out the gradient-descent row, the slowest: the paper check compares the
	// network with the iterated solver only.
	NoGD bool
	// Progress, if set, is called before each example of each solver row (solver is the
	// row's name, row its index among the solvers rows) and once after its last example
	// (example = examples), from the goroutine that called Table1, so that a long
	// evaluation (table1 ran 201 s in silence) can show how far it is.
	Progress func(solver string, row, solvers, example, examples int)
}

// UnsuitableError says why Table1 cannot evaluate a problem.
type UnsuitableError struct {
	Reason string // "has no x_l1 metric (…)", "has no \"sip\" update (…)"
}

func (e *UnsuitableError) Error() string { return "eval: the problem " + e.Reason }

// Table1Row is one method's row: how long it takes to reach the network's MAE.
type Table1Row struct {
	Name    string
	Iters   float64       // mean iterations over the examples that reached the target
	Time    time.Duration // mean time per example over the examples that reached it (network: per example)
	Reached int           // examples that reached their target
	N       int
	MAE     float64 // mean MAE at the stop, over all examples
	Limit   int     // the iteration limit
	Short   int     // examples not reached that stopped before the limit (failed, diverged, converged elsewhere, time)
	Done    float64 // mean iterations done by the examples not reached
	Network bool
}

// Table1Result is a whole evaluation.
type Table1Result struct {
	Options Table1Options // with defaults applied
	Rows    []Table1Row   // the network first, then the iterative solvers
	// Trivial counts the examples where the network's MAE is no better than x = 0's
	// (every solver would "reach" it at iteration 0); the solver rows leave them out.
	Trivial int
}

// Table1 is the paper's Table 1 for a trained network: it draws o.Examples examples of p
// (seed o.Seed, PCG stream 3, which training never uses) and reports the network's
// inference time per example (predict on batches of 64) and its x MAE (problems.MAE, the
// metric x_l1); then, for iterative solvers run on each example from x = 0 with problems.Solve, the
// iterations and time (SolveResult.StepTime) until that example's MAE is at most the
// network's MAE on the same example, averaged over the examples that get there, and how
// many do. The solvers: the problem's "sip" update iterated (x ← x + Δx), gradient descent
// with the fixed step o.GDStep unless o.NoGD, and with o.LBFGS L-BFGS. Progress lines go to log.
//
// predict must return the network's prediction for a batch of observations, a fresh
// tensor. Table1 refuses, with an *UnsuitableError, problems without an x_l1 metric or a
// "sip" update.
func Table1(p problems.Problem, predict func(y *core.Tensor) *core.Tensor, o Table1Options, log io.Writer) (*Table1Result, error) {
	if !slices.Contains(p.MetricNames(), "x_l1") {
		return nil, &UnsuitableError{fmt.Sprintf("has no x_l1 metric (metrics: %v); Table 1 compares the MAE of x", p.MetricNames())}
	}
	if !slices.Contains(p.Updates(), "sip") {
		return nil, &UnsuitableError{fmt.Sprintf("has no \"sip\" update (updates: %v); Table 1's iterative solver iterates it", p.Updates())}
	}
	if o.GDStep == 0 {
		o.GDStep = 1e-2
	}
	xs, y := p.Sample(rand.New(rand.NewPCG(o.Seed, table1Stream)), o.Examples)
	res := &Table1Result{Options: o}
	net, target := networkRow(xs, y, predict, o.Examples)
	res.Rows = append(res.Rows, net)
	trivial := make([]bool, o.Examples)
	for b := range o.Examples {
		if problems.MAE(core.New(example(xs, b).Shape...), example(xs, b)) <= target[b] {
			res.Trivial++
			trivial[b] = true
		}
	}
	type solver struct {
		name string
		m    problems.SolverMethod
		step float64 // SolveSettings.StepSize
	}
	solvers := []solver{{"iterative solver: sip update, x ← x + Δx", problems.SIPIteration, 1}}
	if !o.NoGD {
		solvers = append(solvers, solver{fmt.Sprintf("gradient descent, x ← x − %g·∂L/∂x", o.GDStep), problems.GradientDescent, o.GDStep})
	}
	if o.LBFGS {
		solvers = append(solvers, solver{"L-BFGS (problems.Solve)", problems.LBFGS, 0})
	}
	for i, s := range solvers {
		tick := func(int) {}
		if o.Progress != nil {
			tick = func(b int) { o.Progress(s.name, i, len(solvers), b, o.Examples) }
		}
		row := solverRow(p, s.m, s.step, xs, y, target, trivial, o, tick)
		row.Name = s.name
		fmt.Fprintf(log, "table1: %s: %d of %d examples reached the network's MAE\n", s.name, row.Reached, row.N)
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// solverRow runs the solver m (step size step) from x = 0 on every example b of (xs, y)
// that is not trivial, until its MAE is at most target[b] or a limit of o.
// tick is called with each example's index before it, and with o.Examples after the last.
func solverRow(p problems.Problem, m problems.SolverMethod, step float64, xs, y *core.Tensor, target []float64, trivial []bool, o Table1Options, tick func(b int)) Table1Row {
	row := Table1Row{Limit: o.MaxIters}
	var iters float64
	var el time.Duration
	for b := range o.Examples {
		tick(b)
		if trivial[b] {
			continue
		}
		row.N++
		xt := example(xs, b)
		last := math.Inf(1)
		r := problems.Solve(p, m, core.New(xt.Shape...), example(y, b), problems.SolveSettings{
			MaxIterations: o.MaxIters, TimeLimit: o.TimeLimit, StepSize: step, Update: "sip",
			Stop: func(_ int, x *core.Tensor, _ float64) bool {
				last = problems.MAE(x, xt)
				return last <= target[b]
			}})
		row.MAE += last
		switch {
		case r.Status == problems.Converged && last <= target[b]:
			row.Reached++
			iters += float64(r.Iterations)
			el += r.StepTime
		case r.Iterations < o.MaxIters:
			row.Short++
			fallthrough
		default:
			row.Done += float64(r.Iterations)
		}
	}
	tick(o.Examples)
	if n := row.N - row.Reached; n > 0 {
		row.Done /= float64(n)
	}
	row.MAE /= float64(max(row.N, 1))
	if row.Reached > 0 {
		row.Iters = iters / float64(row.Reached)
		row.Time = el / time.Duration(row.Reached)
	}
	return row
}

// networkRow times predict over the examples' observations y in batches of table1Batch
// (after a warm-up, at least 3 repetitions and 0.5 s) and returns the network's row and
// its MAE on each example, the solvers' targets.
func networkRow(xs, y *core.Tensor, predict func(y *core.Tensor) *core.Tensor, n int) (Table1Row, []float64) {
	pred := core.New(xs.Shape...)
	infer := func() {
		for lo := 0; lo < n; lo += table1Batch {
			hi := min(lo+table1Batch, n)
			yb := core.FromData(y.Data[lo*y.ExampleLen():hi*y.ExampleLen()], append([]int{hi - lo}, y.Shape[1:]...)...)
			copy(pred.Data[lo*xs.ExampleLen():], predict(yb).Data)
		}
	}
	infer() // warm-up; also the predictions
	reps, start := 0, time.Now()
	for reps < 3 || time.Since(start) < 500*time.Millisecond {
		infer()
		reps++
	}
	perEx := time.Since(start) / time.Duration(reps*n)
	target := make([]float64, n)
	var mean float64
	for b := range n {
		target[b] = problems.MAE(example(pred, b), example(xs, b))
		mean += target[b]
	}
	return Table1Row{Name: fmt.Sprintf("network (batches of %d)", table1Batch), Time: perEx, N: n,
		MAE: mean / float64(n), Network: true}, target
}

// example returns example b of the batch t as a batch of one, sharing t's data.
func example(t *core.Tensor, b int) *core.Tensor {
	return core.FromData(t.Example(b), append([]int{1}, t.Shape[1:]...)...)
}
