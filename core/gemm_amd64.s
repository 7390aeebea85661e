//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// Micro-kernel of the packed GEMM (see gemm_amd64.go): a 6×16 tile of C held in twelve
// YMM accumulators, two per row,
//
//	row r, columns 0–7:  Y(2r)     row r, columns 8–15: Y(2r+1)
//
// Each step p loads the 16 values of B's micro-panel into Y12, Y13, broadcasts the six
// values of A's micro-panel two at a time into Y14, Y15, and does twelve FMAs
// acc += a[r]·b. B's rows are ldb apart: 16 when packed, or B's own stride when the
// caller reads a full panel of B in place. Registers: SI = packed A, DI = B, R10 = ldb in
// bytes, R11 = 3·ldb, R12 = 4·ldb, DX = C, R8 = ldc in bytes, R9 = steps of the 4-way
// unrolled loop, CX = remaining steps.

// STEP does one rank-1 update from packed A at aoff(SI) and the B row at b0 (its second
// half at b1).
#define STEP(aoff, b0, b1) \
	VMOVUPS      b0, Y12              \
	VMOVUPS      b1, Y13              \
	VBROADCASTSS aoff(SI), Y14        \
	VBROADCASTSS aoff+4(SI), Y15      \
	VFMADD231PS  Y12, Y14, Y0         \
	VFMADD231PS  Y13, Y14, Y1         \
	VFMADD231PS  Y12, Y15, Y2         \
	VFMADD231PS  Y13, Y15, Y3         \
	VBROADCASTSS aoff+8(SI), Y14      \
	VBROADCASTSS aoff+12(SI), Y15     \
	VFMADD231PS  Y12, Y14, Y4         \
	VFMADD231PS  Y13, Y14, Y5         \
	VFMADD231PS  Y12, Y15, Y6         \
	VFMADD231PS  Y13, Y15, Y7         \
	VBROADCASTSS aoff+16(SI), Y14     \
	VBROADCASTSS aoff+20(SI), Y15     \
	VFMADD231PS  Y12, Y14, Y8         \
	VFMADD231PS  Y13, Y14, Y9         \
	VFMADD231PS  Y12, Y15, Y10        \
	VFMADD231PS  Y13, Y15, Y11

// STORE0 writes row accumulators lo, hi to the C row at DX, without reading C.
#define STORE0(lo, hi) \
	VMOVUPS lo, (DX)   \
	VMOVUPS hi, 32(DX) \
	ADDQ    R8, DX

// STOREBETA writes lo + beta·C, hi + beta·C (beta in Y15) to the C row at DX.
#define STOREBETA(lo, hi) \
	VFMADD231PS (DX), Y15, lo   \
	VFMADD231PS 32(DX), Y15, hi \
	VMOVUPS     lo, (DX)        \
	VMOVUPS     hi, 32(DX)      \
	ADDQ        R8, DX

// EPILOGUE6 scales the 6×16 tile in Y0–Y11 by alpha, adds bias[r] to row r if the
// argument bias is not nil, and stores it to C at DX (row stride R8), adding beta·C unless
// beta is 0; without bias, the code of sgemmKernel6x16's tail. Labels are
// passed in because a macro may be used by several functions.
#define EPILOGUE6(withbeta, nobias) \
	VBROADCASTSS alpha+48(FP), Y14 \
	VMULPS       Y14, Y0, Y0       \
	VMULPS       Y14, Y1, Y1       \
	VMULPS       Y14, Y2, Y2       \
	VMULPS       Y14, Y3, Y3       \
	VMULPS       Y14, Y4, Y4       \
	VMULPS       Y14, Y5, Y5       \
	VMULPS       Y14, Y6, Y6       \
	VMULPS       Y14, Y7, Y7       \
	VMULPS       Y14, Y8, Y8       \
	VMULPS       Y14, Y9, Y9       \
	VMULPS       Y14, Y10, Y10     \
	VMULPS       Y14, Y11, Y11     \
	MOVQ         bias+56(FP), R13  \
	TESTQ        R13, R13          \
	JZ           nobias           \
	VBROADCASTSS 0(R13), Y14 \
	VADDPS       Y14, Y0, Y0 \
	VADDPS       Y14, Y1, Y1 \
	VBROADCASTSS 4(R13), Y14 \
	VADDPS       Y14, Y2, Y2 \
	VADDPS       Y14, Y3, Y3 \
	VBROADCASTSS 8(R13), Y14 \
	VADDPS       Y14, Y4, Y4 \
	VADDPS       Y14, Y5, Y5 \
	VBROADCASTSS 12(R13), Y14 \
	VADDPS       Y14, Y6, Y6 \
	VADDPS       Y14, Y7, Y7 \
	VBROADCASTSS 16(R13), Y14 \
	VADDPS       Y14, Y8, Y8 \
	VADDPS       Y14, Y9, Y9 \
	VBROADCASTSS 20(R13), Y14 \
	VADDPS       Y14, Y10, Y10 \
	VADDPS       Y14, Y11, Y11 \
