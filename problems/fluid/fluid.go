package fluid

import (
	"fmt"
	"math"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// Physical constants of the problem (experiments.md); they do not change with n.
const (
	Size  = 128.0 // physical edge length of the periodic domain
	T     = 2.0   // observation time
	Steps = 8     // time steps
	Dt    = T / Steps
)

// Fluid is the fluid problem of the paper's Figure 7 on a periodic n×n grid (n = 64 in the
// paper). x is v₀ at the cell centres, shape [2, n, n], channel 0 the x component and
// channel 1 the y component, in physical units (length per time); y = (m₀, m_T), shape
// [2, n, n].
//
// Centred and staggered velocities: P(x) starts from the divergence-free part Π of the
// faces' velocity u[i,j] = ½(x₀[i,j−1] + x₀[i,j]), v[i,j] = ½(x₁[i−1,j] + x₁[i,j])
// (toFaces), as the original's make_incompressible(StaggeredGrid(v₀)); a staggered field is
// read back at the centres as the mean of each cell's two faces (toCentres, the transpose
// of toFaces). The generator makes v₀ divergence-free on the faces, stores x* = its centre
// average and defines m_T = P(x*), so that the loss vanishes at x*. (The original
// simulates its targets from the cell-centred v₀ with a cell-centred physics and never
// projects it, so that its loss is 0.5–1.3 % of its value away from zero at x*; ours is
// exactly zero there.)
//
// What scales with n: nothing physical. The domain stays 128×128 (cell size h = 128/n),
// T, dt, box, vortex position and falloff, velocities and the noise's scale are all in
// physical units; the fill fraction is a fraction of the n² cells; the loss's frequency
// falloff (80 cells at n = 64) is 160 physical units, i.e. 80·n/64 cells, so that it
// weights the same physical wavelengths. The loss is a sum over n² modes of an
// unnormalised FFT, so its values are not comparable across n (about n² for the same
// physical residual); x_l1 is.
//
// Cost at 64×64 (go test -run '^$' -bench 'Fluid64' -benchtime 10x -count 3
// ./problems/fluid; 2 cores shared with other jobs, ±15 %; BenchmarkFluid64 in
// bench_test.go), linear in the batch (1 and 8 measured), no allocation:
//
//	Loss      one 8-step rollout + frequency loss     7.5 ms per example
//	Gradient  rollout with tape + reverse sweep       13 ms per example
//	Update    "sip": forward and reverse rollouts     16 ms per example
//	Sample    noise, rollout                          9 ms per example
//
// so a paper batch of 64 costs about 0.5 s (Loss) and 0.85 s (Gradient) on one core
// (figures from before issue 28's MacCormack kernels and half-size pressure FFT, which cut
// the physics' CPU 2.5–2.7× in the paper-scale steps: PERFORMANCE.md). The
// examples are independent: SetThreads spreads every batch over several goroutines, each
// with its own scratch and simulation tape (problems.Parallel), with the same results.
//
// A Fluid holds scratch buffers and the simulation tape and is not safe for concurrent
// use.
type Fluid struct {
	n    int
	h    float64
	plan *core.FFT2
	sim  *sim
	rev  *sim // the reverse simulation of the SIP update
	loss *freqLoss

	v0, cen, xbar []float64 // 2n²
	m0, mT, diff  []float64 // n²
	hist          [][]float64

	x1, y1 *core.Tensor // batch-of-one scratch of the "lbfgs" update
	acc, g []float64    // 2n², scratch of the "accumulated-gd" update

	// workers[w] does the examples of goroutine w; workers[0] is f itself, the others
	// are Fluids of their own (with one worker each).
	workers []*Fluid
	threads int
	part    []float64    // per-example partial sums of Metrics (3 per example)
	draws   []float64    // generate's noise fields, 3n² per example
	spectra []complex128 // their spectra, drawn before the fields are made in parallel
	noise   *problems.NoiseGen
	sorted  []float64 // n², generate's scratch

	truth, pred []trajCache // per example: the last rollouts of x* (Sample) and of a prediction ("sip")
}

var (
	_ problems.Problem  = (*Fluid)(nil)
	_ problems.Parallel = (*Fluid)(nil)
)

// NewFluid returns the fluid problem on a periodic n×n grid of physical size 128. It panics
// unless n is a power of two ≥ 4.
func NewFluid(n int) *Fluid {
	if n < 4 || n&(n-1) != 0 {
		panic(fmt.Sprintf("fluid: NewFluid: n = %d is not a power of two ≥ 4", n))
	}
	h := Size / float64(n)
	plan := core.NewFFT2(n, n)
	m := n * n
	f := &Fluid{n: n, h: h, plan: plan,
		sim: newSim(n, h, Dt, Steps), rev: newSim(n, h, Dt, Steps),
		loss: newFreqLoss(n, 80*float64(n)/64, plan),
		v0:   make([]float64, 2*m), cen: make([]float64, 2*m), xbar: make([]float64, 2*m),
		m0: make([]float64, m), mT: make([]float64, m), diff: make([]float64, m)}
	for range Steps + 1 {
		f.hist = append(f.hist, make([]float64, 2*m))
	}
	f.workers, f.threads = []*Fluid{f}, 1
	return f
}

// SetThreads spreads every batch over n goroutines (n < 1 counts as 1), each example on
// one, with scratch of its own; the results do not depend on n.
func (f *Fluid) SetThreads(n int) {
	f.threads = max(1, n)
	for len(f.workers) < f.threads {
		f.workers = append(f.workers, NewFluid(f.n))
	}
}

// each calls fn(w, b) for every example b of a batch, on up to f.threads goroutines, w
// naming the goroutine's worker (f.workers[w]), which fn's work must use for scratch.
func (f *Fluid) each(batch int, fn func(w *Fluid, b int)) {
	problems.ParallelEach(f.threads, batch, func(w, b int) { fn(f.workers[w], b) })
}

// N returns the grid size.
func (f *Fluid) N() int { return f.n }

// XShape returns [2, n, n].
func (f *Fluid) XShape() []int { return []int{2, f.n, f.n} }

// SnapshotKind returns problems.DrawFields: the viewers draw one example's velocity and
// marker as heatmaps.
func (*Fluid) SnapshotKind() string { return problems.DrawFields }

// ChannelNames names the channels for the viewers: x's are the velocity's components v_x
// and v_y; y's the marker at the start and at the end time, m_0 and m_T.
func (f *Fluid) ChannelNames() (x, y []string) {
	return []string{"v_x", "v_y"}, []string{"m_0", "m_T"}
}

var _ problems.ChannelNamer = (*Fluid)(nil)

// YShape returns [2, n, n].
func (f *Fluid) YShape() []int { return []int{2, f.n, f.n} }

// MetricNames returns x_l1 (MAE of v₀ per component and cell), loss (the frequency loss)
// and v_l1 (MAE of the cell-centred velocity over the 9 states v₀ … v_T).
func (f *Fluid) MetricNames() []string { return []string{"x_l1", "loss", "v_l1"} }

// check panics, naming op, unless x has shape [batch, 2, n, n] and y (if not nil) the same.
func (f *Fluid) check(op string, x, y *core.Tensor) {
	n := f.n
	want := []int{-1, 2, n, n}
	if len(x.Shape) == len(want) {
		want[0] = x.Shape[0]
	}
	if !core.SameShape(x.Shape, want) || (y != nil && !core.SameShape(y.Shape, want)) {
		ys := []int(nil)
		if y != nil {
			ys = y.Shape
		}
		panic(fmt.Sprintf("fluid: %s: want x and y of shape [batch 2 %d %d], got %v and %v", op, n, n, x.Shape, ys))
	}
}

// dstLike returns dst after checking that it has x's shape, or a new tensor of that shape
// when dst is nil.
func dstLike(op string, dst, x *core.Tensor) *core.Tensor {
	if dst == nil {
		return core.New(x.Shape...)
	}
	if !core.SameShape(dst.Shape, x.Shape) {
		panic(fmt.Sprintf("fluid: %s: dst has shape %v, want %v", op, dst.Shape, x.Shape))
	}
	return dst
}

// dstLen returns dst after checking its length, or a new slice of length n when nil.
func dstLen(op string, dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("fluid: %s: len(dst) %d, want %d", op, len(dst), n))
	}
	return dst
}

