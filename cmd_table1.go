package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/runner"
)

const table1Usage = "sipbench table1 DIR [--job sip-seed0] [--examples 64] [--max-iters 200] [--time-limit 60s] " +
	"[--gd-lr η] [--lbfgs] [--seed S] [--threads T]"

// table1Batch is the batch size of the network's timed inference (the paper's 64).
const table1Batch = 64

// table1Stream is the PCG stream of table1's examples: not one of the training streams
// (1: initial weights, 2: batches), so the examples are fresh for the network.
const table1Stream = 3

// defaultGDStep is the fixed step of the gradient-descent row per preset, where one was
// chosen by measurement (see table1Options.GDStep); other presets use 1e-2, Solve's
// default.
var defaultGDStep = map[string]float64{
	"fluid": 20, // see cmdTable1's doc
}

// table1Options are the settings of one Table 1 evaluation.
type table1Options struct {
	Examples  int           // examples drawn (seeded) for every row
	Seed      uint64        // the examples' seed
	MaxIters  int           // iteration limit per example of the iterative rows
	TimeLimit time.Duration // time limit per example of the iterative rows (0: none)
	GDStep    float64       // η of the gradient-descent row
	LBFGS     bool          // add the L-BFGS row
	Threads   int           // goroutines of the network's ops
}

// table1Row is one method's row: how long it takes to reach the network's MAE.
type table1Row struct {
	Name    string
	Iters   float64       // mean iterations over the examples that reached the target
	Time    time.Duration // mean time per example over the examples that reached it (network: per example)
	Reached int           // examples that reached their target
	N       int
	MAE     float64 // mean MAE at the stop, over all examples
	Limit   int     // the iteration limit
	Short   int     // examples not reached that stopped before the limit (failed, diverged, time)
	Done    float64 // mean iterations done by the examples not reached
	Network bool
}

// table1Result is a whole evaluation.
type table1Result struct {
	Model *runner.Model
	Opt   table1Options
	Rows  []table1Row
	// Trivial counts the examples where the network's MAE is no better than x = 0's
	// (every solver would "reach" it at iteration 0); the solver rows leave them out.
	Trivial int
}

// cmdTable1 is `sipbench table1`: the paper's Table 1 for a trained network. It loads the
// job's network from its checkpoint, draws a fixed batch of examples (seed --seed, a
// stream of its own), and reports the network's inference time per example (batches of
// 64, evaluation mode) and its x MAE (x_l1), then, for the iterative solvers run on each
// example from x = 0, the iterations and time until that example's MAE is at most the
// network's MAE on the same example, averaged over the examples that get there, and how
// many do. The solvers: the problem's "sip" update iterated (x ← x + Δx), plain gradient
// descent with a fixed step (x ← x − η·∂L/∂x), and with --lbfgs problems.Solve's L-BFGS.
// Times are wall-clock on this machine; MAE evaluations are not counted.
//
// The gradient-descent step for fluid, η = 20: of η = 5, 10, 20, 40, 80 at n = 32 (4
// examples, 150 iterations from x = 0), 20 lowered the loss most (109 → 9.8) and the x
// MAE most (9.84 → 9.43, which gradient descent hardly moves); 80 diverged.
func cmdTable1(args []string) error {
	fs := newFlags("table1", table1Usage)
	job := fs.String("job", "sip-seed0", "the job whose trained network is evaluated")
	examples := fs.Int("examples", 64, "examples drawn (seeded) for every row")
	maxIters := fs.Int("max-iters", 200, "iteration limit per example of the iterative solvers")
	timeLimit := fs.Duration("time-limit", 60*time.Second, "time limit per example and solver (0: none)")
	gdLR := fs.Float64("gd-lr", 0, "fixed step of gradient descent (default: 20 for fluid, else 0.01)")
	lbfgs := fs.Bool("lbfgs", false, "add an L-BFGS row (problems.Solve's, from x = 0)")
	seed := fs.Uint64("seed", 0, "seed of the examples")
	threads := fs.Int("threads", 1, "goroutines of the network's inference")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: "+table1Usage, "table1 takes one run folder, got %d arguments", len(pos))
	}
	switch {
	case *examples < 1:
		return usagef("", "--examples must be ≥ 1")
	case *maxIters < 1:
		return usagef("", "--max-iters must be ≥ 1")
	case *timeLimit < 0:
		return usagef("", "--time-limit must be ≥ 0")
	case *gdLR < 0 || math.IsNaN(*gdLR) || math.IsInf(*gdLR, 0):
		return usagef("", "--gd-lr must be a positive number")
	case *threads < 1:
		return usagef("", "--threads must be ≥ 1")
	}
	m, err := runner.LoadModel(pos[0], *job)
	if err != nil {
		return err
	}
	o := table1Options{Examples: *examples, Seed: *seed, MaxIters: *maxIters, TimeLimit: *timeLimit,
		GDStep: *gdLR, LBFGS: *lbfgs, Threads: *threads}
	if o.GDStep == 0 {
		o.GDStep = 1e-2
		if s, ok := defaultGDStep[m.Spec.Preset.Name]; ok {
			o.GDStep = s
		}
	}
	res, err := table1(m, o, os.Stderr)
	if err != nil {
		return err
	}
	printTable1(os.Stdout, pos[0], res)
	if err := runner.WriteTable1(pos[0], res.record()); err != nil {
		return fmt.Errorf("table1: %v", err)
	}
	return nil
}

