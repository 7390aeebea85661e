//go:build amd64 && !purego && !(openblas && cgo)

package core

// dgemmKernel6x8 and dgemmKernel4x8 (AVX2 and FMA) compute the 6×8 or 4×8 tile
// C = A·B from h rows of A (lda apart, read k values each), k rows of 8 values of B (ldb
// apart), into rows of C ldc apart (strides in elements), each entry the FMA chain of
// dgemm. dgemmKernel6x16 and dgemmKernel4x16 (AVX-512F) do the same for 16 columns.
//
//go:noescape
func dgemmKernel6x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func dgemmKernel4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func dgemmKernel6x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func dgemmKernel4x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

// dgemmWide reports whether dgemm uses the AVX-512 kernels; tests switch it to compare.
var dgemmWide = useAVX512

// dgemmAsm runs the kernels over the tiles that fit: row tiles of 6 (and of 4 for the
// last rows, as gemmRowTile plans them), column tiles of 16 (AVX-512) or 8. It returns
// the number of rows and of columns covered, rows × cols; dgemm computes the rest.
func dgemmAsm(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) (rows, cols int) {
	if !gemmHasAVX2FMA {
		return 0, 0
	}
	nr := 8
	if dgemmWide {
		nr = 16
	}
	cols = n - n%nr
	if cols == 0 {
		return 0, 0
	}
	for rows < m {
		h := gemmRowTile(m - rows)
		if h > m-rows {
			break
		}
		for j := 0; j < cols; j += nr {
			ap, bp, cp := &a[rows*lda], &b[j], &c[rows*ldc+j]
			switch {
			case nr == 16 && h == 6:
				dgemmKernel6x16(k, ap, lda, bp, ldb, cp, ldc)
			case nr == 16:
				dgemmKernel4x16(k, ap, lda, bp, ldb, cp, ldc)
			case h == 6:
				dgemmKernel6x8(k, ap, lda, bp, ldb, cp, ldc)
			default:
				dgemmKernel4x8(k, ap, lda, bp, ldb, cp, ldc)
			}
		}
		rows += h
	}
	return rows, cols
}

func dgemmGetWide() bool  { return dgemmWide }
func dgemmSetWide(w bool) { dgemmWide = w && gemmHasAVX512 }
