package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

// gemmCase is one product for gemmCheck. padA, padB and padC are added to the row length to
// make the strides; the padding holds NaN (A, B) or a sentinel (C) that must not show up
// in, or be changed by, the result.
type gemmCase struct {
	transA, transB   bool
	m, n, k          int
	alpha, beta      float32
	padA, padB, padC int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%v beta=%v pad=%d,%d,%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC)
}

// cSentinel marks C's padding; Gemm must leave it alone.
const cSentinel = -12345.5

// gemmCheck runs one case through f and compares it with a float64 reference.
func gemmCheck(t *testing.T, name string, f gemmFunc, tc gemmCase, rng *rand.Rand) {
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
	fill := func(rows, cols, ld int, pad float32) []float32 {
		s := make([]float32, rows*ld)
		for i := range s {
			if i%ld < cols {
				s[i] = 2*rng.Float32() - 1
			} else {
				s[i] = pad
			}
		}
		return s
	}
	nan := float32(math.NaN())
	a := fill(ar, ac, lda, nan)
	b := fill(br, bc, ldb, nan)
	c := fill(tc.m, tc.n, ldc, cSentinel)
	if tc.beta == 0 {
		// BLAS: with beta = 0, C is not read, so NaN in C must not reach the result.
		for i := range c {
			if i%ldc < tc.n {
				c[i] = nan
			}
		}
	}
	c0 := append([]float32(nil), c...)

	gemmWith(f, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)

	tol := gemmTol(tc.k)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= tc.n {
				if got != cSentinel {
					t.Fatalf("%s %v: C[%d][%d] in the padding = %v; want it untouched", name, tc, i, j, got)
				}
				continue
			}
			want, mag := gemmRef(tc, a, lda, b, ldb, c0, ldc, i, j)
			if d := math.Abs(float64(got) - want); !(d <= tol*mag) {
				if bad++; bad <= 3 {
					t.Errorf("%s %v: C[%d][%d] = %v; want %v (|diff| %.3g > tol %.3g)", name, tc, i, j, got, want, d, tol*mag)
				}
			}
		}
	}
	if bad > 3 {
		t.Fatalf("%s %v: %d wrong entries", name, tc, bad)
	}
}

// gemmTol is the relative error bound for an entry of C that sums k products: the sum is
// computed in float32 with FMA, rounded once per addition, plus one rounding for alpha per
// KC-slice of k; the classic bound for such a sum is γ_n·Σ|terms| with γ_n ≈ n·u,
// u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical Algorithms, §3.1). We take
// n = 2k+8 for slack: still far below one term's size for these k, so a missing or
// doubled term fails.
func gemmTol(k int) float64 {
	const u = 0x1p-24
	return float64(2*k+8) * u
}

// gemmRef returns C[i][j] of tc computed in float64 from A, B and C's value before the
// call (c0), and the sum of the absolute values of its terms, which scales gemmTol.
func gemmRef(tc gemmCase, a []float32, lda int, b []float32, ldb int, c0 []float32, ldc, i, j int) (want, mag float64) {
	var sum float64
	for p := 0; p < tc.k; p++ {
		ai, bi := i*lda+p, p*ldb+j
		if tc.transA {
			ai = p*lda + i
		}
		if tc.transB {
			bi = j*ldb + p
		}
		ap, bp := a[ai], b[bi]
		x := float64(ap) * float64(bp)
		sum += x
		mag += math.Abs(x)
	}
	want = float64(tc.alpha) * sum
	mag *= math.Abs(float64(tc.alpha))
	if tc.beta != 0 {
		want += float64(tc.beta) * float64(c0[i*ldc+j])
		mag += math.Abs(float64(tc.beta) * float64(c0[i*ldc+j]))
	}
	return want, mag
}

