package fluid

import (
	"math"

	"github.com/sipbench/sipbench/core"
)

// projector makes staggered velocities divergence-free on the periodic n×n grid with an
// exact spectral pressure solve. In cell units (the projection does not depend on h):
//
//	(Dv)[i,j] = u[i,j+1] − u[i,j] + v[i+1,j] − v[i,j]               divergence at centres
//	(Gp)_u[i,j] = p[i,j] − p[i,j−1],  (Gp)_v[i,j] = p[i,j] − p[i−1,j]  gradient at faces
//
// so that D = −Gᵀ and DG is the 5-point Laplacian, whose eigenvalue for the Fourier mode
// (k, l) is λ = −4(sin²(πk/n) + sin²(πl/n)). The projection solves DGp = Dv by p̂ = (Dv)^/λ
// (p̂ = 0 for the mean mode, where Dv has no component) and returns v − Gp, so that
// D(v − Gp) = 0 to rounding. The map Π = I − G(DG)⁺D is the orthogonal projection onto
// the kernel of D: linear, symmetric and idempotent, so it is its own adjoint.
type projector struct {
	n, h int        // h = n/2
	half *core.FFT2 // n×h: the real n×n fields' transforms, two columns in one complex value
	inv  []float64  // n×(h+1): ¼/λ per mode kx ≤ h, 0 for the mean mode
	tw   []complex128
	z    []complex128 // n×h
	sp   []complex128 // n×(h+1): the half spectrum
	p    []float64    // n², the pressure

	// projectRef's scratch (tests only)
	full    *core.FFT2
	invFull []float64
	c       []complex128
}

// newProjector returns the projector of the periodic n×n grid, n a power of two ≥ 2.
func newProjector(n int) *projector {
	h := n / 2
	pr := &projector{n: n, h: h, half: core.NewFFT2(n, h), inv: make([]float64, n*(h+1)),
		tw: make([]complex128, h), z: make([]complex128, n*h), sp: make([]complex128, n*(h+1)),
		p: make([]float64, n*n)}
	for k := range n {
		sk := math.Sin(math.Pi * float64(k) / float64(n))
		for l := range h + 1 {
			sl := math.Sin(math.Pi * float64(l) / float64(n))
			if lam := -4 * (sk*sk + sl*sl); lam != 0 {
				pr.inv[k*(h+1)+l] = 0.25 / lam
			}
		}
	}
	for l := range h {
		s, c := math.Sincos(2 * math.Pi * float64(l) / float64(n))
		pr.tw[l] = complex(c, -s)
	}
	return pr
}

// divergence writes Dv (in cell units) of the staggered velocity s into dst.
func divergence(dst, s []float64, n int) {
	m := n * n
	u, v := s[:m], s[m:2*m]
	for i := range n {
		ip := next(i, n)
		ur, vr, vn, d := u[i*n:i*n+n], v[i*n:i*n+n], v[ip*n:ip*n+n], dst[i*n:i*n+n]
		for j := range n - 1 {
			d[j] = ur[j+1] - ur[j] + vn[j] - vr[j]
		}
		d[n-1] = ur[0] - ur[n-1] + vn[n-1] - vr[n-1]
	}
}

// project replaces the staggered velocity s (2n²) by its divergence-free part Πs, in place.
//
// The pressure solve uses the transform of a real field through one of half the size: the
// divergence's columns 2q and 2q+1 are the real and imaginary parts of z[·, q] (n×h,
// h = n/2), and with Z = FFT(z), w = exp(−2πi/n), the field's spectrum at kx ≤ h is
//
//	D[ky, kx] = E + wᵏˣ·O,  E = (Z[ky, kx] + Z̄[−ky, −kx])/2,  O = (Z[ky, kx] − Z̄[−ky, −kx])/2i
//
// (indices mod n and mod h), E and O being the spectra of the even and odd columns. With
// P = D/λ, the pressure's even and odd columns are the inverse transforms of
// E' = (P[ky, kx] + P[ky, kx+h])/2 and O' = (P[ky, kx] − P[ky, kx+h])/(2wᵏˣ), where
// P[ky, kx+h] = P̄[−ky, h−kx] (P is the spectrum of a real field), so that one inverse
// transform of E' + iO' returns them as its real and imaginary parts. The factors ½ are
// folded into the table ¼/λ. Half the work of the n×n complex transforms (projectRef),
// the same projection to rounding (TestProjectMatchesReference).
func (pr *projector) project(s []float64) {
	n, h, m := pr.n, pr.h, pr.n*pr.n
	u, v := s[:m], s[m:2*m]
	z, sp, p := pr.z, pr.sp, pr.p
	divergence(p, s, n)
	for i := range n * h {
		z[i] = complex(p[2*i], p[2*i+1])
	}
	pr.half.Forward(z, z)
	w := h + 1
	for ky := range n {
		kyn := (n - ky) & (n - 1)
		zr, zn, sr, inv := z[ky*h:ky*h+h], z[kyn*h:kyn*h+h], sp[ky*w:ky*w+w], pr.inv[ky*w:ky*w+w]
		for kx := range w {
			a := zr[kx&(h-1)]
			b := zn[(h-kx)&(h-1)]
			// a + b̄ = 2E, −i(a − b̄) = 2O
			er, ei := real(a)+real(b), imag(a)-imag(b)
			or, oi := imag(a)+imag(b), real(b)-real(a)
			var tr, ti float64 // wᵏˣ
			if kx < h {
				tr, ti = real(pr.tw[kx]), imag(pr.tw[kx])
			} else {
				tr, ti = -1, 0
			}
			dr := er + tr*or - ti*oi
			di := ei + tr*oi + ti*or
			sr[kx] = complex(dr*inv[kx], di*inv[kx]) // P/2
		}
	}
	for ky := range n {
		kyn := (n - ky) & (n - 1)
		sr, sn, zr := sp[ky*w:ky*w+w], sp[kyn*w:kyn*w+w], z[ky*h:ky*h+h]
		for kx := range h {
			a, b := sr[kx], sn[h-kx]                    // P[ky, kx]/2 and conj(P[ky, kx+h])/2
			er, ei := real(a)+real(b), imag(a)-imag(b)  // E'
			dr, di := real(a)-real(b), imag(a)+imag(b)  // (P_a − P_b)/2
			tr, ti := real(pr.tw[kx]), -imag(pr.tw[kx]) // w̄ᵏˣ = 1/wᵏˣ
			or, oi := dr*tr-di*ti, dr*ti+di*tr          // O'
			zr[kx] = complex(er-oi, ei+or)              // E' + iO'
		}
	}
	pr.half.Inverse(z, z)
	for i, c := range z {
		p[2*i], p[2*i+1] = real(c), imag(c)
	}
	for i := range n {
		im := wrap(i-1, n)
		ur, vr, pr0, pm := u[i*n:i*n+n], v[i*n:i*n+n], p[i*n:i*n+n], p[im*n:im*n+n]
		ur[0] -= pr0[0] - pr0[n-1]
		for j := 1; j < n; j++ {
			ur[j] -= pr0[j] - pr0[j-1]
		}
		for j := range n {
			vr[j] -= pr0[j] - pm[j]
		}
	}
}
