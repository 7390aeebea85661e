//go:build amd64 && !purego && !(openblas && cgo)

package core

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNormKernels holds BatchNorm's AVX2 kernels to its Go loops, bit for bit: the
// output, the gradients of x, γ and β and the running statistics of BatchNorm2d.Forward
// and ForwardReLU, in training and evaluation, on fields whose sizes have tails after the
// blocks of 16 and 8 (35, 7) and none (64), with NaN, ±0 and infinities among the inputs,
// and β = −0 with γ < 0 so that a normalised value is −0 (which ReLU makes +0).
func TestBatchNormKernels(t *testing.T) {
	if !gemmHasAVX2FMA {
		t.Skip("this CPU lacks AVX2: the BatchNorm kernels do not run here")
	}
	defer func(a bool) { bnAsm = a }(bnAsm)
	for _, hw := range [][2]int{{5, 7}, {8, 8}, {1, 7}, {64, 64}} {
		for _, relu := range []bool{false, true} {
			for _, training := range []bool{true, false} {
				rng := rand.New(rand.NewPCG(uint64(hw[0]), uint64(hw[1])))
				x := randTensor(rng, 3, 4, hw[0], hw[1])
				gout := randTensor(rng, 3, 4, hw[0], hw[1])
				if !training && len(x.Data) > 40 {
					// Evaluation keeps non-finite inputs out of the running statistics.
					x.Data[3], x.Data[17] = float32(math.NaN()), float32(math.Inf(-1))
					x.Data[33] = float32(math.Copysign(0, -1))
					gout.Data[5] = float32(math.Inf(1))
				}
				run := func(asm bool) []string {
					bnAsm = asm
					bn := NewBatchNorm2d("bn", 4)
					copy(bn.Gamma.Value.Data, []float32{1.5, -1, 0.3, 2})
					copy(bn.Beta.Value.Data, []float32{0.2, float32(math.Copysign(0, -1)), 0, 1})
					copy(bn.RunningMean.Data, []float32{0.1, -0.2, 0.3, 0})
					copy(bn.RunningVar.Data, []float32{0.9, 1.2, 0.5, 2})
					if !training {
						// Channel 1: x = its running mean gives x̂ = +0, γ·x̂ = −0, + β = −0.
						bn.RunningMean.Data[1] = x.Data[hw[0]*hw[1]]
					}
					tp := NewTape()
					tp.Training = training
					xv := tp.Input(x)
					var y *Var
					if relu {
						y = bn.ForwardReLU(xv)
					} else {
						y = bn.Forward(xv)
					}
					y2 := bn.Forward(xv) // a second use: x's gradient accumulates
					tp.Backward(Add(Sum(Mul(y, tp.Const(gout))), Sum(Mul(y2, y2))), nil)
					return []string{tensorBits(y.Value), tensorBits(xv.Grad), tensorBits(bn.Gamma.Grad),
						tensorBits(bn.Beta.Grad), tensorBits(bn.RunningMean), tensorBits(bn.RunningVar)}
				}
				want, got := run(false), run(true)
				for i, what := range []string{"output", "x gradient", "γ gradient", "β gradient", "running mean", "running var"} {
					if got[i] != want[i] {
						t.Errorf("%d×%d relu=%v training=%v: the kernels' %s differs from the Go loops'", hw[0], hw[1], relu, training, what)
					}
				}
			}
		}
	}
}

