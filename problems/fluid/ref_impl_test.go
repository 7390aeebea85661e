package fluid

// The implementations before the speed work of issue 28, kept as references: the fast
// versions must give the same bits (reference_test.go's TestFastMatchesReference).

import (
	"math"

	"github.com/sipbench/sipbench/core"
)

// maccormackRef is maccormack as first written.
func maccormackRef(dst, f, dx, dy, sl, lo, hi []float64, n int) {
	m := n * n
	f, dx, dy, sl, lo, hi, dst = f[:m], dx[:m], dy[:m], sl[:m], lo[:m], hi[:m], dst[:m]
	for i := range n {
		for j := range n {
			p := i*n + j
			// interpLimits(f, n, i − dy[p], j − dx[p])
			y, x := float64(i)-dy[p], float64(j)-dx[p]
			fy, fx := math.Floor(y), math.Floor(x)
			ty, tx := y-fy, x-fx
			i0, j0 := wrap(int(fy), n), wrap(int(fx), n)
			i1, j1 := i0+1, j0+1
			if i1 == n {
				i1 = 0
			}
			if j1 == n {
				j1 = 0
			}
			f00, f01 := f[i0*n+j0], f[i0*n+j1]
			f10, f11 := f[i1*n+j0], f[i1*n+j1]
			a := f00 + tx*(f01-f00)
			b := f10 + tx*(f11-f10)
			sl[p], lo[p], hi[p] = a+ty*(b-a), min(f00, f01, f10, f11), max(f00, f01, f10, f11)
		}
	}
	for i := range n {
		for j := range n {
			p := i*n + j
			// interp(sl, n, i + dy[p], j + dx[p]), the value only
			y, x := float64(i)+dy[p], float64(j)+dx[p]
			fy, fx := math.Floor(y), math.Floor(x)
			ty, tx := y-fy, x-fx
			i0, j0 := wrap(int(fy), n), wrap(int(fx), n)
			i1, j1 := i0+1, j0+1
			if i1 == n {
				i1 = 0
			}
			if j1 == n {
				j1 = 0
			}
			s00, s01 := sl[i0*n+j0], sl[i0*n+j1]
			s10, s11 := sl[i1*n+j0], sl[i1*n+j1]
			a := s00 + tx*(s01-s00)
			b := s10 + tx*(s11-s10)
			fw := a + ty*(b-a)
			nv := sl[p] + 0.5*(f[p]-fw)
			dst[p] = min(max(nv, lo[p]), hi[p])
		}
	}
}

// maccormackAdjointRef is maccormackAdjoint as first written (with interp, limits and
// interpAdjoint as calls).
func maccormackAdjointRef(fbar, dxbar, dybar, g, f, dx, dy, sl, slbar []float64, n int) {
	for i := range n {
		for j := range n {
			p := i*n + j
			sl[p], _, _ = interp(f, n, float64(i)-dy[p], float64(j)-dx[p])
		}
	}
	clear(slbar[:n*n])
	for i := range n {
		for j := range n {
			p := i*n + j
			gp := g[p]
			if gp == 0 {
				continue
			}
			yf, xf := float64(i)+dy[p], float64(j)+dx[p]
			fw, fwy, fwx := interp(sl, n, yf, xf)
			nv := sl[p] + 0.5*(f[p]-fw)
			lo, hi, ilo, ihi := limits(f, n, float64(i)-dy[p], float64(j)-dx[p])
			switch {
			case lo == hi:
				fbar[ilo] += gp
			case nv < lo:
				fbar[ilo] += gp
			case nv > hi:
				fbar[ihi] += gp
			default:
				slbar[p] += gp
				fbar[p] += 0.5 * gp
				fwbar := -0.5 * gp
				interpAdjoint(slbar, n, yf, xf, fwbar)
				dybar[p] += fwbar * fwy
				dxbar[p] += fwbar * fwx
			}
		}
	}
	for i := range n {
		for j := range n {
			p := i*n + j
			s := slbar[p]
			if s == 0 {
				continue
			}
			yb, xb := float64(i)-dy[p], float64(j)-dx[p]
			_, gy, gx := interp(f, n, yb, xb)
			interpAdjoint(fbar, n, yb, xb, s)
			dybar[p] -= s * gy
			dxbar[p] -= s * gx
		}
	}
}

