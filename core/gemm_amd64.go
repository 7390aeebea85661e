//go:build amd64 && !purego && !(openblas && cgo)

package core

import (
	"os"
	"sync"

	"golang.org/x/sys/cpu"
)

// The packed GEMM follows the BLIS/GotoBLAS layering. C is cut into NC-column blocks; the
// k dimension into KC-deep slices; for each (NC, KC) the slice of op(B) is packed into
// NR-column panels, and for each MC-row block of C the matching slice of op(A) into MR-row
// panels. The macro-kernel then runs the MR×NR micro-kernel (gemm_amd64.s) over every
// tile of the MC×NC block, holding the tile of C in twelve YMM registers for the whole
// KC-long loop of rank-1 updates (the last rows of a block may go in 4-row tiles, see
// gemmRowTile). A micro-panel of B (KC×NR) stays in L1 while the
// micro-panels of A (MR×KC, from the MC×KC block in L2) stream past it.
//
// On CPUs with AVX-512 the same scheme runs with NR = 32 and ZMM registers
// (gemm512_amd64.s). Every entry of C is computed exactly as the AVX2 kernel computes it:
// a fresh FMA chain over each KC-slice of k in increasing order, times alpha, then
// + beta·C (one FMA; beta is 1 after the first slice). The tiles only decide which
// entries are computed together, so both kernels give the same bits, and so does the
// dot-product path below, whose AVX-512 kernel keeps the AVX2 kernel's eight partial sums.
const (
	gemmMR = 6  // rows of the micro-tile: six broadcasts of A per step
	gemmNR = 16 // columns of the AVX2 micro-tile: two YMM vectors of B per step
	// gemmNR512 is the number of columns of the AVX-512 micro-tile: two ZMM vectors.
	gemmNR512 = 32
	// gemmKC is the depth of a packed slice: a B micro-panel is KC·NR·4 = 16 KiB and an
	// A micro-panel 6 KiB, which fit together in the 32–48 KiB L1 data cache.
	gemmKC = 256
	// gemmMC is the height of a packed A block: MC·KC·4 = 144 KiB, well inside L2.
	gemmMC = 144
	// gemmNC is the width of a packed B block: KC·NC·4 = 2 MiB, for L2/L3.
	gemmNC = 2048
	// gemmDirectMaxM is the largest m for which the kernel reads full panels of an
	// untransposed B in place instead of packing them: with at most four row tiles, a
	// packed panel would be reused too few times to pay for its copy, while in place the
	// loads of B overlap the FMAs.
	gemmDirectMaxM = 24
)

