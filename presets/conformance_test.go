package presets_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/problems/fluid"
	"github.com/sipbench/sipbench/problems/oscillators"
)

// The conformance test holds every registered problem to the contract of
// problems.Problem, so a new problem gets these checks by being registered in a preset.
// It lives here, not in package problems, because it enumerates the presets.
//
// The fast tier checks each problem at its preset's default scale on the smallest grid the
// preset accepts; the acceptance tier (SIPBENCH_ACCEPTANCE=1) at every scale as it is.

// deviation records where a problem departs from the plain case of the contract: a smooth
// least-squares loss ½‖P(x) − y*‖² with P a function of x alone.
type deviation struct {
	// notLeastSquares: the adjoint (dot-product) test through Gradient(x, P(x) − w) =
	// J_Pᵀ·w does not apply, nor does Hessian-free's Gauss–Newton product.
	notLeastSquares bool
	// forwardReadsDst: P reads part of the observation from Forward's dst, which must
	// then be a copy of y; Forward(nil, x) panics.
	forwardReadsDst bool
	// kinks: the loss is only piecewise smooth, so finite differences may straddle a kink.
	kinks bool
	// curved: the loss's third derivatives are so large that the gradient check's central
	// difference at |δ| = 1e-4 of x's size reaches its bound on truncation alone; it
	// steps 1e-5 instead (the truncation, O(|δ|²), 100 times smaller).
	curved bool
}

func deviationOf(p problems.Problem) deviation {
	switch p.(type) {
	case *fluid.Fluid:
		// The loss is a weighted L1 norm of the marker's spectrum with a floor per
		// frequency, P starts from the observation's marker m₀, and MacCormack's
		// advection clamps to the neighbours' range. Its own tests check the adjoints
		// in float64, with steps too small to straddle a kink
		// (problems/fluid/adjoint_test.go).
		return deviation{notLeastSquares: true, forwardReadsDst: true, kinks: true}
	case *oscillators.Oscillators:
		// The loss is the original's ‖P − y*‖² (no ½), and P starts from the observation,
		// the initial state. Its own tests check the RK4 adjoint and J_Pᵀ·w against
		// finite differences in float64 (problems/oscillators/oscillators_test.go).
		// 96 RK4 steps of a cubic force: at |δ| = 1e-4 the truncation met the bound
		// (measured 1.0×, one example in six).
		return deviation{notLeastSquares: true, forwardReadsDst: true, curved: true}
	}
	return deviation{}
}

// acceptanceTier reports whether the slow tier was asked for (see README, "Tests").
func acceptanceTier() bool { return os.Getenv("SIPBENCH_ACCEPTANCE") != "" }

func TestProblemConformance(t *testing.T) {
	t.Parallel()
	for _, p := range presets.All() {
		if p.IsSolver() {
			continue // no Problem: Figure 1's solvers are tested in problems/trajectories_test.go
		}
		// The fast tier: the default scale on the smallest grid the preset accepts.
		scales, sets := p.ScaleNames()[:1], []string(nil)
		for _, k := range p.Keys() {
			if k.Name == "grid" {
				sets = append(sets, fmt.Sprintf("grid=%d", int(k.Min)))
			}
		}
		if acceptanceTier() {
			scales, sets = p.ScaleNames(), nil
		}
		for _, scale := range scales {
			t.Run(p.Name+"/"+scale, func(t *testing.T) {
				t.Parallel()
				s, err := p.Resolve(scale, trainableMethods(p, scale, sets), sets)
				if err != nil {
					t.Fatal(err)
				}
				prob := s.NewProblem()
				dev := deviationOf(prob)
				for _, m := range s.Methods {
					if m.Optimizer == "hf" && (dev.notLeastSquares || dev.forwardReadsDst) {
						t.Errorf("method %s: Hessian-free's Gauss–Newton products need a least-squares loss and Forward(nil, x)", m.Name)
					}
				}
				checkProblem(t, prob)
			})
		}
	}
}

// conformanceBatch is odd, so that problems that pair examples (heat's two real FFTs in one
// complex one) meet an unpaired one.
const conformanceBatch = 3

