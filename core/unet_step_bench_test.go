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
// Measured on the shared 2-core development machine (load average 3–5), alternating the
// test binaries of before and after issue 8,
//
//	go test ./core -run '^$' -bench UNetStep -benchtime 3x
//
// gave 322–483 ms before and 193–355 ms after with Threads=1, and 293–492 ms before and
// 92–297 ms after with Threads=2 (92 ms, 56 GFLOP/s, when the second core was free).
// Profile (Threads=1): Gemm kernels ≈ 50 %, im2col ≈ 10 %, BatchNorm ≈ 14 %, ReLU ≈ 7 %.
// `sipbench bench` times the same step at batch 32 against PyTorch: see PERFORMANCE.md.
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