// TestGemm runs every implementation on all transposes and all shapes made of the sizes
// below, which straddle the micro-tiles (6×16, 4×16) and their multiples, with random
// strides, alpha and beta. The extra row counts end in every plan of 6- and 4-row tiles
// (gemmRowTile): 16 = 6+6+4, 8 = 4+4, 20 = 6+6+4+4, 13 = 6+4+3, ….
func TestGemm(t *testing.T) {
	t.Parallel()
	sizes := []int{1, 5, 17, 63, 65, 129}
	rows := []int{2, 3, 4, 7, 8, 10, 12, 13, 14, 16, 20, 24}
	if testing.Short() || gemmRaceBuild() {
		// The race detector adds nothing to a single-goroutine computation and slows it
		// twentyfold; CI runs the whole set without it.
		sizes = []int{1, 5, 17, 65}
		rows = []int{4, 8, 16, 20}
	}
	alphas := []float32{1, -0.5, 2.5}
	betas := []float32{0, 1, 0.5, -2}
	for _, impl := range gemmImpls {
		rng := rand.New(rand.NewPCG(1, 1))
		for _, m := range append(sizes[:len(sizes):len(sizes)], rows...) {
			for _, n := range sizes {
				for _, k := range sizes {
					for tr := 0; tr < 4; tr++ {
						tc := gemmCase{
							transA: tr&1 != 0, transB: tr&2 != 0,
							m: m, n: n, k: k,
							alpha: alphas[rng.IntN(len(alphas))],
							beta:  betas[rng.IntN(len(betas))],
							padA:  3 * rng.IntN(2), padB: 3 * rng.IntN(2), padC: 3 * rng.IntN(2),
						}
						gemmCheck(t, impl.name, impl.fn, tc, rng)
					}
				}
			}
		}
	}
}

// TestGemmBlocks covers shapes that cross the cache blocks of the packed kernel (KC = 256,
// MC = 144, NC = 2048) and the im2col convolution shapes, scaled down.
func TestGemmBlocks(t *testing.T) {
	t.Parallel()
	cases := []gemmCase{
		{m: 150, n: 40, k: 300, alpha: 1, beta: 0.5, padA: 1, padB: 2, padC: 3},
		{transA: true, m: 300, n: 33, k: 513, alpha: -1, beta: 0},
		{transB: true, m: 7, n: 2100, k: 9, alpha: 2, beta: 1, padC: 5},
		{transA: true, transB: true, m: 145, n: 2049, k: 257, alpha: 0.25, beta: -1},
		{m: 16, n: 1024, k: 144, alpha: 1, beta: 0},
		{transB: true, m: 16, n: 144, k: 1024, alpha: 1, beta: 0},
		{transA: true, m: 144, n: 1024, k: 16, alpha: 1, beta: 0},
		// A·Bᵀ with m ≤ 48 and k ≥ 256 takes the dot-product path: edges of its 4×3
		// tiles, k not a multiple of 8 or 16, strides.
		{transB: true, m: 5, n: 17, k: 300, alpha: -1.5, beta: 0.5, padA: 3, padB: 1, padC: 2},
		{transB: true, m: 48, n: 4, k: 263, alpha: 1, beta: 0, padC: 1},
		{transB: true, m: 1, n: 1, k: 256, alpha: 2, beta: 1},
		{transB: true, m: 49, n: 20, k: 256, alpha: 1, beta: -1, padB: 7},
	}
	if testing.Short() || gemmRaceBuild() {
		cases = append(cases[:3], cases[7:]...)
	}
	for _, impl := range gemmImpls {
		rng := rand.New(rand.NewPCG(1, 1))
		for _, tc := range cases {
			gemmCheck(t, impl.name, impl.fn, tc, rng)
		}
	}
}

