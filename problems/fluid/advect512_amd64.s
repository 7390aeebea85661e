//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// macCormackAVX512 is macCormackAVX2 (advect_amd64.s) eight points at a time: the same
// operations on each point in the same order (⌊·⌋ by VRNDSCALEPD, the wrap by the mask
// n−1, four gathers per stencil, no fused multiply–add, Go's min as the OR of VMINPD in
// both orders), so the same bits. Only AVX512F instructions on ZMM registers; the int32
// indices live in YMM registers with AVX2 instructions.

DATA mcIota8<>+0(SB)/8, $0.0
DATA mcIota8<>+8(SB)/8, $1.0
DATA mcIota8<>+16(SB)/8, $2.0
DATA mcIota8<>+24(SB)/8, $3.0
DATA mcIota8<>+32(SB)/8, $4.0
DATA mcIota8<>+40(SB)/8, $5.0
DATA mcIota8<>+48(SB)/8, $6.0
DATA mcIota8<>+56(SB)/8, $7.0
GLOBL mcIota8<>(SB), RODATA|NOPTR, $64

DATA mcEight<>+0(SB)/8, $8.0
GLOBL mcEight<>(SB), RODATA|NOPTR, $8

DATA mcHalf8<>+0(SB)/8, $0.5
GLOBL mcHalf8<>(SB), RODATA|NOPTR, $8

DATA mcSign8<>+0(SB)/8, $0x8000000000000000
GLOBL mcSign8<>(SB), RODATA|NOPTR, $8

DATA mcLimit8<>+0(SB)/8, $536870912.0
GLOBL mcLimit8<>(SB), RODATA|NOPTR, $8

// ZMINOR(a, b, dst, t): dst = min(a, b) | min(b, a), as MINOR in advect_amd64.s.
#define ZMINOR(a, b, dst, t) \
	VMINPD b, a, t \
	VMINPD a, b, dst \
	VPORQ  t, dst, dst

// ZSTENCIL: STENCIL of advect_amd64.s for eight points: y in Z2, x in Z3 → ty (Z2),
// tx (Z3) and the int32 indices 00 (Y1), 01 (Y4), 10 (Y5), 11 (Y6); mask n−1 in Y14,
// shift in X15, +1 in Y13.
#define ZSTENCIL \
	VRNDSCALEPD  $1, Z2, Z4 \
	VRNDSCALEPD  $1, Z3, Z5 \
	VSUBPD       Z4, Z2, Z2 \
	VSUBPD       Z5, Z3, Z3 \
	VCVTTPD2DQ   Z4, Y4 \
	VCVTTPD2DQ   Z5, Y5 \
	VPADDD       Y13, Y4, Y6 \
	VPAND        Y14, Y6, Y6 \
	VPAND        Y14, Y4, Y4 \
	VPADDD       Y13, Y5, Y0 \
	VPAND        Y14, Y0, Y0 \
	VPAND        Y14, Y5, Y5 \
	VPSLLD       X15, Y4, Y4 \
	VPSLLD       X15, Y6, Y6 \
	VPADDD       Y5, Y4, Y1 \
	VPADDD       Y0, Y4, Y4 \
	VPADDD       Y5, Y6, Y5 \
	VPADDD       Y0, Y6, Y6

// ZGATHER4(base): the four nodes 00 (Z8), 01 (Z1), 10 (Z4), 11 (Z5).
#define ZGATHER4(base) \
	KXNORW     K1, K1, K1 \
	VGATHERDPD (base)(Y1*8), K1, Z8 \
	KXNORW     K1, K1, K1 \
	VGATHERDPD (base)(Y4*8), K1, Z1 \
	KXNORW     K1, K1, K1 \
	VGATHERDPD (base)(Y5*8), K1, Z4 \
	KXNORW     K1, K1, K1 \
	VGATHERDPD (base)(Y6*8), K1, Z5

