package cli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"text/tabwriter"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/eval"
	"github.com/sipbench/sipbench/summary"
)

const table1Usage = "sipbench table1 DIR [--job sip-seed0] [--examples 64] [--max-iters 200] [--time-limit 60s] " +
	"[--gd-lr η] [--lbfgs] [--seed S] [--threads T]"

// cmdTable1 is `sipbench table1`: the paper's Table 1 (eval.Table1) for the network of a
// job, loaded from its checkpoint, on --threads threads.
func cmdTable1(args []string) error {
	fs := cmdline.NewFlags("table1", table1Usage)
	job := fs.String("job", "sip-seed0", "the job whose trained network is evaluated")
	examples := fs.Int("examples", 64, "examples drawn (seeded) for every row")
	maxIters := fs.Int("max-iters", 200, "iteration limit per example of the iterative solvers")
	timeLimit := fs.Duration("time-limit", 60*time.Second, "time limit per example and solver (0: none)")
	gdLR := fs.Float64("gd-lr", 0, "fixed step of gradient descent (default: the preset's, 20 for fluid, else 0.01)")
	lbfgs := fs.Bool("lbfgs", false, "add an L-BFGS row (problems.Solve's, from x = 0)")
	seed := fs.Uint64("seed", 0, "seed of the examples")
	threads := fs.Int("threads", 1, "goroutines of the network's inference")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmdline.Usagef("usage: "+table1Usage, "table1 takes one run folder, got %d arguments", len(pos))
	}
	switch {
	case *examples < 1:
		return cmdline.Usagef("", "--examples must be ≥ 1")
	case *maxIters < 1:
		return cmdline.Usagef("", "--max-iters must be ≥ 1")
	case *timeLimit < 0:
		return cmdline.Usagef("", "--time-limit must be ≥ 0")
	case *gdLR < 0 || math.IsNaN(*gdLR) || math.IsInf(*gdLR, 0):
		return cmdline.Usagef("", "--gd-lr must be a positive number")
	case *threads < 1:
		return cmdline.Usagef("", "--threads must be ≥ 1")
	}
	m, err := summary.LoadModel(pos[0], *job)
	if err != nil {
		return err
	}
	o := eval.Table1Options{Examples: *examples, Seed: *seed, MaxIters: *maxIters, TimeLimit: *timeLimit,
		GDStep: *gdLR, LBFGS: *lbfgs}
	if o.GDStep == 0 {
		o.GDStep = m.Spec.Preset.Table1GDStep
	}
	p := m.Spec.NewProblem()
	meter := cmdline.NewMeter(os.Stderr)
	o.Progress = func(solver string, row, rows, b, n int) {
		frac := (float64(row) + float64(b)/float64(n)) / float64(rows)
		meter.Maybe(frac, fmt.Sprintf("table1: row %d of %d, %s: example %d of %d", row+1, rows, solver, b, n))
	}
	res, err := eval.Table1(p, m.Predictor(p, *threads), o, meter.Above(os.Stderr))
	meter.Clear()
	if ue, ok := errors.AsType[*eval.UnsuitableError](err); ok {
		return fmt.Errorf("table1: %s %s", m.Spec.Preset.Name, ue.Reason)
	}
	if err != nil {
		return err
	}
	printTable1(os.Stdout, pos[0], m, *threads, res)
	if err := summary.WriteTable1(pos[0], summary.NewTable1Result(m, res)); err != nil {
		return fmt.Errorf("table1: %v", err)
	}
	return nil
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

func printTable1(w io.Writer, dir string, m *summary.Model, threads int, r *eval.Table1Result) {
	o := r.Options
	extra := ""
	if g, ok := m.Spec.Values()["grid"]; ok {
		extra = ", grid " + g
	}
	fmt.Fprintf(w, "%s: Table 1 for %s (%s scale%s), job %s at step %d\n", dir, m.Spec.Preset.Name, m.Spec.Scale, extra, m.Job.ID, m.Step)
	fmt.Fprintf(w, "%d examples (seed %d); solvers from x = 0, per example until its x MAE ≤ the network's on it "+
		"(limits %d iterations, %v); times per example on this machine, network on %d thread(s)\n",
		o.Examples, o.Seed, o.MaxIters, o.TimeLimit, threads)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tITERATIONS\tTIME/EXAMPLE\tx MAE\tREACHED")
	for _, row := range r.Rows {
		fmt.Fprintln(tw, table1Line(row))
	}
	tw.Flush()
	fmt.Fprintln(w, "ITERATIONS and TIME: means over the examples that reached the network's MAE; x MAE: mean at the stop")
	if r.Trivial > 0 {
		fmt.Fprintf(w, "left out of the solver rows: %d of %d examples on which the network is no better than x = 0\n", r.Trivial, o.Examples)
	}
	if note := m.Spec.Preset.Table1Paper; note != "" {
		fmt.Fprintln(w, note)
	}
}

// table1Line is one row of the table, tab-separated.
func table1Line(row eval.Table1Row) string {
	if row.Network {
		return fmt.Sprintf("%s\t-\t%s\t%.4g\t-", row.Name, fmtDuration(row.Time), row.MAE)
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
	return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", row.Name, it, tm, e, reached)
}
