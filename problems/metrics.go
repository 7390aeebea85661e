package problems

import (
	"fmt"
	"math"

	"github.com/sipbench/sipbench/core"
)

// Batch metrics shared by the problems.
//
// Every helper compares two batched tensors a and b of equal shape [batch, …] and reduces
// the residual r = a − b first per example (over its non-batch elements) and then by the
// mean over the batch, in float64. The per-example reductions follow the original's
// conventions (see experiments.md):
//
//	l1_loss(r) = Σ|rᵢ|         MeanL1
//	l2_loss(r) = ½·Σ rᵢ²       MeanL2, L2Losses
//	‖r‖₂       = (Σ rᵢ²)^½     MeanNorm
//	mae(r)     = Σ|rᵢ| / n     MAE (n elements per example: "x_l1", the paper's "MAE")
//
// They panic if the shapes differ or the batch is empty.

// MAE returns the mean absolute error (1/B)·Σ_b (1/n)·Σᵢ |a_bi − b_bi|, which equals the
// mean of |a − b| over all elements. It is what the metrics call x_l1.
func MAE(a, b *core.Tensor) float64 {
	checkMetricShapes("MAE", a, b)
	var s float64
	for i, v := range a.Data {
		s += math.Abs(float64(v) - float64(b.Data[i]))
	}
	return s / float64(len(a.Data))
}

// MeanL1 returns (1/B)·Σ_b Σᵢ |a_bi − b_bi|, the per-example l1_loss of the residual
// averaged over the batch.
func MeanL1(a, b *core.Tensor) float64 {
	checkMetricShapes("MeanL1", a, b)
	var s float64
	for i, v := range a.Data {
		s += math.Abs(float64(v) - float64(b.Data[i]))
	}
	return s / float64(a.Shape[0])
}

// MeanL2 returns (1/B)·Σ_b ½·Σᵢ (a_bi − b_bi)², the per-example l2_loss of the residual
// averaged over the batch.
func MeanL2(a, b *core.Tensor) float64 {
	checkMetricShapes("MeanL2", a, b)
	var s float64
	for i, v := range a.Data {
		d := float64(v) - float64(b.Data[i])
		s += d * d
	}
	return 0.5 * s / float64(a.Shape[0])
}

// MeanNorm returns (1/B)·Σ_b ‖a_b − b_b‖₂, the Euclidean distance per example averaged
// over the batch.
func MeanNorm(a, b *core.Tensor) float64 {
	checkMetricShapes("MeanNorm", a, b)
	n := a.ExampleLen()
	var s float64
	for e := range a.Shape[0] {
		var q float64
		for i := e * n; i < (e+1)*n; i++ {
			d := float64(a.Data[i]) - float64(b.Data[i])
			q += d * d
		}
		s += math.Sqrt(q)
	}
	return s / float64(a.Shape[0])
}

// L2Losses writes l2_loss(a_b − b_b) = ½·Σᵢ (a_bi − b_bi)² of every example b into dst
// and returns it. A nil dst is allocated; otherwise it panics unless len(dst) is the batch.
func L2Losses(dst []float64, a, b *core.Tensor) []float64 {
	checkMetricShapes("L2Losses", a, b)
	bs := a.Shape[0]
	if dst == nil {
		dst = make([]float64, bs)
	}
	if len(dst) != bs {
		panic(fmt.Sprintf("problems: L2Losses: len(dst) %d, batch %d", len(dst), bs))
	}
	n := a.ExampleLen()
	for e := range bs {
		var q float64
		for i := e * n; i < (e+1)*n; i++ {
			d := float64(a.Data[i]) - float64(b.Data[i])
			q += d * d
		}
		dst[e] = 0.5 * q
	}
	return dst
}

func checkMetricShapes(op string, a, b *core.Tensor) {
	if !core.SameShape(a.Shape, b.Shape) {
		panic(fmt.Sprintf("problems: %s: shape mismatch %v vs %v", op, a.Shape, b.Shape))
	}
	if len(a.Shape) == 0 || a.Shape[0] == 0 {
		panic(fmt.Sprintf("problems: %s: empty batch, shape %v", op, a.Shape))
	}
}

// mustBatched panics unless t has shape [batch]+example with batch ≥ 0; it returns the
// batch size. op names the caller in the message.
func mustBatched(op, name string, t *core.Tensor, example []int) int {
	ok := len(t.Shape) == len(example)+1
	for i := 0; ok && i < len(example); i++ {
		ok = t.Shape[i+1] == example[i]
	}
	if !ok {
		panic(fmt.Sprintf("problems: %s: %s has shape %v, want [batch]+%v", op, name, t.Shape, example))
	}
	return t.Shape[0]
}

// mustPair panics unless x has shape [B]+xs and y has shape [B]+ys with the same B; it
// returns B.
func mustPair(op string, x, y *core.Tensor, xs, ys []int) int {
	b := mustBatched(op, "x", x, xs)
	if c := mustBatched(op, "y", y, ys); c != b {
		panic(fmt.Sprintf("problems: %s: batch mismatch, x %v vs y %v", op, x.Shape, y.Shape))
	}
	return b
}

// dstTensor returns dst after checking that it has the given shape, or a new tensor of
// that shape when dst is nil.
func dstTensor(op string, dst *core.Tensor, shape ...int) *core.Tensor {
	if dst == nil {
		return core.New(shape...)
	}
	if !core.SameShape(dst.Shape, shape) {
		panic(fmt.Sprintf("problems: %s: dst has shape %v, want %v", op, dst.Shape, shape))
	}
	return dst
}

// dstSlice returns dst after checking its length, or a new slice of length n when nil.
func dstSlice(op string, dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("problems: %s: len(dst) %d, want %d", op, len(dst), n))
	}
	return dst
}