// ZBILERP: Z6 = a + ty·(b − a) as BILERP; Z0 keeps a.
#define ZBILERP \
	VSUBPD Z8, Z1, Z0 \
	VMULPD Z0, Z3, Z0 \
	VADDPD Z0, Z8, Z0 \
	VSUBPD Z4, Z5, Z6 \
	VMULPD Z6, Z3, Z6 \
	VADDPD Z6, Z4, Z6 \
	VSUBPD Z0, Z6, Z6 \
	VMULPD Z6, Z2, Z6 \
	VADDPD Z6, Z0, Z6

// ZSETUP: the constants of both kernels from n (R13) and shift (AX): the shift in X15, the
// mask n−1 in Y14, +1 in Y13, 2²⁹ in Z9, the sign bit in Z12, 8 in Z7, and K7 all set (every
// displacement in range so far). AX is clobbered.
#define ZSETUP \
	VMOVQ        AX, X15 \
	LEAQ         -1(R13), AX \
	VMOVD        AX, X14 \
	VPBROADCASTD X14, Y14 \
	MOVL         $1, AX \
	VMOVD        AX, X13 \
	VPBROADCASTD X13, Y13 \
	KXNORW       K7, K7, K7 \
	VBROADCASTSD mcLimit8<>(SB), Z9 \
	VBROADCASTSD mcSign8<>(SB), Z12 \
	VBROADCASTSD mcEight<>(SB), Z7

// ZROW: the start of row i (CX): i in Z10, the columns j … j+7 = 0 … 7 in Z11, j (DX) = 0.
#define ZROW \
	VCVTSI2SDQ   CX, X10, X10 \
	VBROADCASTSD X10, Z10 \
	VMOVUPD      mcIota8<>(SB), Z11 \
	XORQ         DX, DX

// ZNEXT(col, row): the next eight points (p in BX, j in DX, Z11), back to col within the
// row, else the next row i (CX), back to row, until i = n.
#define ZNEXT(col, row) \
	VADDPD   Z7, Z11, Z11 \
	ADDQ     $8, BX \
	ADDQ     $8, DX \
	CMPQ     DX, R13 \
	JLT      col \
	INCQ     CX \
	CMPQ     CX, R13 \
	JLT      row

// ZBACK: the points traced backwards from p (BX): y = i − dy (Z2), x = j − dx (Z3), and
// in K7 the points whose |dy| and |dx| are below 2²⁹ (Z9) kept (a NaN is not).
#define ZBACK \
	VMOVUPD  (R9)(BX*8), Z0 \
	VMOVUPD  (R8)(BX*8), Z1 \
	VPANDNQ  Z0, Z12, Z2 \
	VCMPPD   $1, Z9, Z2, K2 \
	KANDW    K2, K7, K7 \
	VPANDNQ  Z1, Z12, Z3 \
	VCMPPD   $1, Z9, Z3, K2 \
	KANDW    K2, K7, K7 \
	VSUBPD   Z0, Z10, Z2 \
	VSUBPD   Z1, Z11, Z3

// ZINRANGE(out): jumps to out unless every displacement was in range (K7's eight bits).
#define ZINRANGE(out) \
	KMOVW     K7, AX \
	ANDQ      $0xff, AX \
	CMPQ      AX, $0xff \
	JNE       out

// ZLO4: Z0 = the least of the four nodes (Go's min); ZHI4: Z0 = the largest (−min(−·)),
// their signs flipped in Z8, Z1, Z4, Z5. Z6 is clobbered.
#define ZLO4 \
	ZMINOR(Z8, Z1, Z0, Z6) \
	ZMINOR(Z0, Z4, Z0, Z6) \
	ZMINOR(Z0, Z5, Z0, Z6)

#define ZHI4 \
	VPXORQ   Z12, Z8, Z8 \
	VPXORQ   Z12, Z1, Z1 \
	VPXORQ   Z12, Z4, Z4 \
	VPXORQ   Z12, Z5, Z5 \
	ZLO4 \
	VPXORQ   Z12, Z0, Z0

