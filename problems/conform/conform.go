// Package conform checks that a problems.Problem keeps the contract the trainer relies on:
// the shapes of every method's results, a sample that one seed determines, a Forward that
// is deterministic and batch-independent, Gradient against central differences of Loss,
// the dot-product test of Gradient as Jᵀ against Forward's Jacobian, updates and metrics
// of the right sizes, all finite. `sipbench conform` runs it on a registered preset's
// problem or on a problem process (--problem-cmd), and a package's tests can run it on
// its own problem (examples/arm does).
//
// A check that panics (a problem process that dies, a shape a method refuses) fails with
// the panic's message; the other checks still run.
package conform

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// Result is one check's outcome.
type Result struct {
	Check   string // its name: "shapes", "sample-determinism", "gradient", "adjoint", …
	OK      bool
	Skipped bool   // not applicable (then OK is true)
	Detail  string // what was measured, or what failed
}

// Batch is the batch the checks sample.
const Batch = 4

// Seed is the seed of the checks' batch.
const Seed = 20221128

// Run runs every check on p and returns their results in order.
func Run(p problems.Problem) []Result {
	c := &checker{p: p}
	c.run("describe", c.describe)
	c.run("shapes", c.shapes)
	if c.x == nil { // no batch: the other checks cannot run
		return c.out
	}
	c.run("sample-determinism", c.sampleDeterminism)
	c.run("forward-determinism", c.forwardDeterminism)
	c.run("batch-independence", c.batchIndependence)
	c.run("gradient", c.gradient)
	c.run("adjoint", c.adjoint)
	c.run("updates", c.updates)
	c.run("metrics", c.metrics)
	return c.out
}

// Failed returns the names of the checks that failed.
func Failed(rs []Result) []string {
	var names []string
	for _, r := range rs {
		if !r.OK {
			names = append(names, r.Check)
		}
	}
	return names
}

