package core

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2d times one forward and backward pass (gradients w.r.t. x, W and b) of a
// circular 3×3 convolution, 16→16 channels, 64×64, batch 32, and reports GFLOP/s counting
// 2 FLOPs per multiply-add of the three matrix products (forward, input gradient, weight
// gradient): 6·N·Cout·Cin·9·H·W = 3.62 GFLOP per iteration.
//
// Measured on the shared 2-core development machine with the AVX2 Gemm kernel,
//
//	go test ./core -run '^$' -bench Conv2d -benchtime 3x
//
// gave 18–19 GFLOP/s (≈ 95 ms) with Threads=1 and 9–17 GFLOP/s with Threads=2, the
// machine being loaded by other jobs (load average ≈ 4.7), so that the second thread found
// no free core. A CPU profile puts most of the time in the Gemm kernel and its packing of
// the im2col matrix, then im2col/col2im (≈ 20%).
func BenchmarkConv2d(b *testing.B) {
	const n, c, h, w = 32, 16, 64, 64
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, n, c, h, w)
	wt := &Param{Name: "W", Value: randTensor(rng, c, c, 3, 3), Grad: New(c, c, 3, 3)}
	bias := &Param{Name: "b", Value: randTensor(rng, c), Grad: New(c)}
	flops := 6.0 * n * c * c * 9 * h * w
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			tp := NewTape()
			tp.Threads = threads
			up := randTensor(rng, n, c, h, w)
			step := func() {
				tp.Reset()
				y := Conv2d(tp.Input(x), tp.Param(wt), tp.Param(bias))
				tp.Backward(y, up)
			}
			step()
			for b.Loop() {
				step()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
