package fluid

import "math"

// Layout of the periodic n×n grid, in cell units (positions divided by the cell size h):
// cell (i, j), row i (the y axis) and column j (the x axis), has its centre at
// (x, y) = (j+½, i+½). A staggered velocity of one example is stored as 2n² values,
// [u | v], each n×n row-major:
//
//	u[i,j] at the x-face (x, y) = (j,   i+½)   (the left face of cell (i, j))
//	v[i,j] at the y-face (x, y) = (j+½, i)     (the lower face of cell (i, j))
//
// All indices wrap around periodically. Each component's nodes form a regular grid of
// spacing 1 cell, so advecting a component displaces its own nodes and samples its own
// grid: the offsets between the grids never enter the interpolation.

// wrap returns k modulo n in [0, n).
func wrap(k, n int) int {
	if uint(k) < uint(n) {
		return k
	}
	return wrapSlow(k, n)
}

// wrapSlow is wrap for k outside [0, n).
func wrapSlow(k, n int) int {
	if k < 0 && k >= -n {
		return k + n
	}
	if k >= n && k < 2*n {
		return k - n
	}
	k %= n
	if k < 0 {
		k += n
	}
	return k
}

// floorCell returns ⌊y⌋ wrapped into [0, n) and the fraction y − ⌊y⌋, the same values as
// wrap(int(math.Floor(y)), n) and y − math.Floor(y) for |y| < 2⁶³ and for NaN (the index
// is then arbitrary in [0, n), the fraction NaN), except for y = −0 (the fraction is then
// −0 where math.Floor's is +0; the callers' coordinates i ± d are never −0), without math.Floor's call: the
// truncation int(y) rounds towards zero, so it is one too large exactly when it lies
// above y.
func floorCell(y float64, n int) (int, float64) {
	k := int(y)
	if float64(k) > y {
		k--
	}
	t := y - float64(k)
	if uint(k) >= uint(n) {
		k = wrapSlow(k, n)
	}
	return k, t
}

// next returns k+1 wrapped into [0, n) for k in [0, n).
func next(k, n int) int {
	k++
	if k == n {
		k = 0
	}
	return k
}

// stencil returns the four nodes (rows i0, i1, columns j0, j1) around the fractional
// index (y, x) of a periodic n×n grid and the fractional offsets ty, tx ∈ [0, 1).
func stencil(n int, y, x float64) (i0, i1, j0, j1 int, ty, tx float64) {
	fy, fx := math.Floor(y), math.Floor(x)
	ty, tx = y-fy, x-fx
	i0, j0 = wrap(int(fy), n), wrap(int(fx), n)
	i1, j1 = i0+1, j0+1
	if i1 == n {
		i1 = 0
	}
	if j1 == n {
		j1 = 0
	}
	return i0, i1, j0, j1, ty, tx
}

// interp returns the periodic bilinear interpolation of f (n×n, row-major) at the
// fractional index (y, x), and its derivatives ∂/∂y and ∂/∂x (one-sided where the
// position is exactly on a grid line: the derivative of the cell that starts there).
func interp(f []float64, n int, y, x float64) (val, dy, dx float64) {
	i0, i1, j0, j1, ty, tx := stencil(n, y, x)
	f00, f01 := f[i0*n+j0], f[i0*n+j1]
	f10, f11 := f[i1*n+j0], f[i1*n+j1]
	a := f00 + tx*(f01-f00) // along x on row i0
	b := f10 + tx*(f11-f10) // along x on row i1
	val = a + ty*(b-a)
	dy = b - a
	dx = (1-ty)*(f01-f00) + ty*(f11-f10)
	return val, dy, dx
}

// interpAdjoint adds g times the interpolation weights at (y, x) to fbar: the transpose
// of f ↦ interp(f, n, y, x).
func interpAdjoint(fbar []float64, n int, y, x, g float64) {
	i0, i1, j0, j1, ty, tx := stencil(n, y, x)
	fbar[i0*n+j0] += g * (1 - ty) * (1 - tx)
	fbar[i0*n+j1] += g * (1 - ty) * tx
	fbar[i1*n+j0] += g * ty * (1 - tx)
	fbar[i1*n+j1] += g * ty * tx
}

// toFaces maps a cell-centred velocity c = [cx | cy] (2n²) to the staggered grid by
// averaging the two cells either side of each face:
//
//	u[i,j] = ½(cx[i,j−1] + cx[i,j]),   v[i,j] = ½(cy[i−1,j] + cy[i,j]).
//
// dst must not alias c.
func toFaces(dst, c []float64, n int) {
	m := n * n
	cx, cy := c[:m], c[m:2*m]
	u, v := dst[:m], dst[m:2*m]
	for i := range n {
		im := wrap(i-1, n)
		cr, ur := cx[i*n:i*n+n], u[i*n:i*n+n]
		ur[0] = 0.5 * (cr[n-1] + cr[0])
		for j := 1; j < n; j++ {
			ur[j] = 0.5 * (cr[j-1] + cr[j])
		}
		ym, yr, vr := cy[im*n:im*n+n], cy[i*n:i*n+n], v[i*n:i*n+n]
		for j := range n {
			vr[j] = 0.5 * (ym[j] + yr[j])
		}
	}
}

