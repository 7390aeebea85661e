package eval

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/problems/fluid"
)

// TestTable1Rows runs Table1 on a fluid problem (16×16) with a network that predicts half
// the true velocity of Table 1's examples: the iterated SIP update reaches that MAE on
// every example within a few iterations (its first update supplies the translation), and
// the rows' numbers are consistent.
func TestTable1Rows(t *testing.T) {
	p := fluid.NewFluid(16)
	o := Table1Options{Examples: 3, Seed: 5, MaxIters: 10, GDStep: 20}
	xs, _ := p.Sample(rand.New(rand.NewPCG(o.Seed, table1Stream)), o.Examples)
	half := func(y *core.Tensor) *core.Tensor {
		out := core.New(append([]int{y.Batch()}, p.XShape()...)...)
		for i := range out.Data {
			out.Data[i] = 0.5 * xs.Data[i%len(xs.Data)]
		}
		return out
	}
	r, err := Table1(p, half, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	zero := problems.MAE(core.New(xs.Shape...), xs)
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
	// NoGD leaves the gradient-descent row out and the others as they were; Progress
	// counts each row's examples in order, then says the row is done.
	o.NoGD = true
	var calls []string
	o.Progress = func(solver string, row, rows, b, n int) {
		calls = append(calls, fmt.Sprintf("%s %d/%d %d/%d", strings.Fields(solver)[0], row, rows, b, n))
	}
	r2, err := Table1(p, half, o, io.Discard)
	if want := "iterative 0/1 0/3,iterative 0/1 1/3,iterative 0/1 2/3,iterative 0/1 3/3"; strings.Join(calls, ",") != want {
		t.Errorf("progress calls %q; want %q", calls, want)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.Rows) != 2 || r2.Rows[1].Iters != sip.Iters || r2.Rows[1].Reached != sip.Reached {
		t.Errorf("NoGD: rows %+v; want the network's and the same sip row", r2.Rows)
	}
}

// TestTable1Refuses checks the problems Table 1 cannot evaluate: exp has no "sip" update.
func TestTable1Refuses(t *testing.T) {
	_, err := Table1(problems.NewExp(), func(y *core.Tensor) *core.Tensor { return y.Clone() }, Table1Options{Examples: 2, MaxIters: 1}, io.Discard)
	ue, ok := err.(*UnsuitableError)
	if !ok || !strings.Contains(ue.Reason, `has no "sip" update`) {
		t.Errorf("Table1(exp): %v; want an UnsuitableError about the sip update", err)
	}
}
