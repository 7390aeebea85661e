//go:build !amd64 || purego || (openblas && cgo)

package core

// fftHasAVX is false: there is no assembly butterfly.
const fftHasAVX = false

// butterflyRows is butterflyRowsGo (no assembly in this build).
func butterflyRows(lo, hi []complex128, w complex128, one bool) { butterflyRowsGo(lo, hi, w, one) }
