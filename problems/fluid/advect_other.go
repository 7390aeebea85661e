//go:build !amd64 || purego

package fluid

// maccormackFast reports false: the Go loops run.
func maccormackFast(dst, f, dx, dy, sl, lo, hi []float64, n int) bool { return false }

// hasFastAdvect is false: there is no fast path.
const hasFastAdvect = false

// maccormackBackFast reports false: the Go loops run.
func maccormackBackFast(f, dx, dy, sl, lo, hi []float64, n int) bool { return false }

// advectWidths is empty: no kernel runs.
func advectWidths() []int { return nil }

// maccormackKernel reports false: there is no kernel.
func maccormackKernel(width, passes int, dst, f, dx, dy, sl, lo, hi []float64, n int) bool {
	return false
}

// prepare reports false: there is no kernel.
func (sc *adjScratch) prepare(f, dx, dy, sl, lo, hi []float64, n int) bool { return false }

// advectWidth is 0: no kernel runs.
const advectWidth = 0