nobias: \
	VMOVSS       beta+52(FP), X15  \
	VXORPS       X13, X13, X13     \
	VUCOMISS     X13, X15          \
	JNE          withbeta          \
	JPS          withbeta          \
	STORE0(Y0, Y1)                 \
	STORE0(Y2, Y3)                 \
	STORE0(Y4, Y5)                 \
	STORE0(Y6, Y7)                 \
	STORE0(Y8, Y9)                 \
	STORE0(Y10, Y11)               \
	VZEROUPPER                     \
	RET                            \
withbeta:                          \
	VBROADCASTSS beta+52(FP), Y15  \
	STOREBETA(Y0, Y1)              \
	STOREBETA(Y2, Y3)              \
	STOREBETA(Y4, Y5)              \
	STOREBETA(Y6, Y7)              \
	STOREBETA(Y8, Y9)              \
	STOREBETA(Y10, Y11)            \
	VZEROUPPER                     \
	RET

// EPILOGUE4 is EPILOGUE6 for the 4×16 tile in Y0–Y7.
#define EPILOGUE4(withbeta, nobias) \
	VBROADCASTSS alpha+48(FP), Y14 \
	VMULPS       Y14, Y0, Y0       \
	VMULPS       Y14, Y1, Y1       \
	VMULPS       Y14, Y2, Y2       \
	VMULPS       Y14, Y3, Y3       \
	VMULPS       Y14, Y4, Y4       \
	VMULPS       Y14, Y5, Y5       \
	VMULPS       Y14, Y6, Y6       \
	VMULPS       Y14, Y7, Y7       \
	MOVQ         bias+56(FP), R13  \
	TESTQ        R13, R13          \
	JZ           nobias           \
	VBROADCASTSS 0(R13), Y14 \
	VADDPS       Y14, Y0, Y0 \
	VADDPS       Y14, Y1, Y1 \
	VBROADCASTSS 4(R13), Y14 \
	VADDPS       Y14, Y2, Y2 \
	VADDPS       Y14, Y3, Y3 \
	VBROADCASTSS 8(R13), Y14 \
	VADDPS       Y14, Y4, Y4 \
	VADDPS       Y14, Y5, Y5 \
	VBROADCASTSS 12(R13), Y14 \
	VADDPS       Y14, Y6, Y6 \
	VADDPS       Y14, Y7, Y7 \
nobias: \
	VMOVSS       beta+52(FP), X15  \
	VXORPS       X13, X13, X13     \
	VUCOMISS     X13, X15          \
	JNE          withbeta          \
	JPS          withbeta          \
	STORE0(Y0, Y1)                 \
	STORE0(Y2, Y3)                 \
	STORE0(Y4, Y5)                 \
	STORE0(Y6, Y7)                 \
	VZEROUPPER                     \
	RET                            \
withbeta:                          \
	VBROADCASTSS beta+52(FP), Y15  \
	STOREBETA(Y0, Y1)              \
	STOREBETA(Y2, Y3)              \
	STOREBETA(Y4, Y5)              \
	STOREBETA(Y6, Y7)              \
	VZEROUPPER                     \
	RET