// func macCormackAVX512(dst, f, dx, dy, sl, lo, hi *float64, n, shift, passes int) bool
//
// macCormackAVX2 for n = 1<<shift ≥ 8, eight points at a time; the same contract.
TEXT ·macCormackAVX512(SB), NOSPLIT, $0-81
	MOVQ dst+0(FP), DI
	MOVQ f+8(FP), SI
	MOVQ dx+16(FP), R8
	MOVQ dy+24(FP), R9
	MOVQ sl+32(FP), R10
	MOVQ lo+40(FP), R11
	MOVQ hi+48(FP), R12
	MOVQ n+56(FP), R13
	MOVQ shift+64(FP), AX

	ZSETUP

	// pass 1: sl, lo, hi at the points traced backwards, i − dy and j − dx
	XORQ BX, BX                        // point p
	XORQ CX, CX                        // row i
zrow1:
	ZROW
zcol1:
	ZBACK
	ZSTENCIL
	ZGATHER4(SI)
	ZBILERP
	VMOVUPD  Z6, (R10)(BX*8)
	ZLO4
	VMOVUPD  Z0, (R11)(BX*8)
	ZHI4
	VMOVUPD  Z0, (R12)(BX*8)
	ZNEXT(zcol1, zrow1)

	ZINRANGE(zoutOfRange)
	MOVQ      passes+72(FP), AX
	CMPQ      AX, $1
	JEQ       zdone

	// pass 2: dst = clamp(sl + ½(f − fw), lo, hi), fw = sl at i + dy, j + dx
	VBROADCASTSD mcHalf8<>(SB), Z9
	XORQ BX, BX
	XORQ CX, CX
zrow2:
	ZROW
zcol2:
	VADDPD   (R9)(BX*8), Z10, Z2
	VADDPD   (R8)(BX*8), Z11, Z3
	ZSTENCIL
	ZGATHER4(R10)
	ZBILERP
	VMOVUPD  (SI)(BX*8), Z0
	VSUBPD   Z6, Z0, Z0
	VMULPD   Z0, Z9, Z0
	VADDPD   (R10)(BX*8), Z0, Z0   // nv
	VPXORQ   Z12, Z0, Z0
	VMOVUPD  (R11)(BX*8), Z1
	VPXORQ   Z12, Z1, Z1
	ZMINOR(Z0, Z1, Z0, Z6)
	VPXORQ   Z12, Z0, Z0           // max(nv, lo)
	VMOVUPD  (R12)(BX*8), Z1
	ZMINOR(Z0, Z1, Z0, Z6)         // min(·, hi)
	VMOVUPD  Z0, (DI)(BX*8)
	ZNEXT(zcol2, zrow2)

zdone:
	VZEROUPPER
	MOVB $1, ret+80(FP)
	RET

zoutOfRange:
	VZEROUPPER
	MOVB $0, ret+80(FP)
	RET

DATA mcOne8<>+0(SB)/8, $1.0
GLOBL mcOne8<>(SB), RODATA|NOPTR, $8

// ZBILERPG: ZBILERP that also leaves b − a in Z21 and (1 − ty)·(s01 − s00) + ty·(s11 − s10)
// in Z19 (Z18 = 1): the interpolant's derivatives along y and x as maccormackAdjoint's Go
// loops compute them (the same operations, so the same bits).
#define ZBILERPG \
	VSUBPD Z8, Z1, Z0 \
	VSUBPD Z4, Z5, Z17 \
	VSUBPD Z2, Z18, Z19 \
	VMULPD Z0, Z19, Z19 \
	VMULPD Z17, Z2, Z20 \
	VADDPD Z20, Z19, Z19 \
	VMULPD Z0, Z3, Z0 \
	VADDPD Z0, Z8, Z0 \
	VMULPD Z17, Z3, Z6 \
	VADDPD Z6, Z4, Z6 \
	VSUBPD Z0, Z6, Z21 \
	VMULPD Z21, Z2, Z6 \
	VADDPD Z6, Z0, Z6