// probe is one problem with a batch to check it on: the ground truth xTrue, its
// observation y, and a prediction x (the ground truth of other examples); and the results
// on them into nil destinations, which the checks compare against.
type probe struct {
	prob        problems.Problem
	dev         deviation
	x, xTrue, y *core.Tensor

	fwd, grad *core.Tensor
	loss      []float64
	upd       map[string]*core.Tensor
}

func checkProblem(t *testing.T, prob problems.Problem) {
	rng := rand.New(rand.NewPCG(7, 11))
	b := conformanceBatch
	xTrue, y := prob.Sample(rng, b)
	x, _ := prob.Sample(rng, b)
	c := &probe{prob: prob, dev: deviationOf(prob), x: x, xTrue: xTrue, y: y, upd: map[string]*core.Tensor{}}
	if c.dev.forwardReadsDst {
		c.fwd = c.callForward(t, y.Clone(), x)
	} else {
		c.fwd = c.callForward(t, nil, x)
	}
	c.loss = c.callLoss(t, nil, x, y)
	c.grad = c.callGradient(t, nil, x, y)
	for _, name := range prob.Updates() {
		c.upd[name] = c.callUpdate(t, nil, name, x, y)
	}
	t.Run("sample", c.checkSample)
	t.Run("metrics", c.checkMetrics)
	t.Run("destinations", c.checkDestinations)
	t.Run("batch", c.checkBatchIndependence)
	t.Run("panics", c.checkPanics)
	t.Run("gradient", c.checkGradient)
	if !c.dev.notLeastSquares {
		t.Run("adjoint", c.checkAdjoint)
	}
}

// call runs fn, the op's call on inputs, and fails if it changed any input.
func call[T any](t *testing.T, op string, fn func() T, inputs ...*core.Tensor) T {
	t.Helper()
	before := make([][]float32, len(inputs))
	for i, in := range inputs {
		before[i] = slices.Clone(in.Data)
	}
	out := fn()
	for i, in := range inputs {
		if !sameBits(before[i], in.Data) {
			t.Errorf("%s modified its input %d", op, i)
		}
	}
	return out
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(u, v float32) bool { return math.Float32bits(u) == math.Float32bits(v) })
}

func sameBits64(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(u, v float64) bool { return math.Float64bits(u) == math.Float64bits(v) })
}

func nanTensor(shape []int) *core.Tensor {
	d := core.New(shape...)
	d.Fill(float32(math.NaN()))
	return d
}

func nanSlice(n int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = math.NaN()
	}
	return d
}

func withBatch(b int, example []int) []int { return append([]int{b}, example...) }

// forwardDst returns a destination for Forward(dst, x) against observation y: NaN
// everywhere, or y's copy for a problem whose Forward reads the observation from dst.
func (c *probe) forwardDst(y *core.Tensor) *core.Tensor {
	if c.dev.forwardReadsDst {
		return y.Clone()
	}
	return nanTensor(y.Shape)
}

func (c *probe) callForward(t *testing.T, dst, x *core.Tensor) *core.Tensor {
	t.Helper()
	return call(t, "Forward", func() *core.Tensor { return c.prob.Forward(dst, x) }, x)
}

func (c *probe) callLoss(t *testing.T, dst []float64, x, y *core.Tensor) []float64 {
	t.Helper()
	return call(t, "Loss", func() []float64 { return c.prob.Loss(dst, x, y) }, x, y)
}

func (c *probe) callGradient(t *testing.T, dst, x, y *core.Tensor) *core.Tensor {
	t.Helper()
	return call(t, "Gradient", func() *core.Tensor { return c.prob.Gradient(dst, x, y) }, x, y)
}

func (c *probe) callUpdate(t *testing.T, dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	t.Helper()
	return call(t, "Update "+name, func() *core.Tensor { return c.prob.Update(dst, name, x, y) }, x, y)
}

func (c *probe) callMetrics(t *testing.T, dst []float64, x, xTrue, y *core.Tensor) []float64 {
	t.Helper()
	return call(t, "Metrics", func() []float64 { return c.prob.Metrics(dst, x, xTrue, y) }, x, xTrue, y)
}

