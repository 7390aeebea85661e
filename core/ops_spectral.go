package core

import (
	"fmt"
)

// Spectral holds the FFT plan and the complex scratch of SpectralConv2d for one layer, so
// that a training step does not allocate them again. The zero value is ready to use; a
// Spectral is not safe for concurrent use (give each network its own).
type Spectral struct {
	plan        *FFT2
	field, gbuf []complex128
	z           []complex128
}

func (s *Spectral) setup(h, w, nmodes int) {
	if s.plan == nil {
		s.plan = NewFFT2(h, w)
	} else if ph, pw := s.plan.Shape(); ph != h || pw != w {
		s.plan = NewFFT2(h, w)
	}
	if len(s.field) != h*w {
		s.field = make([]complex128, h*w)
	}
	if len(s.z) < nmodes {
		s.z = make([]complex128, nmodes)
	}
}

// SpectralConv2d records the spectral convolution of the Fourier neural operator (Li et
// al. 2021) applied to x of shape [N, Cin, H, W] (H, W powers of two) with complex weights
// W = wr + i·wi of shape [Cin, Cout, 2m, m]:
//
//	X[n,c] = FFT2(x[n,c])                                   (unnormalised, see FFT2)
//	Z[n,o,k] = Σ_c X[n,c,k]·W[c,o,r(k)]  for the retained modes k, 0 elsewhere
//	y[n,o] = Re(IFFT2(Z[n,o]))                               (normalised by 1/(H·W))
//
// The retained modes are the 2m·m frequencies (k_y, k_x) with k_x ∈ [0, m) and k_y ∈
// [0, m) ∪ [H−m, H) (the lowest positive and negative k_y); weight row r < m is k_y = r,
// row r ≥ m is k_y = H − 2m + r. Taking the real part of a one-sided spectrum equals the
// original's irfft2 with the k_x > 0 modes halved, a reparametrisation of the same layer.
// It panics unless 2m ≤ H and m ≤ W/2.
//
// The backward pass, with g = ∂L/∂y: ∂L/∂Z = FFT2(g)/(H·W); ∂L/∂W = Σ_n conj(X)·∂L/∂Z
// (its real and imaginary parts go to wr and wi); ∂L/∂x = Re(conj-FFT2(∂L/∂X)) with
// ∂L/∂X = Σ_o ∂L/∂Z·conj(W), where conj-FFT2 is the unnormalised inverse transform.
// The transforms run in float64; the retained spectrum of x is kept in float32.
func SpectralConv2d(s *Spectral, x, wr, wi *Var) *Var {
	xs, ws := x.Value.Shape, wr.Value.Shape
	mustRank("SpectralConv2d x", xs, 4)
	mustRank("SpectralConv2d wr", ws, 4)
	mustSameShape("SpectralConv2d wi", ws, wi.Value.Shape)
	n, cin, h, w := xs[0], xs[1], xs[2], xs[3]
	cout, m := ws[1], ws[3]
	if ws[0] != cin || ws[2] != 2*m || 2*m > h || 2*m > w || m < 1 {
		panic(fmt.Sprintf("core: SpectralConv2d: x %v, weights %v: want weights [Cin, Cout, 2m, m] with 2m ≤ H and m ≤ W/2", xs, ws))
	}
	t := x.tape
	nm := 2 * m * m
	s.setup(h, w, nm*max(cin, cout))
	hw := h * w
	out := t.Alloc(n, cout, h, w)
	xm := t.Alloc(n, cin, nm, 2) // retained spectrum of x: re, im
	index := func(r, kx int) int {
		ky := r
		if r >= m {
			ky = h - 2*m + r
		}
		return ky*w + kx
	}
	wrd, wid := wr.Value.Data, wi.Value.Data
	for b := range n {
		for c := range cin {
			src := x.Value.Data[(b*cin+c)*hw : (b*cin+c+1)*hw]
			for i, v := range src {
				s.field[i] = complex(float64(v), 0)
			}
			s.plan.Forward(s.field, s.field)
			dst := xm.Data[(b*cin+c)*2*nm:]
			for r := range 2 * m {
				for kx := range m {
					v := s.field[index(r, kx)]
					k := r*m + kx
					dst[2*k], dst[2*k+1] = float32(real(v)), float32(imag(v))
				}
			}
		}
		for o := range cout {
			z := s.z[:nm]
			clear(z)
			for c := range cin {
				xc := xm.Data[(b*cin+c)*2*nm:]
				wo := (c*cout + o) * nm
				for k := range nm {
					xv := complex(float64(xc[2*k]), float64(xc[2*k+1]))
					z[k] += xv * complex(float64(wrd[wo+k]), float64(wid[wo+k]))
				}
			}
			clear(s.field)
			for r := range 2 * m {
				for kx := range m {
					s.field[index(r, kx)] = z[r*m+kx]
				}
			}
			s.plan.Inverse(s.field, s.field)
			dst := out.Data[(b*cout+o)*hw : (b*cout+o+1)*hw]
			for i, v := range s.field {
				dst[i] = float32(real(v))
			}
		}
	}
	var y *Var
	y = t.record("SpectralConv2d", out, func() {
		g := y.Grad.Data
		if len(s.gbuf) < cout*nm {
			s.gbuf = make([]complex128, cout*nm)
		}
		gz := s.gbuf[:cout*nm]
		inv := 1 / float64(hw)
		var gwr, gwi, gx []float32
		if wr.needs {
			gwr = wr.grad().Data
		}
		if wi.needs {
			gwi = wi.grad().Data
		}
		if x.needs {
			gx = x.grad().Data
		}
		for b := range n {
			for o := range cout {
				src := g[(b*cout+o)*hw : (b*cout+o+1)*hw]
				for i, v := range src {
					s.field[i] = complex(float64(v), 0)
				}
				s.plan.Forward(s.field, s.field)
				for r := range 2 * m {
					for kx := range m {
						gz[o*nm+r*m+kx] = s.field[index(r, kx)] * complex(inv, 0)
					}
				}
			}
			for c := range cin {
				xc := xm.Data[(b*cin+c)*2*nm:]
				gX := s.z[:nm]
				clear(gX)
				for o := range cout {
					wo := (c*cout + o) * nm
					for k := range nm {
						gzk := gz[o*nm+k]
						if gwr != nil || gwi != nil {
							// ∂L/∂W = conj(X)·∂L/∂Z.
							xr, xi := float64(xc[2*k]), float64(xc[2*k+1])
							gr := xr*real(gzk) + xi*imag(gzk)
							gi := xr*imag(gzk) - xi*real(gzk)
							if gwr != nil {
								gwr[wo+k] += float32(gr)
							}
							if gwi != nil {
								gwi[wo+k] += float32(gi)
							}
						}
						if gx != nil {
							gX[k] += gzk * complex(float64(wrd[wo+k]), -float64(wid[wo+k]))
						}
					}
				}
				if gx == nil {
					continue
				}
				clear(s.field)
				for r := range 2 * m {
					for kx := range m {
						s.field[index(r, kx)] = gX[r*m+kx]
					}
				}
				s.plan.Inverse(s.field, s.field)
				dst := gx[(b*cin+c)*hw : (b*cin+c+1)*hw]
				for i, v := range s.field {
					dst[i] += float32(real(v) * float64(hw))
				}
			}
		}
	}, x, wr, wi)
	return y
}