// OPROLOGUE loads the arguments of the convolution kernels: as the GEMM kernels', with the
// table of B's row offsets in BX instead of ldb. R9 = k/4, CX = k.
#define OPROLOGUE \
	MOVQ k+0(FP), CX     \
	MOVQ a+8(FP), SI     \
	MOVQ b+16(FP), DI    \
	MOVQ off+24(FP), BX  \
	MOVQ c+32(FP), DX    \
	MOVQ ldc+40(FP), R8  \
	SHLQ $2, R8          \
	MOVQ CX, R9          \
	SHRQ $2, R9

// OLOAD4 loads four byte offsets of B rows from the table at BX.
#define OLOAD4 \
	MOVLQSX (BX), R10   \
	MOVLQSX 4(BX), R11  \
	MOVLQSX 8(BX), R12  \
	MOVLQSX 12(BX), R13

// STEP4 is STEP for the 4×16 kernel: A's micro-panel holds four values per step.
#define STEP4(aoff, b0, b1) \
	VMOVUPS      b0, Y12              \
	VMOVUPS      b1, Y13              \
	VBROADCASTSS aoff(SI), Y14        \
	VBROADCASTSS aoff+4(SI), Y15      \
	VFMADD231PS  Y12, Y14, Y0         \
	VFMADD231PS  Y13, Y14, Y1         \
	VFMADD231PS  Y12, Y15, Y2         \
	VFMADD231PS  Y13, Y15, Y3         \
	VBROADCASTSS aoff+8(SI), Y10      \
	VBROADCASTSS aoff+12(SI), Y11     \
	VFMADD231PS  Y12, Y10, Y4         \
	VFMADD231PS  Y13, Y10, Y5         \
	VFMADD231PS  Y12, Y11, Y6         \
	VFMADD231PS  Y13, Y11, Y7

// func sgemmKernel6x16(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R10
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11
	LEAQ (R10*4), R12

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, R9
	SHRQ $2, R9
	JZ   rest

loop4:
	// Four steps: A advances 4·6·4 = 96 bytes, B four rows.
	STEP(0, (DI), 32(DI))
	STEP(24, (DI)(R10*1), 32(DI)(R10*1))
	STEP(48, (DI)(R10*2), 32(DI)(R10*2))
	STEP(72, (DI)(R11*1), 32(DI)(R11*1))
	ADDQ $96, SI
	ADDQ R12, DI
	DECQ R9
	JNZ  loop4

rest:
	ANDQ $3, CX
	JZ   scale

loop1:
	STEP(0, (DI), 32(DI))
	ADDQ $24, SI
	ADDQ R10, DI
	DECQ CX
	JNZ  loop1

scale:
	VBROADCASTSS alpha+48(FP), Y14
	VMULPS       Y14, Y0, Y0
	VMULPS       Y14, Y1, Y1
	VMULPS       Y14, Y2, Y2
	VMULPS       Y14, Y3, Y3
	VMULPS       Y14, Y4, Y4
	VMULPS       Y14, Y5, Y5
	VMULPS       Y14, Y6, Y6
	VMULPS       Y14, Y7, Y7
	VMULPS       Y14, Y8, Y8
	VMULPS       Y14, Y9, Y9
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11

	// beta == 0 (either sign) must not read C; NaN beta compares unordered (PF set) and
	// takes the reading path, as any non-zero beta.
	VMOVSS   beta+52(FP), X15
	VXORPS   X13, X13, X13
	VUCOMISS X13, X15
	JNE      withbeta
	JPS      withbeta

	STORE0(Y0, Y1)
	STORE0(Y2, Y3)
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	STORE0(Y8, Y9)
	STORE0(Y10, Y11)
	VZEROUPPER
	RET

withbeta:
	VBROADCASTSS beta+52(FP), Y15
	STOREBETA(Y0, Y1)
	STOREBETA(Y2, Y3)
	STOREBETA(Y4, Y5)
	STOREBETA(Y6, Y7)
	STOREBETA(Y8, Y9)
	STOREBETA(Y10, Y11)
	VZEROUPPER
	RET

// func sgemmKernel4x16(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
//
// The 4×16 micro-kernel for row tiles of four (see gemmRowTile): as sgemmKernel6x16 with
// eight accumulators Y0–Y7 (row r in Y(2r), Y(2r+1)) and A's micro-panel four values per
// step (16 bytes). Same registers otherwise.
TEXT ·sgemmKernel4x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R10
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11
	LEAQ (R10*4), R12

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

	MOVQ CX, R9
	SHRQ $2, R9
	JZ   rest4

