package fluid

import "github.com/sipbench/sipbench/core"

// The "sip" update: the original's estimate_v0, a scale-invariant estimate of the
// translation and the vortex strength of v₀ from a forward and a reverse simulation.
const (
	sipScale    = 1e-3  // scale of the vorticity correction
	omegaNormal = 120.5 // mean over cells of exp(−½|d|²/20²)·|d|² on the 128² domain
)

// omegaOf estimates a vortex strength from a cell-centred velocity c = [cx | cy]:
//
//	ω = mean over cells of cross(−v, p − 64) / 120.5 = mean(v_y·d_x − v_x·d_y) / 120.5,
//
// d = p − (64, 64) in physical units. For the generator's vortex the mean is
// ω·mean(exp(−½|d|²/20²)·|d|²) ≈ 120.5·ω (the integral 4π·20⁴/128² = 122.7 of the
// unbounded domain, less the cut-off tail), and a uniform velocity contributes 0.
func (f *Fluid) omegaOf(c []float64) float64 {
	n, m := f.n, f.n*f.n
	var s float64
	for i := range n {
		dy := f.h*(float64(i)+0.5) - centre
		for j := range n {
			dx := f.h*(float64(j)+0.5) - centre
			s += c[m+i*n+j]*dx - c[i*n+j]*dy
		}
	}
	return s / float64(m) / omegaNormal
}

// sipUpdate writes Δx = v₀_est − x of one example into dst, as the original's
// estimate_v0 computes it:
//
//  1. simulate forward from m₀ with the prediction x (projected, as P does) and record
//     the marker's centre of mass F_k after k = 0 … 8 steps (F_0 = COM(m₀));
//  2. simulate from m_T with the negated final velocity −v_T and record the centre of
//     mass R_j after j = 0 … 8 steps (R_0 = COM(m_T)), so that R_{8−k} estimates the
//     marker at time t_k seen backwards from the observation;
//  3. with u = (64 − COM(m₀))/T the uniform velocity that carries m₀'s centre of mass to
//     the domain centre, the vortex centre for pair k is
//     s_8 = 64 + u·T and s_k = 64 + u·k for k < 8;
//  4. correction c = 1e-3 · mean over the 9 pairs k = 0 … 8 of
//     cross(F_k − R_{8−k}, R_{8−k} − s_k), cross(a, b) = a_x b_y − a_y b_x;
//  5. v₀_est at the cell centres = u + the vortex of strength omegaOf(x) + c at (64, 64)
//     (the fluctuations are not estimated).
//
// The original's quirk, kept: the vortex centre moves with the flow, 64 + u·t, but for
// k < 8 it is placed at u times the step count k, not the time k·dt; those centres move
// 1/dt = 4 times too fast (s_7 = 64 + 7u where the vortex is at 64 + 1.75u), while s_8
// uses the time T. The pair k = 0 compares COM(m₀) with the reverse simulation's end.
func (f *Fluid) sipUpdate(dst, x, y []float32) {
	m := f.n * f.n
	core.ToFloat64(f.cen, x)
	core.ToFloat64(f.m0, y[:m])
	core.ToFloat64(f.mT, y[m:])
	omega, corr := f.sipEstimate(f.cen, f.m0, f.mT)
	ux, uy := f.uniformFrom(f.m0)
	clear(f.xbar)
	f.addFlow(f.xbar, ux, uy, omega+corr)
	for i, v := range f.xbar {
		dst[i] = float32(v - f.cen[i])
	}
}

// sipEstimate returns the vortex strength omegaOf(c) of the cell-centred prediction c and
// the correction of sipUpdate's steps 1–4, from the markers m0 and mT (none of them
// aliasing f.v0 or f.xbar).
func (f *Fluid) sipEstimate(c, m0, mT []float64) (omega, corr float64) {
	f.rolloutCentres(c, m0)
	var fx, fy [Steps + 1]float64
	for k := 0; k <= Steps; k++ {
		fx[k], fy[k], _ = f.com(f.sim.mark[k])
	}
	ux, uy := f.uniformFrom(m0)
	for i, v := range f.sim.vel[Steps] {
		f.v0[i] = -v
	}
	f.rev.rollout(f.v0, mT)
	for k := 0; k <= Steps; k++ {
		rx, ry, _ := f.com(f.rev.mark[Steps-k])
		t := float64(k) // the original's quirk: a step count where the time k·dt belongs
		if k == Steps {
			t = T
		}
		sx, sy := centre+ux*t, centre+uy*t
		ax, ay := fx[k]-rx, fy[k]-ry
		bx, by := rx-sx, ry-sy
		corr += ax*by - ay*bx
	}
	return f.omegaOf(c), corr * sipScale / (Steps + 1)
}
