//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// AVX-512 kernels of the packed GEMM (see gemm_amd64.go). They compute exactly what the
// AVX2 kernels of gemm_amd64.s compute, entry by entry: the same FMA chain over the same
// steps p of the packed slice, then the same multiply by alpha and the same FMA with
// beta·C. Only the width differs: a tile row is 32 columns in two ZMM vectors instead of
// 16 in two YMM vectors, so every entry gets the same bits.
//
// Registers as in the AVX2 kernels: SI = packed A, DI = B, R10 = ldb in bytes,
// R11 = 3·ldb, R12 = 4·ldb, DX = C, R8 = ldc in bytes, R9 = steps of the 4-way unrolled
// loop, CX = remaining steps. Accumulators Z0–Z11 (row r in Z(2r), Z(2r+1)), B in Z12,
// Z13, broadcasts of A in Z14–Z19.

// ZSTEP6 does one rank-1 update of the 6×32 tile from packed A at aoff(SI) and the B row
// at b0 (its second 16 values at b1).
#define ZSTEP6(aoff, b0, b1) \
	VMOVUPS      b0, Z12             \
	VMOVUPS      b1, Z13             \
	VBROADCASTSS aoff(SI), Z14       \
	VBROADCASTSS aoff+4(SI), Z15     \
	VBROADCASTSS aoff+8(SI), Z16     \
	VFMADD231PS  Z12, Z14, Z0        \
	VFMADD231PS  Z13, Z14, Z1        \
	VBROADCASTSS aoff+12(SI), Z17    \
	VFMADD231PS  Z12, Z15, Z2        \
	VFMADD231PS  Z13, Z15, Z3        \
	VBROADCASTSS aoff+16(SI), Z18    \
	VFMADD231PS  Z12, Z16, Z4        \
	VFMADD231PS  Z13, Z16, Z5        \
	VBROADCASTSS aoff+20(SI), Z19    \
	VFMADD231PS  Z12, Z17, Z6        \
	VFMADD231PS  Z13, Z17, Z7        \
	VFMADD231PS  Z12, Z18, Z8        \
	VFMADD231PS  Z13, Z18, Z9        \
	VFMADD231PS  Z12, Z19, Z10       \
	VFMADD231PS  Z13, Z19, Z11

// ZSTEP4 is ZSTEP6 for the 4×32 tile: packed A holds four values per step.
#define ZSTEP4(aoff, b0, b1) \
	VMOVUPS      b0, Z12             \
	VMOVUPS      b1, Z13             \
	VBROADCASTSS aoff(SI), Z14       \
	VBROADCASTSS aoff+4(SI), Z15     \
	VBROADCASTSS aoff+8(SI), Z16     \
	VFMADD231PS  Z12, Z14, Z0        \
	VFMADD231PS  Z13, Z14, Z1        \
	VBROADCASTSS aoff+12(SI), Z17    \
	VFMADD231PS  Z12, Z15, Z2        \
	VFMADD231PS  Z13, Z15, Z3        \
	VFMADD231PS  Z12, Z16, Z4        \
	VFMADD231PS  Z13, Z16, Z5        \
	VFMADD231PS  Z12, Z17, Z6        \
	VFMADD231PS  Z13, Z17, Z7

// ZSCALE multiplies accumulators lo, hi by alpha (in Z14).
#define ZSCALE(lo, hi) \
	VMULPS Z14, lo, lo \
	VMULPS Z14, hi, hi

// ZSTORE0 writes row accumulators lo, hi to the C row at DX, without reading C.
#define ZSTORE0(lo, hi) \
	VMOVUPS lo, (DX)   \
	VMOVUPS hi, 64(DX) \
	ADDQ    R8, DX

// ZSTOREBETA writes lo + beta·C, hi + beta·C (beta in Z15) to the C row at DX.
#define ZSTOREBETA(lo, hi) \
	VFMADD231PS (DX), Z15, lo   \
	VFMADD231PS 64(DX), Z15, hi \
	VMOVUPS     lo, (DX)        \
	VMOVUPS     hi, 64(DX)      \
	ADDQ        R8, DX

