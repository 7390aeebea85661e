package problems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// Exp is the scalar problem of the paper's Figure 2: invert P(x) = eˣ.
//
// One example is a scalar (XShape = YShape = [1]). The ground truth is x* ~ U(−12, 0) and
// the observation y* = exp(x*), so y* ∈ (e⁻¹², 1]. The loss of one example is
//
//	L(x) = l2_loss(eˣ − y*) = ½·(eˣ − y*)²,
//
// with gradient g = (eˣ − y*)·eˣ and second derivative h = 2e²ˣ − y*·eˣ. The curvature
// near the solution, h(x*) = y*², spans ten orders of magnitude over the data set, which is
// what defeats gradient descent. All arithmetic is in float64; tensors are float32.
//
// Exp has no state; it is safe for concurrent use.
type Exp struct{}

// NewExp returns the exp problem.
func NewExp() *Exp { return &Exp{} }

var (
	_ Problem   = (*Exp)(nil)
	_ Hessianer = (*Exp)(nil)
)

var expShape = []int{1}

// XShape returns [1].
func (*Exp) XShape() []int { return []int{1} }

// SnapshotKind returns DrawScatter: the viewers draw x against x* over the batch.
func (*Exp) SnapshotKind() string { return DrawScatter }

// YShape returns [1].
func (*Exp) YShape() []int { return []int{1} }

// Sample draws x* = −12·u with u ~ U[0, 1) (so x* ∈ (−12, 0]) and y* = exp(x*), each of
// shape [batch, 1]. y* is computed from the float32 value of x*, so P(x*) = y* up to the
// float32 rounding of y*. It panics if batch < 0.
func (*Exp) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	x = core.New(batch, 1)
	y = core.New(batch, 1)
	for i := range batch {
		x.Data[i] = float32(-12 * rng.Float64())
		y.Data[i] = float32(math.Exp(float64(x.Data[i])))
	}
	return x, y
}

// Forward computes P(x) = eˣ elementwise into dst (allocated when nil) and returns it.
func (*Exp) Forward(dst, x *core.Tensor) *core.Tensor {
	b := mustBatched("Exp.Forward", "x", x, expShape)
	dst = dstTensor("Exp.Forward", dst, b, 1)
	for i, v := range x.Data {
		dst.Data[i] = float32(math.Exp(float64(v)))
	}
	return dst
}

// Loss writes ½·(eˣ − y*)² of every example into dst (allocated when nil) and returns it.
func (*Exp) Loss(dst []float64, x, y *core.Tensor) []float64 {
	b := mustPair("Exp.Loss", x, y, expShape, expShape)
	dst = dstSlice("Exp.Loss", dst, b)
	for i := range b {
		r := math.Exp(float64(x.Data[i])) - float64(y.Data[i])
		dst[i] = 0.5 * r * r
	}
	return dst
}

// Gradient writes ∂L/∂x = (eˣ − y*)·eˣ into dst (allocated when nil) and returns it.
func (*Exp) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	b := mustPair("Exp.Gradient", x, y, expShape, expShape)
	dst = dstTensor("Exp.Gradient", dst, b, 1)
	for i := range b {
		e := math.Exp(float64(x.Data[i]))
		dst.Data[i] = float32((e - float64(y.Data[i])) * e)
	}
	return dst
}

// Hessian writes ∂²L/∂x² = 2e²ˣ − y*·eˣ of every example (a 1×1 matrix each) into dst
// (len batch, allocated when nil) and returns it.
func (*Exp) Hessian(dst []float64, x, y *core.Tensor) []float64 {
	b := mustPair("Exp.Hessian", x, y, expShape, expShape)
	dst = dstSlice("Exp.Hessian", dst, b)
	for i := range b {
		e := math.Exp(float64(x.Data[i]))
		dst[i] = 2*e*e - float64(y.Data[i])*e
	}
	return dst
}

// Exp update names.
const (
	ExpNewton        = "newton"
	ExpNewtonClipped = "newton-clipped"
)

// ExpClip is the largest step of the "newton-clipped" update.
const ExpClip = 0.1

// Updates returns ["newton", "newton-clipped"].
func (*Exp) Updates() []string { return []string{ExpNewton, ExpNewtonClipped} }

// Update computes the original's Newton updates per example, with g and h as above:
//
//	"newton":          Δx = |g/h|·sign(−g)
//	"newton-clipped":  Δx = min(|g/h|, 0.1)·sign(−g)
//
// and Δx = 0 where h = 0 (or g = 0). The step length |g/h| = |eˣ − y*|/|2eˣ − y*| is
// evaluated in that cancelled form, which is exact for eˣ > 0 and stays finite for large x
// (for eˣ = +Inf it takes its limit ½). The direction is always downhill, also where h < 0
// (eˣ < y*/2), where the plain Newton step −g/h would climb.
//
// Update panics on another name.
func (*Exp) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	var clip float64
	switch name {
	case ExpNewton:
		clip = math.Inf(1)
	case ExpNewtonClipped:
		clip = ExpClip
	default:
		panic(fmt.Sprintf("problems: Exp.Update: unknown update %q, want one of %v", name, (*Exp)(nil).Updates()))
	}
	b := mustPair("Exp.Update", x, y, expShape, expShape)
	dst = dstTensor("Exp.Update", dst, b, 1)
	for i := range b {
		dst.Data[i] = float32(expNewtonStep(float64(x.Data[i]), float64(y.Data[i]), clip))
	}
	return dst
}

// expNewtonStep returns min(|g/h|, clip)·sign(−g) for P = eˣ, 0 where h = 0 or g = 0.
func expNewtonStep(x, y, clip float64) float64 {
	e := math.Exp(x)
	var r, s float64 // step length and sign(−g)
	switch {
	case math.IsInf(e, 1):
		r, s = 0.5, -1
	default:
		h := e * (2*e - y)
		g := (e - y) * e
		if h == 0 || g == 0 {
			return 0
		}
		r = math.Abs(e-y) / math.Abs(2*e-y)
		s = -math.Copysign(1, g)
	}
	return math.Min(r, clip) * s
}

// ExpLowX is the threshold of the x_l1_low metric: Figure 2's gradient-based methods fail
// for x* below about −4, where y* = e^x* is small.
const ExpLowX = -4

// MetricNames returns x_l1, x_l2, y_l1, y_l2, x_l1_low.
func (*Exp) MetricNames() []string { return []string{"x_l1", "x_l2", "y_l1", "y_l2", "x_l1_low"} }

// Metrics writes, averaged over the batch: x_l1 = |x − x*| (the MAE), x_l2 = ½(x − x*)²,
// y_l1 = |eˣ − y*|, y_l2 = ½(eˣ − y*)²; and x_l1_low, the MAE over the examples with
// x* < ExpLowX only (x_l1 if the batch has none, which only tiny batches make likely), which measures Figure 2's claim.
func (p *Exp) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	mustPair("Exp.Metrics", x, y, expShape, expShape)
	mustPair("Exp.Metrics", xTrue, y, expShape, expShape)
	dst = dstSlice("Exp.Metrics", dst, 5)
	px := p.Forward(nil, x)
	dst[0] = MAE(x, xTrue)
	dst[1] = MeanL2(x, xTrue)
	dst[2] = MeanL1(px, y)
	dst[3] = MeanL2(px, y)
	var sum float64
	n := 0
	for i, t := range xTrue.Data {
		if t < ExpLowX {
			sum += math.Abs(float64(x.Data[i]) - float64(t))
			n++
		}
	}
	if n == 0 {
		dst[4] = dst[0]
	} else {
		dst[4] = sum / float64(n)
	}
	return dst
}
