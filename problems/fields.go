package problems

import (
	"fmt"

	"github.com/sipbench/sipbench/core"
)

// linearField holds what the single-channel field problems (poisson, heat) share: an
// n×n field x, a linear and symmetric physics P applied in float64, and the loss, adjoint
// gradient, forward map and metrics that follow from it:
//
//	L(x) = l2_loss(P(x) − y*) = ½·Σ_cells (P(x) − y*)²     per example
//	∂L/∂x = Pᵀ(P(x) − y*) = P(P(x) − y*)                  (P symmetric)
//
// Tensors at the interface are float32 of shape [batch, 1, n, n]; every computation
// converts to float64 first and rounds once at the end.
type linearField struct {
	name  string
	n     int
	shape []int // [1, n, n]
	// apply computes P of every n×n field of src (a multiple of n² values) into dst; dst
	// may equal src.
	apply func(dst, src []float64)

	a  []float64    // batch scratch
	px *core.Tensor // P(x) scratch for Metrics
}

func newLinearField(name string, n int, apply func(dst, src []float64)) linearField {
	if n < 1 {
		panic(fmt.Sprintf("problems: New%s: grid size %d", name, n))
	}
	return linearField{name: name, n: n, shape: []int{1, n, n}, apply: apply}
}

// XShape returns [1, n, n].
func (f *linearField) XShape() []int { return append([]int(nil), f.shape...) }

// SnapshotKind returns DrawFields: the viewers draw one example's fields as heatmaps.
func (*linearField) SnapshotKind() string { return DrawFields }

// YShape returns [1, n, n].
func (f *linearField) YShape() []int { return append([]int(nil), f.shape...) }

// scratch returns f.a grown to m values.
func (f *linearField) scratch(m int) []float64 {
	if cap(f.a) < m {
		f.a = make([]float64, m)
	}
	f.a = f.a[:m]
	return f.a
}

// Forward computes P(x) into dst (shape of x; allocated if nil) and returns it.
func (f *linearField) Forward(dst, x *core.Tensor) *core.Tensor {
	b := mustBatched(f.name+".Forward", "x", x, f.shape)
	dst = dstTensor(f.name+".Forward", dst, b, 1, f.n, f.n)
	a := f.scratch(len(x.Data))
	core.ToFloat64(a, x.Data)
	f.apply(a, a)
	core.ToFloat32(dst.Data, a)
	return dst
}

// residual leaves P(x) − y* of the whole batch in f.a (float64) and returns it.
func (f *linearField) residual(op string, x, y *core.Tensor) []float64 {
	mustPair(op, x, y, f.shape, f.shape)
	a := f.scratch(len(x.Data))
	core.ToFloat64(a, x.Data)
	f.apply(a, a)
	for i, v := range y.Data {
		a[i] -= float64(v)
	}
	return a
}

// Loss writes l2_loss(P(x) − y*) = ½·Σ (P(x) − y*)² of every example into dst (allocated
// if nil) and returns it.
func (f *linearField) Loss(dst []float64, x, y *core.Tensor) []float64 {
	a := f.residual(f.name+".Loss", x, y)
	b := x.Shape[0]
	dst = dstSlice(f.name+".Loss", dst, b)
	m := f.n * f.n
	for e := range b {
		var s float64
		for _, v := range a[e*m : (e+1)*m] {
			s += v * v
		}
		dst[e] = s / 2
	}
	return dst
}

// Gradient computes ∂L/∂x = P(P(x) − y*) (P is symmetric) into dst and returns it.
func (f *linearField) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	a := f.residual(f.name+".Gradient", x, y)
	dst = dstTensor(f.name+".Gradient", dst, x.Shape...)
	f.apply(a, a)
	core.ToFloat32(dst.Data, a)
	return dst
}

// MetricNames returns x_l1, x_l2, y_l1, y_l2.
func (f *linearField) MetricNames() []string { return []string{"x_l1", "x_l2", "y_l1", "y_l2"} }

// Metrics writes, each averaged over the batch:
//
//	x_l1 = (1/n²)·Σ|x − x*|          (MAE per cell, the paper's "Inferred x MAE")
//	x_l2 = ½·Σ (x − x*)²             (l2_loss per example)
//	y_l1 = (1/n²)·Σ|P(x) − y*|       (MAE per cell)
//	y_l2 = ½·Σ (P(x) − y*)²          (l2_loss per example, the training loss)
//
// into dst (allocated if nil) and returns it.
func (f *linearField) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	dst = dstSlice(f.name+".Metrics", dst, 4)
	b := mustPair(f.name+".Metrics", x, y, f.shape, f.shape)
	mustPair(f.name+".Metrics", xTrue, y, f.shape, f.shape)
	if f.px == nil || f.px.Shape[0] != b {
		f.px = core.New(b, 1, f.n, f.n)
	}
	px := f.Forward(f.px, x)
	dst[0] = MAE(x, xTrue)
	dst[1] = MeanL2(x, xTrue)
	dst[2] = MAE(px, y)
	dst[3] = MeanL2(px, y)
	return dst
}

// laplacianDirichlet writes the 5-point Laplacian with cell size 1 of the n×n field src
// into dst (dst ≠ src), with the values just outside the grid taken as zero:
// dst[i,j] = src[i−1,j] + src[i+1,j] + src[i,j−1] + src[i,j+1] − 4·src[i,j].
func laplacianDirichlet(dst, src []float64, n int) {
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			c := src[i*n+j]
			s := -4 * c
			if i > 0 {
				s += src[(i-1)*n+j]
			}
			if i < n-1 {
				s += src[(i+1)*n+j]
			}
			if j > 0 {
				s += src[i*n+j-1]
			}
			if j < n-1 {
				s += src[i*n+j+1]
			}
			dst[i*n+j] = s
		}
	}
}