loop4x4:
	// Four steps: A advances 4·4·4 = 64 bytes, B four rows.
	STEP4(0, (DI), 32(DI))
	STEP4(16, (DI)(R10*1), 32(DI)(R10*1))
	STEP4(32, (DI)(R10*2), 32(DI)(R10*2))
	STEP4(48, (DI)(R11*1), 32(DI)(R11*1))
	ADDQ $64, SI
	ADDQ R12, DI
	DECQ R9
	JNZ  loop4x4

rest4:
	ANDQ $3, CX
	JZ   scale4

loop4x1:
	STEP4(0, (DI), 32(DI))
	ADDQ $16, SI
	ADDQ R10, DI
	DECQ CX
	JNZ  loop4x1

scale4:
	VBROADCASTSS alpha+48(FP), Y14
	VMULPS       Y14, Y0, Y0
	VMULPS       Y14, Y1, Y1
	VMULPS       Y14, Y2, Y2
	VMULPS       Y14, Y3, Y3
	VMULPS       Y14, Y4, Y4
	VMULPS       Y14, Y5, Y5
	VMULPS       Y14, Y6, Y6
	VMULPS       Y14, Y7, Y7

	// beta == 0 (either sign) must not read C; NaN beta takes the reading path.
	VMOVSS   beta+52(FP), X15
	VXORPS   X13, X13, X13
	VUCOMISS X13, X15
	JNE      withbeta4
	JPS      withbeta4

	STORE0(Y0, Y1)
	STORE0(Y2, Y3)
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	VZEROUPPER
	RET

withbeta4:
	VBROADCASTSS beta+52(FP), Y15
	STOREBETA(Y0, Y1)
	STOREBETA(Y2, Y3)
	STOREBETA(Y4, Y5)
	STOREBETA(Y6, Y7)
	VZEROUPPER
	RET

// func packBCopy16(kc int, src *float32, ldb int, dst *float32)
//
// Packs a 16-column micro-panel of B stored row-major (op(B) = B): for each of kc rows,
// the 16 values at src + p·ldb go to dst + 16p.
TEXT ·packBCopy16(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), R8
	MOVQ dst+24(FP), DI
	SHLQ $2, R8
	TESTQ CX, CX
	JLE  copydone

copyloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     copyloop

copydone:
	VZEROUPPER
	RET

// TRANSPOSE8 transposes the 8×8 block whose rows r0…r7 are in Y0–Y7 into its columns in
// Y8–Y15 (Y8 = column 0, …, Y15 = column 7), using Y0–Y7 as scratch. Per 128-bit lane:
// UNPCKL/HPS interleave row pairs (r0[0] r1[0] r0[1] r1[1] | the same for 4, 5); SHUFPS
// joins two pairs into four rows of one column (r0…r3 of column 0 | of column 4); and
// VPERM2F128 joins rows 0–3 and 4–7 (low lanes give columns 0–3, high lanes 4–7).
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8           \
	VUNPCKHPS  Y1, Y0, Y9           \
	VUNPCKLPS  Y3, Y2, Y10          \
	VUNPCKHPS  Y3, Y2, Y11          \
	VUNPCKLPS  Y5, Y4, Y12          \
	VUNPCKHPS  Y5, Y4, Y13          \
	VUNPCKLPS  Y7, Y6, Y14          \
	VUNPCKHPS  Y7, Y6, Y15          \
	VSHUFPS    $0x44, Y10, Y8, Y0   \
	VSHUFPS    $0xEE, Y10, Y8, Y1   \
	VSHUFPS    $0x44, Y11, Y9, Y2   \
	VSHUFPS    $0xEE, Y11, Y9, Y3   \
	VSHUFPS    $0x44, Y14, Y12, Y4  \
	VSHUFPS    $0xEE, Y14, Y12, Y5  \
	VSHUFPS    $0x44, Y15, Y13, Y6  \
	VSHUFPS    $0xEE, Y15, Y13, Y7  \
	VPERM2F128 $0x20, Y4, Y0, Y8    \
	VPERM2F128 $0x20, Y5, Y1, Y9    \
	VPERM2F128 $0x20, Y6, Y2, Y10   \
	VPERM2F128 $0x20, Y7, Y3, Y11   \
	VPERM2F128 $0x31, Y4, Y0, Y12   \
	VPERM2F128 $0x31, Y5, Y1, Y13   \
	VPERM2F128 $0x31, Y6, Y2, Y14   \
	VPERM2F128 $0x31, Y7, Y3, Y15

