//go:build openblas && cgo

package core

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

// The openblas build tag (with cgo and Debian's libopenblas-dev) puts OpenBLAS's sgemm
// behind Gemm, single-threaded inside (callers parallelise, as for every implementation):
//
//	go build -tags openblas .
//
// It is chosen over the assembly kernel when built in; tests and benchmarks run both.

const gemmOpenBLASBuilt = true

func init() {
	C.openblas_set_num_threads(1)
	gemmImpls = append(gemmImpls, gemmImpl{"openblas", gemmOpenBLAS, false})
	gemmBest = gemmImpls[len(gemmImpls)-1]
}

// gemmOpenBLAS calls cblas_sgemm in row-major order. gemmWith has checked the shapes and
// that m, n, k ≥ 1, so the slices are non-empty.
func gemmOpenBLAS(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = uint32(C.CblasTrans)
	}
	if transB {
		tb = uint32(C.CblasTrans)
	}
	C.cblas_sgemm(C.CblasRowMajor, C.enum_CBLAS_TRANSPOSE(ta), C.enum_CBLAS_TRANSPOSE(tb),
		C.blasint(m), C.blasint(n), C.blasint(k), C.float(alpha),
		(*C.float)(&a[0]), C.blasint(lda), (*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}
