//go:build amd64 && !purego

package fluid

import (
	"math/bits"
	"os"

	"golang.org/x/sys/cpu"

	"github.com/sipbench/sipbench/core"
)

// hasFastAdvect reports whether the CPU and OS support macCormackAVX2.
var hasFastAdvect = cpu.X86.HasAVX2

// hasAdvect512 reports whether the CPU and OS support macCormackAVX512 (x/sys/cpu checks
// that the OS saves the ZMM and mask registers).
var hasAdvect512 = hasFastAdvect && cpu.X86.HasAVX512F

// advectWidth is the points per step of the kernel maccormackFast runs: 8 (AVX-512) where
// the CPU has it, unless SIPBENCH_KERNELS is "avx2" when the program starts (as core's
// kernels: an AVX2-only machine's kernels timed on this one), 4 (AVX2), or 0 (none). The
// results are the same bits at every width.
var advectWidth = func() int {
	switch {
	case hasAdvect512 && os.Getenv(core.KernelsEnv) != "avx2":
		return 8
	case hasFastAdvect:
		return 4
	}
	return 0
}()

// advectWidths are the kernel widths this CPU runs, for the tests.
func advectWidths() []int {
	switch {
	case hasAdvect512:
		return []int{4, 8}
	case hasFastAdvect:
		return []int{4}
	}
	return nil
}

//go:noescape
func macCormackAVX2(dst, f, dx, dy, sl, lo, hi *float64, n, shift, passes int) bool

//go:noescape
func macCormackAVX512(dst, f, dx, dy, sl, lo, hi *float64, n, shift, passes int) bool

// maccormackFast runs maccormack's passes in assembly where it can (n a power of two ≥ 4,
// every displacement below 2²⁹ cells) and reports whether it did; the results are the
// same bits as the Go loops' (TestFastMatchesReference).
func maccormackFast(dst, f, dx, dy, sl, lo, hi []float64, n int) bool {
	return maccormackKernel(advectWidth, 2, dst, f, dx, dy, sl, lo, hi, n)
}

// maccormackBackFast is maccormackFast's first pass only: sl, lo and hi (dst is not
// written). It reports whether it ran.
func maccormackBackFast(f, dx, dy, sl, lo, hi []float64, n int) bool {
	return maccormackKernel(advectWidth, 1, nil, f, dx, dy, sl, lo, hi, n)
}

// maccormackKernel runs the kernel of the given width (8 falls back to 4 for n = 4) for
// passes 1 (sl, lo, hi) or 2 (and dst), and reports whether it ran.
func maccormackKernel(width, passes int, dst, f, dx, dy, sl, lo, hi []float64, n int) bool {
	m := n * n
	if width == 0 || n < 4 || n&(n-1) != 0 || len(f) < m || len(dx) < m ||
		len(dy) < m || len(sl) < m || len(lo) < m || len(hi) < m {
		return false
	}
	var d *float64
	if passes == 2 {
		if len(dst) < m {
			return false
		}
		d = &dst[0]
	}
	shift := bits.TrailingZeros(uint(n))
	if width == 8 && n >= 8 {
		return macCormackAVX512(d, &f[0], &dx[0], &dy[0], &sl[0], &lo[0], &hi[0], n, shift, passes)
	}
	return macCormackAVX2(d, &f[0], &dx[0], &dy[0], &sl[0], &lo[0], &hi[0], n, shift, passes)
}

// adjPrep is macCormackAdjPrep512's argument: the fields and the scratch it writes (the
// assembly finds them by go_asm.h's offsets, adjPrep_kb and so on).
type adjPrep struct {
	f, dx, dy, sl, lo, hi  *float64
	kb                     *int32
	tyb, txb, gyb, gxb, nv *float64
	kf                     *int32
	tyf, txf, gyf, gxf     *float64
	n, shift               int
}

//go:noescape
func macCormackAdjPrep512(a *adjPrep) bool

// prepare fills sc (and sl, lo, hi as maccormack's first pass) with the AVX-512 kernel
// where it runs (the kernel width 8, n a power of two ≥ 8, every displacement below 2²⁹
// cells) and reports whether it did.
func (sc *adjScratch) prepare(f, dx, dy, sl, lo, hi []float64, n int) bool {
	m := n * n
	if advectWidth != 8 || n < 8 || n&(n-1) != 0 || len(f) < m || len(dx) < m ||
		len(dy) < m || len(sl) < m || len(lo) < m || len(hi) < m {
		return false
	}
	sc.grow(m)
	a := adjPrep{f: &f[0], dx: &dx[0], dy: &dy[0], sl: &sl[0], lo: &lo[0], hi: &hi[0],
		kb: &sc.kb[0], tyb: &sc.tyb[0], txb: &sc.txb[0], gyb: &sc.gyb[0], gxb: &sc.gxb[0], nv: &sc.nv[0],
		kf: &sc.kf[0], tyf: &sc.tyf[0], txf: &sc.txf[0], gyf: &sc.gyf[0], gxf: &sc.gxf[0],
		n: n, shift: bits.TrailingZeros(uint(n))}
	return macCormackAdjPrep512(&a)
}