// simulate runs P for one example x (float32, 2n²) from the marker m0 (float32, n²),
// leaving the tape in f.sim.
func (f *Fluid) simulate(x []float32, m0 []float32) {
	core.ToFloat64(f.cen, x)
	core.ToFloat64(f.m0, m0)
	f.rolloutCentres(f.cen, f.m0)
}

// rolloutCentres runs P for a float64 cell-centred velocity c from the float64 marker m0
// (neither aliasing f.v0), leaving the tape in f.sim: as the original's
// make_incompressible(StaggeredGrid(v₀)), the faces' velocity toFaces(c) is projected to
// its divergence-free part before the rollout.
func (f *Fluid) rolloutCentres(c, m0 []float64) {
	toFaces(f.v0, c, f.n)
	f.sim.proj.project(f.v0)
	f.sim.rollout(f.v0, m0)
}

// Forward computes P(x) in the observation's layout. The marker m₀ is part of the
// observation, not of x, so dst carries it in: dst must have y's shape [batch, 2, n, n]
// with m₀ in channel 0, and Forward overwrites channel 1 with m(T; x), so that
// Forward(y.Clone(), x) is the observation that x produces. It panics on a nil dst or a
// shape mismatch.
func (f *Fluid) Forward(dst, x *core.Tensor) *core.Tensor {
	if dst == nil {
		panic("fluid: Forward: dst must hold the observation's m₀ in channel 0")
	}
	f.check("Forward", x, dst)
	m := f.n * f.n
	f.each(x.Batch(), func(w *Fluid, b int) {
		yb := dst.Example(b)
		w.simulate(x.Example(b), yb[:m])
		core.ToFloat32(yb[m:], w.sim.mark[Steps])
	})
	return dst
}

