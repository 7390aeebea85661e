//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// BatchNorm's loops in AVX2 (see bn_amd64.go), computing exactly what the Go loops of
// ops_norm.go compute: the same float32 operations in the same order (separate multiply
// and add, never fused), the same fixed trees within each block of 16, the float64 totals
// added block by block in order.
//
// bnParams (bn_amd64.go): mean+0, is+4, gamma+8, beta+12, scale+16, mg+20, mgx+24,
// relu+28, acc+32 (uint32 flags).

// BLOCKTREE reduces the four lanes of Xs to ((s0+s1)+(s2+s3)) in the low lane of Xs.
#define BLOCKTREE(Xs) \
	VHADDPS Xs, Xs, Xs \
	VHADDPS Xs, Xs, Xs

// func bnSum16(x *float32, blocks int, total float64) float64
//
// total + Σ over blocks of ((v0+v4)+(v8+v12) + (v1+v5)+(v9+v13)) + … as sum64's blocks.
TEXT ·bnSum16(SB), NOSPLIT, $0-32
	MOVQ  x+0(FP), SI
	MOVQ  blocks+8(FP), CX
	MOVSD total+16(FP), X7
	TESTQ CX, CX
	JLE   sumdone

sumloop:
	VMOVUPS      (SI), Y0
	VMOVUPS      32(SI), Y1
	VEXTRACTF128 $1, Y0, X2
	VEXTRACTF128 $1, Y1, X3
	VADDPS       X2, X0, X0 // v_j + v_{4+j}
	VADDPS       X3, X1, X1 // v_{8+j} + v_{12+j}
	VADDPS       X1, X0, X0
	BLOCKTREE(X0)
	VCVTSS2SD    X0, X0, X0
	VADDSD       X0, X7, X7
	ADDQ         $64, SI
	DECQ         CX
	JNZ          sumloop

sumdone:
	VZEROUPPER
	MOVSD X7, ret+24(FP)
	RET

