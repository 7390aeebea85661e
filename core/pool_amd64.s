//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// Constants of maxPoolRow8.
DATA poolAbs<>+0(SB)/4, $0x7fffffff
GLOBL poolAbs<>(SB), RODATA|NOPTR, $4
DATA poolInf<>+0(SB)/4, $0x7f800000
GLOBL poolInf<>(SB), RODATA|NOPTR, $4
DATA poolEven<>+0(SB)/4, $0
DATA poolEven<>+4(SB)/4, $2
DATA poolEven<>+8(SB)/4, $4
DATA poolEven<>+12(SB)/4, $6
DATA poolEven<>+16(SB)/4, $8
DATA poolEven<>+20(SB)/4, $10
DATA poolEven<>+24(SB)/4, $12
DATA poolEven<>+28(SB)/4, $14
GLOBL poolEven<>(SB), RODATA|NOPTR, $32

// EVENS writes into D the even floats of the 16 in LO, HI (LO's first), in order; ODDS the
// odd ones. Each reads LO and HI before it writes D, so D may be LO.
#define EVENS(LO, HI, D) \
	VSHUFPS $0x88, HI, LO, D \
	VPERMQ  $0xD8, D, D

#define ODDS(LO, HI, D) \
	VSHUFPS $0xDD, HI, LO, D \
	VPERMQ  $0xD8, D, D

// BROADCASTD sets every int32 lane of Y to the low 32 bits of the general register R; X0 is
// clobbered.
#define BROADCASTD(R, Y) \
	MOVQ         R, X0 \
	VPBROADCASTD X0, Y

// POOLKEY writes into K the integer key of the floats in V (maxPoolKey): T = V + 0 (−0
// becomes +0), K = T ^ ((T >> 31) & 0x7fffffff), and 0x7fffffff where T is a NaN.
// Y12 holds 0 as floats, Y13 0x7fffffff, Y14 0x7f800000; Y15 is clobbered.
#define POOLKEY(V, K) \
	VADDPS   Y12, V, K \
	VPAND    Y13, K, Y15 \
	VPCMPGTD Y14, Y15, Y15 \
	VPSRAD   $31, K, Y11 \
	VPAND    Y13, Y11, Y11 \
	VPXOR    Y11, K, K \
	VPANDN   K, Y15, K \
	VPAND    Y13, Y15, Y15 \
	VPOR     Y15, K, K

// POOLPICK takes the candidate (value V, key K, offset O) where K > KB (Y4: keys, Y5:
// values, Y6: offsets of the best so far); Y11 is clobbered.
#define POOLPICK(V, K, O) \
	VPCMPGTD  Y4, K, Y11 \
	VPBLENDVB Y11, K, Y4, Y4 \
	VPBLENDVB Y11, V, Y5, Y5 \
	VPBLENDVB Y11, O, Y6, Y6

