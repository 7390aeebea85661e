//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// func butterflyRowsAVX(lo, hi *complex128, n int, wr, wi float64)
//
// For c < n: v = hi[c]·(wr + i·wi), lo[c], hi[c] = lo[c] + v, lo[c] − v, with Go's
// complex product (re = a·c − b·d, im = a·d + b·c, no fused multiply–add), two complex
// values per YMM register, the last one alone in an XMM register when n is odd.
TEXT ·butterflyRowsAVX(SB), NOSPLIT, $0-40
	MOVQ         lo+0(FP), DI
	MOVQ         hi+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSD wr+24(FP), Y14
	VBROADCASTSD wi+32(FP), Y15
	CMPQ         CX, $2
	JLT          tail

pair:
	VMOVUPD   (SI), Y1
	VMOVUPD   (DI), Y0
	VMULPD    Y14, Y1, Y2  // [a·c, b·c]
	VPERMILPD $5, Y1, Y3   // [b, a]
	VMULPD    Y15, Y3, Y3  // [b·d, a·d]
	VADDSUBPD Y3, Y2, Y2   // [a·c − b·d, b·c + a·d]
	VADDPD    Y2, Y0, Y4
	VSUBPD    Y2, Y0, Y5
	VMOVUPD   Y4, (DI)
	VMOVUPD   Y5, (SI)
	ADDQ      $32, DI
	ADDQ      $32, SI
	SUBQ      $2, CX
	CMPQ      CX, $2
	JGE       pair

tail:
	TESTQ     CX, CX
	JZ        done
	VMOVUPD   (SI), X1
	VMOVUPD   (DI), X0
	VMULPD    X14, X1, X2
	VPERMILPD $1, X1, X3
	VMULPD    X15, X3, X3
	VADDSUBPD X3, X2, X2
	VADDPD    X2, X0, X4
	VSUBPD    X2, X0, X5
	VMOVUPD   X4, (DI)
	VMOVUPD   X5, (SI)

done:
	VZEROUPPER
	RET

// func butterflyRows1AVX(lo, hi *complex128, n int)
//
// For c < n: lo[c], hi[c] = lo[c] + hi[c], lo[c] − hi[c] (the twiddle 1, no product).
TEXT ·butterflyRows1AVX(SB), NOSPLIT, $0-24
	MOVQ lo+0(FP), DI
	MOVQ hi+8(FP), SI
	MOVQ n+16(FP), CX
	CMPQ CX, $2
	JLT  tail1

pair1:
	VMOVUPD (SI), Y1
	VMOVUPD (DI), Y0
	VADDPD  Y1, Y0, Y4
	VSUBPD  Y1, Y0, Y5
	VMOVUPD Y4, (DI)
	VMOVUPD Y5, (SI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $2, CX
	CMPQ    CX, $2
	JGE     pair1

tail1:
	TESTQ   CX, CX
	JZ      done1
	VMOVUPD (SI), X1
	VMOVUPD (DI), X0
	VADDPD  X1, X0, X4
	VSUBPD  X1, X0, X5
	VMOVUPD X4, (DI)
	VMOVUPD X5, (SI)

done1:
	VZEROUPPER
	RET