// func bnSumSqDev16(x *float32, blocks int, mean float32, total float64) float64
//
// total + Σ over blocks of sumSqDev64's block sums: s_j = ((d_j² + d_{4+j}²) + d_{8+j}²)
// + d_{12+j}², d = v − mean, then ((s0+s1)+(s2+s3)).
TEXT ·bnSumSqDev16(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         blocks+8(FP), CX
	VBROADCASTSS mean+16(FP), Y6
	MOVSD        total+24(FP), X7
	TESTQ        CX, CX
	JLE          sqdone

sqloop:
	VMOVUPS      (SI), Y0
	VMOVUPS      32(SI), Y1
	VSUBPS       Y6, Y0, Y0
	VSUBPS       Y6, Y1, Y1
	VMULPS       Y0, Y0, Y0
	VMULPS       Y1, Y1, Y1
	VEXTRACTF128 $1, Y0, X2
	VEXTRACTF128 $1, Y1, X3
	VADDPS       X2, X0, X0
	VADDPS       X1, X0, X0
	VADDPS       X3, X0, X0
	BLOCKTREE(X0)
	VCVTSS2SD    X0, X0, X0
	VADDSD       X0, X7, X7
	ADDQ         $64, SI
	DECQ         CX
	JNZ          sqloop

sqdone:
	VZEROUPPER
	MOVSD X7, ret+32(FP)
	RET

// func bnNormalize8(dst, src *float32, n8 int, p *bnParams)
//
// dst = gamma·((src − mean)·is) + beta, then max(·, 0) if relu (NaN stays NaN, −0
// becomes +0, as Go's max), for 8·n8 values.
TEXT ·bnNormalize8(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n8+16(FP), CX
	MOVQ         p+24(FP), BX
	VBROADCASTSS 0(BX), Y8  // mean
	VBROADCASTSS 4(BX), Y9  // is
	VBROADCASTSS 8(BX), Y10 // gamma
	VBROADCASTSS 12(BX), Y11 // beta
	VXORPS       Y12, Y12, Y12
	MOVL         28(BX), AX
	TESTQ        CX, CX
	JLE          normdone
	TESTL        AX, AX
	JNZ          normrelu

normloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y8, Y0, Y0
	VMULPS  Y9, Y0, Y0
	VMULPS  Y0, Y10, Y0
	VADDPS  Y11, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     normloop
	JMP     normdone

normrelu:
	VMOVUPS (SI), Y0
	VSUBPS  Y8, Y0, Y0
	VMULPS  Y9, Y0, Y0
	VMULPS  Y0, Y10, Y0
	VADDPS  Y11, Y0, Y0
	VMAXPS  Y0, Y12, Y0 // 0 > y ? 0 : y (y when NaN or ±0)
	VADDPS  Y12, Y0, Y0 // −0 + 0 = +0, as max(−0, 0) in Go
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     normrelu

normdone:
	VZEROUPPER
	RET

// BNXHAT computes x̂ = (x − mean)·is of the 8 values at (R)(AX*1) into Yx, and, if
// relu, masks the gradient in Yg where gamma·x̂ + beta is not > 0 (ordered: NaN masks).
// Y8 = mean, Y9 = is, Y10 = gamma, Y11 = beta, Y12 = 0; Y13 scratch; DX = relu.

// func bnBackSums16(gy, x *float32, blocks int, p *bnParams, sums *[2]float64)
//
// sums[0] += Σ blocks of the masked g's block sums, sums[1] += Σ of g·x̂'s, as
// sumsBNBackFrom (relu = 0) or sumsBNReLUBackFrom (relu ≠ 0) sum them.
TEXT ·bnBackSums16(SB), NOSPLIT, $0-40
	MOVQ         gy+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         blocks+16(FP), CX
	MOVQ         p+24(FP), BX
	MOVQ         sums+32(FP), R8
	VBROADCASTSS 0(BX), Y8
	VBROADCASTSS 4(BX), Y9
	VBROADCASTSS 8(BX), Y10
	VBROADCASTSS 12(BX), Y11
	VXORPS       Y12, Y12, Y12
	MOVL         28(BX), DX
	MOVSD        0(R8), X14
	MOVSD        8(R8), X15
	TESTQ        CX, CX
	JLE          bsdone

bsloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DI), Y2
	VMOVUPS 32(DI), Y3
	VSUBPS  Y8, Y0, Y0
	VSUBPS  Y8, Y1, Y1
	VMULPS  Y9, Y0, Y0 // x̂, values 0–7
	VMULPS  Y9, Y1, Y1 // x̂, values 8–15
	TESTL   DX, DX
	JZ      bsnomask
	VMULPS  Y0, Y10, Y4
	VMULPS  Y1, Y10, Y5
	VADDPS  Y11, Y4, Y4
	VADDPS  Y11, Y5, Y5
	VCMPPS  $0x1e, Y12, Y4, Y4 // gamma·x̂ + beta > 0
	VCMPPS  $0x1e, Y12, Y5, Y5
	VANDPS  Y4, Y2, Y2
	VANDPS  Y5, Y3, Y3

bsnomask:
	VMULPS       Y0, Y2, Y0 // g·x̂
	VMULPS       Y1, Y3, Y1
	// a_j = (((0 + g_j) + g_{4+j}) + g_{8+j}) + g_{12+j}
	VEXTRACTF128 $1, Y2, X4
	VEXTRACTF128 $1, Y3, X5
	VADDPS       X2, X12, X6
	VADDPS       X4, X6, X6
	VADDPS       X3, X6, X6
	VADDPS       X5, X6, X6
	BLOCKTREE(X6)
	VCVTSS2SD    X6, X6, X6
	VADDSD       X6, X14, X14
	// b_j likewise over g·x̂
	VEXTRACTF128 $1, Y0, X4
	VEXTRACTF128 $1, Y1, X5
	VADDPS       X0, X12, X6
	VADDPS       X4, X6, X6
	VADDPS       X1, X6, X6
	VADDPS       X5, X6, X6
	BLOCKTREE(X6)
	VCVTSS2SD    X6, X6, X6
	VADDSD       X6, X15, X15
	ADDQ         $64, SI
	ADDQ         $64, DI
	DECQ         CX
	JNZ          bsloop

bsdone:
	MOVSD X14, 0(R8)
	MOVSD X15, 8(R8)
	VZEROUPPER
	RET

// func bnBackDx8(d, gy, x *float32, n8 int, p *bnParams)
//
// t = scale·((g' − mg) − x̂·mgx) with g' the masked gradient if relu, and d = t, or
// d += t if acc, for 8·n8 values.
TEXT ·bnBackDx8(SB), NOSPLIT, $0-40
	MOVQ         d+0(FP), R9
	MOVQ         gy+8(FP), DI
	MOVQ         x+16(FP), SI
	MOVQ         n8+24(FP), CX
	MOVQ         p+32(FP), BX
	VBROADCASTSS 0(BX), Y8
	VBROADCASTSS 4(BX), Y9
	VBROADCASTSS 8(BX), Y10
	VBROADCASTSS 12(BX), Y11
	VBROADCASTSS 16(BX), Y13 // scale
	VBROADCASTSS 20(BX), Y14 // mg
	VBROADCASTSS 24(BX), Y15 // mgx
	VXORPS       Y12, Y12, Y12
	MOVL         28(BX), DX
	MOVL         32(BX), AX
	TESTQ        CX, CX
	JLE          dxdone

dxloop:
	VMOVUPS (SI), Y0
	VMOVUPS (DI), Y2
	VSUBPS  Y8, Y0, Y0
	VMULPS  Y9, Y0, Y0 // x̂
	TESTL   DX, DX
	JZ      dxnomask
	VMULPS  Y0, Y10, Y4
	VADDPS  Y11, Y4, Y4
	VCMPPS  $0x1e, Y12, Y4, Y4
	VANDPS  Y4, Y2, Y2

dxnomask:
	VSUBPS  Y14, Y2, Y2 // g' − mg
	VMULPS  Y15, Y0, Y0 // x̂·mgx
	VSUBPS  Y0, Y2, Y2
	VMULPS  Y2, Y13, Y2 // scale·(…)
	TESTL   AX, AX
	JZ      dxstore
	VADDPS  (R9), Y2, Y2 // d + t

dxstore:
	VMOVUPS Y2, (R9)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R9
	DECQ    CX
	JNZ     dxloop

dxdone:
	VZEROUPPER
	RET

// func bnNormalizePadRows8(dst, src *float32, rows, w int, p *bnParams)
//
// For each of rows rows (source rows w floats apart, destination rows w+2 apart): the row
// normalised as bnNormalize8 does (ReLU if relu) into dst[1:w+1], then dst[0] = dst[w] and
// dst[w+1] = dst[1], the circular padding's wrapped columns (as padRows8 pads a row). w
// must be a positive multiple of 8.
TEXT ·bnNormalizePadRows8(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         w+24(FP), R8
	MOVQ         p+32(FP), BX
	SHLQ         $2, R8    // source row in bytes
	LEAQ         8(R8), R9 // destination row in bytes
	VBROADCASTSS 0(BX), Y8  // mean
	VBROADCASTSS 4(BX), Y9  // is
	VBROADCASTSS 8(BX), Y10 // gamma
	VBROADCASTSS 12(BX), Y11 // beta
	VXORPS       Y12, Y12, Y12
	MOVL         28(BX), DX
	TESTQ        CX, CX
	JLE          npdone

nprow:
	XORQ BX, BX

npchunk:
	VMOVUPS 0(SI)(BX*1), Y0
	VSUBPS  Y8, Y0, Y0
	VMULPS  Y9, Y0, Y0
	VMULPS  Y0, Y10, Y0
	VADDPS  Y11, Y0, Y0
	TESTL   DX, DX
	JZ      npstore
	VMAXPS  Y0, Y12, Y0 // 0 > y ? 0 : y (y when NaN or ±0)
	VADDPS  Y12, Y0, Y0 // −0 + 0 = +0, as max(−0, 0) in Go

npstore:
	VMOVUPS Y0, 4(DI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R8
	JLT     npchunk

	MOVL 0(DI)(R8*1), AX // dst[w], the normalised src[w−1]
	MOVL AX, 0(DI)
	MOVL 4(DI), AX       // dst[1], the normalised src[0]
	MOVL AX, 4(DI)(R8*1)
	ADDQ R8, SI
	ADDQ R9, DI
	DECQ CX
	JNZ  nprow
	VZEROUPPER

npdone:
	RET
