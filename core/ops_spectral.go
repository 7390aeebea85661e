package core

import (
	"fmt"
	"math"
)

// Spectral holds the twiddle factors and the complex scratch of SpectralConv2d for one
// layer, so that a training step does not allocate them again. The zero value is ready to
// use; a Spectral is not safe for concurrent use (give each network its own).
type Spectral struct {
	h, w, m int
	// cx, sx: cos and sin of 2π·kx·j/W for kx < m, j < W ([kx·W + j]); cy, sy: of
	// 2π·ky(r)·i/H for the 2m retained rows r, i < H ([r·H + i]).
	cx, sx, cy, sy []float64
	part           []complex128 // H·m: the transform along x of one field
	z, gbuf        []complex128
}

func (s *Spectral) setup(h, w, m, nmodes int) {
	if s.h != h || s.w != w || s.m != m {
		s.h, s.w, s.m = h, w, m
		s.cx, s.sx = make([]float64, m*w), make([]float64, m*w)
		for kx := range m {
			for j := range w {
				s.sx[kx*w+j], s.cx[kx*w+j] = math.Sincos(2 * math.Pi * float64(kx*j%w) / float64(w))
			}
		}
		s.cy, s.sy = make([]float64, 2*m*h), make([]float64, 2*m*h)
		for r := range 2 * m {
			ky := r
			if r >= m {
				ky = h - 2*m + r
			}
			for i := range h {
				s.sy[r*h+i], s.cy[r*h+i] = math.Sincos(2 * math.Pi * float64(ky*i%h) / float64(h))
			}
		}
		s.part = make([]complex128, h*m)
	}
	if len(s.z) < nmodes {
		s.z = make([]complex128, nmodes)
	}
}

// forward writes the retained modes of the unnormalised DFT of the real H×W field src,
// X[r·m + kx] = Σ_{i,j} src[i,j]·e^{−2πi(ky(r)·i/H + kx·j/W)}, into dst (2m·m): along x
// for the m retained kx, then along y for the 2m retained ky, O(H·W·m).
func (s *Spectral) forward(dst []complex128, src []float32) {
	h, w, m := s.h, s.w, s.m
	for i := range h {
		row := src[i*w : (i+1)*w]
		for kx := range m {
			c, sn := s.cx[kx*w:(kx+1)*w], s.sx[kx*w:(kx+1)*w]
			var re, im float64
			for j, v := range row {
				re += float64(v) * c[j]
				im -= float64(v) * sn[j]
			}
			s.part[i*m+kx] = complex(re, im)
		}
	}
	for r := range 2 * m {
		c, sn := s.cy[r*h:(r+1)*h], s.sy[r*h:(r+1)*h]
		for kx := range m {
			var re, im float64
			for i := range h {
				p := s.part[i*m+kx]
				// p·(c − i·sn)
				re += real(p)*c[i] + imag(p)*sn[i]
				im += imag(p)*c[i] - real(p)*sn[i]
			}
			dst[r*m+kx] = complex(re, im)
		}
	}
}

// inverse writes into dst (H·W), for every cell (i, j), scale·Re(Σ_retained Z[r·m + kx]·
// e^{+2πi(ky(r)·i/H + kx·j/W)}), or adds it when accumulate is set: along y, then along
// x, O(H·W·m).
func (s *Spectral) inverse(dst []float32, z []complex128, scale float64, accumulate bool) {
	h, w, m := s.h, s.w, s.m
	for i := range h {
		for kx := range m {
			var re, im float64
			for r := range 2 * m {
				c, sn := s.cy[r*h+i], s.sy[r*h+i]
				v := z[r*m+kx]
				// v·(c + i·sn)
				re += real(v)*c - imag(v)*sn
				im += imag(v)*c + real(v)*sn
			}
			s.part[i*m+kx] = complex(re, im)
		}
	}
	for i := range h {
		for j := range w {
			var v float64
			for kx := range m {
				p := s.part[i*m+kx]
				v += real(p)*s.cx[kx*w+j] - imag(p)*s.sx[kx*w+j]
			}
			if accumulate {
				dst[i*w+j] += float32(v * scale)
			} else {
				dst[i*w+j] = float32(v * scale)
			}
		}
	}
}

