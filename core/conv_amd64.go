//go:build amd64 && !purego && !(openblas && cgo)

package core

import "math"

// Implicit convolution: the 3×3 circular convolutions read the rows of their im2col matrix
// in place instead of building it. The input x (shape [C, H, W]) is copied once into a
// circularly padded buffer xp of shape [C, H+2, W+2],
//
//	xp[c, y, x] = x[c, (y−1) mod H, (x−1) mod W],
//
// and then row k = (c·3+i)·3+j of im2col, restricted to the output pixels (y, x0…x0+15),
// is the contiguous run xp[c, y+i, x0+j …]: a fixed byte offset from the run of k = 0. The
// GEMM micro-kernels take a table of these offsets in place of B's row stride
// (sconvKernel*), and the weight gradient's dot-product kernel walks the rows of the
// padded buffer (sdotRowsKernel*). This saves writing and reading back nine copies of
// every input, which was a sixth of a U-Net step.
//
// The arithmetic of every output entry is that of the im2col path (im2col and Gemm): the
// same FMA chains over the same KC-slices of k with the same alpha and beta steps, and for
// the weight gradient the same eight partial sums over the same slabs, reduced in the same
// order. The two paths give the same bits (TestConvImplicitMatchesIm2col), so the choice
// between them, and between the AVX2 and AVX-512 kernels, never changes a result.

// sconvKernel6x16, sconvKernel4x16 (AVX2) and sconvKernel6x32, sconvKernel4x32 (AVX-512)
// are the GEMM micro-kernels of the same shapes with B's row p at b + off[p] bytes; if
// bias is not nil they add bias[r] to row r of alpha·A·B before the beta step, which with
// beta = 0 gives the bits of beta = 1 on C = bias without writing C first.
//
//go:noescape
func sconvKernel6x16(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)

//go:noescape
func sconvKernel4x16(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)

//go:noescape
func sconvKernel6x32(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)

//go:noescape
func sconvKernel4x32(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)

// sdotRowsKernel4x3 and sdotRowsKernel4x6 are sdotKernel4x3 and sdotKernel4x6 over k
// taken as rows·8·w8 values in rows whose starts are lda (A) and ldb (B) floats apart.
// sdotRowsKernel4x6 also reduces its partial sums, in the tree of the Go reduction of
// convWeightGradRows: out[2·(3r+q%3) + q/3] is row r's dot product with row q.
//
//go:noescape
func sdotRowsKernel4x3(rows, w8 int, a0, a1, a2, a3 *float32, lda int, b0, b1, b2 *float32, ldb int, out *[96]float32)

//go:noescape
func sdotRowsKernel4x6(rows, w8 int, a0, a1, a2, a3 *float32, lda int, b0, b1, b2, b3, b4, b5 *float32, ldb int, out *[24]float32)

// padRows8 writes the circular padding of rows rows of w floats (w a positive multiple of 8)
// from src into dst, rows w+2 floats apart (pad_amd64.s), as padCircular's Go loop does.
//
//go:noescape
func padRows8(dst, src *float32, rows, w int)

// sumPlanes8 writes dst[p] = sum32 of the p-th of 8 consecutive planes of hw floats at x
// (hw a positive multiple of 4), the same bits (pad_amd64.s, AVX).
//
//go:noescape
func sumPlanes8(dst, x *float32, hw int)

// padAsm reports whether padCircular uses padRows8 (AVX).
var padAsm = gemmHasAVX2FMA

var (
	// convImplicit reports whether the 3×3 convolutions use the implicit kernels: wherever
	// the AVX2 kernel runs. Tests switch it off to compare with the im2col path.
	convImplicit = gemmHasAVX2FMA
	// convWide reports whether they use the AVX-512 (32-column) kernels.
	convWide = useAVX512
)

// convPlan is the packed weight and the offset table of one implicit 3×3 convolution:
// out (m rows, one per output channel) = A · im2col(xp), A of shape [m, c·9].
type convPlan struct {
	m, k, h, w int
	// ap holds A's KC-slices packed as packA packs them, slice s at ap[s·ap1:].
	ap  []float32
	ap1 int
	// off[p] is the byte offset in xp of im2col's row p relative to row 0.
	off []int32
}

// convPlanLen is the length of the packed A of newConvPlan.
func convPlanLen(m, c int) int {
	k := c * 9
	return (k + gemmKC - 1) / gemmKC * roundUp(m, gemmMR) * gemmKC
}

