//go:build amd64 && !purego && !(openblas && cgo)

#include "textflag.h"

// func padRows8(dst, src *float32, rows, w int)
//
// For each of rows rows (source rows w floats apart, destination rows w+2 apart):
// dst[0] = src[w−1], dst[1:w+1] = src[0:w], dst[w+1] = src[0]: the circular padding of
// one row, as padCircular's Go loop writes it. w must be a positive multiple of 8. Nothing
// is written outside the rows' w+2 floats.
TEXT ·padRows8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ w+24(FP), R8
	SHLQ $2, R8          // source row in bytes
	LEAQ 8(R8), R9       // destination row in bytes
	TESTQ CX, CX
	JLE  done

row:
	MOVL -4(SI)(R8*1), AX
	MOVL AX, 0(DI)
	MOVL 0(SI), AX
	MOVL AX, 4(DI)(R8*1)
	XORQ BX, BX

chunk:
	VMOVUPS 0(SI)(BX*1), Y0
	VMOVUPS Y0, 4(DI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R8
	JLT     chunk

	ADDQ R8, SI
	ADDQ R9, DI
	DECQ CX
	JNZ  row
	VZEROUPPER

done:
	RET

// PLANETREE reduces Xs's lanes to ((s0+s1)+(s2+s3)) in its low lane and stores it at
// off(DI).
#define PLANETREE(s, off) \
	VHADDPS s, s, s \
	VHADDPS s, s, s \
	VMOVSS  s, off(DI)

// func sumPlanes8(dst, x *float32, hw int)
//
// dst[p] = sum32(x[p·hw : (p+1)·hw]) for the 8 planes p = 0…7 of hw floats (hw a positive
// multiple of 4): four interleaved partial sums per plane (lane r adds x[4q+r] in order
// of q), added as (s0+s1)+(s2+s3), the eight planes' chains side by side.
TEXT ·sumPlanes8(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   hw+16(FP), R8
	SHLQ   $2, R8 // plane in bytes
	VXORPS X0, X0, X0
	VXORPS X1, X1, X1
	VXORPS X2, X2, X2
	VXORPS X3, X3, X3
	VXORPS X4, X4, X4
	VXORPS X5, X5, X5
	VXORPS X6, X6, X6
	VXORPS X7, X7, X7
	LEAQ   (R8)(R8*2), R9 // 3 planes
	LEAQ   (R8)(R8*4), R10 // 5 planes
	LEAQ   (R9)(R9*1), R11 // 6 planes
	LEAQ   (R11)(R8*1), R12 // 7 planes
	XORQ   BX, BX

sploop:
	VADDPS 0(SI)(BX*1), X0, X0
	LEAQ   (SI)(R8*1), DX
	VADDPS 0(DX)(BX*1), X1, X1
	LEAQ   (SI)(R8*2), DX
	VADDPS 0(DX)(BX*1), X2, X2
	LEAQ   (SI)(R9*1), DX
	VADDPS 0(DX)(BX*1), X3, X3
	LEAQ   (SI)(R8*4), DX
	VADDPS 0(DX)(BX*1), X4, X4
	LEAQ   (SI)(R10*1), DX
	VADDPS 0(DX)(BX*1), X5, X5
	LEAQ   (SI)(R11*1), DX
	VADDPS 0(DX)(BX*1), X6, X6
	LEAQ   (SI)(R12*1), DX
	VADDPS 0(DX)(BX*1), X7, X7
	ADDQ   $16, BX
	CMPQ   BX, R8
	JLT    sploop

	PLANETREE(X0, 0)
	PLANETREE(X1, 4)
	PLANETREE(X2, 8)
	PLANETREE(X3, 12)
	PLANETREE(X4, 16)
	PLANETREE(X5, 20)
	PLANETREE(X6, 24)
	PLANETREE(X7, 28)
	VZEROUPPER
	RET
