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