// TestGemmDegenerate checks k = 0 and alpha = 0 (C = beta·C, A and B unread) and m or n = 0
// (nothing touched).
func TestGemmDegenerate(t *testing.T) {
	t.Parallel()
	nan := float32(math.NaN())
	for _, impl := range gemmImpls {
		for _, tc := range []struct {
			k           int
			alpha, beta float32
			c, want     []float32
		}{
			{k: 0, alpha: 1, beta: 0, c: []float32{nan, 1, 2, nan}, want: []float32{0, 0, 0, 0}},
			{k: 0, alpha: 1, beta: 2, c: []float32{1, 2, 3, 4}, want: []float32{2, 4, 6, 8}},
			{k: 0, alpha: 1, beta: 1, c: []float32{1, nan, 3, 4}, want: []float32{1, nan, 3, 4}},
			{k: 3, alpha: 0, beta: 0, c: []float32{nan, 1, 2, 3}, want: []float32{0, 0, 0, 0}},
			{k: 3, alpha: 0, beta: -1, c: []float32{1, 2, 3, 4}, want: []float32{-1, -2, -3, -4}},
		} {
			// A and B are NaN where they exist, so reading them would show.
			var a, b []float32
			if tc.k > 0 {
				a = []float32{nan, nan, nan, nan, nan, nan}
				b = a
			}
			c := append([]float32(nil), tc.c...)
			gemmWith(impl.fn, false, false, 2, 2, tc.k, tc.alpha, a, max(tc.k, 1), b, 2, tc.beta, c, 2)
			for i := range c {
				if !(c[i] == tc.want[i] || (c[i] != c[i] && tc.want[i] != tc.want[i])) {
					t.Errorf("%s k=%d alpha=%v beta=%v C=%v: got %v; want %v", impl.name, tc.k, tc.alpha, tc.beta, tc.c, c, tc.want)
					break
				}
			}
		}
		c := []float32{nan}
		gemmWith(impl.fn, false, false, 0, 1, 1, 1, nil, 1, nil, 1, 0, c, 1)
		gemmWith(impl.fn, false, false, 1, 0, 1, 1, nil, 1, nil, 1, 0, c, 1)
		if c[0] == c[0] {
			t.Errorf("%s: m or n = 0 wrote C", impl.name)
		}
	}
}

// TestGemmPanics checks that bad strides and short slices panic with a message naming the
// matrix.
func TestGemmPanics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		lda, ldb, ldc int
		na, nb, nc    int
		want          string
	}{
		{"short stride A", 2, 4, 4, 12, 12, 8, "A is 2×3 with stride 2"},
		{"short B", 3, 4, 4, 6, 11, 8, "B is 3×4 with stride 4 but has 11"},
		{"short C", 3, 4, 4, 6, 12, 7, "C is 2×4 with stride 4 but has 7"},
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) {
					t.Errorf("%s: panic %v; want one containing %q", tc.name, r, tc.want)
				}
			}()
			Gemm(false, false, 2, 4, 3, 1, make([]float32, tc.na), tc.lda,
				make([]float32, tc.nb), tc.ldb, 0, make([]float32, tc.nc), tc.ldc)
		}()
	}
}

// TestGemmUsesAsm checks that, on an amd64 CPU whose /proc/cpuinfo lists avx2 and fma,
// Gemm uses the assembly kernel unless built with the purego tag: the AVX-512 one if the
// CPU also lists avx512f.
func TestGemmUsesAsm(t *testing.T) {
	t.Parallel()
	if runtime.GOARCH != "amd64" {
		t.Skip("no assembly kernel for", runtime.GOARCH)
	}
	if gemmOpenBLASBuilt {
		if gemmBest.name != "openblas" {
			t.Errorf("openblas build uses %q; want openblas", gemmBest.name)
		}
		t.Skip("built with openblas")
	}
	if !gemmAsmBuilt {
		if gemmBest.name != "gonum" {
			t.Errorf("purego build uses %q; want gonum", gemmBest.name)
		}
		t.Skip("built with purego")
	}
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo to cross-check:", err)
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(string(info), "\n") {
		if name, rest, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			for _, f := range strings.Fields(rest) {
				flags[f] = true
			}
			break
		}
	}
	switch {
	case flags["avx2"] && flags["fma"] && flags["avx512f"] && os.Getenv(KernelsEnv) == "avx2":
		if gemmBest.name != "avx2" {
			t.Errorf("%s=avx2 but Gemm uses %q", KernelsEnv, gemmBest.name)
		}
	case flags["avx2"] && flags["fma"] && flags["avx512f"]:
		if gemmBest.name != "avx512" {
			t.Errorf("CPU has avx2, fma and avx512f but Gemm uses %q (x/sys/cpu says AVX2+FMA %v, AVX-512F %v)",
				gemmBest.name, gemmHasAVX2FMA, gemmHasAVX512)
		}
	case flags["avx2"] && flags["fma"]:
		if gemmBest.name != "avx2" {
			t.Errorf("CPU has avx2 and fma but Gemm uses %q (x/sys/cpu says AVX2 %v, FMA %v)",
				gemmBest.name, gemmHasAVX2FMA, gemmHasAVX2FMA)
		}
	case gemmBest.name != "gonum":
		t.Errorf("CPU lacks avx2 or fma but Gemm uses %q", gemmBest.name)
	}
}