// checkSample: shapes, finite values, and the same draws from the same seed.
func (c *probe) checkSample(t *testing.T) {
	b := conformanceBatch
	if !core.SameShape(c.xTrue.Shape, withBatch(b, c.prob.XShape())) || !core.SameShape(c.y.Shape, withBatch(b, c.prob.YShape())) {
		t.Fatalf("Sample(%d) shapes %v, %v; want [%d]+XShape %v, [%d]+YShape %v",
			b, c.xTrue.Shape, c.y.Shape, b, c.prob.XShape(), b, c.prob.YShape())
	}
	if !c.xTrue.AllFinite() || !c.y.AllFinite() {
		t.Errorf("Sample draws non-finite values")
	}
	x2, y2 := c.prob.Sample(rand.New(rand.NewPCG(7, 11)), b)
	if !sameBits(x2.Data, c.xTrue.Data) || !sameBits(y2.Data, c.y.Data) {
		t.Errorf("Sample differs between two generators with the same seed")
	}
}

// checkMetrics: one value per name, x_l1 first and the mean absolute error.
func (c *probe) checkMetrics(t *testing.T) {
	names := c.prob.MetricNames()
	m := c.callMetrics(t, nil, c.x, c.xTrue, c.y)
	if len(m) != len(names) {
		t.Fatalf("Metrics returns %d values for %d names %v", len(m), len(names), names)
	}
	if len(names) == 0 || names[0] != "x_l1" {
		t.Errorf("MetricNames %v; want x_l1 first", names)
	}
	for i, n := range names {
		if n == "" || slices.Index(names, n) != i {
			t.Errorf("MetricNames %v: empty or repeated name %q", names, n)
		}
		if math.IsNaN(m[i]) || math.IsInf(m[i], 0) {
			t.Errorf("metric %s = %v", n, m[i])
		}
	}
	var mae float64
	for i, v := range c.x.Data {
		mae += math.Abs(float64(v) - float64(c.xTrue.Data[i]))
	}
	mae /= float64(len(c.x.Data))
	// Float64 sums of the same float32 differences, in a different order: 1e-12 relative.
	if math.Abs(m[0]-mae) > 1e-12*mae {
		t.Errorf("x_l1 = %v; the mean |x − x*| is %v", m[0], mae)
	}
	if m := c.callMetrics(t, nil, c.xTrue, c.xTrue, c.y); m[0] != 0 {
		t.Errorf("x_l1 of the ground truth = %v; want 0", m[0])
	}
}

// checkDestinations: every op gives the same bits into a nil and into a given destination
// (pre-filled with NaN), returns the given one, and panics on a destination of the wrong
// shape, naming the op.
func (c *probe) checkDestinations(t *testing.T) {
	b, x, y := conformanceBatch, c.x, c.y
	xs, ys := withBatch(b, c.prob.XShape()), withBatch(b, c.prob.YShape())

	if c.dev.forwardReadsDst {
		mustPanic(t, "Forward", func() { c.prob.Forward(nil, x) })
	}
	if !core.SameShape(c.fwd.Shape, ys) {
		t.Errorf("Forward has shape %v; want %v", c.fwd.Shape, ys)
	}
	dst := c.forwardDst(y)
	sameTensor(t, "Forward", c.callForward(t, dst, x), dst, c.fwd)
	mustPanic(t, "Forward", func() { c.prob.Forward(nanTensor(withBatch(b+1, c.prob.YShape())), x) })

	if len(c.loss) != b {
		t.Errorf("Loss(nil) has %d values for a batch of %d", len(c.loss), b)
	}
	dl := nanSlice(b)
	if got := c.callLoss(t, dl, x, y); &got[0] != &dl[0] || !sameBits64(got, c.loss) {
		t.Errorf("Loss(dst) = %v (into dst: %v); Loss(nil) = %v", got, &got[0] == &dl[0], c.loss)
	}
	mustPanic(t, "Loss", func() { c.prob.Loss(nanSlice(b+1), x, y) })

	if !core.SameShape(c.grad.Shape, xs) {
		t.Errorf("Gradient(nil) has shape %v; want %v", c.grad.Shape, xs)
	}
	dg := nanTensor(xs)
	sameTensor(t, "Gradient", c.callGradient(t, dg, x, y), dg, c.grad)
	mustPanic(t, "Gradient", func() { c.prob.Gradient(nanTensor(withBatch(b+1, c.prob.XShape())), x, y) })

	for _, name := range c.prob.Updates() {
		want := c.upd[name]
		if !core.SameShape(want.Shape, xs) {
			t.Errorf("Update %s (nil) has shape %v; want %v", name, want.Shape, xs)
		}
		if !want.AllFinite() {
			t.Errorf("Update %s is not finite", name)
		}
		d := nanTensor(xs)
		sameTensor(t, "Update "+name, c.callUpdate(t, d, name, x, y), d, want)
		mustPanic(t, "Update", func() { c.prob.Update(nanTensor(withBatch(b+1, c.prob.XShape())), name, x, y) })
	}

	n := len(c.prob.MetricNames())
	want := c.callMetrics(t, nil, x, c.xTrue, y)
	dm := nanSlice(n)
	if got := c.callMetrics(t, dm, x, c.xTrue, y); &got[0] != &dm[0] || !sameBits64(got, want) {
		t.Errorf("Metrics(dst) = %v (into dst: %v); Metrics(nil) = %v", got, &got[0] == &dm[0], want)
	}
	mustPanic(t, "Metrics", func() { c.prob.Metrics(nanSlice(n+1), x, c.xTrue, y) })
}

