package fluid

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
// does not inline, cost as much as the arithmetic; the stencil's ⌊·⌋ is floorCell.
func maccormack(dst, f, dx, dy, sl, lo, hi []float64, n int) {
	if maccormackFast(dst, f, dx, dy, sl, lo, hi, n) {
		return
	}
	maccormackGo(dst, f, dx, dy, sl, lo, hi, n)
}

// maccormackGo is maccormack's Go loops.
func maccormackGo(dst, f, dx, dy, sl, lo, hi []float64, n int) {
	m := n * n
	f, dx, dy, sl, lo, hi, dst = f[:m], dx[:m], dy[:m], sl[:m], lo[:m], hi[:m], dst[:m]
	maccormackBack(f, dx, dy, sl, lo, hi, n)
	for i := range n {
		fi := float64(i)
		row := i * n
		for j := range n {
			p := row + j
			// interp(sl, n, i + dy[p], j + dx[p]), the value only
			i0, ty := floorCell(fi+dy[p], n)
			j0, tx := floorCell(float64(j)+dx[p], n)
			i1, j1 := next(i0, n), next(j0, n)
			r0, r1 := i0*n, i1*n
			s00, s01 := sl[r0+j0], sl[r0+j1]
			s10, s11 := sl[r1+j0], sl[r1+j1]
			a := s00 + tx*(s01-s00)
			b := s10 + tx*(s11-s10)
			fw := a + ty*(b-a)
			nv := sl[p] + 0.5*(f[p]-fw)
			dst[p] = min(max(nv, lo[p]), hi[p])
		}
	}
}

// maccormackBack is maccormack's first pass in Go: the backward semi-Lagrangian value
// sl and the limits lo, hi at every node.
func maccormackBack(f, dx, dy, sl, lo, hi []float64, n int) {
	m := n * n
	f, dx, dy, sl, lo, hi = f[:m], dx[:m], dy[:m], sl[:m], lo[:m], hi[:m]
	for i := range n {
		fi := float64(i)
		row := i * n
		for j := range n {
			p := row + j
			// interpLimits(f, n, i − dy[p], j − dx[p])
			i0, ty := floorCell(fi-dy[p], n)
			j0, tx := floorCell(float64(j)-dx[p], n)
			i1, j1 := next(i0, n), next(j0, n)
			r0, r1 := i0*n, i1*n
			f00, f01 := f[r0+j0], f[r0+j1]
			f10, f11 := f[r1+j0], f[r1+j1]
			a := f00 + tx*(f01-f00)
			b := f10 + tx*(f11-f10)
			sl[p], lo[p], hi[p] = a+ty*(b-a), min(f00, f01, f10, f11), max(f00, f01, f10, f11)
		}
	}
}

