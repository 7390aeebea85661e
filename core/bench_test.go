package core

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2d times one forward and backward pass (gradients w.r.t. x, W and b) of a
// circular 3×3 convolution, 16→16 channels, 64×64, batch 32, and reports GFLOP/s counting
// 2 FLOPs per multiply-add of the three matrix products (forward, input gradient, weight
// gradient): 6·N·Cout·Cin·9·H·W = 3.62 GFLOP per iteration, over wall time and over the
// process's CPU time ("cpu-GFLOP/s", which other jobs on a shared machine do not dilute;
// with threads=1 comparable with BenchmarkFMAPeak's cpu-GFLOP/s, the peak of one core).
//
// Measured on the shared 2-core development machine (load average 3–5), alternating the
// test binaries of before and after issue 8 (input gradient as a convolution with the
// flipped kernel instead of col2im, im2col by block copies over L2-sized column slabs),
//
//	go test ./core -run '^$' -bench Conv2d -benchtime 3x
//
// gave 59–73 ms (25–30 GFLOP/s) before and 40–44 ms (42–45 GFLOP/s) after with Threads=1,
// 62–85 ms before and 41–44 ms after with Threads=2 (the second core was busy). A CPU
// profile now puts ≈ 60 % in the Gemm kernels (6×16 for the forward and input gradient,
// the dot kernel for the weight gradient) and ≈ 15 % in im2col's copies.
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
			cpu0 := processCPU()
			for b.Loop() {
				step()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 {
				b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "cpu-GFLOP/s")
			}
		})
	}
}

// BenchmarkConv2dConcatUpsample times the U-Net's largest up-block's first convolution with
// its input, forward and backward (gradients to a, b, W and the bias): the concatenation of
// a skip (16 channels, 64×64, batch 32) and a 32×32 batch upsampled, then a 32→16 circular
// 3×3 convolution, fused (conv2dConcatUpsample) and as the two ops. cpu-ms/op is the
// process's CPU time per iteration; -count alternates the two.
func BenchmarkConv2dConcatUpsample(b *testing.B) {
	const n, c, h, w = 32, 16, 64, 64
	rng := rand.New(rand.NewPCG(1, 1))
	skip, low := randTensor(rng, n, c, h, w), randTensor(rng, n, c, h/2, w/2)
	wt := &Param{Name: "W", Value: randTensor(rng, c, 2*c, 3, 3), Grad: New(c, 2*c, 3, 3)}
	bias := &Param{Name: "b", Value: randTensor(rng, c), Grad: New(c)}
	up := randTensor(rng, n, c, h, w)
	for _, fused := range []bool{true, false} {
		b.Run(fmt.Sprintf("fused=%v", fused), func(b *testing.B) {
			tp := NewTape()
			step := func() {
				tp.Reset()
				va, vb := tp.Input(skip), tp.Input(low)
				var y *Var
				if fused {
					y = conv2dConcatUpsample(va, vb, tp.Param(wt), tp.Param(bias))
				} else {
					y = Conv2d(ConcatUpsample2(va, vb), tp.Param(wt), tp.Param(bias))
				}
				tp.Backward(y, up)
			}
			step()
			cpu0 := processCPU()
			for b.Loop() {
				step()
			}
			if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			}
		})
	}
}

// BenchmarkConv2dBNReLU times a U-Net block's BatchNorm+ReLU and second convolution (16
// channels, 64×64, batch 32), forward and backward, fused (conv2dBNReLU) and as the two
// ops. cpu-ms/op is the process's CPU time per iteration; -count alternates the two.
func BenchmarkConv2dBNReLU(b *testing.B) {
	const n, c, h, w = 32, 16, 64, 64
	rng := rand.New(rand.NewPCG(1, 1))
	z := randTensor(rng, n, c, h, w)
	wt := &Param{Name: "W", Value: randTensor(rng, c, c, 3, 3), Grad: New(c, c, 3, 3)}
	bias := &Param{Name: "b", Value: randTensor(rng, c), Grad: New(c)}
	bn := NewBatchNorm2d("bn", c)
	up := randTensor(rng, n, c, h, w)
	for _, fused := range []bool{true, false} {
		b.Run(fmt.Sprintf("fused=%v", fused), func(b *testing.B) {
			tp := NewTape()
			step := func() {
				tp.Reset()
				vz := tp.Input(z)
				var y *Var
				if fused {
					y = conv2dBNReLU(vz, bn, tp.Param(wt), tp.Param(bias))
				} else {
					y = Conv2d(bn.ForwardReLU(vz), tp.Param(wt), tp.Param(bias))
				}
				tp.Backward(y, up)
			}
			step()
			cpu0 := processCPU()
			for b.Loop() {
				step()
			}
			if cpu := processCPU() - cpu0; cpu0 > 0 && cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			}
		})
	}
}