// projectRef is projector.project as first written: the divergence's full n×n complex
// FFT, 1/λ, the inverse, the gradient (pr.c and pr.p of n² each are its scratch).
func (pr *projector) projectRef(s []float64) {
	n, m := pr.n, pr.n*pr.n
	if len(pr.c) != m {
		pr.c, pr.p, pr.full = make([]complex128, m), make([]float64, m), core.NewFFT2(n, n)
		pr.invFull = make([]float64, m)
		for k := range n {
			sk := math.Sin(math.Pi * float64(k) / float64(n))
			for l := range n {
				sl := math.Sin(math.Pi * float64(l) / float64(n))
				if lam := -4 * (sk*sk + sl*sl); lam != 0 {
					pr.invFull[k*n+l] = 1 / lam
				}
			}
		}
	}
	divergenceRef(pr.p, s, n)
	for i, d := range pr.p {
		pr.c[i] = complex(d, 0)
	}
	pr.full.Forward(pr.c, pr.c)
	for i, w := range pr.invFull {
		pr.c[i] *= complex(w, 0)
	}
	pr.full.Inverse(pr.c, pr.c)
	p := pr.p
	for i, c := range pr.c {
		p[i] = real(c)
	}
	u, v := s[:m], s[m:2*m]
	for i := range n {
		im := wrap(i-1, n)
		for j := range n {
			jm := wrap(j-1, n)
			u[i*n+j] -= p[i*n+j] - p[i*n+jm]
			v[i*n+j] -= p[i*n+j] - p[im*n+j]
		}
	}
}

// divergenceRef is divergence as first written: it writes Dv (in cell units) of the staggered velocity s into dst.
func divergenceRef(dst, s []float64, n int) {
	m := n * n
	u, v := s[:m], s[m:2*m]
	for i := range n {
		ip := wrap(i+1, n)
		for j := range n {
			jp := wrap(j+1, n)
			dst[i*n+j] = u[i*n+jp] - u[i*n+j] + v[ip*n+j] - v[i*n+j]
		}
	}
}

// toFacesRef is toFaces as first written.
func toFacesRef(dst, c []float64, n int) {
	m := n * n
	cx, cy := c[:m], c[m:2*m]
	u, v := dst[:m], dst[m:2*m]
	for i := range n {
		im := wrap(i-1, n)
		for j := range n {
			jm := wrap(j-1, n)
			u[i*n+j] = 0.5 * (cx[i*n+jm] + cx[i*n+j])
			v[i*n+j] = 0.5 * (cy[im*n+j] + cy[i*n+j])
		}
	}
}

// toFacesAdjointRef is toFacesAdjoint as first written.
func toFacesAdjointRef(cbar, g []float64, n int) {
	m := n * n
	for i := range n {
		ip := wrap(i+1, n)
		for j := range n {
			jp := wrap(j+1, n)
			cbar[i*n+j] += 0.5 * (g[i*n+j] + g[i*n+jp])
			cbar[m+i*n+j] += 0.5 * (g[m+i*n+j] + g[m+ip*n+j])
		}
	}
}

// toCentresRef is toCentres as first written.
func toCentresRef(dst, s []float64, n int) {
	clear(dst[:2*n*n])
	toFacesAdjointRef(dst, s, n)
}

// toCentresAdjointRef is toCentresAdjoint as first written.
func toCentresAdjointRef(sbar, g []float64, n int) {
	m := n * n
	for i := range n {
		im := wrap(i-1, n)
		for j := range n {
			jm := wrap(j-1, n)
			sbar[i*n+j] += 0.5 * (g[i*n+jm] + g[i*n+j])
			sbar[m+i*n+j] += 0.5 * (g[m+im*n+j] + g[m+i*n+j])
		}
	}
}

// vAtURef is vAtU as first written.
func vAtURef(dst, v []float64, n int) {
	for i := range n {
		ip := wrap(i+1, n)
		for j := range n {
			jm := wrap(j-1, n)
			dst[i*n+j] = 0.25 * (v[i*n+jm] + v[i*n+j] + v[ip*n+jm] + v[ip*n+j])
		}
	}
}

// vAtUAdjointRef is vAtUAdjoint as first written.
func vAtUAdjointRef(vbar, g []float64, n int) {
	for i := range n {
		ip := wrap(i+1, n)
		for j := range n {
			jm := wrap(j-1, n)
			a := 0.25 * g[i*n+j]
			vbar[i*n+jm] += a
			vbar[i*n+j] += a
			vbar[ip*n+jm] += a
			vbar[ip*n+j] += a
		}
	}
}

// uAtVRef is uAtV as first written.
func uAtVRef(dst, u []float64, n int) {
	for i := range n {
		im := wrap(i-1, n)
		for j := range n {
			jp := wrap(j+1, n)
			dst[i*n+j] = 0.25 * (u[im*n+j] + u[im*n+jp] + u[i*n+j] + u[i*n+jp])
		}
	}
}

// uAtVAdjointRef is uAtVAdjoint as first written.
func uAtVAdjointRef(ubar, g []float64, n int) {
	for i := range n {
		im := wrap(i-1, n)
		for j := range n {
			jp := wrap(j+1, n)
			a := 0.25 * g[i*n+j]
			ubar[im*n+j] += a
			ubar[im*n+jp] += a
			ubar[i*n+j] += a
			ubar[i*n+jp] += a
		}
	}
}
