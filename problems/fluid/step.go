package fluid

import "math"

// sim runs the simulation of one example on the periodic n×n grid of cell size h and
// records the states its adjoint needs (the tape). One step k maps (v_k, m_k) to
// (v_{k+1}, m_{k+1}):
//
//	a  = A(v_k)       self-advection: each component MacCormack-advected, its nodes
//	                  displaced by dt·v_k/h sampled at the node (u at x-faces, v at y-faces)
//	q  = Πa           pressure projection (project.go)
//	v_{k+1} = rescale(q, v_k): each component c scaled by √(E₀c/E_c), E₀c = Σ v_k,c²,
//	                  E_c = Σ q_c² (the original's per-component mean of v², see rescale)
//	m_{k+1} = MacCormack(m_k, displaced by dt·v_{k+1}/h at the centres)
//
// where the velocity at a face of the other component is the mean of the four faces
// around it (uAtV, vAtU) and at a centre the mean of the cell's two faces (toCentres).
// The tape holds v_k, q_k and m_k of every step. A sim is not safe for concurrent use.
type sim struct {
	n     int
	c     float64 // dt/h: displacement in cells per unit velocity
	steps int
	proj  *projector

	vel  [][]float64 // v_0 … v_steps, 2n² each
	pre  [][]float64 // q_0 … q_{steps−1}
	mark [][]float64 // m_0 … m_steps, n² each

	// scratch, n² each unless noted
	dxu, dyu, dxv, dyv, dxm, dym []float64
	bxu, byu, bxv, byv           []float64
	cen, cenBar                  []float64 // 2n²
	sl, slBar, lo, hi            []float64
	vb, vb2, mb, mb2             []float64 // adjoint state (vb, vb2: 2n²)
}

func newSim(n int, h, dt float64, steps int) *sim {
	m := n * n
	s := &sim{n: n, c: dt / h, steps: steps, proj: newProjector(n)}
	for range steps + 1 {
		s.vel = append(s.vel, make([]float64, 2*m))
		s.mark = append(s.mark, make([]float64, m))
	}
	for range steps {
		s.pre = append(s.pre, make([]float64, 2*m))
	}
	for _, p := range []*[]float64{&s.dxu, &s.dyu, &s.dxv, &s.dyv, &s.dxm, &s.dym,
		&s.bxu, &s.byu, &s.bxv, &s.byv, &s.sl, &s.slBar, &s.lo, &s.hi, &s.mb, &s.mb2} {
		*p = make([]float64, m)
	}
	for _, p := range []*[]float64{&s.cen, &s.cenBar, &s.vb, &s.vb2} {
		*p = make([]float64, 2*m)
	}
	return s
}

// faceDisplacements fills the node displacements (cells) of both velocity components.
func (s *sim) faceDisplacements(v []float64) {
	n, m, c := s.n, s.n*s.n, s.c
	u, w := v[:m], v[m:2*m]
	vAtU(s.dyu, w, n)
	uAtV(s.dxv, u, n)
	for p := range m {
		s.dxu[p] = c * u[p]
		s.dyu[p] *= c
		s.dxv[p] *= c
		s.dyv[p] = c * w[p]
	}
}

// centreDisplacements fills the displacements (cells) of the cell centres under v: c times
// toCentres(v), in one pass (the same bits as toCentres into a buffer, then the products).
func (s *sim) centreDisplacements(v []float64) {
	n, m, c := s.n, s.n*s.n, s.c
	for i := range n {
		ip := next(i, n)
		su, dx := v[i*n:i*n+n], s.dxm[i*n:i*n+n]
		for j := range n - 1 {
			dx[j] = c * (0 + 0.5*(su[j]+su[j+1]))
		}
		dx[n-1] = c * (0 + 0.5*(su[n-1]+su[0]))
		sv, sn, dy := v[m+i*n:m+i*n+n], v[m+ip*n:m+ip*n+n], s.dym[i*n:i*n+n]
		for j := range n {
			dy[j] = c * (0 + 0.5*(sv[j]+sn[j]))
		}
	}
}

