//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// float64 micro-kernels of dgemm (see dgemm.go): C = A·B on a tile of 6 or 4 rows and 8
// (YMM, AVX2) or 16 (ZMM, AVX-512) columns, A and B read in place. Every entry is the FMA
// chain acc = fma(a[i][p], b[p][j], acc) from acc = +0, p = 0 … k−1, which is what the
// portable dgemmRef computes with math.FMA.
//
// Registers: SI = A at row 0, column p; BX = A at row 4, column p; R8 = lda in bytes,
// R9 = 3·lda; DI = B's row p, R10 = ldb in bytes; DX = C, R11 = ldc in bytes; CX = steps
// left. Accumulators: row r in Y/Z(2r), Y/Z(2r+1).

#define DPROLOGUE \
	MOVQ k+0(FP), CX      \
	MOVQ a+8(FP), SI      \
	MOVQ lda+16(FP), R8   \
	MOVQ b+24(FP), DI     \
	MOVQ ldb+32(FP), R10  \
	MOVQ c+40(FP), DX     \
	MOVQ ldc+48(FP), R11  \
	SHLQ $3, R8           \
	SHLQ $3, R10          \
	SHLQ $3, R11          \
	LEAQ (R8)(R8*2), R9   \
	LEAQ (SI)(R8*4), BX

// DSTEPY6 is one step of the 6×8 AVX2 tile.
#define DSTEPY6 \
	VMOVUPD      (DI), Y12         \
	VMOVUPD      32(DI), Y13       \
	VBROADCASTSD (SI), Y14         \
	VBROADCASTSD (SI)(R8*1), Y15   \
	VFMADD231PD  Y12, Y14, Y0      \
	VFMADD231PD  Y13, Y14, Y1      \
	VFMADD231PD  Y12, Y15, Y2      \
	VFMADD231PD  Y13, Y15, Y3      \
	VBROADCASTSD (SI)(R8*2), Y14   \
	VBROADCASTSD (SI)(R9*1), Y15   \
	VFMADD231PD  Y12, Y14, Y4      \
	VFMADD231PD  Y13, Y14, Y5      \
	VFMADD231PD  Y12, Y15, Y6      \
	VFMADD231PD  Y13, Y15, Y7      \
	VBROADCASTSD (BX), Y14         \
	VBROADCASTSD (BX)(R8*1), Y15   \
	VFMADD231PD  Y12, Y14, Y8      \
	VFMADD231PD  Y13, Y14, Y9      \
	VFMADD231PD  Y12, Y15, Y10     \
	VFMADD231PD  Y13, Y15, Y11     \
	ADDQ         $8, SI            \
	ADDQ         $8, BX            \
	ADDQ         R10, DI

// DSTEPY4 is one step of the 4×8 AVX2 tile.
#define DSTEPY4 \
	VMOVUPD      (DI), Y12         \
	VMOVUPD      32(DI), Y13       \
	VBROADCASTSD (SI), Y14         \
	VBROADCASTSD (SI)(R8*1), Y15   \
	VFMADD231PD  Y12, Y14, Y0      \
	VFMADD231PD  Y13, Y14, Y1      \
	VFMADD231PD  Y12, Y15, Y2      \
	VFMADD231PD  Y13, Y15, Y3      \
	VBROADCASTSD (SI)(R8*2), Y14   \
	VBROADCASTSD (SI)(R9*1), Y15   \
	VFMADD231PD  Y12, Y14, Y4      \
	VFMADD231PD  Y13, Y14, Y5      \
	VFMADD231PD  Y12, Y15, Y6      \
	VFMADD231PD  Y13, Y15, Y7      \
	ADDQ         $8, SI            \
	ADDQ         R10, DI

#define DSTOREY(lo, hi) \
	VMOVUPD lo, (DX)   \
	VMOVUPD hi, 32(DX) \
	ADDQ    R11, DX

