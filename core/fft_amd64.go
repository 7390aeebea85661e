//go:build amd64 && !purego && !(openblas && cgo)

package core

import "golang.org/x/sys/cpu"

// fftHasAVX reports whether the CPU and OS support butterflyRowsAVX.
var fftHasAVX = cpu.X86.HasAVX

//go:noescape
func butterflyRowsAVX(lo, hi *complex128, n int, wr, wi float64)

//go:noescape
func butterflyRows1AVX(lo, hi *complex128, n int)

// butterflyRows is the column pass's butterfly between two rows lo and hi with the twiddle
// w: lo[c], hi[c] = lo[c] + hi[c]·w, lo[c] − hi[c]·w (w = 1 without the product, if one).
// In AVX where the CPU has it, the same bits as butterflyRowsGo (TestButterflyRowsBits).
func butterflyRows(lo, hi []complex128, w complex128, one bool) {
	if !fftHasAVX || len(lo) == 0 || len(hi) < len(lo) {
		butterflyRowsGo(lo, hi, w, one)
		return
	}
	if one {
		butterflyRows1AVX(&lo[0], &hi[0], len(lo))
		return
	}
	butterflyRowsAVX(&lo[0], &hi[0], len(lo), real(w), imag(w))
}
