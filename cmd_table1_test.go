package main

import (
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/runner"
)

// TestTable1 trains a tiny fluid run (16×16, batch 2, 2 steps) and checks that table1
// prints the network row and the iterative rows, with L-BFGS on request; then that it
// works for poisson and refuses exp (no "sip" update).
func TestTable1(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fl")
	code, _, stderr := capture(t, "run", "fluid", "--headless", "--steps", "2", "--set", "grid=16", "--set", "batch=2",
		"--methods", "sip", "--out", dir, "--print-every", "1h")
	if code != 0 {
		t.Fatalf("run: exit %d; %s", code, stderr)
	}
	code, out, stderr := capture(t, "table1", dir, "--examples", "2", "--max-iters", "3", "--lbfgs")
	if code != 0 {
		t.Fatalf("table1: exit %d; %s", code, stderr)
	}
	for _, want := range []string{"Table 1 for fluid (quick scale, grid 16), job sip-seed0 at step 2",
		"network (batches of 64)", "iterative solver: sip update", "gradient descent, x ← x − 20·∂L/∂x", "L-BFGS", "paper (64×64"} {
		if !strings.Contains(out, want) {
			t.Errorf("table1 output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 9 {
		t.Errorf("table1: %d lines; want 2 header lines, the column names, 4 rows and 2 notes:\n%s", len(lines), out)
	}
	// The result stays in the folder, and plot draws it by default.
	code, out, stderr = capture(t, "plot", dir)
	if want := filepath.Join(dir, "figures", "table1.png"); code != 0 || !strings.Contains(out, want) {
		t.Errorf("plot after table1: exit %d, %q, %q; want %s among the figures", code, out, stderr, want)
	}

	pdir := filepath.Join(t.TempDir(), "po")
	if code, _, stderr := capture(t, "run", "poisson", "--headless", "--steps", "2", "--set", "grid=16", "--set", "batch=2",
		"--methods", "sip", "--out", pdir, "--print-every", "1h"); code != 0 {
		t.Fatalf("run poisson: exit %d; %s", code, stderr)
	}
	if code, out, stderr := capture(t, "table1", pdir, "--examples", "3", "--max-iters", "2"); code != 0 ||
		!strings.Contains(out, "gradient descent, x ← x − 0.01·∂L/∂x") {
		t.Errorf("table1 poisson: exit %d, %s\n%s", code, stderr, out)
	}

	edir := filepath.Join(t.TempDir(), "ex")
	if code, _, stderr := capture(t, "run", "exp", "--headless", "--steps", "2", "--methods", "adam", "--out", edir, "--print-every", "1h"); code != 0 {
		t.Fatalf("run exp: exit %d; %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"table1", edir, "--job", "adam-seed0"}, 1, `exp has no "sip" update`},
		{[]string{"table1", dir, "--job", "gd-seed0"}, 1, `no job "gd-seed0"`},
		{[]string{"table1"}, 2, "table1 takes one run folder"},
		{[]string{"table1", dir, "--examples", "0"}, 2, "--examples must be ≥ 1"},
		{[]string{"table1", dir, "--gd-lr", "-1"}, 2, "--gd-lr must be a positive number"},
		{[]string{"table1", dir, "--nope"}, 2, "flag provided but not defined"},
	} {
		code, _, stderr := capture(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, stderr, c.code, c.want)
		}
	}
}

// halfTruth is a stand-in network that predicts ½x* of table1's examples, whatever its
// input: a prediction with a known MAE for the solver rows to reach.
type halfTruth struct{ x *core.Tensor }

func (h halfTruth) Forward(y *core.Var) *core.Var {
	out := core.New(y.Value.Shape...)
	for i := range out.Data {
		out.Data[i] = 0.5 * h.x.Data[i%len(h.x.Data)]
	}
	return y.Tape().Const(out)
}
func (halfTruth) Params() []*core.Param   { return nil }
func (halfTruth) Buffers() []*core.Tensor { return nil }

// TestTable1Rows runs table1 on a fluid problem (16×16) with a network that predicts half
// the true velocity: the iterated SIP update reaches that MAE on every example within a
// few iterations (its first update supplies the translation), and the rows' numbers are
// consistent.
func TestTable1Rows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fl")
	if code, _, stderr := capture(t, "run", "fluid", "--headless", "--steps", "1", "--set", "grid=16", "--set", "batch=2",
		"--methods", "sip", "--out", dir, "--print-every", "1h"); code != 0 {
		t.Fatalf("run: exit %d; %s", code, stderr)
	}
	m, err := runner.LoadModel(dir, "sip-seed0")
	if err != nil {
		t.Fatal(err)
	}
	o := table1Options{Examples: 3, Seed: 5, MaxIters: 10, GDStep: 20, Threads: 1}
	xs, _ := m.Spec.NewProblem().Sample(rand.New(rand.NewPCG(o.Seed, table1Stream)), o.Examples)
	m.Net = halfTruth{xs}
	r, err := table1(m, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var zero float64
	for b := range o.Examples {
		zero += mae(make([]float32, xs.ExampleLen()), xs.Example(b)) / float64(o.Examples)
	}
	if net := r.Rows[0]; !net.Network || math.Abs(net.MAE-zero/2) > 1e-4*zero || net.Time <= 0 {
		t.Errorf("network row %+v; want MAE %g (half of x = 0's)", net, zero/2)
	}
	sip := r.Rows[1]
	if r.Trivial != 0 || sip.N != 3 || sip.Reached != 3 || sip.Iters < 1 || sip.Iters > 5 || sip.MAE > zero/2 || sip.Time <= 0 {
		t.Errorf("sip row %+v (trivial %d); want 3/3 reached within 1 to 5 iterations", sip, r.Trivial)
	}
	if gd := r.Rows[2]; gd.N != 3 || gd.Limit != 10 || gd.Reached == 3 && gd.Iters < 1 {
		t.Errorf("gd row %+v", gd)
	}
}
