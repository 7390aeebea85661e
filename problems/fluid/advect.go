package fluid

import "sync"

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
	maccormackAdjointWith(adjointPrepped, fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar, n)
}

// The ways maccormackAdjointWith computes the adjoint (all to the same bits).
const (
	adjointGo       = iota // Go loops only
	adjointFirstAsm        // the first pass (sl, lo, hi) from the kernel where it runs, the rest in Go
	adjointPrepped         // both stencils from the AVX-512 kernel where it runs (maccormackAdjointPrepped)
)

// maccormackAdjointWith is maccormackAdjoint computed the given way (for the tests); each
// falls back to the one before it where its kernel does not run.
func maccormackAdjointWith(way int, fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar []float64, n int) {
	m := n * n
	fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar = fbar[:m], dxbar[:m], dybar[:m], g[:m], f[:m], dx[:m], dy[:m], sl[:m], lo[:m], hi[:m], slbar[:m]
	if way >= adjointPrepped && maccormackAdjointKernel(fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar, n) {
		return
	}
	if way < adjointFirstAsm || !maccormackBackFast(f, dx, dy, sl, lo, hi, n) {
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

// adjScratch holds maccormackAdjoint's two stencils at every node, as the AVX-512 kernel
// computes them (macCormackAdjPrep512): backwards (i − dy, j − dx, on f) the flat index
// of the first of the four nodes kb, the fractions tyb, txb and the interpolant's
// derivatives gyb, gxb; forwards (i + dy, j + dx, on sl) the same (kf, tyf, txf, gyf, gxf)
// and the new value nv before the limiter.
type adjScratch struct {
	kb, kf                                     []int32
	tyb, txb, gyb, gxb, nv, tyf, txf, gyf, gxf []float64
}

// adjPool holds adjScratch for the goroutines that run adjoints.
var adjPool = sync.Pool{New: func() any { return new(adjScratch) }}

// grow makes every slice of sc hold m values.
func (sc *adjScratch) grow(m int) {
	if len(sc.kb) >= m {
		return
	}
	sc.kb, sc.kf = make([]int32, m), make([]int32, m)
	for _, p := range []*[]float64{&sc.tyb, &sc.txb, &sc.gyb, &sc.gxb, &sc.nv, &sc.tyf, &sc.txf, &sc.gyf, &sc.gxf} {
		*p = make([]float64, m)
	}
}

// maccormackAdjointKernel is maccormackAdjoint with its stencils from the AVX-512 kernel
// (adjScratch.prepare) and its sums from maccormackAdjointPrepped, where the kernel runs; it
// reports whether it did (nothing is added otherwise).
func maccormackAdjointKernel(fbar, dxbar, dybar, g, f, dx, dy, sl, lo, hi, slbar []float64, n int) bool {
	sc := adjPool.Get().(*adjScratch)
	defer adjPool.Put(sc)
	if !sc.prepare(f, dx, dy, sl, lo, hi, n) {
		return false
	}
	maccormackAdjointPrepped(sc, fbar, dxbar, dybar, g, f, dx, dy, lo, hi, slbar, n)
	return true
}

// maccormackAdjointPrepped is maccormackAdjointWith's Go loops with the stencils, the
// new values and the interpolants' derivatives read from sc instead of computed: the same
// operations on the same values in the same order, so the same bits. The four nodes of a
// stencil whose first is k = i0·n + j0 are k, its row's next column, and the next row's
// two (n a power of two).
func maccormackAdjointPrepped(sc *adjScratch, fbar, dxbar, dybar, g, f, dx, dy, lo, hi, slbar []float64, n int) {
	m := n * n
	mask, rows := n-1, m-1
	kb, tyb, txb, gyb, gxb := sc.kb[:m], sc.tyb[:m], sc.txb[:m], sc.gyb[:m], sc.gxb[:m]
	kf, tyf, txf, gyf, gxf, nvs := sc.kf[:m], sc.tyf[:m], sc.txf[:m], sc.gyf[:m], sc.gxf[:m], sc.nv[:m]
	fbar, dxbar, dybar, g, f, lo, hi, slbar = fbar[:m], dxbar[:m], dybar[:m], g[:m], f[:m], lo[:m], hi[:m], slbar[:m]
	clear(slbar)
	for p := range m {
		gp := g[p]
		if gp == 0 {
			continue
		}
		nv := nvs[p]
		pass := false
		if l, h := lo[p], hi[p]; nv >= l && nv <= h && l != h {
			pass = true
		} else {
			i, j := p/n, p%n
			pass = maccormackClampAdjoint(fbar, f, gp, nv, float64(i)-dy[p], float64(j)-dx[p], n)
		}
		if pass {
			slbar[p] += gp
			fbar[p] += 0.5 * gp
			fwbar := -0.5 * gp
			k00 := int(kf[p]) & rows
			k01 := k00&^mask | (k00+1)&mask
			k10, k11 := (k00+n)&rows, (k01+n)&rows
			ty, tx := tyf[p], txf[p]
			slbar[k00] += fwbar * (1 - ty) * (1 - tx)
			slbar[k01] += fwbar * (1 - ty) * tx
			slbar[k10] += fwbar * ty * (1 - tx)
			slbar[k11] += fwbar * ty * tx
			dybar[p] += fwbar * gyf[p]
			dxbar[p] += fwbar * gxf[p]
		}
	}
	for p := range m {
		s := slbar[p]
		if s == 0 {
			continue
		}
		k00 := int(kb[p]) & rows
		k01 := k00&^mask | (k00+1)&mask
		k10, k11 := (k00+n)&rows, (k01+n)&rows
		ty, tx := tyb[p], txb[p]
		fbar[k00] += s * (1 - ty) * (1 - tx)
		fbar[k01] += s * (1 - ty) * tx
		fbar[k10] += s * ty * (1 - tx)
		fbar[k11] += s * ty * tx
		dybar[p] -= s * gyb[p]
		dxbar[p] -= s * gxb[p]
	}
}
