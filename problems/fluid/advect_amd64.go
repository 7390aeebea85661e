//go:build amd64 && !purego

package fluid

import (
	"math/bits"

	"golang.org/x/sys/cpu"
)

// hasFastAdvect reports whether the CPU and OS support macCormackAVX2.
var hasFastAdvect = cpu.X86.HasAVX2

//go:noescape
func macCormackAVX2(dst, f, dx, dy, sl, lo, hi *float64, n, shift, passes int) bool

// maccormackFast runs maccormack's passes in AVX2 where it can (n a power of two ≥ 4,
// every displacement below 2²⁹ cells) and reports whether it did; the results are the
// same bits as the Go loops' (TestFastMatchesReference).
func maccormackFast(dst, f, dx, dy, sl, lo, hi []float64, n int) bool {
	m := n * n
	if !hasFastAdvect || n < 4 || n&(n-1) != 0 || len(dst) < m || len(f) < m || len(dx) < m ||
		len(dy) < m || len(sl) < m || len(lo) < m || len(hi) < m {
		return false
	}
	return macCormackAVX2(&dst[0], &f[0], &dx[0], &dy[0], &sl[0], &lo[0], &hi[0], n, bits.TrailingZeros(uint(n)), 2)
}

// maccormackBackFast is maccormackFast's first pass only: sl, lo and hi (dst is not
// written). It reports whether it ran.
func maccormackBackFast(f, dx, dy, sl, lo, hi []float64, n int) bool {
	m := n * n
	if !hasFastAdvect || n < 4 || n&(n-1) != 0 || len(f) < m || len(dx) < m ||
		len(dy) < m || len(sl) < m || len(lo) < m || len(hi) < m {
		return false
	}
	return macCormackAVX2(nil, &f[0], &dx[0], &dy[0], &sl[0], &lo[0], &hi[0], n, bits.TrailingZeros(uint(n)), 1)
}
