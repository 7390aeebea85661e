package core_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
)

// BenchmarkUNetStep times one whole training step of the paper's U-Net (1→1 channel,
// 4 levels, 16 filters) on 64×64 fields, batch 16: forward in training mode, backward of
// the L2 loss ½‖NN(x) − x*‖², one Adam step. GFLOP/s counts the convolutions only, 3× the
// forward count (forward, input gradient, weight gradient); see UNet.FLOPs.
//
// Measured on the shared 2-core development machine with the AVX2 Gemm kernel,
//
//	go test ./core -run '^$' -bench UNetStep -benchtime 3x
//
// gave 7.4 GFLOP/s (0.70 s per step) with Threads=1 and 6.2 GFLOP/s with Threads=2 on a
// machine loaded by other jobs (load average ≈ 4.7). Profile (Threads=1): Gemm with its
// packing ≈ 40%, im2col/col2im ≈ 20%, ReLU ≈ 14%, BatchNorm ≈ 8%.
func BenchmarkUNetStep(b *testing.B) {
	const n, h, w = 16, 64, 64
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			net := core.NewUNet(1, 1, 4, 16, rng)
			x, target := core.New(n, 1, h, w), core.New(n, 1, h, w)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
				target.Data[i] = float32(rng.NormFloat64())
			}
			opt := optimizers.NewAdam(net.Params(), 1e-3)
			tp := core.NewTape()
			tp.Threads = threads
			step := func() float32 {
				tp.Reset()
				core.ZeroGrads(net.Params())
				loss := core.L2Loss(net.Forward(tp.Input(x)), tp.Const(target))
				tp.Backward(loss, nil)
				opt.Step()
				return loss.Value.Data[0]
			}
			first := step()
			for b.Loop() {
				step()
			}
			if last := step(); !(last < first) {
				b.Fatalf("loss did not decrease over %d Adam steps: %v → %v", b.N+1, first, last)
			}
			flops := 3 * net.FLOPs(n, h, w)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