// sgemmKernel6x16 computes the 6×16 tile C = alpha·Ap·Bp + beta·C, where Ap is a packed A
// micro-panel (k steps of 6 values, one per row) and Bp a B micro-panel (k rows of 16
// values, one per column, ldb apart: 16 when packed); ldc is C's row stride in elements.
// C is not read when beta is 0. It needs AVX2 and FMA.
//
//go:noescape
func sgemmKernel6x16(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// sgemmKernel4x16 is sgemmKernel6x16 for a 4×16 tile: Ap holds k steps of 4 values.
//
//go:noescape
func sgemmKernel4x16(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// gemmRowTile returns the height, 6 or 4, of the row tile that starts rem rows before the
// end of a block of A. Rows go in tiles of 6 until at most 8 are left; those go in tiles
// of 4, so that m = 16 is 6+6+4 and m = 8 or 20 ends in 4+4, all full tiles for the 4×16
// kernel, instead of a 6×16 tile that is partly padding and merged through a local tile.
// Only a remainder of 5, 6 (one 6-row tile) or 1–3, 7 (a partial 4-row tile last) is
// left. The plan depends on the shape only.
func gemmRowTile(rem int) int {
	if rem <= 4 || rem == 7 || rem == 8 {
		return 4
	}
	return gemmMR
}

// packBCopy16 packs a full 16-column micro-panel of op(B) = B: for p < kc, the 16 values
// at src[p·ldb:] go to dst[16p:].
//
//go:noescape
func packBCopy16(kc int, src *float32, ldb int, dst *float32)

// packBTrans16 packs 16 columns of a micro-panel of op(B) = Bᵀ: for p < kc rounded down to
// a multiple of 8, dst[dstep·p+j] = src[j·ldb+p], j = 0…15. The caller packs the rest.
//
//go:noescape
func packBTrans16(kc int, src *float32, ldb int, dst *float32, dstep int)

// gemmMergeFMA sets c[j] = t[j] + beta·c[j], j < n, rounded once (FMA) as the kernels do.
//
//go:noescape
func gemmMergeFMA(n int, t, c *float32, beta float32)

// sgemmKernel6x32 and sgemmKernel4x32 are sgemmKernel6x16 and sgemmKernel4x16 for tiles
// of 32 columns: B's micro-panel holds 32 values per step. They need AVX-512F.
//
//go:noescape
func sgemmKernel6x32(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel4x32(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// packBCopy32 is packBCopy16 for 32-column panels: dst[32p:] gets the 32 values at
// src[p·ldb:]. It needs AVX-512F.
//
//go:noescape
func packBCopy32(kc int, src *float32, ldb int, dst *float32)

// sdotKernel4x6 is sdotKernel4x3 for four A rows and six B rows, with AVX-512F: the
// partial sums of a_i·b_j are out[16(3i + j mod 3) + 8⌊j/3⌋ + l], l < 8, each summed in
// the order sdotKernel4x3 sums it.
//
//go:noescape
func sdotKernel4x6(k8 int, a0, a1, a2, a3, b0, b1, b2, b3, b4, b5 *float32, out *[192]float32)

// sdotKernel4x3 computes, for the four A rows a0…a3 and three B rows b0…b2, each at least
// 8·k8 long, out[8(3i+j)+l] = Σ_q a_i[8q+l]·b_j[8q+l] over q < k8: eight partial sums of
// each of the 12 dot products. k8 must be at least 1.
//
//go:noescape
func sdotKernel4x3(k8 int, a0, a1, a2, a3, b0, b1, b2 *float32, out *[96]float32)

// gemmAsmBuilt reports whether this build contains the assembly kernel.
const gemmAsmBuilt = true

// gemmHasAVX2FMA reports whether the CPU and OS support the assembly kernel.
var gemmHasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// gemmHasAVX512 reports whether the CPU and OS support the AVX-512 kernels (x/sys/cpu
// checks that the OS saves the ZMM and mask registers).
var gemmHasAVX512 = gemmHasAVX2FMA && cpu.X86.HasAVX512F

// useAVX512 reports whether Gemm, the convolutions and dgemm run their AVX-512 kernels:
// where the CPU has them, unless the environment variable SIPBENCH_KERNELS is "avx2"
// when the program starts (KernelsEnv), which forces the AVX2 kernels so that an AVX2-only
// machine's kernels can be timed on this one. The results are the same bits either way.
var useAVX512 = gemmHasAVX512 && os.Getenv(KernelsEnv) != "avx2"

func init() {
	if gemmHasAVX2FMA {
		gemmImpls = append(gemmImpls, gemmImpl{"avx2", gemmPacked, true})
		gemmBest = gemmImpls[len(gemmImpls)-1]
	}
	if gemmHasAVX512 {
		gemmImpls = append(gemmImpls, gemmImpl{"avx512", gemmPacked512, true})
		if useAVX512 {
			gemmBest = gemmImpls[len(gemmImpls)-1]
		}
	}
}

// gemmBuffers holds one call's packing buffers. Each call takes its own from gemmPool, so
// concurrent calls never share them.
type gemmBuffers struct {
	a, b []float32
}

var gemmPool = sync.Pool{New: func() any { return new(gemmBuffers) }}

// grow returns s resized to n elements, reallocating only when its capacity is short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// gemmPacked is the AVX2/FMA implementation of Gemm; see the comment on gemmMR.
func gemmPacked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmPackedNR(gemmNR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmPacked512 is the AVX-512 implementation of Gemm, bit-identical to gemmPacked.
func gemmPacked512(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmPackedNR(gemmNR512, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmPackedNR runs the packed GEMM with micro-tiles nr columns wide: 16 (AVX2) or 32
// (AVX-512).
func gemmPackedNR(nr int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !transA && transB && k >= gemmDotMinK && m <= gemmDotMaxM {
		gemmDotNT(nr == gemmNR512, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	buf := gemmPool.Get().(*gemmBuffers)
	defer gemmPool.Put(buf)
	buf.a = grow(buf.a, roundUp(min(m, gemmMC), gemmMR)*min(k, gemmKC))
	buf.b = grow(buf.b, roundUp(min(n, gemmNC), nr)*min(k, gemmKC))
	for jc := 0; jc < n; jc += gemmNC {
		nc := min(gemmNC, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			bp := buf.b[:roundUp(nc, nr)*kc]
			var direct []float32 // B's full panels in place, from row pc, column jc
			if !transB && m <= gemmDirectMaxM {
				direct = b[pc*ldb+jc:]
				if full := nc - nc%nr; full < nc {
					packB(nr, transB, kc, nc-full, b, ldb, pc, jc+full, bp[full*kc:])
				}
			} else {
				packB(nr, transB, kc, nc, b, ldb, pc, jc, bp)
			}
			// The first slice of k applies beta; later ones add to what it left.
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < m; ic += gemmMC {
				mc := min(gemmMC, m-ic)
				ap := buf.a[:roundUp(mc, gemmMR)*kc]
				packA(transA, mc, kc, a, lda, ic, pc, ap)
				gemmMacro(nr, mc, nc, kc, alpha, ap, bp, direct, ldb, bet, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// The dot-product path serves C = A·Bᵀ when A has few rows and k is long, as in a
// convolution's weight gradient (cout × cin·9 from cout × H·W and cin·9 × H·W): both
// operands are then contiguous along k and need no packing, whereas the packed path would
// transpose all of the large B to reuse each panel only m/6 times. The four A rows (m·k·4
// bytes, at most 48·k·4) stay in L2, three B rows at a time in L1.
const (
	gemmDotMinK = 256
	gemmDotMaxM = 48
)

// gemmDotNT computes C = alpha·A·Bᵀ + beta·C with sdotKernel4x3 on 4×3 tiles of C, or, if
// wide, sdotKernel4x6 on 4×6 tiles; tiles cut by C's edge repeat their last row or column
// and keep only the valid entries. Each entry is the same sum either way: eight partial
// sums over k ≡ l mod 8, added as ((p0+p1)+(p2+p3))+((p4+p5)+(p6+p7)), then the products
// of the last k mod 8 in order.
func gemmDotNT(wide bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
	beta float32, c []float32, ldc int) {
	k8 := k / 8
	var part [192]float32
	var arow [4]int
	var brow [6]int
	nb := 3
	if wide {
		nb = 6
	}
	for j := 0; j < n; j += nb {
		nr := min(nb, n-j)
		for q := range brow[:nb] {
			brow[q] = min(j+q, n-1) * ldb
		}
		for i := 0; i < m; i += 4 {
			mr := min(4, m-i)
			for r := range arow {
				arow[r] = min(i+r, m-1) * lda
			}
			if k8 > 0 {
				if wide {
					sdotKernel4x6(k8, &a[arow[0]], &a[arow[1]], &a[arow[2]], &a[arow[3]],
						&b[brow[0]], &b[brow[1]], &b[brow[2]], &b[brow[3]], &b[brow[4]], &b[brow[5]], &part)
				} else {
					sdotKernel4x3(k8, &a[arow[0]], &a[arow[1]], &a[arow[2]], &a[arow[3]],
						&b[brow[0]], &b[brow[1]], &b[brow[2]], (*[96]float32)(part[:96]))
				}
			}
			for r := 0; r < mr; r++ {
				ar := a[arow[r]:][:k]
				for q := 0; q < nr; q++ {
					br := b[brow[q]:][:k]
					off := 8 * (3*r + q)
					if wide {
						off = 16*(3*r+q%3) + 8*(q/3)
					}
					p := part[off:][:8]
					s := ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
					for l := 8 * k8; l < k; l++ {
						s += ar[l] * br[l]
					}
					cij := &c[(i+r)*ldc+j+q]
					if beta == 0 {
						*cij = alpha * s
					} else {
						*cij = alpha*s + beta**cij
					}
				}
			}
		}
	}
}

// gemmMacro runs the micro-kernel, nr = 16 or 32 columns wide, over the mc×nc block of C
// at c, from packed A (ap) and packed B (bp) slices kc deep; if direct is not nil, full B
// panels are read from it in place (row stride ldb) and only the last, partial one from
// bp. Tiles cut by the block's edge are computed into a local tile and merged with the
// kernels' arithmetic (gemmMergeFMA).
func gemmMacro(nr, mc, nc, kc int, alpha float32, ap, bp, direct []float32, ldb int, beta float32, c []float32, ldc int) {
	for jr := 0; jr < nc; jr += nr {
		nw := min(nr, nc-jr)
		bpanel, bstride := bp[jr*kc:(jr+nr)*kc], nr
		if direct != nil && nw == nr {
			// checkGemm guarantees kc rows of nr from here lie inside B.
			bpanel, bstride = direct[jr:], ldb
		}
		for ir, h := 0, 0; ir < mc; ir += h {
			h = gemmRowTile(mc - ir)
			mr := min(h, mc-ir)
			apanel := ap[ir*kc : (ir+h)*kc]
			// The kernels are called directly, not through a func value, which would
			// make the local tile escape to the heap.
			if mr == h && nw == nr {
				// checkGemm guarantees the h×nr tile lies inside c.
				gemmTile(nr, h, kc, &apanel[0], &bpanel[0], bstride, &c[ir*ldc+jr], ldc, alpha, beta)
				continue
			}
			var tile [gemmMR * gemmNR512]float32
			gemmTile(nr, h, kc, &apanel[0], &bpanel[0], bstride, &tile[0], nr, alpha, 0)
			for r := 0; r < mr; r++ {
				crow := c[(ir+r)*ldc+jr:][:nw]
				trow := tile[r*nr:][:nw]
				if beta == 0 {
					copy(crow, trow)
					continue
				}
				gemmMergeFMA(nw, &trow[0], &crow[0], beta)
			}
		}
	}
}

// gemmTile calls the h×nr micro-kernel (h = 6 or 4, nr = 16 or 32).
func gemmTile(nr, h, kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32) {
	switch {
	case nr == gemmNR512 && h == 4:
		sgemmKernel4x32(kc, a, b, ldb, c, ldc, alpha, beta)
	case nr == gemmNR512:
		sgemmKernel6x32(kc, a, b, ldb, c, ldc, alpha, beta)
	case h == 4:
		sgemmKernel4x16(kc, a, b, ldb, c, ldc, alpha, beta)
	default:
		sgemmKernel6x16(kc, a, b, ldb, c, ldc, alpha, beta)
	}
}

// packA packs rows [ic, ic+mc) and columns [pc, pc+kc) of op(A) into micro-panels of the
// row tiles gemmRowTile plans: the panel of the h-row tile at row ir starts at ir·kc and
// holds, for each p, the h values op(A)[ic+ir+r][pc+p], r = 0…h-1, with rows past mc zero.
// The panels take at most roundUp(mc, MR)·kc values.
func packA(trans bool, mc, kc int, a []float32, lda, ic, pc int, dst []float32) {
	for ir, h := 0, 0; ir < mc; ir += h {
		h = gemmRowTile(mc - ir)
		mr := min(h, mc-ir)
		panel := dst[ir*kc : (ir+h)*kc]
		if trans {
			// op(A)[i][p] = a[p·lda+i]: each step's mr values are contiguous.
			for p := 0; p < kc; p++ {
				d := panel[p*h : p*h+h]
				s := a[(pc+p)*lda+ic+ir:][:mr]
				copy(d, s)
				clear(d[mr:])
			}
			continue
		}
		for r := 0; r < mr; r++ {
			row := a[(ic+ir+r)*lda+pc:][:kc]
			for p, v := range row {
				panel[p*h+r] = v
			}
		}
		for r := mr; r < h; r++ {
			for p := 0; p < kc; p++ {
				panel[p*h+r] = 0
			}
		}
	}
}

// packB packs rows [pc, pc+kc) and columns [jc, jc+nc) of op(B) into nr-column
// micro-panels (nr = 16 or 32): panel q holds, for each p, the nr values
// op(B)[pc+p][jc+q·nr+j], j = 0…nr-1, with columns past nc zero.
func packB(nr int, trans bool, kc, nc int, b []float32, ldb, pc, jc int, dst []float32) {
	for jr := 0; jr < nc; jr += nr {
		nw := min(nr, nc-jr)
		panel := dst[jr*kc : (jr+nr)*kc]
		if !trans {
			// op(B)[p][j] = b[p·ldb+j]: each step's nr values are contiguous.
			if nw == nr {
				// The last of the kc rows ends at (pc+kc-1)·ldb+jc+jr+nr ≤ len(b).
				_ = b[(pc+kc-1)*ldb+jc+jr+nr-1]
				if nr == gemmNR512 {
					packBCopy32(kc, &b[pc*ldb+jc+jr], ldb, &panel[0])
				} else {
					packBCopy16(kc, &b[pc*ldb+jc+jr], ldb, &panel[0])
				}
				continue
			}
			for p := 0; p < kc; p++ {
				d := panel[p*nr : p*nr+nr]
				copy(d, b[(pc+p)*ldb+jc+jr:][:nw])
				clear(d[nw:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb+p]: a transpose, in 8×8 blocks in assembly for each full
		// group of 16 columns, with the last kc mod 8 steps and other columns here.
		p0, j0 := 0, 0
		if kc >= 8 {
			p0 = kc &^ 7
			for ; j0+gemmNR <= nw; j0 += gemmNR {
				_ = b[(jc+jr+j0+gemmNR-1)*ldb+pc+kc-1]
				packBTrans16(kc, &b[(jc+jr+j0)*ldb+pc], ldb, &panel[j0], nr)
			}
		}
		for j := 0; j < nw; j++ {
			col := b[(jc+jr+j)*ldb+pc:][:kc]
			from := p0
			if j >= j0 {
				from = 0
			}
			for p := from; p < kc; p++ {
				panel[p*nr+j] = col[p]
			}
		}
		for j := nw; j < nr; j++ {
			for p := 0; p < kc; p++ {
				panel[p*nr+j] = 0
			}
		}
	}
}

// fmaPeak256 and fmaPeak512 run n iterations of 12 independent FMAs on YMM (AVX2) or ZMM
// (AVX-512) registers: BenchmarkFMAPeak's measure of the core's peak FLOP/s, the
// denominator of "per cent of peak".
//
//go:noescape
func fmaPeak256(n int)

//go:noescape
func fmaPeak512(n int)
