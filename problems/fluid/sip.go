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

// sipUpdate writes Δx = v₀_est − x of one example into dst:
//
//  1. simulate forward from m₀ with the prediction x (as P does) and record the marker's
//     centre of mass F_k after each step k = 1 … 8;
//  2. simulate from m_T with the negated final velocity −v_T and record the centre of
//     mass R_j after j steps, R_0 = COM(m_T), so that R_{8−k} estimates the marker at
//     time t_k seen backwards from the observation;
//  3. correction c = 1e-3 · mean over k = 1 … 8 of cross(F_k − R_{8−k}, R_{8−k} − (64, 64)),
//     cross(a, b) = a_x b_y − a_y b_x: positive when the prediction turns the marker
//     less than the observation requires;
//  4. v₀_est at the cell centres = (64 − COM(m₀))/T + the vortex of strength
//     omegaOf(x) + c at (64, 64) (the fluctuations are not estimated).
//
// Pairing forward step k with reverse step 8 − k (equal physical times) is our reading
// of "forward COM − reverse COM" per step.
func (f *Fluid) sipUpdate(dst, x, y []float32) {
	m := f.n * f.n
	f.simulate(x, y[:m])
	var fx, fy [Steps + 1]float64
	for k := 1; k <= Steps; k++ {
		fx[k], fy[k], _ = f.com(f.sim.mark[k])
	}
	for i, v := range f.sim.vel[Steps] {
		f.v0[i] = -v
	}
	core.ToFloat64(f.mT, y[m:])
	f.rev.rollout(f.v0, f.mT)
	var corr float64
	for k := 1; k <= Steps; k++ {
		rx, ry, _ := f.com(f.rev.mark[Steps-k])
		ax, ay := fx[k]-rx, fy[k]-ry
		bx, by := rx-centre, ry-centre
		corr += ax*by - ay*bx
	}
	corr *= sipScale / Steps
	core.ToFloat64(f.cen, x)
	omega := f.omegaOf(f.cen) + corr
	core.ToFloat64(f.m0, y[:m])
	ux, uy := f.uniformFrom(f.m0)
	clear(f.xbar)
	f.addFlow(f.xbar, ux, uy, omega)
	for i, v := range f.xbar {
		dst[i] = float32(v - f.cen[i])
	}
}