// TestBatchNormNormalizeSpecials checks the normalisation kernel on the values where
// max(·, 0) needs care: NaN stays NaN, −0 becomes +0, as Go's max does.
func TestBatchNormNormalizeSpecials(t *testing.T) {
	if !gemmHasAVX2FMA {
		t.Skip("this CPU lacks AVX2: the BatchNorm kernels do not run here")
	}
	negZero := float32(math.Copysign(0, -1))
	src := []float32{2, 2, float32(math.NaN()), 3, 1, float32(math.Inf(1)), float32(math.Inf(-1)), 2}
	p := bnParams{mean: 2, is: 1, gamma: -1, beta: negZero, relu: 1}
	got := make([]float32, 8)
	bnNormalize8(&got[0], &src[0], 1, &p)
	for i, v := range src {
		want := max(p.gamma*((v-p.mean)*p.is)+p.beta, 0)
		if math.Float32bits(got[i]) != math.Float32bits(want) {
			t.Errorf("ReLU(BN(%v)) = %v (bits %#x); want %v (bits %#x)", v, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
		}
	}
}

// TestBatchNormSumKernels compares the sums' kernels with the Go loops directly, on their
// float64 results (the layer's float32 outputs hide most differences in them).
func TestBatchNormSumKernels(t *testing.T) {
	if !gemmHasAVX2FMA {
		t.Skip("this CPU lacks AVX2: the BatchNorm kernels do not run here")
	}
	defer func(a bool) { bnAsm = a }(bnAsm)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{16, 35, 4096} {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(3*rng.NormFloat64() + 1)
			g[i] = float32(rng.NormFloat64())
		}
		for _, relu := range []uint32{0, 1} {
			p := bnParams{mean: 0.9, is: 0.35, gamma: -1.3, beta: 0.2, relu: relu}
			bnAsm = false
			s0, q0 := sum64(x), sumSqDev64(x, p.mean)
			a0, b0 := bnBackSums(g, x, &p)
			bnAsm = true
			s1, q1 := sum64(x), sumSqDev64(x, p.mean)
			a1, b1 := bnBackSums(g, x, &p)
			if s0 != s1 || q0 != q1 || a0 != a1 || b0 != b1 {
				t.Errorf("n=%d relu=%d: kernels give Σx %v, Σ(x−μ)² %v, Σg %v, Σg·x̂ %v; Go gives %v, %v, %v, %v",
					n, relu, s1, q1, a1, b1, s0, q0, a0, b0)
			}
		}
	}
}

// TestBatchNormNormalizePadRows holds bnNormalizePadRows8 to the Go loops it replaces in
// normalizePadded (the Go normalisation of each row into its padded row, then the wrapped
// columns and rows of padWrap), bit for bit, with and without ReLU, on planes 8, 16 and
// 64 wide with NaN, ±0 and infinities among the values and a normalised −0 (γ < 0, β =
// −0), and checks it writes nothing outside the plane.
func TestBatchNormNormalizePadRows(t *testing.T) {
	if !gemmHasAVX2FMA {
		t.Skip("this CPU lacks AVX2: the BatchNorm kernels do not run here")
	}
	negZero := float32(math.Copysign(0, -1))
	rng := rand.New(rand.NewPCG(3, 11))
	specials := []float32{float32(math.NaN()), negZero, 0, float32(math.Inf(1)), float32(math.Inf(-1)), 0.5}
	for _, hw := range [][2]int{{1, 8}, {3, 16}, {5, 64}} {
		h, w := hw[0], hw[1]
		src := randTensor(rng, h, w).Data
		for i := range src {
			if rng.IntN(5) == 0 {
				src[i] = specials[rng.IntN(len(specials))]
			}
		}
		pw := w + 2
		for _, relu := range []uint32{0, 1} {
			p := bnParams{mean: 0.5, is: 1.25, gamma: -0.75, beta: negZero, relu: relu}
			want := make([]float32, (h+2)*pw)
			for y := range h {
				row := want[(y+1)*pw+1:][:w]
				for j, v := range src[y*w:][:w] {
					row[j] = p.gamma*((v-p.mean)*p.is) + p.beta
					if relu != 0 {
						row[j] = max(row[j], 0)
					}
				}
			}
			padWrap(want, h, w)
			const guard = 7 // floats after the plane that must stay untouched
			got := make([]float32, (h+2)*pw+guard)
			for i := range got {
				got[i] = 42
			}
			bnNormalizePadRows8(&got[pw], &src[0], h, w, &p)
			copy(got[:pw], got[h*pw:(h+1)*pw])
			copy(got[(h+1)*pw:(h+2)*pw], got[pw:2*pw])
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%d×%d relu=%d: element %d = %v (%#x), the Go loops' %v (%#x)", h, w, relu, i,
						got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
			for i := len(want); i < len(got); i++ {
				if got[i] != 42 {
					t.Fatalf("%d×%d: wrote past the plane at %d", h, w, i)
				}
			}
		}
	}
}
