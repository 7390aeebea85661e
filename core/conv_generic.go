//go:build !amd64 || purego || (openblas && cgo)

package core

// Builds without the assembly kernels build the im2col columns of every 3×3 convolution;
// the implicit path of conv_amd64.go is never taken.

func convImplicitOK(c, h, w int) bool { return false }

func convDotRowsOK(m, nb, w int) bool { return false }

type convPlan struct{}

func convPlanLen(m, c int) int { return 0 }

func newConvPlan(ap, a []float32, m, c, h, w int) *convPlan {
	panic("core: implicit convolution without the assembly kernels")
}

func (p *convPlan) run(xp, out []float32, alpha, beta float32, bias []float32) {
	panic("core: implicit convolution without the assembly kernels")
}

func convWeightGradRows(dw, g, xp []float32, m, n, h, w, y0, y1 int, accumulate bool) {
	panic("core: implicit convolution without the assembly kernels")
}

// padAsm is false: padCircular runs its Go loop.
const padAsm = false

func padRows8(dst, src *float32, rows, w int) { panic("core: no padding kernel") }

func sumPlanes8(dst, x *float32, hw int) { panic("core: no plane sums kernel") }

// poolAsm is false: MaxPool2 runs its Go loop.
const poolAsm = false

func maxPoolRow8(dst, arg, r0, r1 *float32, n8, base, w int) { panic("core: no pooling kernel") }

// upsampleAsm is false: the upsampling's adjoint runs its Go loops.
const upsampleAsm = false

func upsampleAdjRow8(r, gr *float32, n8 int, s float32) { panic("core: no upsampling kernel") }

func upsampleRowX8(d, r *float32, n8 int) { panic("core: no upsampling kernel") }

func upsampleBlend8(d, top, bot *float32, n8 int, a, b float32) {
	panic("core: no upsampling kernel")
}
