//go:build !amd64 || purego || (openblas && cgo)

package core

// gemmAsmBuilt reports whether this build contains the assembly kernel. Without it (other
// architectures, the build tag purego, or an openblas build, where cgo rules out Go
// assembly in the package) Gemm uses gonum's pure-Go Sgemm or OpenBLAS.
const gemmAsmBuilt = false

// gemmHasAVX2FMA is false in builds without the assembly kernel.
var gemmHasAVX2FMA = false

// gemmHasAVX512 is false in builds without the assembly kernel.
var gemmHasAVX512 = false
