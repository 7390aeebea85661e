//go:build amd64 && !purego && !(openblas && cgo)

package core

// BatchNorm's loops in AVX2 (bn_amd64.s), bit for bit the Go loops of ops_norm.go, which
// do the lengths' tails (TestBatchNormKernels compares them).

// bnParams carries the per-channel constants of the kernels (layout fixed by
// bn_amd64.s).
type bnParams struct {
	mean, is, gamma, beta, scale, mg, mgx float32
	relu, acc                             uint32
}

//go:noescape
func bnSum16(x *float32, blocks int, total float64) float64

//go:noescape
func bnSumSqDev16(x *float32, blocks int, mean float32, total float64) float64

//go:noescape
func bnNormalize8(dst, src *float32, n8 int, p *bnParams)

// bnNormalizePadRows8 normalises rows rows of w floats (w a positive multiple of 8) as
// bnNormalize8 does into rows w+2 floats apart, each padded circularly as padRows8 pads
// it (bn_amd64.s).
//
//go:noescape
func bnNormalizePadRows8(dst, src *float32, rows, w int, p *bnParams)

//go:noescape
func bnBackSums16(gy, x *float32, blocks int, p *bnParams, sums *[2]float64)

//go:noescape
func bnBackDx8(d, gy, x *float32, n8 int, p *bnParams)

// bnAsm reports whether the kernels run (on CPUs with AVX2); tests switch it off.
var bnAsm = gemmHasAVX2FMA
