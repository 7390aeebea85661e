package core

import "math"

// dgemm computes C = A·B for row-major float64 matrices, A m×k (row stride lda), B k×n
// (ldb) and C m×n (ldc), overwriting C. Every entry is one FMA chain over k in increasing
// order from +0,
//
//	c = 0;  c = fma(a[i][p], b[p][j], c) for p = 0 … k−1,
//
// rounded once per step, whichever implementation runs: the assembly kernels (AVX2 and
// AVX-512, dgemm_amd64.s) do exactly this, and the portable code does it with math.FMA,
// which is exact too. So its results are the same, bit for bit, on every machine. It runs
// on the calling goroutine; it serves the DST-I (DST2), whose matrices are small (n ≤ a
// few hundred), so it does not block for the caches.
func dgemm(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	// Bounds: the kernels read A's m rows of k, B's k rows of n, write C's m rows of n.
	_, _, _ = a[(m-1)*lda+k-1], b[(k-1)*ldb+n-1], c[(m-1)*ldc+n-1]
	i, j := dgemmAsm(m, n, k, a, lda, b, ldb, c, ldc)
	// What the kernels left: rows i… for all columns, and columns j… of rows < i.
	dgemmRef(m-i, n, k, a[i*lda:], lda, b, ldb, c[i*ldc:], ldc)
	if j < n {
		dgemmRef(i, n-j, k, a, lda, b[j:], ldb, c[j:], ldc)
	}
}

// dgemmRef is dgemm's portable arithmetic.
func dgemmRef(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		ai := a[i*lda : i*lda+k]
		ci := c[i*ldc : i*ldc+n]
		clear(ci)
		for p, av := range ai {
			bp := b[p*ldb : p*ldb+n]
			for j, bv := range bp {
				ci[j] = math.FMA(av, bv, ci[j])
			}
		}
	}
}