// sameTensor checks that got is dst and holds want's bits.
func sameTensor(t *testing.T, op string, got, dst, want *core.Tensor) {
	t.Helper()
	if got != dst {
		t.Errorf("%s(dst) does not return dst", op)
	}
	if !core.SameShape(got.Shape, want.Shape) || !sameBits(got.Data, want.Data) {
		t.Errorf("%s: into a given destination differs from into nil", op)
	}
}

// mustPanic checks that fn panics with a message that names op (not, say, an index out
// of range deep inside).
func mustPanic(t *testing.T, op string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", op)
			return
		}
		if _, ok := r.(runtime.Error); ok || !strings.Contains(fmt.Sprint(r), op) {
			t.Errorf("%s: panic %q does not name the op", op, fmt.Sprint(r))
		}
	}()
	fn()
}

// checkPanics: a batch of x and y that disagree, a malformed x, and an unknown update.
func (c *probe) checkPanics(t *testing.T) {
	b, x, y, xTrue := conformanceBatch, c.x, c.y, c.xTrue
	short := func(v *core.Tensor) *core.Tensor { // the first b−1 examples
		return core.FromData(slices.Clone(v.Data[:(b-1)*v.ExampleLen()]), withBatch(b-1, v.Shape[1:])...)
	}
	flat := core.FromData(slices.Clone(x.Data), len(x.Data)) // no example shape
	mustPanic(t, "Forward", func() { c.prob.Forward(c.forwardDst(short(y)), x) })
	mustPanic(t, "Forward", func() { c.prob.Forward(c.forwardDst(y), flat) })
	mustPanic(t, "Loss", func() { c.prob.Loss(nil, x, short(y)) })
	mustPanic(t, "Loss", func() { c.prob.Loss(nil, flat, y) })
	mustPanic(t, "Gradient", func() { c.prob.Gradient(nil, x, short(y)) })
	mustPanic(t, "Gradient", func() { c.prob.Gradient(nil, flat, y) })
	for _, name := range c.prob.Updates() {
		mustPanic(t, "Update", func() { c.prob.Update(nil, name, short(x), y) })
	}
	mustPanic(t, "Update", func() { c.prob.Update(nil, "no-such-update", x, y) })
	mustPanic(t, "Metrics", func() { c.prob.Metrics(nil, x, xTrue, short(y)) })
	mustPanic(t, "Metrics", func() { c.prob.Metrics(nil, x, short(xTrue), y) })
}

