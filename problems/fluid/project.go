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
	n    int
	plan *core.FFT2
	inv  []float64 // 1/λ per mode, 0 for the mean mode
	c    []complex128
	p    []float64
}

func newProjector(n int, plan *core.FFT2) *projector {
	pr := &projector{n: n, plan: plan, inv: make([]float64, n*n),
		c: make([]complex128, n*n), p: make([]float64, n*n)}
	for k := range n {
		sk := math.Sin(math.Pi * float64(k) / float64(n))
		for l := range n {
			sl := math.Sin(math.Pi * float64(l) / float64(n))
			if lam := -4 * (sk*sk + sl*sl); lam != 0 {
				pr.inv[k*n+l] = 1 / lam
			}
		}
	}
	return pr
}

// divergence writes Dv (in cell units) of the staggered velocity s into dst.
func divergence(dst, s []float64, n int) {
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

// project replaces the staggered velocity s (2n²) by its divergence-free part Πs, in place.
func (pr *projector) project(s []float64) {
	n, m := pr.n, pr.n*pr.n
	divergence(pr.p, s, n)
	for i, d := range pr.p {
		pr.c[i] = complex(d, 0)
	}
	pr.plan.Forward(pr.c, pr.c)
	for i, w := range pr.inv {
		pr.c[i] *= complex(w, 0)
	}
	pr.plan.Inverse(pr.c, pr.c)
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