// ZPROLOGUE loads the arguments shared by both kernels.
#define ZPROLOGUE \
	MOVQ k+0(FP), CX              \
	MOVQ a+8(FP), SI              \
	MOVQ b+16(FP), DI             \
	MOVQ ldb+24(FP), R10          \
	MOVQ c+32(FP), DX             \
	MOVQ ldc+40(FP), R8           \
	SHLQ $2, R8                   \
	SHLQ $2, R10                  \
	LEAQ (R10)(R10*2), R11        \
	LEAQ (R10*4), R12             \
	MOVQ CX, R9                   \
	SHRQ $2, R9

// ZEPILOGUE6 scales the 6×32 tile in Z0–Z11 by alpha, adds bias[r] to row r if the
// argument bias is not nil, and stores it to C at DX (row stride R8), adding beta·C
// unless beta is 0; without bias, sgemmKernel6x32's tail.
#define ZEPILOGUE6(withbeta, nobias) \
	VBROADCASTSS alpha+48(FP), Z14 \
	ZSCALE(Z0, Z1)                 \
	ZSCALE(Z2, Z3)                 \
	ZSCALE(Z4, Z5)                 \
	ZSCALE(Z6, Z7)                 \
	ZSCALE(Z8, Z9)                 \
	ZSCALE(Z10, Z11)               \
	MOVQ         bias+56(FP), R13  \
	TESTQ        R13, R13          \
	JZ           nobias           \
	VBROADCASTSS 0(R13), Z14 \
	VADDPS       Z14, Z0, Z0 \
	VADDPS       Z14, Z1, Z1 \
	VBROADCASTSS 4(R13), Z14 \
	VADDPS       Z14, Z2, Z2 \
	VADDPS       Z14, Z3, Z3 \
	VBROADCASTSS 8(R13), Z14 \
	VADDPS       Z14, Z4, Z4 \
	VADDPS       Z14, Z5, Z5 \
	VBROADCASTSS 12(R13), Z14 \
	VADDPS       Z14, Z6, Z6 \
	VADDPS       Z14, Z7, Z7 \
	VBROADCASTSS 16(R13), Z14 \
	VADDPS       Z14, Z8, Z8 \
	VADDPS       Z14, Z9, Z9 \
	VBROADCASTSS 20(R13), Z14 \
	VADDPS       Z14, Z10, Z10 \
	VADDPS       Z14, Z11, Z11 \
nobias: \
	VMOVSS       beta+52(FP), X15  \
	VXORPS       X13, X13, X13     \
	VUCOMISS     X13, X15          \
	JNE          withbeta          \
	JPS          withbeta          \
	ZSTORE0(Z0, Z1)                \
	ZSTORE0(Z2, Z3)                \
	ZSTORE0(Z4, Z5)                \
	ZSTORE0(Z6, Z7)                \
	ZSTORE0(Z8, Z9)                \
	ZSTORE0(Z10, Z11)              \
	VZEROUPPER                     \
	RET                            \
withbeta:                          \
	VBROADCASTSS beta+52(FP), Z15  \
	ZSTOREBETA(Z0, Z1)             \
	ZSTOREBETA(Z2, Z3)             \
	ZSTOREBETA(Z4, Z5)             \
	ZSTOREBETA(Z6, Z7)             \
	ZSTOREBETA(Z8, Z9)             \
	ZSTOREBETA(Z10, Z11)           \
	VZEROUPPER                     \
	RET

// ZEPILOGUE4 is ZEPILOGUE6 for the 4×32 tile in Z0–Z7.
#define ZEPILOGUE4(withbeta, nobias) \
	VBROADCASTSS alpha+48(FP), Z14 \
	ZSCALE(Z0, Z1)                 \
	ZSCALE(Z2, Z3)                 \
	ZSCALE(Z4, Z5)                 \
	ZSCALE(Z6, Z7)                 \
	MOVQ         bias+56(FP), R13  \
	TESTQ        R13, R13          \
	JZ           nobias           \
	VBROADCASTSS 0(R13), Z14 \
	VADDPS       Z14, Z0, Z0 \
	VADDPS       Z14, Z1, Z1 \
	VBROADCASTSS 4(R13), Z14 \
	VADDPS       Z14, Z2, Z2 \
	VADDPS       Z14, Z3, Z3 \
	VBROADCASTSS 8(R13), Z14 \
	VADDPS       Z14, Z4, Z4 \
	VADDPS       Z14, Z5, Z5 \
	VBROADCASTSS 12(R13), Z14 \
	VADDPS       Z14, Z6, Z6 \
	VADDPS       Z14, Z7, Z7 \