// Print writes one line per check: "ok", "FAIL" or "skip", its name and detail.
func Print(w io.Writer, rs []Result) {
	for _, r := range rs {
		mark := "ok  "
		switch {
		case r.Skipped:
			mark = "skip"
		case !r.OK:
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %-20s %s\n", mark, r.Check, r.Detail)
	}
}

type checker struct {
	p    problems.Problem
	out  []Result
	x, y *core.Tensor // the batch: the ground truth and the observation
}

// skip is returned (as a panic value through run) by a check that does not apply.
type skip string

func (c *checker) run(name string, check func() string) {
	r := Result{Check: name, OK: true}
	func() {
		defer func() {
			if rec := recover(); rec != nil {
				if s, ok := rec.(skip); ok {
					r.Skipped, r.Detail = true, string(s)
					return
				}
				r.OK, r.Detail = false, oneLine(fmt.Sprint(rec))
			}
		}()
		r.Detail = check()
	}()
	c.out = append(c.out, r)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func fail(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (c *checker) describe() string {
	xs, ys := c.p.XShape(), c.p.YShape()
	for _, s := range [][]int{xs, ys} {
		if len(s) == 0 || slices.ContainsFunc(s, func(n int) bool { return n <= 0 }) {
			fail("shapes x %v, y %v: want at least one positive size each", xs, ys)
		}
	}
	ms := c.p.MetricNames()
	if len(ms) == 0 || ms[0] != "x_l1" {
		fail("metrics %v: want x_l1 first", ms)
	}
	return fmt.Sprintf("x %v, y %v, updates %v, metrics %v", xs, ys, c.p.Updates(), ms)
}

func batched(shape []int) []int { return append([]int{Batch}, shape...) }

func wantShape(what string, t *core.Tensor, shape []int) {
	if t == nil {
		fail("%s: nil", what)
	}
	if !slices.Equal(t.Shape, shape) {
		fail("%s: shape %v, want %v", what, t.Shape, shape)
	}
	if !t.AllFinite() {
		fail("%s: not finite", what)
	}
}

func (c *checker) sample(seed uint64) (x, y *core.Tensor) {
	return c.p.Sample(rand.New(rand.NewPCG(seed, 2)), Batch)
}

func (c *checker) shapes() string {
	x, y := c.sample(Seed)
	wantShape("Sample's x", x, batched(c.p.XShape()))
	wantShape("Sample's y", y, batched(c.p.YShape()))
	c.x, c.y = x, y
	wantShape("Forward", c.p.Forward(y.Clone(), x), y.Shape)
	wantShape("Gradient", c.p.Gradient(nil, x, y), x.Shape)
	if l := c.p.Loss(nil, x, y); len(l) != Batch {
		fail("Loss: %d values, want %d", len(l), Batch)
	}
	return fmt.Sprintf("batch %d: x %v, y %v", Batch, x.Shape, y.Shape)
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(u, v float32) bool { return math.Float32bits(u) == math.Float32bits(v) })
}

func (c *checker) sampleDeterminism() string {
	x, y := c.sample(Seed)
	if !sameBits(x.Data, c.x.Data) || !sameBits(y.Data, c.y.Data) {
		fail("two samples from one seed differ")
	}
	x2, _ := c.sample(Seed + 1)
	if sameBits(x2.Data, c.x.Data) {
		fail("samples from two seeds are the same")
	}
	return "one seed, the same batch; another seed, another"
}

func (c *checker) forwardDeterminism() string {
	a := c.p.Forward(c.y.Clone(), c.x)
	b := c.p.Forward(c.y.Clone(), c.x)
	if !sameBits(a.Data, b.Data) {
		fail("Forward of one x twice differs")
	}
	ga, gb := c.p.Gradient(nil, c.x, c.y), c.p.Gradient(nil, c.x, c.y)
	if !sameBits(ga.Data, gb.Data) {
		fail("Gradient of one x twice differs")
	}
	return "Forward and Gradient twice: the same bits"
}

func example(t *core.Tensor, e int) *core.Tensor {
	return core.FromData(slices.Clone(t.Example(e)), append([]int{1}, t.Shape[1:]...)...)
}

// batchIndependence: an example's results are those it gets alone, to float32 rounding of
// the example's largest value (a problem may transform examples in pairs, as heat does,
// which changes float64 rounding) and Loss to 1e-12 relative. (The updates' own is part
// of the check "updates".)
func (c *checker) batchIndependence() string {
	e, x := Batch-1, c.predictions()
	x1, y1 := example(x, e), example(c.y, e)
	near := nearFunc(e)
	near("Forward", c.p.Forward(y1.Clone(), x1), c.p.Forward(c.y.Clone(), x).Example(e))
	near("Gradient", c.p.Gradient(nil, x1, y1), c.p.Gradient(nil, x, c.y).Example(e))
	l, l1 := c.p.Loss(nil, x, c.y), c.p.Loss(nil, x1, y1)
	if len(l1) != 1 || !(math.Abs(l1[0]-l[e]) <= 1e-12*math.Abs(l[e])) {
		fail("Loss: example %d of %d is %v, alone %v", e, Batch, l[e], l1)
	}
	return fmt.Sprintf("example %d alone equals it in the batch", e)
}

// nearFunc returns a check that got equals want, example e of a batch, to float32
// rounding of want's largest value.
func nearFunc(e int) func(op string, got *core.Tensor, want []float32) {
	return func(op string, got *core.Tensor, want []float32) {
		var scale float64
		for _, v := range want {
			scale = max(scale, math.Abs(float64(v)))
		}
		for i, v := range got.Data {
			if d := math.Abs(float64(v) - float64(want[i])); !(d <= 4*0x1p-24*scale) {
				fail("%s: example %d of %d differs from it alone at %d: %v vs %v", op, e, Batch, i, want[i], v)
			}
		}
	}
}

// direction returns a random direction of x's shape, scaled per example to h times the
// example's root mean square (h where that is 0).
func direction(rng *rand.Rand, x *core.Tensor, h float64) []float64 {
	d := make([]float64, len(x.Data))
	m := x.ExampleLen()
	for e := range x.Batch() {
		var ss float64
		for _, v := range x.Example(e) {
			ss += float64(v) * float64(v)
		}
		s := h * math.Sqrt(ss/float64(m))
		if s == 0 {
			s = h
		}
		for i := range m {
			d[e*m+i] = s * rng.NormFloat64()
		}
	}
	return d
}

// around returns x ± δ rounded to float32 and their exact difference.
func around(x *core.Tensor, delta []float64) (xp, xm *core.Tensor, d []float64) {
	xp, xm, d = x.Clone(), x.Clone(), make([]float64, len(x.Data))
	for i, v := range x.Data {
		xp.Data[i] = float32(float64(v) + delta[i])
		xm.Data[i] = float32(float64(v) - delta[i])
		d[i] = float64(xp.Data[i]) - float64(xm.Data[i])
	}
	return xp, xm, d
}

// predictions returns a point away from the ground truth (x* plus a perturbation of 10 %
// of its size), where the loss and its gradient are not zero.
func (c *checker) predictions() *core.Tensor {
	rng := rand.New(rand.NewPCG(7, 11))
	x := c.x.Clone()
	for i, v := range direction(rng, c.x, 0.1) {
		x.Data[i] = float32(float64(x.Data[i]) + v)
	}
	return x
}

// gradient compares Gradient with central differences of Loss per example along a random
// direction: L(x+δ) − L(x−δ) = ⟨∂L/∂x, d⟩, d the exact difference of the float32 points.
// It tries |δ| = 1e-4, 1e-5 and 1e-6 of x's size (a kink may spoil one) and allows 2⁻²⁴ of
// Σ|gᵢdᵢ| for the float32 gradient plus 1e-3 of it for truncation; a wrong term, factor or
// sign is off by O(1).
func (c *checker) gradient() string {
	x := c.predictions()
	g := c.p.Gradient(nil, x, c.y)
	m := x.ExampleLen()
	unit := direction(rand.New(rand.NewPCG(3, 5)), x, 1)
	worst := 0.0
	for e := range Batch {
		best, msg := math.Inf(1), ""
		for _, h := range []float64{1e-4, 1e-5, 1e-6} {
			delta := make([]float64, len(unit))
			for i, v := range unit {
				delta[i] = h * v
			}
			xp, xm, d := around(x, delta)
			lp, lm := c.p.Loss(nil, xp, c.y), c.p.Loss(nil, xm, c.y)
			var an, abs float64
			for i := e * m; i < (e+1)*m; i++ {
				an += float64(g.Data[i]) * d[i]
				abs += math.Abs(float64(g.Data[i]) * d[i])
			}
			fd := lp[e] - lm[e]
			bound := 0x1p-24*abs + 1e-3*abs + 1e-300
			if r := math.Abs(fd-an) / bound; r < best || math.IsNaN(r) && math.IsInf(best, 1) {
				best = r
				msg = fmt.Sprintf("example %d, |δ| = %g: L(x+δ) − L(x−δ) = %.8g, ⟨∂L/∂x, 2δ⟩ = %.8g", e, h, fd, an)
			}
		}
		if !(best <= 1) {
			fail("Gradient is not ∂Loss/∂x: %s", msg)
		}
		worst = math.Max(worst, best)
	}
	return fmt.Sprintf("against central differences of Loss: error/bound ≤ %.2g", worst)
}

// adjoint is the dot-product test ⟨J·d, w⟩ = ⟨d, Jᵀ·w⟩ for a least-squares problem: J·d by
// central differences of Forward, Jᵀ·w = Gradient(x, P(x) − w). It is skipped if Loss is
// not ½‖P(x) − y*‖².
func (c *checker) adjoint() string {
	x := c.predictions()
	px := c.p.Forward(c.y.Clone(), x)
	loss := c.p.Loss(nil, x, c.y)
	m, n := c.y.ExampleLen(), x.ExampleLen()
	for e := range Batch {
		var ls float64
		for i := e * m; i < (e+1)*m; i++ {
			r := float64(px.Data[i]) - float64(c.y.Data[i])
			ls += r * r / 2
		}
		if math.Abs(ls-loss[e]) > 1e-5*math.Max(ls, 1e-12) {
			panic(skip(fmt.Sprintf("Loss is not ½‖Forward(x) − y*‖² (example %d: %.6g, %.6g)", e, loss[e], ls)))
		}
	}
	rng := rand.New(rand.NewPCG(13, 17))
	xp, xm, d := around(x, direction(rng, x, 1e-3))
	fp, fm := c.p.Forward(c.y.Clone(), xp), c.p.Forward(c.y.Clone(), xm)
	w := direction(rng, px, 1)
	yw := core.New(c.y.Shape...)
	for i := range yw.Data {
		yw.Data[i] = float32(float64(px.Data[i]) - w[i])
	}
	jtw := c.p.Gradient(nil, x, yw)
	worst := 0.0
	for e := range Batch {
		var lhs, rhs, scale float64
		for i := e * m; i < (e+1)*m; i++ {
			wi := float64(px.Data[i]) - float64(yw.Data[i])
			jd := float64(fp.Data[i]) - float64(fm.Data[i])
			lhs += jd * wi
			scale += math.Abs(jd * wi)
		}
		for i := e * n; i < (e+1)*n; i++ {
			rhs += d[i] * float64(jtw.Data[i])
			scale += math.Abs(d[i] * float64(jtw.Data[i]))
		}
		bound := 1e-3*scale + 1e-300
		if r := math.Abs(lhs-rhs) / bound; !(r <= 1) {
			fail("Gradient is not Jᵀ of Forward: example %d: ⟨J·d, w⟩ = %.8g, ⟨d, Jᵀ·w⟩ = %.8g", e, lhs, rhs)
		} else {
			worst = math.Max(worst, r)
		}
	}
	return fmt.Sprintf("⟨J·d, w⟩ = ⟨d, Jᵀ·w⟩: error/bound ≤ %.2g", worst)
}

func (c *checker) updates() string {
	ups := c.p.Updates()
	if len(ups) == 0 {
		panic(skip("the problem offers no inverse update"))
	}
	x := c.predictions()
	e := Batch - 1
	x1, y1 := example(x, e), example(c.y, e)
	for _, u := range ups {
		dx := c.p.Update(nil, u, x, c.y)
		wantShape("Update "+u, dx, x.Shape)
		nearFunc(e)("Update "+u, c.p.Update(nil, u, x1, y1), dx.Example(e))
	}
	return fmt.Sprintf("%s: shape %v, finite, example %d alone as in the batch", strings.Join(ups, ", "), x.Shape, e)
}

func (c *checker) metrics() string {
	x := c.predictions()
	vs := c.p.Metrics(nil, x, c.x, c.y)
	if len(vs) != len(c.p.MetricNames()) {
		fail("Metrics: %d values for %d names", len(vs), len(c.p.MetricNames()))
	}
	for i, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			fail("Metrics: %s = %v", c.p.MetricNames()[i], v)
		}
	}
	at := c.p.Metrics(nil, c.x, c.x, c.y)
	if at[0] != 0 {
		fail("Metrics at the ground truth: x_l1 = %g, want 0", at[0])
	}
	return fmt.Sprintf("%d finite values; x_l1 = 0 at the ground truth", len(vs))
}
