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
// Every matrix product of sipbench goes through Gemm, so that a faster kernel replaces the
// implementation in this one place. It is safe for concurrent use on disjoint C.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	gemmImpl.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var gemmImpl gonum.Implementation

func checkGemm(transA, transB bool, m, n, k, na, lda, nb, ldb, nc, ldc int) {
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