// checkBatchIndependence: an example's result is the one it gets alone. The example
// checked is the second, which heat transforms as the imaginary part of a pair in the
// batch and alone as a real field: that changes float64 rounding, so results agree to
// float32 rounding of the example's largest value, not bit for bit.
func (c *probe) checkBatchIndependence(t *testing.T) {
	const e = 1
	b := conformanceBatch
	one := func(v *core.Tensor) *core.Tensor {
		return core.FromData(slices.Clone(v.Example(e)), withBatch(1, v.Shape[1:])...)
	}
	close := func(op string, got, want []float32) {
		t.Helper()
		var scale float64
		for _, v := range want {
			scale = max(scale, math.Abs(float64(v)))
		}
		for i := range got {
			// Two float32 roundings of values up to scale, 2·2⁻²⁴·scale, and as much
			// again for the float64 work before them.
			if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= 4*0x1p-24*scale) {
				t.Errorf("%s: example %d of %d differs from it alone at %d: %v vs %v", op, e, b, i, got[i], want[i])
				return
			}
		}
	}
	x1, y1 := one(c.x), one(c.y)
	close("Forward", c.callForward(t, c.forwardDst(y1), x1).Data, c.fwd.Example(e))
	// Loss is float64: 1e-12 relative for the rounding of its float64 sums.
	if l := c.callLoss(t, nil, x1, y1)[0]; math.Abs(l-c.loss[e]) > 1e-12*math.Abs(c.loss[e]) {
		t.Errorf("Loss: example %d of %d is %v, alone %v", e, b, c.loss[e], l)
	}
	close("Gradient", c.callGradient(t, nil, x1, y1).Data, c.grad.Example(e))
	for _, name := range c.prob.Updates() {
		close("Update "+name, c.callUpdate(t, nil, name, x1, y1).Data, c.upd[name].Example(e))
	}
}

// direction returns a random direction of x's shape, scaled per example to h times the
// example's root mean square (1 where that is 0).
func direction(rng *rand.Rand, x *core.Tensor, h float64) []float64 {
	d := make([]float64, len(x.Data))
	for e := range x.Batch() {
		ex := x.Example(e)
		var ss float64
		for _, v := range ex {
			ss += float64(v) * float64(v)
		}
		s := h * math.Sqrt(ss/float64(len(ex)))
		if s == 0 {
			s = h
		}
		off := e * len(ex)
		for i := range ex {
			d[off+i] = s * rng.NormFloat64()
		}
	}
	return d
}

// around returns x ± δ rounded to float32, and their exact difference (float64).
func around(x *core.Tensor, delta []float64) (xp, xm *core.Tensor, d []float64) {
	xp, xm, d = x.Clone(), x.Clone(), make([]float64, len(x.Data))
	for i, v := range x.Data {
		xp.Data[i] = float32(float64(v) + delta[i])
		xm.Data[i] = float32(float64(v) - delta[i])
		d[i] = float64(xp.Data[i]) - float64(xm.Data[i])
	}
	return xp, xm, d
}