nobias: \
	VMOVSS       beta+52(FP), X15  \
	VXORPS       X13, X13, X13     \
	VUCOMISS     X13, X15          \
	JNE          withbeta          \
	JPS          withbeta          \
	ZSTORE0(Z0, Z1)                \
	ZSTORE0(Z2, Z3)                \
	ZSTORE0(Z4, Z5)                \
	ZSTORE0(Z6, Z7)                \
	VZEROUPPER                     \
	RET                            \
withbeta:                          \
	VBROADCASTSS beta+52(FP), Z15  \
	ZSTOREBETA(Z0, Z1)             \
	ZSTOREBETA(Z2, Z3)             \
	ZSTOREBETA(Z4, Z5)             \
	ZSTOREBETA(Z6, Z7)             \
	VZEROUPPER                     \
	RET

// ZOPROLOGUE loads the convolution kernels' arguments (see OPROLOGUE in gemm_amd64.s).
#define ZOPROLOGUE \
	MOVQ k+0(FP), CX     \
	MOVQ a+8(FP), SI     \
	MOVQ b+16(FP), DI    \
	MOVQ off+24(FP), BX  \
	MOVQ c+32(FP), DX    \
	MOVQ ldc+40(FP), R8  \
	SHLQ $2, R8          \
	MOVQ CX, R9          \
	SHRQ $2, R9

#define ZOLOAD4 \
	MOVLQSX (BX), R10   \
	MOVLQSX 4(BX), R11  \
	MOVLQSX 8(BX), R12  \
	MOVLQSX 12(BX), R13

// ZDOTSTEP accumulates 8 values along k at offset AX. Each accumulator holds two dot
// products of one A row, eight partial sums each: against b0, b1, b2 (DI, R11, R12) in its
// low half and against b3, b4, b5 (R13, R14, BX) in its high half; the A row is broadcast
// to both halves. Lane l of a half sums the products at k ≡ l mod 8 in increasing k, the
// order of the AVX2 kernel sdotKernel4x3.
#define ZDOTSTEP \
	VMOVUPS         (DI)(AX*1), Y12              \
	VINSERTF64X4    $1, (R13)(AX*1), Z12, Z12    \
	VMOVUPS         (R11)(AX*1), Y13             \
	VINSERTF64X4    $1, (R14)(AX*1), Z13, Z13    \
	VMOVUPS         (R12)(AX*1), Y14             \
	VINSERTF64X4    $1, (BX)(AX*1), Z14, Z14     \
	VBROADCASTF64X4 (SI)(AX*1), Z15              \
	VBROADCASTF64X4 (R8)(AX*1), Z16              \
	VFMADD231PS     Z12, Z15, Z0                 \
	VFMADD231PS     Z13, Z15, Z1                 \
	VFMADD231PS     Z14, Z15, Z2                 \
	VBROADCASTF64X4 (R9)(AX*1), Z17              \
	VFMADD231PS     Z12, Z16, Z3                 \
	VFMADD231PS     Z13, Z16, Z4                 \
	VFMADD231PS     Z14, Z16, Z5                 \
	VBROADCASTF64X4 (R10)(AX*1), Z18             \
	VFMADD231PS     Z12, Z17, Z6                 \
	VFMADD231PS     Z13, Z17, Z7                 \
	VFMADD231PS     Z14, Z17, Z8                 \
	VFMADD231PS     Z12, Z18, Z9                 \
	VFMADD231PS     Z13, Z18, Z10                \
	VFMADD231PS     Z14, Z18, Z11                \
	ADDQ            $32, AX

// func sgemmKernel6x32(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
//
// The 6×32 tile C = alpha·Ap·Bp + beta·C: Ap holds k steps of 6 values, Bp k rows of 32
// values ldb apart. C is not read when beta is 0. Needs AVX-512F.
TEXT ·sgemmKernel6x32(SB), NOSPLIT, $0-56
	ZPROLOGUE
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	TESTQ  R9, R9
	JZ     zrest6

zloop6:
	ZSTEP6(0, (DI), 64(DI))
	ZSTEP6(24, (DI)(R10*1), 64(DI)(R10*1))
	ZSTEP6(48, (DI)(R10*2), 64(DI)(R10*2))
	ZSTEP6(72, (DI)(R11*1), 64(DI)(R11*1))
	ADDQ $96, SI
	ADDQ R12, DI
	DECQ R9
	JNZ  zloop6

zrest6:
	ANDQ $3, CX
	JZ   zscale6

