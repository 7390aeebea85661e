//go:build !amd64 || purego || (openblas && cgo)

package core

// dgemmAsm computes nothing without the assembly kernels: dgemm does it all portably.
func dgemmAsm(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) (rows, cols int) {
	return 0, 0
}

func dgemmGetWide() bool  { return false }
func dgemmSetWide(w bool) {}
