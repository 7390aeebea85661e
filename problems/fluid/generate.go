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

// generate is Sample that also returns each example's vortex strength ω. The random
// draws are made first, example by example in the documented order; the rest of each
// example (the noise fields' transforms, marker, flow, projection, rollout) then runs on one of f's goroutines.
func (f *Fluid) generate(rng *rand.Rand, batch int) (x, y *core.Tensor, omega []float64) {
	n, m := f.n, f.n*f.n
	x, y = core.New(batch, 2, n, n), core.New(batch, 2, n, n)
	omega = make([]float64, batch)
	fill := fillMin + (fillMax-fillMin)*rng.Float64()
	k := int(math.Round(fill * float64(m)))
	if cap(f.draws) < 3*m*batch {
		f.draws = make([]float64, 3*m*batch)
	}
	if cap(f.spectra) < 3*m*batch {
		f.spectra = make([]complex128, 3*m*batch)
	}
	if f.noise == nil {
		f.noise = problems.NewNoiseGen(n, n, Size, noiseScale, 1)
	}
	// The random draws in the order of one problems.Noise call per field (s, then the
	// two fluctuation fields) between the other draws; the fields' transforms below, on
	// the example's goroutine.
	centres := make([][2]float64, batch)
	for b := range batch {
		sp := f.spectra[3*m*b : 3*m*(b+1)]
		centres[b][0] = boxCentreLow + (boxCentreHigh-boxCentreLow)*rng.Float64()
		centres[b][1] = boxCentreLow + (boxCentreHigh-boxCentreLow)*rng.Float64()
		f.noise.Draw(sp[:m], rng)
		omega[b] = omegaMax * (2*rng.Float64() - 1)
		f.noise.Draw(sp[m:], rng)
	}
	f.caches(batch)
	f.each(batch, func(w *Fluid, b int) {
		d := f.draws[3*m*b : 3*m*(b+1)] // s, then the two fluctuation fields
		f.noise.Finish(d, f.spectra[3*m*b:3*m*(b+1)], w.plan)
		cx, cy := centres[b][0], centres[b][1]
		s := d[:m]
		for i := range n {
			for j := range n {
				if !inBox(w.h*(float64(j)+0.5), w.h*(float64(i)+0.5), cx, cy) {
					s[i*n+j] = 0
				}
			}
		}
		if len(w.sorted) < m {
			w.sorted = make([]float64, m)
		}
		sorted := w.sorted[:m]
		copy(sorted, s)
		slices.Sort(sorted)
		thr := sorted[m-k]
		for i := range n {
			for j := range n {
				p := i*n + j
				w.m0[p] = 0
				if s[p] >= thr && inBox(w.h*(float64(j)+0.5), w.h*(float64(i)+0.5), cx, cy) {
					w.m0[p] = 1
				}
			}
		}
		for i, v := range d[m:] {
			w.cen[i] = fluctuation * v
		}
		ux, uy := w.uniformFrom(w.m0)
		w.addFlow(w.cen, ux, uy, omega[b])
		toFaces(w.v0, w.cen, n)
		w.sim.proj.project(w.v0)
		toCentres(w.cen, w.v0, n)
		xb, yb := x.Example(b), y.Example(b)
		core.ToFloat32(xb, w.cen)
		core.ToFloat32(yb[:m], w.m0)
		w.simulate(xb, yb[:m])
		core.ToFloat32(yb[m:], w.sim.mark[Steps])
		f.truth[b].recordTruth(w, xb, yb[:m]) // for Metrics (cache.go)
	})
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