// newConvPlan packs a (m × c·9, row-major) into ap (convPlanLen(m, c) floats) and
// tabulates the offsets for inputs of c channels of h×w.
func newConvPlan(ap, a []float32, m, c, h, w int) *convPlan {
	k := c * 9
	p := &convPlan{m: m, k: k, h: h, w: w, ap: ap, ap1: roundUp(m, gemmMR) * gemmKC}
	for pc := 0; pc < k; pc += gemmKC {
		packA(false, m, min(gemmKC, k-pc), a, k, 0, pc, p.ap[pc/gemmKC*p.ap1:])
	}
	p.off = make([]int32, k)
	pw, plane := w+2, (h+2)*(w+2)
	for q := range p.off {
		ch, i, j := q/9, q%9/3, q%3
		p.off[q] = int32(4 * (ch*plane + i*pw + j))
	}
	return p
}

// run computes out = alpha·A·im2col(x) + beta·out for one example, from the padded input
// xp; out has m rows of h·w. If bias is not nil (at least roundUp(m, gemmMR) values, the
// rows past m ignored), beta must be 0 and bias[o] is added to row o, as beta = 1 on out
// filled with the bias would add it. Pixel tiles are 32 wide where the AVX-512 kernels run
// and 32 columns are left in the row, else 16; a tile cut by the row's end is computed
// whole (it reads into the next row or the slack) into a local tile and merged.
func (p *convPlan) run(xp, out []float32, alpha, beta float32, bias []float32) {
	m, k, h, w := p.m, p.k, p.h, p.w
	hw, pw := h*w, w+2
	var tile [gemmMR * gemmNR512]float32
	for y := 0; y < h; y++ {
		for x0, nr := 0, 0; x0 < w; x0 += nr {
			nr = gemmNR
			if convWide && w-x0 >= gemmNR512 {
				nr = gemmNR512
			}
			nw := min(nr, w-x0)
			b := xp[y*pw+x0:]
			for pc := 0; pc < k; pc += gemmKC {
				kc := min(gemmKC, k-pc)
				ap := p.ap[pc/gemmKC*p.ap1:]
				off := p.off[pc:]
				bet := beta
				if pc > 0 {
					bet = 1
				}
				for ir, hh := 0, 0; ir < m; ir += hh {
					hh = gemmRowTile(m - ir)
					mr := min(hh, m-ir)
					apanel := ap[ir*kc : (ir+hh)*kc]
					var bp *float32
					if bias != nil && pc == 0 {
						bp = &bias[ir]
					}
					c := out[ir*hw+y*w+x0:]
					if mr == hh && nw == nr {
						convTile(nr, hh, kc, &apanel[0], &b[0], &off[0], &c[0], hw, alpha, bet, bp)
						continue
					}
					convTile(nr, hh, kc, &apanel[0], &b[0], &off[0], &tile[0], nr, alpha, 0, bp)
					for r := 0; r < mr; r++ {
						crow := out[(ir+r)*hw+y*w+x0:][:nw]
						trow := tile[r*nr:][:nw]
						if bet == 0 {
							copy(crow, trow)
							continue
						}
						gemmMergeFMA(nw, &trow[0], &crow[0], bet)
					}
				}
			}
		}
	}
}

// convTile calls the hh×nr convolution micro-kernel.
func convTile(nr, hh, kc int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32) {
	switch {
	case nr == gemmNR512 && hh == 4:
		sconvKernel4x32(kc, a, b, off, c, ldc, alpha, beta, bias)
	case nr == gemmNR512:
		sconvKernel6x32(kc, a, b, off, c, ldc, alpha, beta, bias)
	case hh == 4:
		sconvKernel4x16(kc, a, b, off, c, ldc, alpha, beta, bias)
	default:
		sconvKernel6x16(kc, a, b, off, c, ldc, alpha, beta, bias)
	}
}

// convDotRowsOK reports whether convWeightGradRows serves a weight-gradient slab of nb
// pixels, rows of w, with m output channels: where Gemm would take its dot-product path
// for the same product and the rows split into whole blocks of 8.
func convDotRowsOK(m, nb, w int) bool {
	return convImplicit && nb >= gemmDotMinK && m <= gemmDotMaxM && w%8 == 0
}

