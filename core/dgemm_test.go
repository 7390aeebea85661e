package core

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDgemmBitsAndValues checks dgemm against its definition: every implementation that
// runs here (the AVX2 kernels and, where the CPU has AVX-512, the AVX-512 ones, with the
// portable code for the edges) gives the bits of the portable FMA chain (dgemmRef), and
// that chain is within rounding of a plain float64 sum. Shapes straddle the 6- and 4-row
// and the 8- and 16-column tiles; strides are padded.
func TestDgemmBitsAndValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	wides := []bool{false}
	if gemmHasAVX512 {
		wides = append(wides, true)
	} else {
		t.Log("this CPU lacks AVX-512F: the AVX-512 float64 kernels are not run here")
	}
	defer func(w bool) { dgemmSetWide(w) }(dgemmGetWide())
	sizes := []int{1, 3, 4, 6, 7, 8, 10, 16, 17, 24, 33, 64}
	for _, m := range sizes {
		for _, n := range sizes {
			for _, k := range []int{1, 5, 64} {
				lda, ldb, ldc := k+rng.IntN(3), n+rng.IntN(3), n+rng.IntN(3)
				a, b := make([]float64, m*lda), make([]float64, k*ldb)
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				for i := range b {
					b[i] = rng.NormFloat64()
				}
				want := make([]float64, m*ldc)
				dgemmRef(m, n, k, a, lda, b, ldb, want, ldc)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var s, mag float64
						for p := 0; p < k; p++ {
							s += a[i*lda+p] * b[p*ldb+j]
							mag += math.Abs(a[i*lda+p] * b[p*ldb+j])
						}
						if d := math.Abs(want[i*ldc+j] - s); d > float64(2*k+2)*0x1p-53*mag {
							t.Fatalf("m=%d n=%d k=%d: C[%d][%d] = %v; a plain sum gives %v", m, n, k, i, j, want[i*ldc+j], s)
						}
					}
				}
				for _, wide := range wides {
					dgemmSetWide(wide)
					got := make([]float64, m*ldc)
					for i := range got {
						got[i] = math.NaN() // the padding must stay as it is
					}
					dgemm(m, n, k, a, lda, b, ldb, got, ldc)
					for i := range got {
						if i%ldc >= n {
							if !math.IsNaN(got[i]) {
								t.Fatalf("m=%d n=%d k=%d wide=%v: wrote C's padding at %d", m, n, k, wide, i)
							}
							continue
						}
						if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
							t.Fatalf("m=%d n=%d k=%d wide=%v: C[%d][%d] = %v; the FMA chain gives %v",
								m, n, k, wide, i/ldc, i%ldc, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
