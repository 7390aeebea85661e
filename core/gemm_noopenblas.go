//go:build !(openblas && cgo)

package core

// gemmOpenBLASBuilt reports whether this build puts OpenBLAS behind Gemm (build tag
// openblas, with cgo).
const gemmOpenBLASBuilt = false
