package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkGemm times every implementation on the products of a 3×3 convolution from 16 to
// 16 channels on a 64×64 field by im2col (forward, whole and as the ≈ 512-column slab
// Conv2d uses, and the slab with m = 18, which the 6×16 kernel tiles exactly: m = 16
// should not be slower; weight gradient, with op(B) = colᵀ; input gradient by the col
// route, with op(A) = Wᵀ) and on a square 256³, side by side in one run. gonum-sgemm is
// gonum's Sgemm called whole, as Gemm did before the packed kernel: unlike Gemm it starts
// goroutines for large C (all products here but conv-dW).
//
// Figures (GFLOP/s, median of 3) on the 2-core Xeon of the workbench (AVX2, FMA; ~133
// GFLOP/s float32 peak per core), shared with other jobs, with
// go test -run '^$' -bench Gemm -benchtime 20x -count 3 ./core:
//
//	shape      (m, n, k)         avx2   gonum  gonum-sgemm  avx2/gonum
//	conv-fwd   (16, 4096, 144)   49.7     8.5          7.2        5.8×
//	conv-slab  (16, 512, 144)    75.7     9.4          4.7        8.1×
//	slab-m18   (18, 512, 144)    77.2 (-benchtime 200x -count 6; the 20x run was disturbed)
//	conv-dW    (16, 144, 4096)ᵀ  61.4    10.3         11.6        6.0×
//	conv-dX    (144, 4096, 16)ᵀ  47.0     5.7          4.3        8.2×
//	square     (256, 256, 256)   51.0     5.6          4.6        9.1×
//
// Before the 4×16 kernel for the last rows (16 = 6+6+4), conv-slab ran at 68.8 against
// 78.7 GFLOP/s for slab-m18 in the same run, i.e. m = 16 took longer than m = 18; now it
// takes ≈ 8 % less (31.5 against 34.4 µs, -benchtime 200x -count 6). Expect ±30 %
// between runs on the shared cores.
func BenchmarkGemm(b *testing.B) {
	shapes := []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"conv-fwd", false, false, 16, 4096, 144},
		{"conv-slab", false, false, 16, 512, 144},
		{"slab-m18", false, false, 18, 512, 144},
		{"conv-dW", false, true, 16, 144, 4096},
		{"conv-dX", true, false, 144, 4096, 16},
		{"square", false, false, 256, 256, 256},
	}
	impls := append(gemmImpls[:len(gemmImpls):len(gemmImpls)], gemmImpl{name: "gonum-sgemm", fn: gemmGonumWhole})
	for _, sh := range shapes {
		rng := rand.New(rand.NewPCG(1, 1))
		rnd := func(n int) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = 2*rng.Float32() - 1
			}
			return s
		}
		lda, ldb := sh.k, sh.n
		if sh.transA {
			lda = sh.m
		}
		if sh.transB {
			ldb = sh.k
		}
		a, bm := rnd(sh.m*sh.k), rnd(sh.k*sh.n)
		want := make([]float32, sh.m*sh.n)
		gemmWith(gemmGonum, sh.transA, sh.transB, sh.m, sh.n, sh.k, 1, a, lda, bm, ldb, 0, want, sh.n)
		for _, impl := range impls {
			b.Run(fmt.Sprintf("%s/%s", sh.name, impl.name), func(b *testing.B) {
				c := make([]float32, sh.m*sh.n)
				run := func() {
					gemmWith(impl.fn, sh.transA, sh.transB, sh.m, sh.n, sh.k, 1, a, lda, bm, ldb, 0, c, sh.n)
				}
				run()
				for i := range c {
					// Both sums have k = 4096 terms at most, each of size ≤ 1, so
					// they agree to about k·2⁻²⁴·√k ≈ 1.6e-2 in the worst case;
					// a real error is of order 1.
					if d := math.Abs(float64(c[i] - want[i])); !(d < 2e-2) {
						b.Fatalf("%s: C[%d] = %v; want %v", impl.name, i, c[i], want[i])
					}
				}
				for b.Loop() {
					run()
				}
				flops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// gemmGonumWhole calls gonum's Sgemm on the whole product, which may run in parallel.
func gemmGonumWhole(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