zloop6x1:
	ZSTEP6(0, (DI), 64(DI))
	ADDQ $24, SI
	ADDQ R10, DI
	DECQ CX
	JNZ  zloop6x1

zscale6:
	VBROADCASTSS alpha+48(FP), Z14
	ZSCALE(Z0, Z1)
	ZSCALE(Z2, Z3)
	ZSCALE(Z4, Z5)
	ZSCALE(Z6, Z7)
	ZSCALE(Z8, Z9)
	ZSCALE(Z10, Z11)

	// beta == 0 (either sign) must not read C; NaN beta compares unordered (PF set) and
	// takes the reading path, as any non-zero beta.
	VMOVSS   beta+52(FP), X15
	VXORPS   X13, X13, X13
	VUCOMISS X13, X15
	JNE      zbeta6
	JPS      zbeta6

	ZSTORE0(Z0, Z1)
	ZSTORE0(Z2, Z3)
	ZSTORE0(Z4, Z5)
	ZSTORE0(Z6, Z7)
	ZSTORE0(Z8, Z9)
	ZSTORE0(Z10, Z11)
	VZEROUPPER
	RET

zbeta6:
	VBROADCASTSS beta+52(FP), Z15
	ZSTOREBETA(Z0, Z1)
	ZSTOREBETA(Z2, Z3)
	ZSTOREBETA(Z4, Z5)
	ZSTOREBETA(Z6, Z7)
	ZSTOREBETA(Z8, Z9)
	ZSTOREBETA(Z10, Z11)
	VZEROUPPER
	RET

// func sgemmKernel4x32(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
//
// sgemmKernel6x32 for a 4×32 tile: Ap holds k steps of 4 values. Needs AVX-512F.
TEXT ·sgemmKernel4x32(SB), NOSPLIT, $0-56
	ZPROLOGUE
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	TESTQ  R9, R9
	JZ     zrest4

zloop4:
	ZSTEP4(0, (DI), 64(DI))
	ZSTEP4(16, (DI)(R10*1), 64(DI)(R10*1))
	ZSTEP4(32, (DI)(R10*2), 64(DI)(R10*2))
	ZSTEP4(48, (DI)(R11*1), 64(DI)(R11*1))
	ADDQ $64, SI
	ADDQ R12, DI
	DECQ R9
	JNZ  zloop4

zrest4:
	ANDQ $3, CX
	JZ   zscale4

zloop4x1:
	ZSTEP4(0, (DI), 64(DI))
	ADDQ $16, SI
	ADDQ R10, DI
	DECQ CX
	JNZ  zloop4x1

zscale4:
	VBROADCASTSS alpha+48(FP), Z14
	ZSCALE(Z0, Z1)
	ZSCALE(Z2, Z3)
	ZSCALE(Z4, Z5)
	ZSCALE(Z6, Z7)

	VMOVSS   beta+52(FP), X15
	VXORPS   X13, X13, X13
	VUCOMISS X13, X15
	JNE      zbeta4
	JPS      zbeta4

	ZSTORE0(Z0, Z1)
	ZSTORE0(Z2, Z3)
	ZSTORE0(Z4, Z5)
	ZSTORE0(Z6, Z7)
	VZEROUPPER
	RET

zbeta4:
	VBROADCASTSS beta+52(FP), Z15
	ZSTOREBETA(Z0, Z1)
	ZSTOREBETA(Z2, Z3)
	ZSTOREBETA(Z4, Z5)
	ZSTOREBETA(Z6, Z7)
	VZEROUPPER
	RET

// func packBCopy32(kc int, src *float32, ldb int, dst *float32)
//
// Packs a 32-column micro-panel of B stored row-major: for each of kc rows, the 32 values
// at src + p·ldb go to dst + 32p.
TEXT ·packBCopy32(SB), NOSPLIT, $0-32
	MOVQ  kc+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  ldb+16(FP), R8
	MOVQ  dst+24(FP), DI
	SHLQ  $2, R8
	TESTQ CX, CX
	JLE   zcopydone

zcopyloop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    R8, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     zcopyloop

zcopydone:
	VZEROUPPER
	RET

