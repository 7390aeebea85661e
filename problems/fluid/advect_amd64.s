//go:build amd64 && !purego

#include "textflag.h"

DATA mcIota<>+0(SB)/8, $0.0
DATA mcIota<>+8(SB)/8, $1.0
DATA mcIota<>+16(SB)/8, $2.0
DATA mcIota<>+24(SB)/8, $3.0
GLOBL mcIota<>(SB), RODATA|NOPTR, $32

DATA mcFour<>+0(SB)/8, $4.0
DATA mcFour<>+8(SB)/8, $4.0
DATA mcFour<>+16(SB)/8, $4.0
DATA mcFour<>+24(SB)/8, $4.0
GLOBL mcFour<>(SB), RODATA|NOPTR, $32

DATA mcHalf<>+0(SB)/8, $0.5
GLOBL mcHalf<>(SB), RODATA|NOPTR, $8

DATA mcSign<>+0(SB)/8, $0x8000000000000000
GLOBL mcSign<>(SB), RODATA|NOPTR, $8

DATA mcLimit<>+0(SB)/8, $536870912.0
GLOBL mcLimit<>(SB), RODATA|NOPTR, $8

// MINOR(a, b, dst, t): dst = min(a, b) | min(b, a), Go's min of two float64 (the OR of
// VMINPD in both orders: −0 below +0, a NaN kept), as the compiler emits it. t is scratch;
// dst may be a or b only if it is not t.
#define MINOR(a, b, dst, t) \
	VMINPD b, a, t \
	VMINPD a, b, dst \
	VORPD  t, dst, dst

// STENCIL(y, x): from the fractional indices y (Y2) and x (Y3) of four points, the
// fractions ty (Y2), tx (Y3) and the gather indices of their four nodes, 00 (X1),
// 01 (X4), 10 (X5), 11 (X6), with ⌊·⌋ wrapped into [0, n) by the mask n−1 (X14) and the
// row offset i·n by the shift (X15); one int32 (X13) is the +1 of the second node.
#define STENCIL \
	VROUNDPD     $1, Y2, Y4 \
	VROUNDPD     $1, Y3, Y5 \
	VSUBPD       Y4, Y2, Y2 \
	VSUBPD       Y5, Y3, Y3 \
	VCVTTPD2DQY  Y4, X4 \
	VCVTTPD2DQY  Y5, X5 \
	VPADDD       X13, X4, X6 \
	VPAND        X14, X6, X6 \
	VPAND        X14, X4, X4 \
	VPADDD       X13, X5, X0 \
	VPAND        X14, X0, X0 \
	VPAND        X14, X5, X5 \
	VPSLLD       X15, X4, X4 \
	VPSLLD       X15, X6, X6 \
	VPADDD       X5, X4, X1 \
	VPADDD       X0, X4, X4 \
	VPADDD       X5, X6, X5 \
	VPADDD       X0, X6, X6

// GATHER4(base): the four nodes 00 (Y8), 01 (Y1), 10 (Y4), 11 (Y5) of base[] at the
// indices STENCIL left.
#define GATHER4(base) \
	VPCMPEQD   Y0, Y0, Y0 \
	VGATHERDPD Y0, (base)(X1*8), Y8 \
	VPCMPEQD   Y0, Y0, Y0 \
	VGATHERDPD Y0, (base)(X4*8), Y1 \
	VPCMPEQD   Y0, Y0, Y0 \
	VGATHERDPD Y0, (base)(X5*8), Y4 \
	VPCMPEQD   Y0, Y0, Y0 \
	VGATHERDPD Y0, (base)(X6*8), Y5

// BILERP: Y6 = a + ty·(b − a), a = f00 + tx·(f01 − f00), b = f10 + tx·(f11 − f10), as
// maccormack's Go loop (no fused multiply–add); Y0 keeps a.
#define BILERP \
	VSUBPD Y8, Y1, Y0 \
	VMULPD Y0, Y3, Y0 \
	VADDPD Y0, Y8, Y0 \
	VSUBPD Y4, Y5, Y6 \
	VMULPD Y6, Y3, Y6 \
	VADDPD Y6, Y4, Y6 \
	VSUBPD Y0, Y6, Y6 \
	VMULPD Y6, Y2, Y6 \
	VADDPD Y6, Y0, Y6

// ROW: the start of row i (CX): i in Y10, the columns j … j+3 = 0 … 3 in Y11, j (DX) = 0.
#define ROW \
	VCVTSI2SDQ   CX, X10, X10 \
	VBROADCASTSD X10, Y10 \
	VMOVUPD      mcIota<>(SB), Y11 \
	XORQ         DX, DX

// NEXT(col, row): the next four points (p in BX, j in DX, Y11), back to col within the
// row, else the next row i (CX), back to row, until i = n.
#define NEXT(col, row) \
	VADDPD   mcFour<>(SB), Y11, Y11 \
	ADDQ     $4, BX \
	ADDQ     $4, DX \
	CMPQ     DX, R13 \
	JLT      col \
	INCQ     CX \
	CMPQ     CX, R13 \
	JLT      row