// LOAD8 loads 8 values from each of the 8 rows at base, base+ld, …, base+7·ld into Y0–Y7;
// R8 = ld, R9 = 3·ld, and lo4 must point 4 rows below base.
#define LOAD8(base, lo4) \
	VMOVUPS (base), Y0          \
	VMOVUPS (base)(R8*1), Y1    \
	VMOVUPS (base)(R8*2), Y2    \
	VMOVUPS (base)(R9*1), Y3    \
	VMOVUPS (lo4), Y4           \
	VMOVUPS (lo4)(R8*1), Y5     \
	VMOVUPS (lo4)(R8*2), Y6     \
	VMOVUPS (lo4)(R9*1), Y7

// STORE8 stores columns Y8–Y15 to 8 consecutive steps of the packed panel at off(DI),
// R13 bytes apart (R14 = 3·R13, BX = DI + 4·R13).
#define STORE8(off) \
	VMOVUPS Y8, off(DI)          \
	VMOVUPS Y9, off(DI)(R13*1)   \
	VMOVUPS Y10, off(DI)(R13*2)  \
	VMOVUPS Y11, off(DI)(R14*1)  \
	VMOVUPS Y12, off(BX)         \
	VMOVUPS Y13, off(BX)(R13*1)  \
	VMOVUPS Y14, off(BX)(R13*2)  \
	VMOVUPS Y15, off(BX)(R14*1)

// func packBTrans16(kc int, src *float32, ldb int, dst *float32, dstep int)
//
// Packs 16 columns of a micro-panel of op(B) = Bᵀ, B stored row-major: the 16 rows of B
// at src + j·ldb, j = 0…15, become the 16 values at dst + p·dstep (dstep in floats: 16
// for a 16-column panel, 32 for half of a 32-column one), for p < kc rounded down to a
// multiple of 8; the caller packs the remaining steps. Works in 8×8 blocks: rows 0–7
// give the first 8 values of 8 steps, rows 8–15 the last 8.
TEXT ·packBTrans16(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), R8
	MOVQ dst+24(FP), DI
	MOVQ dstep+32(FP), R13
	SHLQ $2, R8
	SHLQ $2, R13
	LEAQ (R13)(R13*2), R14 // 3·dstep
	LEAQ (R8)(R8*2), R9  // 3·ldb
	LEAQ (SI)(R8*4), R10 // row 4
	LEAQ (R10)(R8*4), R11 // row 8
	LEAQ (R11)(R8*4), R12 // row 12
	SHRQ $3, CX
	JZ   transdone

transloop:
	LEAQ (DI)(R13*4), BX
	LOAD8(SI, R10)
	TRANSPOSE8
	STORE8(0)
	LOAD8(R11, R12)
	TRANSPOSE8
	STORE8(32)
	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	LEAQ (BX)(R13*4), DI
	DECQ CX
	JNZ  transloop

transdone:
	VZEROUPPER
	RET

// DOTSTEP accumulates 8 values along k at offset AX: B rows in Y12–Y14 from DI, R11, R12,
// then each A row (SI, R8, R9, R10) into Y15 against all three.
#define DOTSTEP \
	VMOVUPS     (DI)(AX*1), Y12  \
	VMOVUPS     (R11)(AX*1), Y13 \
	VMOVUPS     (R12)(AX*1), Y14 \
	VMOVUPS     (SI)(AX*1), Y15  \
	VFMADD231PS Y12, Y15, Y0     \
	VFMADD231PS Y13, Y15, Y1     \
	VFMADD231PS Y14, Y15, Y2     \
	VMOVUPS     (R8)(AX*1), Y15  \
	VFMADD231PS Y12, Y15, Y3     \
	VFMADD231PS Y13, Y15, Y4     \
	VFMADD231PS Y14, Y15, Y5     \
	VMOVUPS     (R9)(AX*1), Y15  \
	VFMADD231PS Y12, Y15, Y6     \
	VFMADD231PS Y13, Y15, Y7     \
	VFMADD231PS Y14, Y15, Y8     \
	VMOVUPS     (R10)(AX*1), Y15 \
	VFMADD231PS Y12, Y15, Y9     \
	VFMADD231PS Y13, Y15, Y10    \
	VFMADD231PS Y14, Y15, Y11    \
	ADDQ        $32, AX

