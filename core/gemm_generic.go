//go:build !amd64 || purego

package core

// gemmAsmBuilt reports whether this build contains the assembly kernel. Without it (other
// architectures, or the build tag purego) Gemm uses gonum's pure-Go Sgemm.
const gemmAsmBuilt = false

// gemmHasAVX2FMA is false in builds without the assembly kernel.
var gemmHasAVX2FMA = false