// LO4: Y0 = the least of the four nodes (Go's min); HI4: Y0 = the largest (−min(−·)),
// their signs flipped in Y8, Y1, Y4, Y5. Y6 is clobbered.
#define LO4 \
	MINOR(Y8, Y1, Y0, Y6) \
	MINOR(Y0, Y4, Y0, Y6) \
	MINOR(Y0, Y5, Y0, Y6)

#define HI4 \
	VXORPD   Y12, Y8, Y8 \
	VXORPD   Y12, Y1, Y1 \
	VXORPD   Y12, Y4, Y4 \
	VXORPD   Y12, Y5, Y5 \
	LO4 \
	VXORPD   Y12, Y0, Y0

// func macCormackAVX2(dst, f, dx, dy, sl, lo, hi *float64, n, shift, passes int) bool
//
// maccormack's two passes for n = 1<<shift ≥ 4, four points at a time (only the first,
// sl, lo and hi, if passes is 1). It returns false, with dst untouched, if some
// displacement is not below 2²⁹ in magnitude (or NaN): the int32 indices would not hold
// the stencil, and the caller runs the Go loops instead.
TEXT ·macCormackAVX2(SB), NOSPLIT, $0-81
	MOVQ dst+0(FP), DI
	MOVQ f+8(FP), SI
	MOVQ dx+16(FP), R8
	MOVQ dy+24(FP), R9
	MOVQ sl+32(FP), R10
	MOVQ lo+40(FP), R11
	MOVQ hi+48(FP), R12
	MOVQ n+56(FP), R13
	MOVQ shift+64(FP), AX

	VMOVQ        AX, X15
	LEAQ         -1(R13), AX
	VMOVD        AX, X14
	VPBROADCASTD X14, X14
	MOVL         $1, AX
	VMOVD        AX, X13
	VPBROADCASTD X13, X13
	VPCMPEQD     Y7, Y7, Y7            // all displacements in range so far
	VBROADCASTSD mcLimit<>(SB), Y9
	VBROADCASTSD mcSign<>(SB), Y12

	// pass 1: sl, lo, hi at the points traced backwards, i − dy and j − dx
	XORQ BX, BX                        // point p
	XORQ CX, CX                        // row i
row1:
	ROW
col1:
	VMOVUPD  (R9)(BX*8), Y0
	VMOVUPD  (R8)(BX*8), Y1
	VANDNPD  Y0, Y12, Y2
	VCMPPD   $1, Y9, Y2, Y2
	VANDPD   Y2, Y7, Y7
	VANDNPD  Y1, Y12, Y3
	VCMPPD   $1, Y9, Y3, Y3
	VANDPD   Y3, Y7, Y7
	VSUBPD   Y0, Y10, Y2
	VSUBPD   Y1, Y11, Y3
	STENCIL
	GATHER4(SI)
	BILERP
	VMOVUPD  Y6, (R10)(BX*8)
	LO4
	VMOVUPD  Y0, (R11)(BX*8)
	HI4
	VMOVUPD  Y0, (R12)(BX*8)
	NEXT(col1, row1)

	VMOVMSKPD Y7, AX
	CMPQ      AX, $15
	JNE       outOfRange
	MOVQ      passes+72(FP), AX
	CMPQ      AX, $1
	JEQ       done

	// pass 2: dst = clamp(sl + ½(f − fw), lo, hi), fw = sl at i + dy, j + dx
	VBROADCASTSD mcHalf<>(SB), Y9
	XORQ BX, BX
	XORQ CX, CX
row2:
	ROW
col2:
	VADDPD   (R9)(BX*8), Y10, Y2
	VADDPD   (R8)(BX*8), Y11, Y3
	STENCIL
	GATHER4(R10)
	BILERP
	VMOVUPD  (SI)(BX*8), Y0
	VSUBPD   Y6, Y0, Y0
	VMULPD   Y0, Y9, Y0
	VADDPD   (R10)(BX*8), Y0, Y0   // nv
	VXORPD   Y12, Y0, Y0
	VMOVUPD  (R11)(BX*8), Y1
	VXORPD   Y12, Y1, Y1
	MINOR(Y0, Y1, Y0, Y6)
	VXORPD   Y12, Y0, Y0           // max(nv, lo)
	VMOVUPD  (R12)(BX*8), Y1
	MINOR(Y0, Y1, Y0, Y6)          // min(·, hi)
	VMOVUPD  Y0, (DI)(BX*8)
	NEXT(col2, row2)

done:
	VZEROUPPER
	MOVB $1, ret+80(FP)
	RET

outOfRange:
	VZEROUPPER
	MOVB $0, ret+80(FP)
	RET