// func sdotKernel4x3(k8 int, a0, a1, a2, a3, b0, b1, b2 *float32, out *[96]float32)
//
// Dot-product micro-kernel for C = A·Bᵀ with both operands contiguous along k: for the
// four A rows a0…a3 and three B rows b0…b2, out[8(3i+j)+l] = Σ a_i[8q+l]·b_j[8q+l] over
// q < k8, the eight partial sums of each of the 12 dot products (the caller adds them up).
// k8 ≥ 1 is the number of 8-float blocks of k.
TEXT ·sdotKernel4x3(SB), NOSPLIT, $0-72
	MOVQ k8+0(FP), CX
	MOVQ a0+8(FP), SI
	MOVQ a1+16(FP), R8
	MOVQ a2+24(FP), R9
	MOVQ a3+32(FP), R10
	MOVQ b0+40(FP), DI
	MOVQ b1+48(FP), R11
	MOVQ b2+56(FP), R12
	XORQ AX, AX

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, DX
	SHRQ $1, DX
	JZ   dotrest

dotloop2:
	DOTSTEP
	DOTSTEP
	DECQ DX
	JNZ  dotloop2

dotrest:
	ANDQ $1, CX
	JZ   dotstore
	DOTSTEP

dotstore:
	MOVQ    out+64(FP), DI
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VMOVUPS Y8, 256(DI)
	VMOVUPS Y9, 288(DI)
	VMOVUPS Y10, 320(DI)
	VMOVUPS Y11, 352(DI)
	VZEROUPPER
	RET

// func gemmMergeFMA(n int, t, c *float32, beta float32)
//
// c[j] = t[j] + beta·c[j] for j < n, with one rounding (FMA), as the kernels' beta path
// computes it, so that entries of C merged from a local edge tile get the same bits as
// those the kernels write. Needs FMA.
TEXT ·gemmMergeFMA(SB), NOSPLIT, $0-28
	MOVQ   n+0(FP), CX
	MOVQ   t+8(FP), SI
	MOVQ   c+16(FP), DI
	VMOVSS beta+24(FP), X15
	TESTQ  CX, CX
	JLE    mergedone

mergeloop:
	VMOVSS      (SI), X0
	VFMADD231SS (DI), X15, X0
	VMOVSS      X0, (DI)
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JNZ         mergeloop

mergedone:
	RET

// func sconvKernel6x16(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)
//
// sgemmKernel6x16 with B's rows at b + off[p] bytes, p < k, instead of ldb apart: the
// convolution kernels read the rows of the im2col matrix in place, as shifted views of a
// padded input (see convImplicit). Every entry of C gets the same arithmetic as in
// sgemmKernel6x16. If bias is not nil, bias[r] is added to row r after alpha (one
// rounding, as beta·C with beta = 1 and C = bias would add it).
TEXT ·sconvKernel6x16(SB), NOSPLIT, $0-64
	OPROLOGUE
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ  R9, R9
	JZ     crest6

cloop6:
	OLOAD4
	STEP(0, (DI)(R10*1), 32(DI)(R10*1))
	STEP(24, (DI)(R11*1), 32(DI)(R11*1))
	STEP(48, (DI)(R12*1), 32(DI)(R12*1))
	STEP(72, (DI)(R13*1), 32(DI)(R13*1))
	ADDQ $96, SI
	ADDQ $16, BX
	DECQ R9
	JNZ  cloop6

crest6:
	ANDQ $3, CX
	JZ   cscale6

cloop6x1:
	MOVLQSX (BX), R10
	STEP(0, (DI)(R10*1), 32(DI)(R10*1))
	ADDQ $24, SI
	ADDQ $4, BX
	DECQ CX
	JNZ  cloop6x1