// toFacesAdjoint adds the transpose of toFaces applied to the face field g to cbar:
// cbar_x[i,j] += ½(g_u[i,j] + g_u[i,j+1]), cbar_y[i,j] += ½(g_v[i,j] + g_v[i+1,j]).
func toFacesAdjoint(cbar, g []float64, n int) {
	m := n * n
	for i := range n {
		ip := next(i, n)
		gu, cx := g[i*n:i*n+n], cbar[i*n:i*n+n]
		for j := range n - 1 {
			cx[j] += 0.5 * (gu[j] + gu[j+1])
		}
		cx[n-1] += 0.5 * (gu[n-1] + gu[0])
		gv, gn, cy := g[m+i*n:m+i*n+n], g[m+ip*n:m+ip*n+n], cbar[m+i*n:m+i*n+n]
		for j := range n {
			cy[j] += 0.5 * (gv[j] + gn[j])
		}
	}
}

// toCentres maps a staggered velocity s = [u | v] to cell centres by averaging the two
// faces of each cell:
//
//	cx[i,j] = ½(u[i,j] + u[i,j+1]),   cy[i,j] = ½(v[i,j] + v[i+1,j]).
//
// It is the transpose of toFaces. dst must not alias s. (The 0 + keeps the bits of the
// first version, which cleared dst and added: +0 where the sum is −0.)
func toCentres(dst, s []float64, n int) {
	m := n * n
	for i := range n {
		ip := next(i, n)
		su, cx := s[i*n:i*n+n], dst[i*n:i*n+n]
		for j := range n - 1 {
			cx[j] = 0 + 0.5*(su[j]+su[j+1])
		}
		cx[n-1] = 0 + 0.5*(su[n-1]+su[0])
		sv, sn, cy := s[m+i*n:m+i*n+n], s[m+ip*n:m+ip*n+n], dst[m+i*n:m+i*n+n]
		for j := range n {
			cy[j] = 0 + 0.5*(sv[j]+sn[j])
		}
	}
}

// toCentresAdjoint adds the transpose of toCentres (which is toFaces) applied to g to sbar.
func toCentresAdjoint(sbar, g []float64, n int) {
	m := n * n
	for i := range n {
		im := wrap(i-1, n)
		gx, su := g[i*n:i*n+n], sbar[i*n:i*n+n]
		su[0] += 0.5 * (gx[n-1] + gx[0])
		for j := 1; j < n; j++ {
			su[j] += 0.5 * (gx[j-1] + gx[j])
		}
		gm, gy, sv := g[m+im*n:m+im*n+n], g[m+i*n:m+i*n+n], sbar[m+i*n:m+i*n+n]
		for j := range n {
			sv[j] += 0.5 * (gm[j] + gy[j])
		}
	}
}

// vAtU writes to dst the v component interpolated to the u-faces, the mean of the four
// y-faces around each x-face: dst[i,j] = ¼(v[i,j−1] + v[i,j] + v[i+1,j−1] + v[i+1,j]).
func vAtU(dst, v []float64, n int) {
	for i := range n {
		ip := next(i, n)
		vr, vn, d := v[i*n:i*n+n], v[ip*n:ip*n+n], dst[i*n:i*n+n]
		d[0] = 0.25 * (vr[n-1] + vr[0] + vn[n-1] + vn[0])
		for j := 1; j < n; j++ {
			d[j] = 0.25 * (vr[j-1] + vr[j] + vn[j-1] + vn[j])
		}
	}
}

// vAtUAdjoint adds the transpose of vAtU applied to g to vbar.
func vAtUAdjoint(vbar, g []float64, n int) {
	for i := range n {
		ip := next(i, n)
		gr, br, bn := g[i*n:i*n+n], vbar[i*n:i*n+n], vbar[ip*n:ip*n+n]
		for j := range n {
			jm := j - 1
			if j == 0 {
				jm = n - 1
			}
			a := 0.25 * gr[j]
			br[jm] += a
			br[j] += a
			bn[jm] += a
			bn[j] += a
		}
	}
}

// uAtV writes to dst the u component interpolated to the y-faces, the mean of the four
// x-faces around each y-face: dst[i,j] = ¼(u[i−1,j] + u[i−1,j+1] + u[i,j] + u[i,j+1]).
func uAtV(dst, u []float64, n int) {
	for i := range n {
		im := wrap(i-1, n)
		um, ur, d := u[im*n:im*n+n], u[i*n:i*n+n], dst[i*n:i*n+n]
		for j := range n - 1 {
			d[j] = 0.25 * (um[j] + um[j+1] + ur[j] + ur[j+1])
		}
		d[n-1] = 0.25 * (um[n-1] + um[0] + ur[n-1] + ur[0])
	}
}

// uAtVAdjoint adds the transpose of uAtV applied to g to ubar.
func uAtVAdjoint(ubar, g []float64, n int) {
	for i := range n {
		im := wrap(i-1, n)
		gr, bm, br := g[i*n:i*n+n], ubar[im*n:im*n+n], ubar[i*n:i*n+n]
		for j := range n {
			jp := next(j, n)
			a := 0.25 * gr[j]
			bm[j] += a
			bm[jp] += a
			br[j] += a
			br[jp] += a
		}
	}
}