// convWeightGradRows computes, for the slab of output rows y0 ≤ y < y1,
//
//	dw[o, q] = Σ_{y, x} g[o, y·w + x] · xp[c, y+i, x+j] (+ dw[o, q] if accumulate),
//
// q = (c·3+i)·3+j < c·9 = n, which is what Gemm(false, true, m, n, nb, 1, g, h·w,
// im2col, nb, beta, dw, n) computes on the slab's im2col matrix, bit for bit (its
// dot-product path, see convDotRowsOK).
func convWeightGradRows(dw, g, xp []float32, m, n, h, w, y0, y1 int, accumulate bool) {
	hw, pw, plane := h*w, w+2, (h+2)*(w+2)
	rows, w8 := y1-y0, w/8
	var part [96]float32 // sdotRowsKernel4x3's partial sums
	var sums [24]float32 // sdotRowsKernel4x6's dot products
	var arow [4]int
	var brow [6]int
	nb := 3
	if convWide {
		nb = 6
	}
	for j := 0; j < n; j += nb {
		nr := min(nb, n-j)
		for q := range brow[:nb] {
			kq := min(j+q, n-1)
			ch, i, jj := kq/9, kq%9/3, kq%3
			brow[q] = ch*plane + (y0+i)*pw + jj
		}
		for i := 0; i < m; i += 4 {
			mr := min(4, m-i)
			for r := range arow {
				arow[r] = min(i+r, m-1)*hw + y0*w
			}
			if convWide {
				sdotRowsKernel4x6(rows, w8, &g[arow[0]], &g[arow[1]], &g[arow[2]], &g[arow[3]], w,
					&xp[brow[0]], &xp[brow[1]], &xp[brow[2]], &xp[brow[3]], &xp[brow[4]], &xp[brow[5]], pw, &sums)
			} else {
				sdotRowsKernel4x3(rows, w8, &g[arow[0]], &g[arow[1]], &g[arow[2]], &g[arow[3]], w,
					&xp[brow[0]], &xp[brow[1]], &xp[brow[2]], pw, &part)
			}
			for r := 0; r < mr; r++ {
				for q := 0; q < nr; q++ {
					var s float32
					if convWide {
						s = sums[2*(3*r+q%3)+q/3]
					} else {
						p := part[8*(3*r+q):][:8]
						s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
					}
					d := &dw[(i+r)*n+j+q]
					if accumulate {
						*d = s + *d
					} else {
						*d = s
					}
				}
			}
		}
	}
}

// convImplicitOK reports whether the implicit path serves a circular 3×3 convolution with
// c input channels of h×w: the byte offsets of its rows must fit in an int32.
func convImplicitOK(c, h, w int) bool {
	return convImplicit && 4*int64(convPaddedLen(c, h, w)) < math.MaxInt32
}

// maxPoolRow8 pools 8·n8 windows of the rows r0, r1 as maxPoolArg does, writing each
// window's maximum to dst and the bits of its index, base + 2q + 0, 1, w or w+1, to arg
// (pool_amd64.s, AVX2).
//
//go:noescape
func maxPoolRow8(dst, arg, r0, r1 *float32, n8, base, w int)

// poolAsm reports whether MaxPool2 uses maxPoolRow8; tests switch it off.
var poolAsm = gemmHasAVX2FMA

// upsampleAdjRow8 adds to r[0 : 8·n8] the interior terms of the upsampling's adjoint,
// r[i] += ¼·(s·g[2i+1]), then ¾·(s·g[2i+2]), ¾·(s·g[2i+3]), ¼·(s·g[2i+4]), in that order
// (gr points two floats before the first output column read; pool_amd64.s, AVX2).
//
//go:noescape
func upsampleAdjRow8(r, gr *float32, n8 int, s float32)

// upsampleAsm reports whether the upsampling's adjoint uses upsampleAdjRow8.
var upsampleAsm = gemmHasAVX2FMA

// upsampleRowX8 writes the interior columns of a source row upsampled along x (see
// upsamplePlaneRows): d[2i], d[2i+1] for i in [0, 8·n8), reading r[−1 : 8·n8+1].
//
//go:noescape
func upsampleRowX8(d, r *float32, n8 int)

// upsampleBlend8 writes d[q] = a·top[q] + b·bot[q] for q in [0, 8·n8).
//
//go:noescape
func upsampleBlend8(d, top, bot *float32, n8 int, a, b float32)
