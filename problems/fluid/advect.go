package fluid

import "math"

// MacCormack advection of one periodic n×n field f whose node p = (i, j) moves by the
// displacement (dx[p], dy[p]) in cells during the step (dt·velocity/h, velocity sampled at
// the node). As PhiFlow 2's advect.mac_cormack with the Euler integrator:
//
//	sl[p]  = I(f,  p − d[p])                semi-Lagrangian step backwards
//	fw[p]  = I(sl, p + d[p])                semi-Lagrangian step forwards from sl
//	new[p] = sl[p] + ½(f[p] − fw[p])
//	out[p] = clamp(new[p], lo[p], hi[p])
//
// where I is periodic bilinear interpolation and lo, hi are the minimum and maximum of f
// over the four nodes around the backward-traced point p − d[p] (the limiter).
//
// The map (f, dx, dy) ↦ out is piecewise smooth: it has kinks where a traced point crosses
// a grid line and where the limiter switches between pass-through and a bound. The adjoint
// uses the derivative of the piece the evaluation point lies in; on a switch it takes the
// pass-through branch (lo ≤ new ≤ hi inclusive, as torch.clamp does). Where the four
// traced neighbours are equal (lo = hi, everywhere in the flat parts of a 0/1 marker) the
// output is that value whatever the displacements, so the cotangent goes to the first
// neighbour (a subgradient: min and max of tied values have no derivative) and none to the
// displacements; torch.clamp would pass it through new instead.

// maccormack writes the advected field into dst. sl, lo and hi are scratch of n² values
// each. dst must not alias f, dx or dy. The loops spell out interpLimits and interp (the
// same operations in the same order, so the same bits) because calls to them, which Go
// does not inline, cost as much as the arithmetic.
func maccormack(dst, f, dx, dy, sl, lo, hi []float64, n int) {
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

// interpLimits returns interp's value at (y, x) and the minimum and maximum of the four
// nodes around it, sharing one stencil.
func interpLimits(f []float64, n int, y, x float64) (val, lo, hi float64) {
	i0, i1, j0, j1, ty, tx := stencil(n, y, x)
	f00, f01 := f[i0*n+j0], f[i0*n+j1]
	f10, f11 := f[i1*n+j0], f[i1*n+j1]
	a := f00 + tx*(f01-f00)
	b := f10 + tx*(f11-f10)
	return a + ty*(b-a), min(f00, f01, f10, f11), max(f00, f01, f10, f11)
}

// limits returns the minimum and maximum of f over the four nodes around (y, x) and the
// flat indices of the (first) nodes that attain them.
func limits(f []float64, n int, y, x float64) (lo, hi float64, ilo, ihi int) {
	i0, i1, j0, j1, _, _ := stencil(n, y, x)
	idx := [4]int{i0*n + j0, i0*n + j1, i1*n + j0, i1*n + j1}
	ilo, ihi = idx[0], idx[0]
	lo, hi = f[ilo], f[ihi]
	for _, k := range idx[1:] {
		if f[k] < lo {
			lo, ilo = f[k], k
		}
		if f[k] > hi {
			hi, ihi = f[k], k
		}
	}
	return lo, hi, ilo, ihi
}

// maccormackAdjoint adds to fbar, dxbar and dybar the vector–Jacobian product of
// (f, dx, dy) ↦ maccormack(f, dx, dy) with the cotangent g of its output. sl and slbar are
// scratch of n² values each (sl is recomputed; nothing of the forward pass is stored).
func maccormackAdjoint(fbar, dxbar, dybar, g, f, dx, dy, sl, slbar []float64, n int) {
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