// func maxPoolRow8(dst, arg, r0, r1 *float32, n8, base, w int)
//
// The 2×2 max pools of 8·n8 windows of the row pair r0, r1 (the window's first row and the
// next), as maxPoolArg picks them: dst[q] is the first maximum of r0[2q], r0[2q+1],
// r1[2q], r1[2q+1] by maxPoolKey (a NaN the largest, −0 = +0, the first of equals), moved
// bit for bit, and arg[q] the bits of the int32 base + 2q + its offset (0, 1, w or w+1).
TEXT ·maxPoolRow8(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ arg+8(FP), R8
	MOVQ r0+16(FP), SI
	MOVQ r1+24(FP), DX
	MOVQ n8+32(FP), CX
	MOVQ base+40(FP), AX
	MOVQ w+48(FP), BX
	TESTQ CX, CX
	JLE  done

	VXORPS       Y12, Y12, Y12
	VPBROADCASTD poolAbs<>(SB), Y13
	VPBROADCASTD poolInf<>(SB), Y14
	MOVL         $1, R9
	BROADCASTD(R9, Y8)         // offset 1
	BROADCASTD(BX, Y9)         // offset w
	LEAQ         1(BX), R9
	BROADCASTD(R9, Y10)        // offset w+1
	BROADCASTD(AX, Y7)
	VPADDD       poolEven<>(SB), Y7, Y7 // base + 2q
	MOVL         $16, R9
	BROADCASTD(R9, Y3)         // the step of base + 2q

loop:
	// Even and odd columns of each row, in window order.
	VMOVUPS   0(SI), Y0
	VMOVUPS   32(SI), Y1
	EVENS(Y0, Y1, Y5)        // r0 even: the best so far
	ODDS(Y0, Y1, Y0)         // r0 odd
	POOLKEY(Y5, Y4)
	VPXOR     Y6, Y6, Y6     // offset 0
	POOLKEY(Y0, Y1)
	POOLPICK(Y0, Y1, Y8)
	VMOVUPS   0(DX), Y0
	VMOVUPS   32(DX), Y1
	EVENS(Y0, Y1, Y2)        // r1 even
	ODDS(Y0, Y1, Y0)         // r1 odd
	POOLKEY(Y2, Y1)
	POOLPICK(Y2, Y1, Y9)
	POOLKEY(Y0, Y1)
	POOLPICK(Y0, Y1, Y10)
	VMOVUPS   Y5, 0(DI)
	VPADDD    Y7, Y6, Y6
	VMOVDQU   Y6, 0(R8)
	VPADDD    Y3, Y7, Y7
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $32, DI
	ADDQ      $32, R8
	DECQ      CX
	JNZ       loop
	VZEROUPPER

done:
	RET

DATA upQuarter<>+0(SB)/4, $0.25
GLOBL upQuarter<>(SB), RODATA|NOPTR, $4
DATA upThreeQ<>+0(SB)/4, $0.75
GLOBL upThreeQ<>(SB), RODATA|NOPTR, $4

// UPTERM adds C·(S·V) to Y10 (the accumulators): two multiplies and an add, rounded as
// Go rounds acc += c * (s * v). Y11 is clobbered.
#define UPTERM(V, C) \
	VMULPS Y9, V, Y11 \
	VMULPS C, Y11, Y11 \
	VADDPS Y11, Y10, Y10

// func upsampleAdjRow8(r, gr *float32, n8 int, s float32)
//
// For i in [0, 8·n8): r[i] += ¼·(s·g[2i+1]); r[i] += ¾·(s·g[2i+2]); r[i] += ¾·(s·g[2i+3]);
// r[i] += ¼·(s·g[2i+4]), each addition rounded in turn (addRow's interior loop, with g
// starting two floats earlier). Reads g[0 : 16·n8+4].
TEXT ·upsampleAdjRow8(SB), NOSPLIT, $0-28
	MOVQ  r+0(FP), DI
	MOVQ  gr+8(FP), SI
	MOVQ  n8+16(FP), CX
	TESTQ CX, CX
	JLE   updone
	VBROADCASTSS s+24(FP), Y9
	VBROADCASTSS upQuarter<>(SB), Y12
	VBROADCASTSS upThreeQ<>(SB), Y13

uploop:
	VMOVUPS 0(SI), Y0  // g[2i−2 …] (the pointer is at 2i−2)
	VMOVUPS 32(SI), Y1
	VMOVUPS 8(SI), Y2  // g[2i …]
	VMOVUPS 40(SI), Y3
	VMOVUPS 16(SI), Y4 // g[2i+2 …]
	VMOVUPS 48(SI), Y5
	ODDS(Y0, Y1, Y0)   // g[2i−1]
	EVENS(Y2, Y3, Y6)  // g[2i]
	ODDS(Y2, Y3, Y2)   // g[2i+1]
	EVENS(Y4, Y5, Y4)  // g[2i+2]
	VMOVUPS 0(DI), Y10
	UPTERM(Y0, Y12)
	UPTERM(Y6, Y13)
	UPTERM(Y2, Y13)
	UPTERM(Y4, Y12)
	VMOVUPS Y10, 0(DI)
	ADDQ    $64, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     uploop
	VZEROUPPER

updone:
	RET

// func upsampleRowX8(d, r *float32, n8 int)
//
// For i in [0, 8·n8): d[2i] = ¼·r[i−1] + ¾·r[i] and d[2i+1] = ¾·r[i] + ¼·r[i+1], each
// product and sum rounded as Go rounds (1−λ)·r[i₀] + λ·r[i₁] (upsamplePlaneRows's interior
// columns). Reads r[−1 : 8·n8+1].
TEXT ·upsampleRowX8(SB), NOSPLIT, $0-24
	MOVQ  d+0(FP), DI
	MOVQ  r+8(FP), SI
	MOVQ  n8+16(FP), CX
	TESTQ CX, CX
	JLE   xdone
	VBROADCASTSS upQuarter<>(SB), Y12
	VBROADCASTSS upThreeQ<>(SB), Y13

xloop:
	VMOVUPS    -4(SI), Y0 // r[i−1 …]
	VMOVUPS    0(SI), Y1  // r[i …]
	VMOVUPS    4(SI), Y2  // r[i+1 …]
	VMULPS     Y12, Y0, Y0
	VMULPS     Y13, Y1, Y3
	VADDPS     Y3, Y0, Y0 // even: ¼·r[i−1] + ¾·r[i]
	VMULPS     Y12, Y2, Y2
	VADDPS     Y2, Y3, Y3 // odd: ¾·r[i] + ¼·r[i+1]
	VUNPCKLPS  Y3, Y0, Y4
	VUNPCKHPS  Y3, Y0, Y5
	VPERM2F128 $0x20, Y5, Y4, Y6
	VPERM2F128 $0x31, Y5, Y4, Y7
	VMOVUPS    Y6, 0(DI)
	VMOVUPS    Y7, 32(DI)
	ADDQ       $32, SI
	ADDQ       $64, DI
	DECQ       CX
	JNZ        xloop
	VZEROUPPER

xdone:
	RET

// func upsampleBlend8(d, top, bot *float32, n8 int, a, b float32)
//
// d[q] = a·top[q] + b·bot[q] for q in [0, 8·n8), the products and the sum rounded in turn.
TEXT ·upsampleBlend8(SB), NOSPLIT, $0-40
	MOVQ  d+0(FP), DI
	MOVQ  top+8(FP), SI
	MOVQ  bot+16(FP), DX
	MOVQ  n8+24(FP), CX
	TESTQ CX, CX
	JLE   bdone
	VBROADCASTSS a+32(FP), Y12
	VBROADCASTSS b+36(FP), Y13

bloop:
	VMULPS  0(SI), Y12, Y0
	VMULPS  0(DX), Y13, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, 0(DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     bloop
	VZEROUPPER

bdone:
	RET