// func sdotKernel4x6(k8 int, a0, a1, a2, a3, b0, b1, b2, b3, b4, b5 *float32, out *[192]float32)
//
// The AVX-512 form of sdotKernel4x3 for four A rows and six B rows: for the A row i and
// B row j, out[16(3i + j mod 3) + 8⌊j/3⌋ + l] = Σ_q a_i[8q+l]·b_j[8q+l] over q < k8, summed
// as sdotKernel4x3 sums it. k8 ≥ 1. Needs AVX-512F.
TEXT ·sdotKernel4x6(SB), NOSPLIT, $0-96
	MOVQ k8+0(FP), CX
	MOVQ a0+8(FP), SI
	MOVQ a1+16(FP), R8
	MOVQ a2+24(FP), R9
	MOVQ a3+32(FP), R10
	MOVQ b0+40(FP), DI
	MOVQ b1+48(FP), R11
	MOVQ b2+56(FP), R12
	MOVQ b3+64(FP), R13
	MOVQ b4+72(FP), R14
	MOVQ b5+80(FP), BX
	XORQ AX, AX

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

	MOVQ CX, DX
	SHRQ $1, DX
	JZ   zdotrest

zdotloop2:
	ZDOTSTEP
	ZDOTSTEP
	DECQ DX
	JNZ  zdotloop2

zdotrest:
	ANDQ $1, CX
	JZ   zdotstore
	ZDOTSTEP

zdotstore:
	MOVQ    out+88(FP), DI
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	VMOVUPS Z4, 256(DI)
	VMOVUPS Z5, 320(DI)
	VMOVUPS Z6, 384(DI)
	VMOVUPS Z7, 448(DI)
	VMOVUPS Z8, 512(DI)
	VMOVUPS Z9, 576(DI)
	VMOVUPS Z10, 640(DI)
	VMOVUPS Z11, 704(DI)
	VZEROUPPER
	RET

// func sconvKernel6x32(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)
//
// sgemmKernel6x32 with B's rows at b + off[p] bytes (see sconvKernel6x16).
TEXT ·sconvKernel6x32(SB), NOSPLIT, $0-64
	ZOPROLOGUE
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	TESTQ  R9, R9
	JZ     zcrest6

zcloop6:
	ZOLOAD4
	ZSTEP6(0, (DI)(R10*1), 64(DI)(R10*1))
	ZSTEP6(24, (DI)(R11*1), 64(DI)(R11*1))
	ZSTEP6(48, (DI)(R12*1), 64(DI)(R12*1))
	ZSTEP6(72, (DI)(R13*1), 64(DI)(R13*1))
	ADDQ $96, SI
	ADDQ $16, BX
	DECQ R9
	JNZ  zcloop6

zcrest6:
	ANDQ $3, CX
	JZ   zcscale6

zcloop6x1:
	MOVLQSX (BX), R10
	ZSTEP6(0, (DI)(R10*1), 64(DI)(R10*1))
	ADDQ $24, SI
	ADDQ $4, BX
	DECQ CX
	JNZ  zcloop6x1

zcscale6:
	ZEPILOGUE6(zcbeta6, zcnobias6)

// func sconvKernel4x32(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)
//
// sconvKernel6x32 for a 4×32 tile.
TEXT ·sconvKernel4x32(SB), NOSPLIT, $0-64
	ZOPROLOGUE
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	TESTQ  R9, R9
	JZ     zcrest4

zcloop4:
	ZOLOAD4
	ZSTEP4(0, (DI)(R10*1), 64(DI)(R10*1))
	ZSTEP4(16, (DI)(R11*1), 64(DI)(R11*1))
	ZSTEP4(32, (DI)(R12*1), 64(DI)(R12*1))
	ZSTEP4(48, (DI)(R13*1), 64(DI)(R13*1))
	ADDQ $64, SI
	ADDQ $16, BX
	DECQ R9
	JNZ  zcloop4

zcrest4:
	ANDQ $3, CX
	JZ   zcscale4

zcloop4x1:
	MOVLQSX (BX), R10
	ZSTEP4(0, (DI)(R10*1), 64(DI)(R10*1))
	ADDQ $16, SI
	ADDQ $4, BX
	DECQ CX
	JNZ  zcloop4x1

zcscale4:
	ZEPILOGUE4(zcbeta4, zcnobias4)

