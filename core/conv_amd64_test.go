//go:build amd64 && !purego && !(openblas && cgo)

package core

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvImplicitMatchesIm2col holds the implicit convolution kernels (conv_amd64.go) to
// the im2col path, bit for bit: the output and the gradients with respect to x, the weight
// and the bias, over field sizes whose rows take 32- and 16-column tiles and partial ones
// (w = 8, 12, 20, 40, 64), slabs that the implicit dot-product kernel serves and some it
// leaves to im2col (w not a multiple of 8, short slabs), channel counts whose im2col has
// more than one KC-slice (Cin·9 > 256) and output channels in 6- and 4-row tiles and
// partial ones, with both kernel widths where the CPU has AVX-512.
func TestConvImplicitMatchesIm2col(t *testing.T) {
	if !gemmHasAVX2FMA {
		t.Skip("this CPU lacks AVX2 or FMA: no implicit kernels run here")
	}
	widths := []bool{false}
	if gemmHasAVX512 {
		widths = append(widths, true)
	} else {
		t.Log("this CPU lacks AVX-512F: only the AVX2 kernels are compared with im2col")
	}
	defer func(impl, wide bool) { convImplicit, convWide = impl, wide }(convImplicit, convWide)
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct{ n, cin, cout, h, w int }{
		{2, 16, 16, 64, 64},
		{2, 32, 16, 32, 32},
		{1, 1, 16, 16, 16},
		{2, 16, 1, 8, 8},
		{1, 3, 5, 12, 12},
		{1, 5, 7, 20, 40},
		{1, 4, 13, 9, 20},
		{1, 29, 10, 16, 24},
	}
	if testing.Short() {
		cases = cases[2:]
	}
	for _, c := range cases {
		x := randTensor(rng, c.n, c.cin, c.h, c.w)
		wt := randTensor(rng, c.cout, c.cin, 3, 3)
		bias := randTensor(rng, c.cout)
		gout := randTensor(rng, c.n, c.cout, c.h, c.w)
		run := func() []string {
			tp := NewTape()
			xv, wv, bv := tp.Input(x), tp.Input(wt), tp.Input(bias)
			y := Conv2d(xv, wv, bv)
			tp.Backward(Sum(Mul(y, tp.Const(gout))), nil)
			return []string{tensorBits(y.Value), tensorBits(xv.Grad), tensorBits(wv.Grad), tensorBits(bv.Grad)}
		}
		convImplicit = false
		want := run()
		for _, wide := range widths {
			convImplicit, convWide = true, wide
			got := run()
			for i, what := range []string{"output", "x gradient", "weight gradient", "bias gradient"} {
				if got[i] != want[i] {
					t.Errorf("%+v wide=%v: the %s differs from the im2col path's", c, wide, what)
				}
			}
		}
	}
}

// TestConv2dConcatUpsampleFallback is TestConv2dConcatUpsampleMatchesUnfused without the
// implicit convolution, where conv2dConcatUpsample records the two ops.
func TestConv2dConcatUpsampleFallback(t *testing.T) {
	defer func(impl bool) { convImplicit = impl }(convImplicit)
	convImplicit = false
	if op := checkConv2dConcatUpsample(t); op != "Conv2d" {
		t.Errorf("without the implicit convolution the op recorded is %q, not Conv2d", op)
	}
}

// TestConv2dBNReLUFallback is TestConv2dBNReLUMatchesUnfused without the implicit
// convolution, where conv2dBNReLU records the two ops.
func TestConv2dBNReLUFallback(t *testing.T) {
	defer func(impl bool) { convImplicit = impl }(convImplicit)
	convImplicit = false
	if op := checkConv2dBNReLU(t); op != "Conv2d" {
		t.Errorf("without the implicit convolution the op recorded is %q, not Conv2d", op)
	}
}

