//go:build !amd64 || purego || (openblas && cgo)

package core

// Without the assembly kernels BatchNorm runs its Go loops only.

type bnParams struct {
	mean, is, gamma, beta, scale, mg, mgx float32
	relu, acc                             uint32
}

const bnAsm = false

func bnSum16(x *float32, blocks int, total float64) float64 { panic("core: no BatchNorm kernels") }

func bnSumSqDev16(x *float32, blocks int, mean float32, total float64) float64 {
	panic("core: no BatchNorm kernels")
}

func bnNormalize8(dst, src *float32, n8 int, p *bnParams) { panic("core: no BatchNorm kernels") }

func bnNormalizePadRows8(dst, src *float32, rows, w int, p *bnParams) {
	panic("core: no BatchNorm kernels")
}

func bnBackSums16(gy, x *float32, blocks int, p *bnParams, sums *[2]float64) {
	panic("core: no BatchNorm kernels")
}

func bnBackDx8(d, gy, x *float32, n8 int, p *bnParams) { panic("core: no BatchNorm kernels") }