// checkGradient compares Gradient with central differences of Loss, per example, along a
// random direction and along the gradient itself: L(x+δ) − L(x−δ) = ⟨∂L/∂x, d⟩ with d the
// exact (float64) difference of the two float32 points, so that rounding x ± δ to float32
// costs nothing, and Loss is float64. The float32 gradient is off by at most 2⁻²⁴ per
// component, so ⟨g, d⟩ by at most 2⁻²⁴·Σ|gᵢdᵢ|; on top of that the test allows:
//
//   - smooth problems: 1e-5 of |⟨g, d⟩| for the O(|δ|²) truncation (|δ| = 1e-4 of x's
//     size) and the midpoint's float32 offset from x (measured: at most 5 % of the bound);
//   - piecewise-smooth ones: a difference that straddles a kink is off by up to the jump
//     in slope times the part of δ beyond it, whatever the gradient's accuracy (fluid at
//     16×16, |δ| = 1e-5: 0.9 % of Σ|gᵢdᵢ| in one direction, and 2e-10 in float64 at
//     |δ| = 1e-6). So each direction is tried at |δ| = 1e-5 and 1e-6 of x's size, and one
//     of them must agree to 1e-2 of Σ|gᵢdᵢ| (measured: 3.1e-4 at most, at every scale).
//
// A wrong term, factor or sign is off by O(1).
func (c *probe) checkGradient(t *testing.T) {
	steps, tol, kinked := []float64{1e-4}, 1e-5, c.dev.kinks
	if c.dev.curved {
		steps = []float64{1e-5}
	}
	if kinked {
		steps, tol = []float64{1e-5, 1e-6}, 1e-2
	}
	g := c.grad
	if !g.AllFinite() {
		t.Fatalf("Gradient is not finite")
	}
	b, m := c.x.Batch(), c.x.ExampleLen()
	rng := rand.New(rand.NewPCG(3, 5))
	random := direction(rng, c.x, 1)
	// The gradient itself, scaled per example to the size of the random direction.
	along := make([]float64, len(g.Data))
	for e := range b {
		gg, xx := sumSq(g.Example(e)), sumSq(c.x.Example(e))
		if gg == 0 {
			continue
		}
		if xx == 0 {
			xx = float64(m)
		}
		s := math.Sqrt(xx / gg)
		for i, v := range g.Example(e) {
			along[e*m+i] = s * float64(v)
		}
	}
	for _, dir := range []struct {
		name string
		unit []float64
	}{{"random", random}, {"gradient", along}} {
		// best[e] is the smallest error/bound of example e over the steps.
		best, msg := make([]float64, b), make([]string, b)
		for e := range best {
			best[e] = math.Inf(1)
		}
		for _, h := range steps {
			delta := make([]float64, len(dir.unit))
			for i, v := range dir.unit {
				delta[i] = h * v
			}
			xp, xm, d := around(c.x, delta)
			lp := slices.Clone(c.callLoss(t, nil, xp, c.y))
			lm := c.callLoss(t, nil, xm, c.y)
			for e := range b {
				var an, abs float64
				for i := e * m; i < (e+1)*m; i++ {
					an += float64(g.Data[i]) * d[i]
					abs += math.Abs(float64(g.Data[i]) * d[i])
				}
				fd := lp[e] - lm[e]
				bound := 0x1p-24*abs + tol*math.Abs(an)
				if kinked {
					bound = 0x1p-24*abs + tol*abs
				}
				if r := math.Abs(fd-an) / bound; !(r >= best[e]) { // NaN replaces +Inf
					best[e] = r
					msg[e] = fmt.Sprintf("|δ| = %g: L(x+δ) − L(x−δ) = %.10g, ⟨∂L/∂x, 2δ⟩ = %.10g (error %.3g, bound %.3g)",
						h, fd, an, math.Abs(fd-an), bound)
				}
			}
		}
		for e := range b {
			if !(best[e] <= 1) {
				t.Errorf("%s direction, example %d: %s", dir.name, e, msg[e])
			} else {
				t.Logf("%s direction, example %d: error/bound %.2g", dir.name, e, best[e])
			}
		}
	}
}