cscale6:
	EPILOGUE6(cbeta6, cnobias6)

// func sconvKernel4x16(k int, a, b *float32, off *int32, c *float32, ldc int, alpha, beta float32, bias *float32)
//
// sconvKernel6x16 for a 4×16 tile (sgemmKernel4x16's arithmetic).
TEXT ·sconvKernel4x16(SB), NOSPLIT, $0-64
	OPROLOGUE
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ  R9, R9
	JZ     crest4

cloop4:
	OLOAD4
	STEP4(0, (DI)(R10*1), 32(DI)(R10*1))
	STEP4(16, (DI)(R11*1), 32(DI)(R11*1))
	STEP4(32, (DI)(R12*1), 32(DI)(R12*1))
	STEP4(48, (DI)(R13*1), 32(DI)(R13*1))
	ADDQ $64, SI
	ADDQ $16, BX
	DECQ R9
	JNZ  cloop4

crest4:
	ANDQ $3, CX
	JZ   cscale4

cloop4x1:
	MOVLQSX (BX), R10
	STEP4(0, (DI)(R10*1), 32(DI)(R10*1))
	ADDQ $16, SI
	ADDQ $4, BX
	DECQ CX
	JNZ  cloop4x1

cscale4:
	EPILOGUE4(cbeta4, cnobias4)

// func sdotRowsKernel4x3(rows, w8 int, a0, a1, a2, a3 *float32, lda int, b0, b1, b2 *float32, ldb int, out *[96]float32)
//
// sdotKernel4x3 over k = rows·8·w8 values taken as rows of 8·w8, the A rows' rows lda
// floats apart and the B rows' ldb apart: for q < w8 and t < rows, lane l of the partial
// sums of a_i·b_j adds a_i[t·lda+8q+l]·b_j[t·ldb+8q+l], in the order of t, then q, which
// is the order of sdotKernel4x3 on the rows laid end to end. rows, w8 ≥ 1.
TEXT ·sdotRowsKernel4x3(SB), NOSPLIT, $0-96
	MOVQ rows+0(FP), DX
	MOVQ a0+16(FP), SI
	MOVQ a1+24(FP), R8
	MOVQ a2+32(FP), R9
	MOVQ a3+40(FP), R10
	MOVQ lda+48(FP), R13
	MOVQ b0+56(FP), DI
	MOVQ b1+64(FP), R11
	MOVQ b2+72(FP), R12
	MOVQ ldb+80(FP), R14
	SHLQ $2, R13
	SHLQ $2, R14

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

drowloop:
	XORQ AX, AX
	MOVQ w8+8(FP), CX

dinner:
	DOTSTEP
	DECQ CX
	JNZ  dinner
	ADDQ R13, SI
	ADDQ R13, R8
	ADDQ R13, R9
	ADDQ R13, R10
	ADDQ R14, DI
	ADDQ R14, R11
	ADDQ R14, R12
	DECQ DX
	JNZ  drowloop

	MOVQ    out+88(FP), DI
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VMOVUPS Y8, 256(DI)
	VMOVUPS Y9, 288(DI)
	VMOVUPS Y10, 320(DI)
	VMOVUPS Y11, 352(DI)
	VZEROUPPER
	RET

// func fmaPeak256(n int)
//
// n iterations of 12 independent YMM FMAs (2·8·12 FLOP each): the AVX2 peak of the core.
TEXT ·fmaPeak256(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ  CX, CX
	JLE    peak256done

peak256loop:
	VFMADD231PS Y12, Y13, Y0
	VFMADD231PS Y12, Y13, Y1
	VFMADD231PS Y12, Y13, Y2
	VFMADD231PS Y12, Y13, Y3
	VFMADD231PS Y12, Y13, Y4
	VFMADD231PS Y12, Y13, Y5
	VFMADD231PS Y12, Y13, Y6
	VFMADD231PS Y12, Y13, Y7
	VFMADD231PS Y12, Y13, Y8
	VFMADD231PS Y12, Y13, Y9
	VFMADD231PS Y12, Y13, Y10
	VFMADD231PS Y12, Y13, Y11
	DECQ        CX
	JNZ         peak256loop

peak256done:
	VZEROUPPER
	RET