// ZPUT(off, z): stores z at point p (BX) of the float64 slice whose pointer is the field of
// adjPrep at off (R15 points to it; go_asm.h names the offsets). R11 is clobbered.
#define ZPUT(off, z) \
	MOVQ    off(R15), R11 \
	VMOVUPD z, (R11)(BX*8)

// ZPUTSTENCIL(k, ty, tx): stores ZSTENCIL's flat index of the first node (int32, Y1) and
// the fractions ty (Z2), tx (Z3) at point p into the fields at k, ty and tx.
#define ZPUTSTENCIL(k, ty, tx) \
	MOVQ    k(R15), R11 \
	VMOVDQU Y1, (R11)(BX*4) \
	ZPUT(ty, Z2) \
	ZPUT(tx, Z3)

// func macCormackAdjPrep512(a *adjPrep) bool
//
// maccormackAdjoint's stencils for n = 1<<shift ≥ 8, eight points at a time. Backwards
// (i − dy, j − dx, on f): sl, lo, hi as macCormackAVX512's first pass, and per node the
// flat index of the stencil's first node kb (int32), ty, tx and the derivatives gy, gx of
// the interpolant of f. Forwards (i + dy, j + dx, on sl): the new value nv (before the
// limiter), kf, ty, tx and gy, gx of the interpolant of sl. It returns false, with
// nothing of the forward stencil written, if some displacement is not below 2²⁹ in
// magnitude (or NaN), as macCormackAVX512 does.
TEXT ·macCormackAdjPrep512(SB), NOSPLIT, $0-9
	MOVQ a+0(FP), R15
	MOVQ adjPrep_f(R15), SI
	MOVQ adjPrep_dx(R15), R8
	MOVQ adjPrep_dy(R15), R9
	MOVQ adjPrep_sl(R15), R10
	MOVQ adjPrep_n(R15), R13
	MOVQ adjPrep_shift(R15), AX

	ZSETUP
	VBROADCASTSD mcOne8<>(SB), Z18

	// backwards: i − dy, j − dx on f
	XORQ BX, BX
	XORQ CX, CX
prow1:
	ZROW
pcol1:
	ZBACK
	ZSTENCIL
	ZPUTSTENCIL(adjPrep_kb, adjPrep_tyb, adjPrep_txb)
	ZGATHER4(SI)
	ZBILERPG
	VMOVUPD  Z6, (R10)(BX*8)           // sl
	ZPUT(adjPrep_gyb, Z21)
	ZPUT(adjPrep_gxb, Z19)
	ZLO4
	ZPUT(adjPrep_lo, Z0)
	ZHI4
	ZPUT(adjPrep_hi, Z0)
	ZNEXT(pcol1, prow1)

	ZINRANGE(poutOfRange)

	// forwards: i + dy, j + dx on sl; nv = sl + ½(f − fw)
	VBROADCASTSD mcHalf8<>(SB), Z9
	XORQ BX, BX
	XORQ CX, CX
prow2:
	ZROW
pcol2:
	VADDPD   (R9)(BX*8), Z10, Z2
	VADDPD   (R8)(BX*8), Z11, Z3
	ZSTENCIL
	ZPUTSTENCIL(adjPrep_kf, adjPrep_tyf, adjPrep_txf)
	ZGATHER4(R10)
	ZBILERPG
	ZPUT(adjPrep_gyf, Z21)
	ZPUT(adjPrep_gxf, Z19)
	VMOVUPD  (SI)(BX*8), Z0
	VSUBPD   Z6, Z0, Z0
	VMULPD   Z0, Z9, Z0
	VADDPD   (R10)(BX*8), Z0, Z0
	ZPUT(adjPrep_nv, Z0)
	ZNEXT(pcol2, prow2)

	VZEROUPPER
	MOVB $1, ret+8(FP)
	RET

poutOfRange:
	VZEROUPPER
	MOVB $0, ret+8(FP)
	RET