func sumSq(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// checkAdjoint is the dot-product test ⟨J·d, w⟩ = ⟨d, Jᵀ·w⟩ for a least-squares problem:
// J·d by central differences of Forward, and Jᵀ·w = Gradient(x, P(x) − w). It first checks
// that Loss is ½‖P(x) − y*‖² with P as Forward computes it. It takes two w: a random one
// (the structure of Jᵀ) and w ∝ J·d, for which both sides are sums of squares, without
// cancellation, so that the bound below is tight (the scale of Jᵀ, to 1e-4).
//
// Every value crossing the float32 boundary is rounded by at most 2⁻²⁴ relative: Forward's
// outputs P(x ± δ) and P(x), the observation P(x) − w and the gradient. The bound sums
// those roundings' worst effect on each side, plus 1e-4 of the larger side for the
// truncation of the central difference (O(|δ|²), |δ| = 1e-3 of x's size, for the smooth
// nonlinear problems; none for the linear ones). Measured: at most 7 % of the bound. A
// wrong adjoint is off by O(1).
func (c *probe) checkAdjoint(t *testing.T) {
	b, m, n := conformanceBatch, c.y.ExampleLen(), c.x.ExampleLen()
	px := c.callForward(t, nil, c.x)
	loss := c.callLoss(t, nil, c.x, c.y)
	for e := range b {
		var ls, abs float64
		for i := e * m; i < (e+1)*m; i++ {
			r := float64(px.Data[i]) - float64(c.y.Data[i])
			ls += r * r / 2
			abs += math.Abs(r * float64(px.Data[i]))
		}
		// ½‖r + ε‖² − ½‖r‖² ≈ ⟨r, ε⟩ with |εᵢ| ≤ 2⁻²⁴|P(x)ᵢ| (Forward's rounding); the
		// float64 sums in 1e-12.
		if err := math.Abs(ls - loss[e]); !(err <= 2*0x1p-24*abs+1e-12*ls) {
			t.Errorf("example %d: Loss %.10g; ½‖Forward(x) − y‖² = %.10g", e, loss[e], ls)
		}
	}

	rng := rand.New(rand.NewPCG(13, 17))
	xp, xm, d := around(c.x, direction(rng, c.x, 1e-3))
	fp := c.callForward(t, nil, xp)
	fm := c.callForward(t, nil, xm)
	jd := make([]float64, len(fp.Data))
	for i := range jd {
		jd[i] = float64(fp.Data[i]) - float64(fm.Data[i])
	}
	// J·d, scaled per example to the size of P(x).
	alongJd := make([]float64, len(jd))
	for e := range b {
		pp, jj := sumSq(px.Example(e)), 0.0
		for _, v := range jd[e*m : (e+1)*m] {
			jj += v * v
		}
		if jj > 0 {
			s := math.Sqrt(pp / jj)
			for i := e * m; i < (e+1)*m; i++ {
				alongJd[i] = s * jd[i]
			}
		}
	}
	for _, dir := range []struct {
		name string
		w    []float64
	}{{"random w", direction(rng, px, 1)}, {"w ∝ J·d", alongJd}} {
		// The observation P(x) − w that w is sent through.
		yw := core.New(c.y.Shape...)
		for i := range yw.Data {
			yw.Data[i] = float32(float64(px.Data[i]) - dir.w[i])
		}
		jtw := c.callGradient(t, nil, c.x, yw)
		for e := range b {
			var lhs, rhs, bound float64
			for i := e * m; i < (e+1)*m; i++ {
				wi := float64(px.Data[i]) - float64(yw.Data[i]) // the residual Gradient sees
				lhs += jd[i] * wi
				// P(x ± δ) rounded, and the residual off by P(x)'s and yw's rounding.
				bound += 0x1p-24 * ((math.Abs(float64(fp.Data[i]))+math.Abs(float64(fm.Data[i])))*math.Abs(wi) +
					math.Abs(jd[i])*(2*math.Abs(float64(px.Data[i]))+math.Abs(wi)))
			}
			for i := e * n; i < (e+1)*n; i++ {
				rhs += d[i] * float64(jtw.Data[i])
				bound += 0x1p-24 * math.Abs(d[i]*float64(jtw.Data[i]))
			}
			bound = 2*bound + 1e-4*math.Max(math.Abs(lhs), math.Abs(rhs))
			if err := math.Abs(lhs - rhs); !(err <= bound) {
				t.Errorf("%s, example %d: ⟨J·d, w⟩ = %.10g, ⟨d, Jᵀ·w⟩ = %.10g (error %.3g > bound %.3g)", dir.name, e, lhs, rhs, err, bound)
			} else {
				t.Logf("%s, example %d: ⟨J·d, w⟩ = %.10g, ⟨d, Jᵀ·w⟩ = %.10g, error/bound %.2g, bound/|lhs| %.2g",
					dir.name, e, lhs, rhs, err/bound, bound/math.Abs(lhs))
			}
		}
	}
}

// trainableMethods returns the preset's methods that can train at the scale with sets:
// all but the HIG methods whose Jacobian is refused there.
func trainableMethods(p *presets.Preset, scale string, sets []string) []string {
	var names []string
	for _, m := range p.MethodNames() {
		if _, err := p.Resolve(scale, []string{m}, sets); errors.Is(err, optimizers.ErrJacobianTooLarge) {
			continue
		}
		names = append(names, m)
	}
	return names
}