// ZREDUCE8 sums each 8-lane half of zr as ((p0+p1)+(p2+p3))+((p4+p5)+(p6+p7)), the tree of
// the Go reductions of the dot kernels' partial sums (float32 addition is commutative, so
// the swapped lanes add to the same bits), and stores the low half's sum at lo(DI), the
// high half's at hi(DI). Clobbers Z12.
#define ZREDUCE8(zr, xr, lo, hi) \
	VPERMILPS     $0xB1, zr, Z12      \
	VADDPS        Z12, zr, zr         \
	VPERMILPS     $0x4E, zr, Z12      \
	VADDPS        Z12, zr, zr         \
	VSHUFF32X4    $0xB1, zr, zr, Z12  \
	VADDPS        Z12, zr, zr         \
	VMOVSS        xr, lo(DI)          \
	VEXTRACTF32X4 $2, zr, X12         \
	VMOVSS        X12, hi(DI)

// func sdotRowsKernel4x6(rows, w8 int, a0, a1, a2, a3 *float32, lda int, b0, b1, b2, b3, b4, b5 *float32, ldb int, out *[24]float32)
//
// sdotKernel4x6 over rows of 8·w8 values, the A rows' rows lda floats apart and the B
// rows' ldb apart, in the order of sdotRowsKernel4x3 (see there). rows, w8 ≥ 1. Unlike
// sdotKernel4x6 it reduces its partial sums itself (ZREDUCE8): out[2·(3r+q%3) + q/3] is
// the dot product of A row r with B row q, for r < 4, q < 6.
TEXT ·sdotRowsKernel4x6(SB), NOSPLIT, $0-120
	MOVQ rows+0(FP), DX
	MOVQ a0+16(FP), SI
	MOVQ a1+24(FP), R8
	MOVQ a2+32(FP), R9
	MOVQ a3+40(FP), R10
	MOVQ b0+56(FP), DI
	MOVQ b1+64(FP), R11
	MOVQ b2+72(FP), R12
	MOVQ b3+80(FP), R13
	MOVQ b4+88(FP), R14
	MOVQ b5+96(FP), BX
	SHLQ $2, lda+48(FP)
	SHLQ $2, ldb+104(FP)

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

zdrowloop:
	XORQ AX, AX
	MOVQ w8+8(FP), CX

zdinner:
	ZDOTSTEP
	DECQ CX
	JNZ  zdinner
	MOVQ lda+48(FP), AX
	ADDQ AX, SI
	ADDQ AX, R8
	ADDQ AX, R9
	ADDQ AX, R10
	MOVQ ldb+104(FP), AX
	ADDQ AX, DI
	ADDQ AX, R11
	ADDQ AX, R12
	ADDQ AX, R13
	ADDQ AX, R14
	ADDQ AX, BX
	DECQ DX
	JNZ  zdrowloop

	MOVQ out+112(FP), DI
	ZREDUCE8(Z0, X0, 0, 4)
	ZREDUCE8(Z1, X1, 8, 12)
	ZREDUCE8(Z2, X2, 16, 20)
	ZREDUCE8(Z3, X3, 24, 28)
	ZREDUCE8(Z4, X4, 32, 36)
	ZREDUCE8(Z5, X5, 40, 44)
	ZREDUCE8(Z6, X6, 48, 52)
	ZREDUCE8(Z7, X7, 56, 60)
	ZREDUCE8(Z8, X8, 64, 68)
	ZREDUCE8(Z9, X9, 72, 76)
	ZREDUCE8(Z10, X10, 80, 84)
	ZREDUCE8(Z11, X11, 88, 92)
	VZEROUPPER
	RET

// func fmaPeak512(n int)
//
// n iterations of 12 independent ZMM FMAs (2·16·12 FLOP each) on registers only: the
// FLOP/s it reaches is the AVX-512 peak of the core (BenchmarkFMAPeak).
TEXT ·fmaPeak512(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	TESTQ  CX, CX
	JLE    peak512done

peak512loop:
	VFMADD231PS Z20, Z21, Z0
	VFMADD231PS Z20, Z21, Z1
	VFMADD231PS Z20, Z21, Z2
	VFMADD231PS Z20, Z21, Z3
	VFMADD231PS Z20, Z21, Z4
	VFMADD231PS Z20, Z21, Z5
	VFMADD231PS Z20, Z21, Z6
	VFMADD231PS Z20, Z21, Z7
	VFMADD231PS Z20, Z21, Z8
	VFMADD231PS Z20, Z21, Z9
	VFMADD231PS Z20, Z21, Z10
	VFMADD231PS Z20, Z21, Z11
	DECQ        CX
	JNZ         peak512loop

peak512done:
	VZEROUPPER
	RET