// Loss writes the frequency loss of m(T; x) − m_T of every example into dst.
func (f *Fluid) Loss(dst []float64, x, y *core.Tensor) []float64 {
	f.check("Loss", x, y)
	dst = dstLen("Loss", dst, x.Batch())
	f.each(x.Batch(), func(w *Fluid, b int) {
		dst[b] = w.lossOf(x.Example(b), y.Example(b))
	})
	return dst
}

// lossOf simulates one example and returns its loss, leaving m(T; x) − m_T in f.diff.
func (f *Fluid) lossOf(x, y []float32) float64 {
	core.ToFloat64(f.cen, x)
	return f.lossCentres(f.cen, y)
}

// lossCentres is lossOf for a float64 cell-centred velocity c (not aliasing f's scratch).
func (f *Fluid) lossCentres(c []float64, y []float32) float64 {
	m := f.n * f.n
	core.ToFloat64(f.m0, y[:m])
	core.ToFloat64(f.mT, y[m:])
	return f.lossAgainst(c, f.m0, f.mT)
}

// lossAgainst simulates the float64 cell-centred velocity c from the marker m0 and
// returns the loss against the marker mT, leaving m(T; c) − mT in f.diff (mT may be f.mT).
func (f *Fluid) lossAgainst(c, m0, mT []float64) float64 {
	f.rolloutCentres(c, m0)
	for i, v := range f.sim.mark[Steps] {
		f.diff[i] = v - mT[i]
	}
	return f.loss.value(f.diff)
}

