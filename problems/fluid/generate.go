package fluid

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// Generation constants (physical units, experiments.md).
const (
	centre        = Size / 2 // the domain centre and the vortex position, (64, 64)
	boxHalf       = 28.0     // half edge of the marker's box
	vortexSigma   = 20.0     // vortex falloff exp(−½|d|²/20²)
	noiseScale    = 10.0     // Noise(scale 10)
	fluctuation   = 0.1      // amplitude of the velocity fluctuations
	omegaMax      = 2.0      // ω ~ U(−2, 2)
	fillMin       = 0.05     // fill fraction f ~ U(0.05, 0.15), one per batch
	fillMax       = 0.15
	boxCentreLow  = 32.0 // box centre c ~ U(32, 96)²
	boxCentreHigh = 96.0
)

// Sample draws batch examples as the original generates them (experiments.md, "Example
// generation"). One fill fraction f ~ U(0.05, 0.15) for the batch, then per example, in
// this order of draws:
//
//  1. box centre c ~ U(32, 96)² (x then y); B = 1 on the cells whose centre lies in
//     [c − 28, c + 28]² (closed), else 0;
//  2. s = Noise(scale 10) on the grid (problems.Noise, size 128) times B; m₀ = 1 on the
//     round(f·n²) cells with the largest s (ties at the threshold included), times B;
//  3. ω ~ U(−2, 2);
//  4. fluctuations: two Noise(scale 10) fields (x, y) times 0.1.
//
// At the cell centres p, v = u + ω·exp(−½|p − 64|²/20²)·(ẑ × (p − 64)) + fluctuations with
// u = (64 − COM(m₀))/T (0 if m₀ is empty; COM in physical units, cell centres weighted by
// m₀). v is moved to the faces (toFaces), made divergence-free there (projector), and
// x* = its centre average; y* = (m₀, P(x*)).
func (f *Fluid) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	x, y, _ = f.generate(rng, batch)
	return x, y
}

// generate is Sample that also returns each example's vortex strength ω.
func (f *Fluid) generate(rng *rand.Rand, batch int) (x, y *core.Tensor, omega []float64) {
	n, m := f.n, f.n*f.n
	x, y = core.New(batch, 2, n, n), core.New(batch, 2, n, n)
	omega = make([]float64, batch)
	fill := fillMin + (fillMax-fillMin)*rng.Float64()
	k := int(math.Round(fill * float64(m)))
	sorted := make([]float64, m)
	for b := range batch {
		cx := boxCentreLow + (boxCentreHigh-boxCentreLow)*rng.Float64()
		cy := boxCentreLow + (boxCentreHigh-boxCentreLow)*rng.Float64()
		s := f.noise[:m]
		problems.Noise(s, rng, n, n, Size, noiseScale, 1, f.plan)
		for i := range n {
			for j := range n {
				if !inBox(f.h*(float64(j)+0.5), f.h*(float64(i)+0.5), cx, cy) {
					s[i*n+j] = 0
				}
			}
		}
		copy(sorted, s)
		slices.Sort(sorted)
		thr := sorted[m-k]
		for i := range n {
			for j := range n {
				p := i*n + j
				f.m0[p] = 0
				if s[p] >= thr && inBox(f.h*(float64(j)+0.5), f.h*(float64(i)+0.5), cx, cy) {
					f.m0[p] = 1
				}
			}
		}
		omega[b] = omegaMax * (2*rng.Float64() - 1)
		problems.Noise(f.noise, rng, n, n, Size, noiseScale, 1, f.plan)
		for i := range f.noise {
			f.cen[i] = fluctuation * f.noise[i]
		}
		ux, uy := f.uniformFrom(f.m0)
		f.addFlow(f.cen, ux, uy, omega[b])
		toFaces(f.v0, f.cen, n)
		f.sim.proj.project(f.v0)
		toCentres(f.cen, f.v0, n)
		xb, yb := x.Example(b), y.Example(b)
		core.ToFloat32(xb, f.cen)
		core.ToFloat32(yb[:m], f.m0)
		f.simulate(xb, yb[:m])
		core.ToFloat32(yb[m:], f.sim.mark[Steps])
	}
	return x, y, omega
}

// inBox reports whether (px, py) lies in the closed box [c − 28, c + 28]².
func inBox(px, py, cx, cy float64) bool {
	return math.Abs(px-cx) <= boxHalf && math.Abs(py-cy) <= boxHalf
}

// com returns the centre of mass of the marker mk in physical units, the cell centres
// weighted by mk, and ok = false when Σ mk = 0.
func (f *Fluid) com(mk []float64) (x, y float64, ok bool) {
	n := f.n
	var s float64
	for i := range n {
		for j := range n {
			w := mk[i*n+j]
			s += w
			x += w * f.h * (float64(j) + 0.5)
			y += w * f.h * (float64(i) + 0.5)
		}
	}
	if s == 0 {
		return centre, centre, false
	}
	return x / s, y / s, true
}

// uniformFrom returns the uniform velocity (64 − COM(m₀))/T that carries the marker's
// centre of mass to the domain centre in time T (0 for an empty marker).
func (f *Fluid) uniformFrom(m0 []float64) (ux, uy float64) {
	cx, cy, _ := f.com(m0)
	return (centre - cx) / T, (centre - cy) / T
}

// addFlow adds to the cell-centred velocity c = [cx | cy] the uniform velocity (ux, uy)
// and the vortex ω·exp(−½|d|²/20²)·(−d_y, d_x), d = p − (64, 64).
func (f *Fluid) addFlow(c []float64, ux, uy, omega float64) {
	n, m := f.n, f.n*f.n
	for i := range n {
		dy := f.h*(float64(i)+0.5) - centre
		for j := range n {
			dx := f.h*(float64(j)+0.5) - centre
			a := omega * math.Exp(-0.5*(dx*dx+dy*dy)/(vortexSigma*vortexSigma))
			c[i*n+j] += ux - a*dy
			c[m+i*n+j] += uy + a*dx
		}
	}
}