// TestGemmNoAlloc checks that a call allocates nothing once the packing buffers exist.
func TestGemmNoAlloc(t *testing.T) {
	if gemmRaceBuild() {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	const m, n, k = 40, 300, 70
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for _, tr := range []bool{false, true} {
		got := testing.AllocsPerRun(20, func() {
			Gemm(tr, tr, m, n, k, 1, a, map[bool]int{false: k, true: m}[tr], b, map[bool]int{false: n, true: k}[tr], 0.5, c, n)
		})
		if got != 0 {
			t.Errorf("Gemm(trans=%v) on %d×%d×%d: %v allocations per call; want 0", tr, m, n, k, got)
		}
	}
}

// TestGemmConcurrent runs every implementation from several goroutines on disjoint row
// blocks of one C (run it with -race). Each block must equal, bit for bit, the same call
// made sequentially: the ops split their work by example and rely on this for results that
// do not depend on the number of op threads or workers. Where the implementation promises
// it (rowExact), the blocks must also equal the rows of one call on the whole of C; OpenBLAS
// does not promise that (on AVX2-only CPUs it sums a 512-row C in another order than a
// 64-row one), so there the whole call is held to the float64 reference instead.
func TestGemmConcurrent(t *testing.T) {
	t.Parallel()
	const m, n, k, workers = 64, 100, 300, 8
	rng := rand.New(rand.NewPCG(1, 1))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 2*rng.Float32() - 1
		}
		return s
	}
	a, b := rnd(workers*m*k), rnd(k*n)
	for _, impl := range gemmImpls {
		whole := make([]float32, workers*m*n)
		seq, got := make([]float32, workers*m*n), make([]float32, workers*m*n)
		gemmWith(impl.fn, false, false, workers*m, n, k, 1, a, k, b, n, 0, whole, n)
		for w := 0; w < workers; w++ {
			gemmWith(impl.fn, false, false, m, n, k, 1, a[w*m*k:], k, b, n, 0, seq[w*m*n:], n)
		}
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				gemmWith(impl.fn, false, false, m, n, k, 1, a[w*m*k:], k, b, n, 0, got[w*m*n:], n)
			}()
		}
		wg.Wait()
		for i := range seq {
			if got[i] != seq[i] {
				t.Fatalf("%s: C[%d] = %v concurrently; want %v as the same call gives sequentially", impl.name, i, got[i], seq[i])
			}
		}
		if impl.rowExact {
			for i := range whole {
				if got[i] != whole[i] {
					t.Fatalf("%s: C[%d] = %v in 64-row blocks; want %v as one 512-row call gives", impl.name, i, got[i], whole[i])
				}
			}
			continue
		}
		tc := gemmCase{m: workers * m, n: n, k: k, alpha: 1}
		tol := gemmTol(k)
		for i := 0; i < workers*m; i++ {
			for j := 0; j < n; j++ {
				want, mag := gemmRef(tc, a, k, b, n, nil, n, i, j)
				if d := math.Abs(float64(whole[i*n+j]) - want); !(d <= tol*mag) {
					t.Fatalf("%s: C[%d][%d] = %v in one 512-row call; want %v (|diff| %.3g > tol %.3g)", impl.name, i, j, whole[i*n+j], want, d, tol*mag)
				}
			}
		}
	}
}

// gemmRaceBuild reports whether the test binary was built with -race.
func gemmRaceBuild() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