// selfAdvect writes A(v) into dst (not aliasing v).
func (s *sim) selfAdvect(dst, v []float64) {
	n, m := s.n, s.n*s.n
	s.faceDisplacements(v)
	maccormack(dst[:m], v[:m], s.dxu, s.dyu, s.sl, s.lo, s.hi, n)
	maccormack(dst[m:2*m], v[m:2*m], s.dxv, s.dyv, s.sl, s.lo, s.hi, n)
}

// selfAdvectAdjoint adds the VJP of A at v with the cotangent g to vbar, through both
// the advected field and the displacements.
func (s *sim) selfAdvectAdjoint(vbar, g, v []float64) {
	n, m, c := s.n, s.n*s.n, s.c
	s.faceDisplacements(v)
	for _, b := range [][]float64{s.bxu, s.byu, s.bxv, s.byv} {
		clear(b)
	}
	maccormackAdjoint(vbar[:m], s.bxu, s.byu, g[:m], v[:m], s.dxu, s.dyu, s.sl, s.lo, s.hi, s.slBar, n)
	maccormackAdjoint(vbar[m:2*m], s.bxv, s.byv, g[m:2*m], v[m:2*m], s.dxv, s.dyv, s.sl, s.lo, s.hi, s.slBar, n)
	for p := range m {
		vbar[p] += c * s.bxu[p]
		vbar[m+p] += c * s.byv[p]
		s.byu[p] *= c
		s.bxv[p] *= c
	}
	vAtUAdjoint(vbar[m:2*m], s.byu, n)
	uAtVAdjoint(vbar[:m], s.bxv, n)
}

// advectMarker writes MacCormack(m advected by v) into dst (not aliasing m).
func (s *sim) advectMarker(dst, mk, v []float64) {
	s.centreDisplacements(v)
	maccormack(dst, mk, s.dxm, s.dym, s.sl, s.lo, s.hi, s.n)
}

// advectMarkerAdjoint adds the VJP of advectMarker at (mk, v) with cotangent g to mbar
// and vbar.
func (s *sim) advectMarkerAdjoint(mbar, vbar, g, mk, v []float64) {
	m := s.n * s.n
	s.centreDisplacements(v)
	clear(s.bxu)
	clear(s.byu)
	maccormackAdjoint(mbar, s.bxu, s.byu, g, mk, s.dxm, s.dym, s.sl, s.lo, s.hi, s.slBar, s.n)
	for p := range m {
		s.cenBar[p] = s.c * s.bxu[p]
		s.cenBar[m+p] = s.c * s.byu[p]
	}
	toCentresAdjoint(vbar, s.cenBar, s.n)
}

func sumSq(x []float64) float64 {
	var e float64
	for _, v := range x {
		e += v * v
	}
	return e
}

// sumSq2 returns sumSq(a) and sumSq(b) (len(b) ≥ len(a)) in one loop: each sum in the same
// order, so the same bits, but the two dependent chains of additions overlap.
func sumSq2(a, b []float64) (ea, eb float64) {
	b = b[:len(a)]
	for i, v := range a {
		w := b[i]
		ea += v * v
		eb += w * w
	}
	return ea, eb
}

// sumSq2Dot returns sumSq(a), sumSq(b) and dot(b, c) (len(b), len(c) ≥ len(a)) in one
// loop, each in the same order as alone (the same bits).
func sumSq2Dot(a, b, c []float64) (ea, eb, d float64) {
	b, c = b[:len(a)], c[:len(a)]
	for i, v := range a {
		w := b[i]
		ea += v * v
		eb += w * w
		d += w * c[i]
	}
	return ea, eb, d
}

