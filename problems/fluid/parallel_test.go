package fluid

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// TestParallelBitIdentical runs every method (Sample, Forward, Loss, Gradient, each
// Update, Metrics) with 1 and 3 goroutines and demands the same bits.
func TestParallelBitIdentical(t *testing.T) {
	t.Parallel()
	run := func(threads int) []string {
		f := NewFluid(16)
		f.SetThreads(threads)
		xTrue, y := f.Sample(rand.New(rand.NewPCG(4, 4)), 5)
		x := xTrue.Clone()
		for i := range x.Data {
			x.Data[i] *= 0.8
		}
		out := []string{f32bits(xTrue), f32bits(y), f32bits(f.Forward(y.Clone(), x)), f32bits(f.Gradient(nil, x, y))}
		for _, u := range f.Updates() {
			out = append(out, f32bits(f.Update(nil, u, x, y)))
		}
		vals := append(f.Loss(nil, x, y), f.Metrics(nil, x, xTrue, y)...)
		out = append(out, f32bits(core.FromData(f64bits(vals), 2*len(vals))))
		return out
	}
	want, got := run(1), run(3)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d differs with 3 goroutines", i)
		}
	}
}

func f32bits(x *core.Tensor) string {
	b := make([]byte, 0, 4*len(x.Data))
	for _, v := range x.Data {
		u := math.Float32bits(v)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return string(b)
}

// f64bits packs each float64's bits into two float32s (for f32bits).
func f64bits(v []float64) []float32 {
	out := make([]float32, 0, 2*len(v))
	for _, x := range v {
		u := math.Float64bits(x)
		out = append(out, math.Float32frombits(uint32(u)), math.Float32frombits(uint32(u>>32)))
	}
	return out
}
