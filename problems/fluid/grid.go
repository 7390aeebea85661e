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
		for j := range n {
			jm := wrap(j-1, n)
			u[i*n+j] = 0.5 * (cx[i*n+jm] + cx[i*n+j])
			v[i*n+j] = 0.5 * (cy[im*n+j] + cy[i*n+j])
		}
	}
}

// toFacesAdjoint adds the transpose of toFaces applied to the face field g to cbar:
// cbar_x[i,j] += ½(g_u[i,j] + g_u[i,j+1]), cbar_y[i,j] += ½(g_v[i,j] + g_v[i+1,j]).
func toFacesAdjoint(cbar, g []float64, n int) {
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

// toCentres maps a staggered velocity s = [u | v] to cell centres by averaging the two
// faces of each cell:
//
//	cx[i,j] = ½(u[i,j] + u[i,j+1]),   cy[i,j] = ½(v[i,j] + v[i+1,j]).
//
// It is the transpose of toFaces. dst must not alias s.
func toCentres(dst, s []float64, n int) {
	clear(dst[:2*n*n])
	toFacesAdjoint(dst, s, n)
}

// toCentresAdjoint adds the transpose of toCentres (which is toFaces) applied to g to sbar.
func toCentresAdjoint(sbar, g []float64, n int) {
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

// vAtU writes to dst the v component interpolated to the u-faces, the mean of the four
// y-faces around each x-face: dst[i,j] = ¼(v[i,j−1] + v[i,j] + v[i+1,j−1] + v[i+1,j]).
func vAtU(dst, v []float64, n int) {
	for i := range n {
		ip := wrap(i+1, n)
		for j := range n {
			jm := wrap(j-1, n)
			dst[i*n+j] = 0.25 * (v[i*n+jm] + v[i*n+j] + v[ip*n+jm] + v[ip*n+j])
		}
	}
}

// vAtUAdjoint adds the transpose of vAtU applied to g to vbar.
func vAtUAdjoint(vbar, g []float64, n int) {
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

// uAtV writes to dst the u component interpolated to the y-faces, the mean of the four
// x-faces around each y-face: dst[i,j] = ¼(u[i−1,j] + u[i−1,j+1] + u[i,j] + u[i,j+1]).
func uAtV(dst, u []float64, n int) {
	for i := range n {
		im := wrap(i-1, n)
		for j := range n {
			jp := wrap(j+1, n)
			dst[i*n+j] = 0.25 * (u[im*n+j] + u[im*n+jp] + u[i*n+j] + u[i*n+jp])
		}
	}
}

// uAtVAdjoint adds the transpose of uAtV applied to g to ubar.
func uAtVAdjoint(ubar, g []float64, n int) {
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