// record returns the result as written to the run folder (runner.Table1File), for
// `sipbench plot --kind table1`.
func (r *table1Result) record() runner.Table1Result {
	out := runner.Table1Result{Job: r.Model.Job.ID, Step: r.Model.Step, Examples: r.Opt.Examples, Seed: r.Opt.Seed,
		MaxIters: r.Opt.MaxIters, Trivial: r.Trivial}
	for _, row := range r.Rows {
		out.Rows = append(out.Rows, runner.Table1Row{Name: row.Name, Network: row.Network, Iters: row.Iters,
			Seconds: row.Time.Seconds(), Reached: row.Reached, N: row.N, MAE: row.MAE, Limit: row.Limit})
	}
	return out
}

// table1 evaluates the model; progress lines go to log. It refuses problems without an
// x_l1 metric or a "sip" update.
func table1(m *runner.Model, o table1Options, log io.Writer) (*table1Result, error) {
	p := m.Spec.NewProblem()
	name := m.Spec.Preset.Name
	if !slices.Contains(p.MetricNames(), "x_l1") {
		return nil, fmt.Errorf("table1: %s has no x_l1 metric (metrics: %v); Table 1 compares the MAE of x", name, p.MetricNames())
	}
	if !slices.Contains(p.Updates(), "sip") {
		return nil, fmt.Errorf("table1: %s has no \"sip\" update (updates: %v); Table 1's iterative solver iterates it", name, p.Updates())
	}
	rng := rand.New(rand.NewPCG(o.Seed, table1Stream))
	xs, y := p.Sample(rng, o.Examples)
	res := &table1Result{Model: m, Opt: o}

	// The network: predictions and the time of inference in batches of 64.
	pred := core.New(xs.Shape...)
	infer := func() {
		for lo := 0; lo < o.Examples; lo += table1Batch {
			hi := min(lo+table1Batch, o.Examples)
			yb := core.FromData(y.Data[lo*y.ExampleLen():hi*y.ExampleLen()], append([]int{hi - lo}, y.Shape[1:]...)...)
			out := m.Predict(p, yb, o.Threads)
			copy(pred.Data[lo*xs.ExampleLen():], out.Data)
		}
	}
	infer() // warm-up; also the predictions
	reps, start := 0, time.Now()
	for reps < 3 || time.Since(start) < 500*time.Millisecond {
		infer()
		reps++
	}
	perEx := time.Since(start) / time.Duration(reps*o.Examples)
	target := make([]float64, o.Examples)
	trivial := make([]bool, o.Examples)
	var netMAE float64
	for b := range o.Examples {
		target[b] = mae(pred.Example(b), xs.Example(b))
		netMAE += target[b]
		if mae(make([]float32, xs.ExampleLen()), xs.Example(b)) <= target[b] {
			res.Trivial++
			trivial[b] = true
		}
	}
	netMAE /= float64(o.Examples)
	res.Rows = append(res.Rows, table1Row{Name: fmt.Sprintf("network (batches of %d)", table1Batch), Time: perEx,
		N: o.Examples, MAE: netMAE, Network: true})

	type solver struct {
		name string
		run  func(x0, y1, xt *core.Tensor, target float64) (int, time.Duration, float64, bool)
	}
	solvers := []solver{
		{"iterative solver: sip update, x ← x + Δx", func(x0, y1, xt *core.Tensor, tg float64) (int, time.Duration, float64, bool) {
			dx := core.New(x0.Shape...)
			return iterate(x0, xt, tg, o, func(x *core.Tensor) {
				p.Update(dx, "sip", x, y1)
				for i, v := range dx.Data {
					x.Data[i] += v
				}
			})
		}},
		{fmt.Sprintf("gradient descent, x ← x − %g·∂L/∂x", o.GDStep), func(x0, y1, xt *core.Tensor, tg float64) (int, time.Duration, float64, bool) {
			g := core.New(x0.Shape...)
			return iterate(x0, xt, tg, o, func(x *core.Tensor) {
				p.Gradient(g, x, y1)
				for i, v := range g.Data {
					x.Data[i] -= float32(o.GDStep * float64(v))
				}
			})
		}},
	}
	if o.LBFGS {
		solvers = append(solvers, solver{"L-BFGS (problems.Solve)", func(x0, y1, xt *core.Tensor, tg float64) (int, time.Duration, float64, bool) {
			var inStop time.Duration
			last := math.Inf(1)
			r := problems.Solve(p, problems.LBFGS, x0, y1, problems.SolveSettings{MaxIterations: o.MaxIters, TimeLimit: o.TimeLimit,
				Stop: func(_ int, x *core.Tensor, _ float64) bool {
					t0 := time.Now()
					last = mae(x.Data, xt.Data)
					inStop += time.Since(t0)
					return last <= tg
				}})
			return r.Iterations, r.Elapsed - inStop, last, r.Status == problems.Converged && last <= tg
		}})
	}
	for _, s := range solvers {
		row := table1Row{Name: s.name, N: o.Examples - res.Trivial, Limit: o.MaxIters}
		var iters float64
		var el time.Duration
		for b := range o.Examples {
			if trivial[b] {
				continue
			}
			x0 := core.New(append([]int{1}, xs.Shape[1:]...)...)
			y1 := core.FromData(y.Example(b), append([]int{1}, y.Shape[1:]...)...)
			xt := core.FromData(xs.Example(b), x0.Shape...)
			it, d, e, ok := s.run(x0, y1, xt, target[b])
			row.MAE += e
			switch {
			case ok:
				row.Reached++
				iters += float64(it)
				el += d
			case it < o.MaxIters:
				row.Short++
				fallthrough
			default:
				row.Done += float64(it)
			}
		}
		if n := row.N - row.Reached; n > 0 {
			row.Done /= float64(n)
		}
		row.MAE /= float64(max(row.N, 1))
		if row.Reached > 0 {
			row.Iters = iters / float64(row.Reached)
			row.Time = el / time.Duration(row.Reached)
		}
		fmt.Fprintf(log, "table1: %s: %d of %d examples reached the network's MAE\n", s.name, row.Reached, row.N)
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

// iterate runs step on a copy of x0 until its MAE against xt is at most target, the
// iteration or time limit, or a non-finite iterate; it returns the iterations, the time
// spent in step, the final MAE and whether the target was reached.
func iterate(x0, xt *core.Tensor, target float64, o table1Options, step func(x *core.Tensor)) (int, time.Duration, float64, bool) {
	x := x0.Clone()
	e := mae(x.Data, xt.Data)
	var el time.Duration
	for it := 0; ; it++ {
		if e <= target {
			return it, el, e, true
		}
		if it == o.MaxIters || (o.TimeLimit > 0 && el > o.TimeLimit) || math.IsNaN(e) || math.IsInf(e, 0) {
			return it, el, e, false
		}
		t0 := time.Now()
		step(x)
		el += time.Since(t0)
		e = mae(x.Data, xt.Data)
	}
}

// mae is x_l1 of one example: mean |x − x*| over its elements.
func mae(x, xt []float32) float64 {
	var s float64
	for i, v := range x {
		s += math.Abs(float64(v) - float64(xt[i]))
	}
	return s / float64(len(x))
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.3g µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3g s", d.Seconds())
}

func printTable1(w io.Writer, dir string, r *table1Result) {
	m, o := r.Model, r.Opt
	extra := ""
	if g, ok := m.Spec.Values["grid"]; ok {
		extra = ", grid " + g
	}
	fmt.Fprintf(w, "%s: Table 1 for %s (%s scale%s), job %s at step %d\n", dir, m.Spec.Preset.Name, m.Spec.Scale, extra, m.Job.ID, m.Step)
	fmt.Fprintf(w, "%d examples (seed %d); solvers from x = 0, per example until its x MAE ≤ the network's on it "+
		"(limits %d iterations, %v); times per example on this machine, network on %d thread(s)\n",
		o.Examples, o.Seed, o.MaxIters, o.TimeLimit, o.Threads)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tITERATIONS\tTIME/EXAMPLE\tx MAE\tREACHED")
	for _, row := range r.Rows {
		if row.Network {
			fmt.Fprintf(tw, "%s\t-\t%s\t%.4g\t-\n", row.Name, fmtDuration(row.Time), row.MAE)
			continue
		}
		it, tm := "-", "-"
		if row.Reached > 0 {
			it, tm = fmt.Sprintf("%.1f", row.Iters), fmtDuration(row.Time)
		}
		reached := fmt.Sprintf("%d/%d", row.Reached, row.N)
		if row.Reached == 0 && row.N > 0 {
			reached = fmt.Sprintf("not reached in %d", row.Limit)
		}
		if row.Short > 0 {
			reached += fmt.Sprintf(" (%d stopped early: %.1f iterations on average)", row.Short, row.Done)
		}
		e := "-"
		if row.N > 0 {
			e = fmt.Sprintf("%.4g", row.MAE)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row.Name, it, tm, e, reached)
	}
	tw.Flush()
	fmt.Fprintln(w, "ITERATIONS and TIME: means over the examples that reached the network's MAE; x MAE: mean at the stop")
	if r.Trivial > 0 {
		fmt.Fprintf(w, "left out of the solver rows: %d of %d examples on which the network is no better than x = 0\n", r.Trivial, o.Examples)
	}
	if m.Spec.Preset.Name == "fluid" {
		fmt.Fprintln(w, "paper (64×64, GPU, batches of 64): network 0.11 ms after 17.6 h of training (15.6k steps); "+
			"sip iterated 2.2 s (7 iterations); gradient descent > 4 h (not reached in 20k)")
	}
}
