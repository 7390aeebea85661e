//go:build amd64 && !purego && !(openblas && cgo)

package core

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
)

// TestGemmAVX512MatchesAVX2 holds the AVX-512 kernel to the README's promise that the
// default build sums every product in the same order on every CPU with AVX2 and FMA: on
// every shape of TestGemm and TestGemmBlocks, the convolution shapes, both paths (packed
// and dot-product) and random alpha, beta and strides, it must give the AVX2 kernel's
// result bit for bit.
func TestGemmAVX512MatchesAVX2(t *testing.T) {
	if !gemmHasAVX2FMA {
		t.Skip("this CPU lacks AVX2 or FMA: neither assembly kernel runs here")
	}
	if !gemmHasAVX512 {
		t.Skip("this CPU lacks AVX-512F: the AVX-512 kernel cannot run here (it is compared with the AVX2 kernel on CPUs that have it)")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var cases []gemmCase
	// Every plan of row tiles (m), of 16- and 32-column panels and partial ones (n), one
	// and several KC-slices (k); in race builds (the race detector adds nothing to a
	// single-goroutine computation and slows it twentyfold) a subset.
	ms := []int{1, 2, 4, 5, 7, 8, 13, 16, 20, 24, 25, 49, 65, 150}
	ns := []int{1, 5, 15, 16, 17, 31, 32, 33, 48, 63, 65, 129}
	ks := []int{1, 7, 40, 257}
	if testing.Short() || gemmRaceBuild() {
		ms = []int{1, 4, 16, 20, 49}
		ns = []int{1, 16, 17, 33, 65}
		ks = []int{1, 40, 257}
	}
	// Betas whose products with C round (0.3, -1.7) tell an FMA from a multiply and add.
	alphas := []float32{1, -0.5, 0.7}
	betas := []float32{0, 1, 0.3, -1.7}
	for _, m := range ms {
		for _, n := range ns {
			for _, k := range ks {
				for tr := 0; tr < 4; tr++ {
					cases = append(cases, gemmCase{
						transA: tr&1 != 0, transB: tr&2 != 0, m: m, n: n, k: k,
						alpha: alphas[rng.IntN(len(alphas))], beta: betas[rng.IntN(len(betas))],
						padA: 3 * rng.IntN(2), padB: 3 * rng.IntN(2), padC: 3 * rng.IntN(2),
					})
				}
			}
		}
	}
	cases = append(cases,
		gemmCase{m: 16, n: 512, k: 144, alpha: 1, beta: 1},
		gemmCase{m: 32, n: 1024, k: 288, alpha: 1, beta: 0},
		gemmCase{transB: true, m: 16, n: 144, k: 2048, alpha: 1, beta: 1},
		gemmCase{transB: true, m: 13, n: 23, k: 301, alpha: 0.7, beta: 0.3, padA: 1, padB: 2, padC: 3},
		gemmCase{transB: true, m: 16, n: 288, k: 1000, alpha: 1, beta: 0},
		gemmCase{transA: true, m: 144, n: 4096, k: 16, alpha: 1, beta: 0},
		gemmCase{transA: true, transB: true, m: 145, n: 2049, k: 257, alpha: 0.25, beta: -1.7},
		gemmCase{m: 150, n: 2100, k: 600, alpha: -1, beta: 0.5, padA: 1, padB: 2, padC: 3},
	)
	for _, tc := range cases {
		gemmBitsEqual(t, tc, rng)
	}
}

// gemmBitsEqual runs tc through the AVX2 and the AVX-512 kernel on the same data and
// fails unless every element of C, padding included, has the same bits.
func gemmBitsEqual(t *testing.T, tc gemmCase, rng *rand.Rand) {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := ac+tc.padA, bc+tc.padB, tc.n+tc.padC
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	a, b, c0 := rnd(ar*lda), rnd(br*ldb), rnd(tc.m*ldc)
	c2, c5 := append([]float32(nil), c0...), append([]float32(nil), c0...)
	gemmWith(gemmPacked, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c2, ldc)
	gemmWith(gemmPacked512, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c5, ldc)
	for i := range c2 {
		if math.Float32bits(c2[i]) != math.Float32bits(c5[i]) {
			t.Fatalf("%v: C[%d][%d] = %v with AVX-512, %v with AVX2; want the same bits",
				tc, i/ldc, i%ldc, c5[i], c2[i])
		}
	}
}

// TestKernelsEnv runs this test binary again with SIPBENCH_KERNELS=avx2 (KernelsEnv): on a
// CPU with AVX-512 the child must run the AVX2 kernels everywhere (Gemm, the convolutions,
// dgemm), and without the variable the AVX-512 ones.
func TestKernelsEnv(t *testing.T) {
	if os.Getenv("SIPBENCH_KERNELS_CHILD") == "1" {
		want := os.Getenv("SIPBENCH_KERNELS_WANT")
		wide := want == "avx512"
		if Kernels() != want || convWide != wide || dgemmWide != wide || useAVX512 != wide {
			t.Fatalf("%s=%q: Kernels() = %q, convWide %v, dgemmWide %v, want %q",
				KernelsEnv, os.Getenv(KernelsEnv), Kernels(), convWide, dgemmWide, want)
		}
		return
	}
	if !gemmHasAVX512 {
		t.Skip("this CPU lacks AVX-512F: SIPBENCH_KERNELS=avx2 changes nothing here")
	}
	for _, c := range []struct{ env, want string }{{"avx2", "avx2"}, {"", "avx512"}, {"avx512", "avx512"}} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKernelsEnv$")
		cmd.Env = append(os.Environ(), "SIPBENCH_KERNELS_CHILD=1", "SIPBENCH_KERNELS_WANT="+c.want, KernelsEnv+"="+c.env)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s=%q: %v\n%s", KernelsEnv, c.env, err, out)
		}
	}
}