// DSTEPZ6 is one step of the 6×16 AVX-512 tile.
#define DSTEPZ6 \
	VMOVUPD      (DI), Z12         \
	VMOVUPD      64(DI), Z13       \
	VBROADCASTSD (SI), Z14         \
	VBROADCASTSD (SI)(R8*1), Z15   \
	VBROADCASTSD (SI)(R8*2), Z16   \
	VBROADCASTSD (SI)(R9*1), Z17   \
	VBROADCASTSD (BX), Z18         \
	VBROADCASTSD (BX)(R8*1), Z19   \
	VFMADD231PD  Z12, Z14, Z0      \
	VFMADD231PD  Z13, Z14, Z1      \
	VFMADD231PD  Z12, Z15, Z2      \
	VFMADD231PD  Z13, Z15, Z3      \
	VFMADD231PD  Z12, Z16, Z4      \
	VFMADD231PD  Z13, Z16, Z5      \
	VFMADD231PD  Z12, Z17, Z6      \
	VFMADD231PD  Z13, Z17, Z7      \
	VFMADD231PD  Z12, Z18, Z8      \
	VFMADD231PD  Z13, Z18, Z9      \
	VFMADD231PD  Z12, Z19, Z10     \
	VFMADD231PD  Z13, Z19, Z11     \
	ADDQ         $8, SI            \
	ADDQ         $8, BX            \
	ADDQ         R10, DI

// DSTEPZ4 is one step of the 4×16 AVX-512 tile.
#define DSTEPZ4 \
	VMOVUPD      (DI), Z12         \
	VMOVUPD      64(DI), Z13       \
	VBROADCASTSD (SI), Z14         \
	VBROADCASTSD (SI)(R8*1), Z15   \
	VBROADCASTSD (SI)(R8*2), Z16   \
	VBROADCASTSD (SI)(R9*1), Z17   \
	VFMADD231PD  Z12, Z14, Z0      \
	VFMADD231PD  Z13, Z14, Z1      \
	VFMADD231PD  Z12, Z15, Z2      \
	VFMADD231PD  Z13, Z15, Z3      \
	VFMADD231PD  Z12, Z16, Z4      \
	VFMADD231PD  Z13, Z16, Z5      \
	VFMADD231PD  Z12, Z17, Z6      \
	VFMADD231PD  Z13, Z17, Z7      \
	ADDQ         $8, SI            \
	ADDQ         R10, DI

#define DSTOREZ(lo, hi) \
	VMOVUPD lo, (DX)   \
	VMOVUPD hi, 64(DX) \
	ADDQ    R11, DX

// func dgemmKernel6x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·dgemmKernel6x8(SB), NOSPLIT, $0-56
	DPROLOGUE
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

dy6loop:
	DSTEPY6
	DECQ CX
	JNZ  dy6loop

	DSTOREY(Y0, Y1)
	DSTOREY(Y2, Y3)
	DSTOREY(Y4, Y5)
	DSTOREY(Y6, Y7)
	DSTOREY(Y8, Y9)
	DSTOREY(Y10, Y11)
	VZEROUPPER
	RET

// func dgemmKernel4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·dgemmKernel4x8(SB), NOSPLIT, $0-56
	DPROLOGUE
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

dy4loop:
	DSTEPY4
	DECQ CX
	JNZ  dy4loop

	DSTOREY(Y0, Y1)
	DSTOREY(Y2, Y3)
	DSTOREY(Y4, Y5)
	DSTOREY(Y6, Y7)
	VZEROUPPER
	RET

// func dgemmKernel6x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·dgemmKernel6x16(SB), NOSPLIT, $0-56
	DPROLOGUE
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11

dz6loop:
	DSTEPZ6
	DECQ CX
	JNZ  dz6loop

	DSTOREZ(Z0, Z1)
	DSTOREZ(Z2, Z3)
	DSTOREZ(Z4, Z5)
	DSTOREZ(Z6, Z7)
	DSTOREZ(Z8, Z9)
	DSTOREZ(Z10, Z11)
	VZEROUPPER
	RET

// func dgemmKernel4x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)
TEXT ·dgemmKernel4x16(SB), NOSPLIT, $0-56
	DPROLOGUE
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7

dz4loop:
	DSTEPZ4
	DECQ CX
	JNZ  dz4loop

	DSTOREZ(Z0, Z1)
	DSTOREZ(Z2, Z3)
	DSTOREZ(Z4, Z5)
	DSTOREZ(Z6, Z7)
	VZEROUPPER
	RET