// maccormackClampAdjoint is the limiter's branch of maccormackAdjoint at one node whose
// traced point is (y, x), new value nv and cotangent gp: with lo, hi, ilo, ihi as limits
// gives them, it adds gp to fbar[ilo] where lo = hi or nv < lo, to fbar[ihi] where nv > hi,
// and reports true (the pass-through branch, nothing added) otherwise.
func maccormackClampAdjoint(fbar, f []float64, gp, nv, y, x float64, n int) bool {
	bi0, _ := floorCell(y, n)
	bj0, _ := floorCell(x, n)
	bi1, bj1 := next(bi0, n), next(bj0, n)
	k00, k01, k10, k11 := bi0*n+bj0, bi0*n+bj1, bi1*n+bj0, bi1*n+bj1
	ilo, ihi := k00, k00
	lo, hi := f[k00], f[k00]
	for _, k := range [3]int{k01, k10, k11} {
		if v := f[k]; v < lo {
			lo, ilo = v, k
		} else if v > hi {
			hi, ihi = v, k
		}
	}
	switch {
	case lo == hi:
		fbar[ilo] += gp
	case nv < lo:
		fbar[ilo] += gp
	case nv > hi:
		fbar[ihi] += gp
	default:
		return true
	}
	return false
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
// (f, dx, dy) ↦ maccormack(f, dx, dy) with the cotangent g of its output. sl, lo, hi and
// slbar are scratch of n² values each (sl, lo and hi are recomputed as maccormack's first
// pass makes them; nothing of the forward pass is stored). The loops spell out stencil,
// interp, limits and interpAdjoint, with the same operations in the same order as those
// functions (so the same bits), as maccormack does; limits' nodes are looked for only
// where the limiter acts (lo = hi, or the new value outside [lo, hi], or a NaN), the
// branch being decided on lo and hi of the first pass, which equal limits' values
// wherever none of the four nodes is NaN (the test falls through to limits otherwise).
func maccormackAdjoint(fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar []float64, n int) {
	maccormackAdjointWith(true, fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar, n)
}

// maccormackAdjointWith is maccormackAdjoint, with the first pass from the AVX2 kernel
// where it runs if fast, from the Go loops otherwise (for the tests).
func maccormackAdjointWith(fast bool, fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar []float64, n int) {
	m := n * n
	fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar = fbar[:m], dxbar[:m], dybar[:m], g[:m], f[:m], dx[:m], dy[:m], sl[:m], lo[:m], hi[:m], slbar[:m]
	if !fast || !maccormackBackFast(f, dx, dy, sl, lo, hi, n) {
		maccormackBack(f, dx, dy, sl, lo, hi, n)
	}
	clear(slbar)
	for i := range n {
		fi := float64(i)
		row := i * n
		for j := range n {
			p := row + j
			gp := g[p]
			if gp == 0 {
				continue
			}
			// fw, fwy, fwx := interp(sl, n, i + dy[p], j + dx[p])
			i0, ty := floorCell(fi+dy[p], n)
			j0, tx := floorCell(float64(j)+dx[p], n)
			i1, j1 := next(i0, n), next(j0, n)
			r0, r1 := i0*n, i1*n
			s00, s01 := sl[r0+j0], sl[r0+j1]
			s10, s11 := sl[r1+j0], sl[r1+j1]
			a := s00 + tx*(s01-s00)
			b := s10 + tx*(s11-s10)
			fw := a + ty*(b-a)
			nv := sl[p] + 0.5*(f[p]-fw)
			// The limiter's branch; limits' nodes only where it acts.
			pass := false
			if l, h := lo[p], hi[p]; nv >= l && nv <= h && l != h {
				pass = true
			} else {
				pass = maccormackClampAdjoint(fbar, f, gp, nv, fi-dy[p], float64(j)-dx[p], n)
			}
			if pass {
				slbar[p] += gp
				fbar[p] += 0.5 * gp
				fwbar := -0.5 * gp
				// interpAdjoint(slbar, n, i + dy[p], j + dx[p], fwbar)
				slbar[r0+j0] += fwbar * (1 - ty) * (1 - tx)
				slbar[r0+j1] += fwbar * (1 - ty) * tx
				slbar[r1+j0] += fwbar * ty * (1 - tx)
				slbar[r1+j1] += fwbar * ty * tx
				dybar[p] += fwbar * (b - a)
				dxbar[p] += fwbar * ((1-ty)*(s01-s00) + ty*(s11-s10))
			}
		}
	}
	for i := range n {
		fi := float64(i)
		row := i * n
		for j := range n {
			p := row + j
			s := slbar[p]
			if s == 0 {
				continue
			}
			// _, gy, gx := interp(f, n, i − dy[p], j − dx[p]); interpAdjoint(fbar, …, s)
			i0, ty := floorCell(fi-dy[p], n)
			j0, tx := floorCell(float64(j)-dx[p], n)
			i1, j1 := next(i0, n), next(j0, n)
			r0, r1 := i0*n, i1*n
			f00, f01 := f[r0+j0], f[r0+j1]
			f10, f11 := f[r1+j0], f[r1+j1]
			a := f00 + tx*(f01-f00)
			b := f10 + tx*(f11-f10)
			gy, gx := b-a, (1-ty)*(f01-f00)+ty*(f11-f10)
			fbar[r0+j0] += s * (1 - ty) * (1 - tx)
			fbar[r0+j1] += s * (1 - ty) * tx
			fbar[r1+j0] += s * ty * (1 - tx)
			fbar[r1+j1] += s * ty * tx
			dybar[p] -= s * gy
			dxbar[p] -= s * gx
		}
	}
}
