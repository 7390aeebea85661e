package core

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// TestSpectralConv2dAgainstDFT compares SpectralConv2d with its definition evaluated by a
// direct O(H²W²) DFT in float64: y[n,o,i,j] = Re((1/HW)·Σ_retained Z[k]·e^{+2πi(k_y·i/H +
// k_x·j/W)}), Z = Σ_c X[c]·W[c,o], X[c,k] = Σ_{i,j} x[c,i,j]·e^{−2πi(k_y·i/H + k_x·j/W)}.
func TestSpectralConv2dAgainstDFT(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	const n, cin, cout, h, w, m = 2, 3, 2, 8, 8, 3
	x := randTensor(rng, n, cin, h, w)
	wr, wi := randTensor(rng, cin, cout, 2*m, m), randTensor(rng, cin, cout, 2*m, m)
	tp := NewTape()
	s := &Spectral{}
	got := SpectralConv2d(s, tp.Const(x), tp.Const(wr), tp.Const(wi)).Value
	var maxErr, maxRef float64
	for b := range n {
		for o := range cout {
			for i := range h {
				for j := range w {
					var y complex128
					for r := range 2 * m {
						ky := r
						if r >= m {
							ky = h - 2*m + r
						}
						for kx := range m {
							var z complex128
							for c := range cin {
								var xk complex128
								for a := range h {
									for bb := range w {
										ph := -2 * math.Pi * (float64(ky*a)/h + float64(kx*bb)/w)
										xk += complex(float64(x.Data[((b*cin+c)*h+a)*w+bb]), 0) * cmplx.Exp(complex(0, ph))
									}
								}
								k := ((c*cout+o)*2*m+r)*m + kx
								z += xk * complex(float64(wr.Data[k]), float64(wi.Data[k]))
							}
							ph := 2 * math.Pi * (float64(ky*i)/h + float64(kx*j)/w)
							y += z * cmplx.Exp(complex(0, ph))
						}
					}
					want := real(y) / (h * w)
					g := float64(got.Data[((b*cout+o)*h+i)*w+j])
					maxErr = math.Max(maxErr, math.Abs(g-want))
					maxRef = math.Max(maxRef, math.Abs(want))
				}
			}
		}
	}
	// float32 storage of x's spectrum and of y: relative error a few 2⁻²⁴.
	if maxErr > 1e-5*maxRef {
		t.Errorf("max |SpectralConv2d − DFT reference| = %.3g (reference magnitude %.3g)", maxErr, maxRef)
	}
}

// TestSpectralConv2dPanics checks the mode limits.
func TestSpectralConv2dPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil {
			t.Error("5 modes on an 8×8 grid (2m > H) did not panic")
		}
	}()
	tp := NewTape()
	SpectralConv2d(&Spectral{}, tp.Const(New(1, 1, 8, 8)), tp.Const(New(1, 1, 10, 5)), tp.Const(New(1, 1, 10, 5)))
}