// TestConvImplicitUsed checks that the U-Net's shapes take the implicit path where the
// kernels exist, so that the test above compares what runs.
func TestConvImplicitUsed(t *testing.T) {
	if !gemmHasAVX2FMA {
		t.Skip("this CPU lacks AVX2 or FMA: no implicit kernels run here")
	}
	for _, hw := range []int{64, 32, 16} {
		if !convImplicitOK(16, hw, hw) || !convImplicitOK(32, hw, hw) {
			t.Errorf("%d×%d: implicit forward not taken", hw, hw)
		}
		rows := convSlabRows(hw, hw, convSlabColsW)
		if !convDotRowsOK(16, rows*hw, hw) {
			t.Errorf("%d×%d: implicit weight gradient not taken", hw, hw)
		}
	}
}

// BenchmarkMaxPool2 times MaxPool2's forward pass on a 64×64 batch of 32 examples and 16
// channels (the U-Net's largest) with the AVX2 windows and with the Go loop alone;
// cpu-ns/op is the process's CPU time per pass.
func BenchmarkMaxPool2(b *testing.B) {
	if !poolAsm {
		b.Skip("no AVX2 pooling kernel")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, 32, 16, 64, 64)
	for _, asm := range []bool{true, false} {
		b.Run(map[bool]string{true: "avx2", false: "go"}[asm], func(b *testing.B) {
			defer func(old bool) { poolAsm = old }(poolAsm)
			poolAsm = asm
			tp := NewTape()
			cpu0 := processCPU()
			for b.Loop() {
				tp.Reset()
				MaxPool2(tp.Const(x))
			}
			if cpu := processCPU() - cpu0; cpu0 > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkUpsamplePlaneRows times the fused upsampling of a 32×32 plane to 64×64 with the
// AVX2 rows and with the Go loops alone; cpu-ns/op is the process's CPU time per plane.
func BenchmarkUpsamplePlaneRows(b *testing.B) {
	const h, w = 32, 32
	rng := rand.New(rand.NewPCG(1, 1))
	src, dst, hrow := randTensor(rng, h*w).Data, make([]float32, 4*h*w), make([]float32, 2*h*w)
	taps := upsampleTaps(w)
	for _, asm := range []bool{true, false} {
		b.Run(map[bool]string{true: "avx2", false: "go"}[asm], func(b *testing.B) {
			defer func(old bool) { upsampleAsm = old }(upsampleAsm)
			upsampleAsm = asm
			cpu0 := processCPU()
			for b.Loop() {
				upsamplePlaneRows(dst, src, h, w, taps, hrow)
			}
			if cpu := processCPU() - cpu0; cpu0 > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// TestSumPlanesBits holds sumPlanes (eight planes at a time in sumPlanes8) to sum32 plane
// by plane, bit for bit, with ±0, infinities, subnormals and large values among the floats
// (any NaN for any NaN), for plane counts with and without a remainder after the eights
// and plane lengths of 4 upwards; it fails if a plane's lanes or order are wrong.
func TestSumPlanesBits(t *testing.T) {
	if !padAsm {
		t.Skip("this CPU lacks AVX: sumPlanes8 does not run here")
	}
	rng := rand.New(rand.NewPCG(8, 21))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-45, 3e38, -3e38}
	for _, planes := range []int{1, 8, 9, 16, 23} {
		for _, hw := range []int{4, 12, 64, 4096} {
			x := randTensor(rng, planes, hw).Data
			for i := range x {
				x[i] *= float32(math.Exp(4 * rng.NormFloat64())) // magnitudes far apart: rounding matters
				if rng.IntN(300) == 0 {
					x[i] = specials[rng.IntN(len(specials))]
				}
			}
			got := make([]float32, planes)
			sumPlanes(got, x, hw)
			for p := range got {
				want := sum32(x[p*hw : (p+1)*hw])
				if math.Float32bits(got[p]) != math.Float32bits(want) && !(got[p] != got[p] && want != want) {
					t.Fatalf("%d planes of %d: plane %d sums to %v (%#x), sum32 %v (%#x)", planes, hw, p,
						got[p], math.Float32bits(got[p]), want, math.Float32bits(want))
				}
			}
		}
	}
}