// rescale writes the velocity q rescaled to the energy of old, per component, into dst
// (2n², not aliasing q or old): for each component c ∈ {u, v} (each half of the slice),
//
//	dst_c = q_c·√(E₀c/E_c),  E₀c = Σ old_c²,  E_c = Σ q_c²          (dst_c = q_c when E_c = 0)
//
// as the original's field.mean(velocity²), which averages over space and keeps the vector
// channel. Scaling the components by different factors leaves ∇·dst ≠ 0 in general: the
// original's velocity after a step is not exactly divergence-free.
func rescale(dst, q, old []float64) {
	m := len(q) / 2
	rescale1(dst[:m], q[:m], old[:m])
	rescale1(dst[m:], q[m:], old[m:])
}

// rescale1 is rescale for one component.
func rescale1(dst, q, old []float64) {
	e0, e := sumSq2(old, q)
	if e == 0 {
		copy(dst, q)
		return
	}
	f := math.Sqrt(e0 / e)
	for i, v := range q {
		dst[i] = f * v
	}
}

// rescaleAdjoint returns in qbar (overwritten) and adds to oldbar the VJP of rescale at
// (q, old) with cotangent g, per component c:
//
//	q̄_c = f·g_c − f·q_c·⟨q_c, g_c⟩/E_c,   old̄_c += old_c·⟨q_c, g_c⟩/√(E₀c·E_c),   f = √(E₀c/E_c).
func rescaleAdjoint(qbar, oldbar, g, q, old []float64) {
	m := len(q) / 2
	rescaleAdjoint1(qbar[:m], oldbar[:m], g[:m], q[:m], old[:m])
	rescaleAdjoint1(qbar[m:], oldbar[m:], g[m:], q[m:], old[m:])
}

// rescaleAdjoint1 is rescaleAdjoint for one component.
func rescaleAdjoint1(qbar, oldbar, g, q, old []float64) {
	e0, e, d := sumSq2Dot(old, q, g)
	if e == 0 {
		copy(qbar, g)
		return
	}
	f := math.Sqrt(e0 / e)
	for i, v := range g {
		qbar[i] = f*v - f*q[i]*d/e
	}
	if e0 == 0 {
		return
	}
	a := d / math.Sqrt(e0*e)
	for i, v := range old {
		oldbar[i] += a * v
	}
}

// step advances the tape from state k to k+1.
func (s *sim) step(k int) {
	v, q, next := s.vel[k], s.pre[k], s.vel[k+1]
	s.selfAdvect(q, v)
	s.proj.project(q)
	rescale(next, q, v)
	s.advectMarker(s.mark[k+1], s.mark[k], next)
}

// rollout simulates all steps from the staggered velocity v0 and the marker m0, filling
// the tape; the final marker is s.mark[s.steps].
func (s *sim) rollout(v0, m0 []float64) {
	copy(s.vel[0], v0)
	copy(s.mark[0], m0)
	for k := range s.steps {
		s.step(k)
	}
}

// stepAdjoint maps the cotangents (s.mb, s.vb) of (m_{k+1}, v_{k+1}) to those of
// (m_k, v_k), in place, using the tape.
func (s *sim) stepAdjoint(k int) {
	v, q, next := s.vel[k], s.pre[k], s.vel[k+1]
	clear(s.mb2)
	s.advectMarkerAdjoint(s.mb2, s.vb, s.mb, s.mark[k], next)
	s.mb, s.mb2 = s.mb2, s.mb
	clear(s.vb2) // becomes v̄_k
	rescaleAdjoint(s.cen, s.vb2, s.vb, q, v)
	s.proj.project(s.cen)
	s.selfAdvectAdjoint(s.vb2, s.cen, v)
	s.vb, s.vb2 = s.vb2, s.vb
}

// rolloutAdjoint back-propagates the cotangent mbarT of the final marker and vbarT of the
// final velocity (nil for zero) through the taped rollout and writes the cotangent of v0
// into v0bar (2n²). The cotangent of m0 is left in s.mb.
func (s *sim) rolloutAdjoint(v0bar, mbarT, vbarT []float64) {
	copy(s.mb, mbarT)
	if vbarT == nil {
		clear(s.vb)
	} else {
		copy(s.vb, vbarT)
	}
	for k := s.steps - 1; k >= 0; k-- {
		s.stepAdjoint(k)
	}
	copy(v0bar, s.vb)
}
