package core

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where op(A) is A or Aᵀ
// as transA says, op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are the row
// strides of A, B and C as stored.
//
// As in the reference BLAS, C is not read when beta is 0 (so NaN or Inf there does not
// propagate), and A and B are not read when k is 0 or alpha is 0, which leaves C = beta·C.
// Gemm panics, naming the matrix, if a stride is shorter than its row or a slice is too
// short for its shape.
//
// Every matrix product of sipbench goes through Gemm, so that a faster kernel replaces the
// implementation in this one place: on amd64 CPUs with AVX2 and FMA it is a packed,
// register-blocked kernel in assembly (gemm_amd64.s), elsewhere, or with the build tag
// purego, gonum's pure-Go Sgemm. Each call runs on the calling goroutine only and does not
// allocate in the steady state. It is safe for concurrent use on disjoint C.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmWith(gemmBest.fn, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// KernelsEnv names the environment variable read once when the program starts: set to
// "avx2" on a CPU with AVX-512, it makes Gemm, the convolutions and the float64 products
// run their AVX2 kernels, to time on one machine what a CPU with AVX2 and FMA only (an
// AMD EPYC before Zen 4, say) would run. The results are the same bits either way.
const KernelsEnv = "SIPBENCH_KERNELS"

// Kernels names the kernels Gemm runs on this CPU and build: "avx512", "avx2", "gonum"
// (pure Go) or "openblas".
func Kernels() string { return gemmBest.name }

// gemmFunc is one implementation of Gemm's arithmetic. gemmWith has checked the shapes
// and handled the degenerate cases before calling it, so it may assume m, n, k ≥ 1 and
// alpha ≠ 0.
type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int)

// gemmImpl names a gemmFunc for tests and benchmarks.
type gemmImpl struct {
	name string
	fn   gemmFunc
	// rowExact reports whether each entry of C is summed in an order that depends only on
	// k and on its column's place in the tiles, never on m: then C's rows computed by one
	// call equal, bit for bit, the same rows computed by calls on row slices. Our kernels
	// block k the same way for every m (gonum's and the assembly's), so they promise it;
	// OpenBLAS picks kernels and blocking by shape and by CPU and does not.
	//
	// Every implementation gives the same bits for the same call (same shapes, same data),
	// whichever goroutine makes it; that, not rowExact, is what makes results independent
	// of the number of op threads and workers, since the ops split their work by example.
	rowExact bool
}

var (
	// gemmImpls lists every implementation usable on this CPU and build, the fallback
	// first; tests and benchmarks run all of them.
	gemmImpls = []gemmImpl{{"gonum", gemmGonum, true}}
	// gemmBest is the implementation Gemm uses; the build files for faster kernels
	// replace it at init when the CPU supports them.
	gemmBest = gemmImpls[0]
)

// gemmWith checks the arguments, does the cases that need no product, and calls f.
func gemmWith(f gemmFunc, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	f(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleMatrix sets C = beta·C, writing zeros without reading C when beta is 0.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemmGonum is the portable implementation: gonum's pure-Go Sgemm, run on the calling
// goroutine only. gonum's Sgemm starts goroutines once C spans four or more 64×64 blocks;
// Gemm's contract is single-threaded (callers parallelise), so C is cut into blocks of at
// most 64×192, which gonum multiplies serially. Each entry's sum over k is unchanged.
func gemmGonum(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	const mb, nb = 64, 192 // 1×3 blocks of gonum's 64, below its threshold of 4
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	for i := 0; i < m; i += mb {
		mi := min(mb, m-i)
		ai := a[i:] // columns i… of the stored Aᵀ
		if !transA {
			ai = a[i*lda:] // rows i… of A
		}
		for j := 0; j < n; j += nb {
			nj := min(nb, n-j)
			bj := b[j:] // columns j… of B
			if transB {
				bj = b[j*ldb:] // rows j… of the stored Bᵀ
			}
			gonum.Implementation{}.Sgemm(ta, tb, mi, nj, k, alpha, ai, lda, bj, ldb, beta, c[i*ldc+j:], ldc)
		}
	}
}

func checkGemm(transA, transB bool, m, n, k, na, lda, nb, ldb, nc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("core: Gemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	bad := func(what string, rows, cols, ld, have int) {
		if cols > ld || (rows > 0 && (rows-1)*ld+cols > have) {
			panic(fmt.Sprintf("core: Gemm: %s is %d×%d with stride %d but has %d elements", what, rows, cols, ld, have))
		}
	}
	if k > 0 {
		bad("A", ar, ac, lda, na)
		bad("B", br, bc, ldb, nb)
	}
	bad("C", m, n, ldc, nc)
}