// lossOfRollout returns the loss of the rollout now in f.sim against the marker in f.mT,
// as lossAgainst computes it after its rollout.
func (f *Fluid) lossOfRollout() float64 {
	for i, v := range f.sim.mark[Steps] {
		f.diff[i] = v - f.mT[i]
	}
	return f.loss.value(f.diff)
}

// Gradient computes ∂L/∂x through the 8 steps with the hand-written adjoints (step.go),
// per example: simulate and tape, ∂L/∂m_T from the frequency loss, reverse sweep to the
// staggered v̄₀, then the transposes of the projection (Π, symmetric) and of the
// centre-to-face map.
func (f *Fluid) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	f.check("Gradient", x, y)
	dst = dstLike("Gradient", dst, x)
	f.caches(x.Batch())
	f.each(x.Batch(), func(w *Fluid, b int) {
		xb, yb := x.Example(b), y.Example(b)
		core.ToFloat64(w.cen, xb)
		l := w.lossCentres(w.cen, yb)
		f.pred[b].recordPred(w, xb, yb, l, &f.truth[b]) // the prediction's rollout, for Metrics (cache.go)
		w.gradAfterLoss(w.xbar)
		core.ToFloat32(dst.Example(b), w.xbar)
	})
	return dst
}

// gradCentres computes ∂L/∂x of one example at the float64 cell-centred velocity c into
// g (len 2n², not aliasing f's scratch other than f.cen and f.xbar) and returns the loss.
func (f *Fluid) gradCentres(g, c []float64, y []float32) float64 {
	l := f.lossCentres(c, y)
	f.gradAfterLoss(g)
	return l
}

// gradAfterLoss is gradCentres after lossCentres: from the rollout in f.sim and the
// residual in f.diff, ∂L/∂x into g.
func (f *Fluid) gradAfterLoss(g []float64) {
	f.loss.grad(f.m0, f.diff) // f.m0 is free once the tape holds m₀
	f.sim.rolloutAdjoint(f.v0, f.m0, nil)
	f.sim.proj.project(f.v0) // Π is symmetric
	clear(g)
	toFacesAdjoint(g, f.v0, f.n)
}

// Metrics writes the batch means of x_l1, loss and v_l1 into dst. Each example's sums
// are taken on its own (on one goroutine), then added up in example order.
func (f *Fluid) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	f.check("Metrics", x, y)
	f.check("Metrics", xTrue, x)
	dst = dstLen("Metrics", dst, 3)
	m := f.n * f.n
	B := x.Batch()
	if cap(f.part) < 3*B {
		f.part = make([]float64, 3*B)
	}
	part := f.part[:3*B]
	f.caches(B)
	f.each(B, func(w *Fluid, b int) {
		var xl1 float64
		xb, tb, yb := x.Example(b), xTrue.Example(b), y.Example(b)
		for i, v := range xb {
			xl1 += math.Abs(float64(v) - float64(tb[i]))
		}
		// The two rollouts, from the caches when the step has run them already.
		truth, pred := &f.truth[b], &f.pred[b]
		if !truth.hit(tb, yb[:m]) {
			w.simulate(tb, yb[:m])
			truth.recordTruth(w, tb, yb[:m])
		}
		if !pred.hit(xb, yb) || pred.gen != truth.gen {
			l := w.lossOf(xb, yb)
			pred.recordPred(w, xb, yb, l, truth)
		}
		part[3*b], part[3*b+1], part[3*b+2] = xl1, pred.loss, pred.vl1
	})
	var xl1, loss, vl1 float64
	for b := range B {
		xl1 += part[3*b]
		loss += part[3*b+1]
		vl1 += part[3*b+2]
	}
	dst[0] = xl1 / float64(B*2*m)
	dst[1] = loss / float64(B)
	dst[2] = vl1 / float64(B*2*m*(Steps+1))
	return dst
}