// SpectralConv2d records the spectral convolution of the Fourier neural operator (Li et
// al. 2021) applied to x of shape [N, Cin, H, W] (any H, W) with complex weights
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
// Only the retained modes are ever transformed: direct DFTs along each axis (Spectral's
// forward and inverse), O(H·W·m) per field, which is what an FFT costs at these sizes and
// takes any H and W (the original's FNO pads 64 to 73). The transforms run in float64; the
// retained spectrum of x is kept in float32.
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
	s.setup(h, w, m, nm*max(cin, cout))
	sc := &spectralConv{s: s, n: n, cin: cin, cout: cout, hw: h * w, nm: nm,
		xm: t.Alloc(n, cin, nm, 2), wr: wr.Value.Data, wi: wi.Value.Data}
	out := t.Alloc(n, cout, h, w)
	for b := range n {
		sc.transformInput(x.Value.Data, b)
		sc.mixModes(out.Data, b)
	}
	var y *Var
	y = t.record("SpectralConv2d", out, func() {
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
		sc.backward(y.Grad.Data, gx, gwr, gwi)
	}, x, wr, wi)
	return y
}

// spectralConv is one SpectralConv2d: its sizes (nm retained modes of hw points), the
// weights' real and imaginary parts, and xm, the retained spectrum of x (re, im) that the
// backward pass reads.
type spectralConv struct {
	s            *Spectral
	n, cin, cout int
	hw, nm       int
	xm           *Tensor
	wr, wi       []float32
}

// transformInput writes the retained spectrum of example b's input channels into xm.
func (sc *spectralConv) transformInput(x []float32, b int) {
	hw, nm := sc.hw, sc.nm
	for c := range sc.cin {
		src := x[(b*sc.cin+c)*hw : (b*sc.cin+c+1)*hw]
		z := sc.s.z[:nm]
		sc.s.forward(z, src)
		dst := sc.xm.Data[(b*sc.cin+c)*2*nm:]
		for k, v := range z {
			dst[2*k], dst[2*k+1] = float32(real(v)), float32(imag(v))
		}
	}
}

// mixModes writes example b's output channels: Z = Σ_c X_c·W_co per retained mode, then
// the real part of its inverse transform.
func (sc *spectralConv) mixModes(out []float32, b int) {
	hw, nm := sc.hw, sc.nm
	for o := range sc.cout {
		z := sc.s.z[:nm]
		clear(z)
		for c := range sc.cin {
			xc := sc.xm.Data[(b*sc.cin+c)*2*nm:]
			wo := (c*sc.cout + o) * nm
			for k := range nm {
				xv := complex(float64(xc[2*k]), float64(xc[2*k+1]))
				z[k] += xv * complex(float64(sc.wr[wo+k]), float64(sc.wi[wo+k]))
			}
		}
		dst := out[(b*sc.cout+o)*hw : (b*sc.cout+o+1)*hw]
		sc.s.inverse(dst, z, 1/float64(hw), false)
	}
}

// backward accumulates the gradients of x, wr and wi (those not nil) from g = ∂L/∂y.
func (sc *spectralConv) backward(g, gx, gwr, gwi []float32) {
	s, nm := sc.s, sc.nm
	if len(s.gbuf) < sc.cout*nm {
		s.gbuf = make([]complex128, sc.cout*nm)
	}
	gz := s.gbuf[:sc.cout*nm]
	inv := 1 / float64(sc.hw)
	for b := range sc.n {
		for o := range sc.cout { // ∂L/∂Z = FFT2(g)/(H·W)
			src := g[(b*sc.cout+o)*sc.hw : (b*sc.cout+o+1)*sc.hw]
			gzo := gz[o*nm : (o+1)*nm]
			s.forward(gzo, src)
			for k := range gzo {
				gzo[k] *= complex(inv, 0)
			}
		}
		for c := range sc.cin {
			sc.backwardChannel(gz, gx, gwr, gwi, b, c)
		}
	}
}

// backwardChannel accumulates the gradients of input channel c of example b from the
// output spectrum's gradient gz: ∂L/∂W = conj(X)·∂L/∂Z into gwr and gwi, and
// ∂L/∂x = Re(conj-FFT2(Σ_o ∂L/∂Z·conj(W))) into gx.
func (sc *spectralConv) backwardChannel(gz []complex128, gx, gwr, gwi []float32, b, c int) {
	nm := sc.nm
	xc := sc.xm.Data[(b*sc.cin+c)*2*nm:]
	gX := sc.s.z[:nm]
	clear(gX)
	for o := range sc.cout {
		wo := (c*sc.cout + o) * nm
		for k := range nm {
			gzk := gz[o*nm+k]
			if gwr != nil || gwi != nil {
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
				gX[k] += gzk * complex(float64(sc.wr[wo+k]), -float64(sc.wi[wo+k]))
			}
		}
	}
	if gx == nil {
		return
	}
	dst := gx[(b*sc.cin+c)*sc.hw : (b*sc.cin+c+1)*sc.hw]
	sc.s.inverse(dst, gX, 1, true)
}
