package problems

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// Heat is the heat-equation problem of the paper's Figure 6 c,d: recover the initial
// temperature x of a periodic n×n grid (n = 64 in the paper), cell size 1, from its state
// y* after diffusion by amount 8 (diffusivity 8 for time 1), computed exactly in Fourier
// space with k = core.FFTFreq(n) in cycles per cell:
//
//	ŷ = x̂·exp(−(2π)²|k|²·8).
//
// P is real, symmetric, positive definite and keeps each example's mean (k = 0 has gain 1).
// Loss, gradient and metrics are those of linearField: L = l2_loss(P(x) − y*),
// ∂L/∂x = P(P(x) − y*). Physics runs in float64.
//
// The ground truth x* is a sum of 4 to 10 soft-edged rectangles (see heatBoxes). Their
// centres, half-sizes (U(0, 10) cells per axis) and the diffusion amount are in cells, so
// on a smaller grid (the quick scale, n = 32) the boxes cover a four times larger fraction
// of the domain and the same diffusion blurs a larger fraction of it; the physics
// definitions are unchanged. The expected-amplitude constant of the "sip" update is the
// grid size n (64 in the paper).
//
// Heat implements PredictionAdjuster: the network's prediction is shifted to the mean of
// y*, which equals the mean of x*.
//
// Per-batch cost at 64×64, batch 128 (go test -run '^$' -bench 'Heat' -benchtime=3x
// ./problems/, 2-core development machine shared, ±30 %): see BenchmarkHeat64 in
// bench_fields_test.go; measured Forward 40 ms, Gradient 94 ms, Update 216 ms (the
// per-mode exp and |R| of the damped inverse dominate), Sample 30 ms.
//
// Heat splits its batches across goroutines (see SetThreads), one field or pair of fields
// per goroutine at a time; the results do not depend on the number of goroutines. A Heat
// holds scratch buffers and is not safe for concurrent use.
type Heat struct {
	linearField
	ell  []float64 // ℓ = (2π)²|k|²·8 per mode, row-major
	gain []float64 // exp(−ℓ)
	// Per mode, for the damped inverse (ℓ clamped at 88): the clamped ℓ, the expected
	// signal amplitude e = n·exp(−ℓ), and the gains exp(ℓ) and exp(−ℓ) of p = 1 and p = 0.
	lc, e, up, down []float64
	threads         int
	work            []heatWork // one per goroutine
	boxes           [][heatSlots]heatBox
	means           []float32
}

// heatWork is the scratch of one goroutine of a Heat.
type heatWork struct {
	plan *core.FFT2
	c    []complex128 // one complex field
	r    []float64    // one real field
}

var (
	_ Problem            = (*Heat)(nil)
	_ PredictionAdjuster = (*Heat)(nil)
	_ Parallel           = (*Heat)(nil)
)

// heatAmount is the diffusion amount (diffusivity × time) of the heat problem.
const heatAmount = 8

// NewHeat returns the heat problem on a periodic n×n grid. It panics unless n is a power
// of two.
func NewHeat(n int) *Heat {
	m := n * n
	h := &Heat{ell: make([]float64, m), gain: make([]float64, m),
		lc: make([]float64, m), e: make([]float64, m), up: make([]float64, m), down: make([]float64, m)}
	h.linearField = newLinearField("Heat", n, h.diffuse)
	h.SetThreads(1)
	f := core.FFTFreq(n)
	for i, ky := range f {
		for j, kx := range f {
			l := 4 * math.Pi * math.Pi * (kx*kx + ky*ky) * heatAmount
			k := i*n + j
			h.ell[k] = l
			h.gain[k] = math.Exp(-l)
			h.lc[k] = math.Min(l, 88)
			h.down[k] = math.Exp(-h.lc[k])
			h.up[k] = math.Exp(h.lc[k])
			h.e[k] = float64(n) * h.down[k]
		}
	}
	return h
}

// SetThreads lets the physics split each batch across n goroutines (n < 1 counts as 1).
func (h *Heat) SetThreads(n int) {
	h.threads = max(1, n)
	m := h.n * h.n
	for len(h.work) < h.threads {
		h.work = append(h.work, heatWork{plan: core.NewFFT2(h.n, h.n), c: make([]complex128, m), r: make([]float64, m)})
	}
}

// diffuse writes P of every field of src into dst (dst may be src). Two real fields are
// transformed at once as the real and imaginary parts of one complex field: the gain is
// real and even in k, so the two stay separated. The pairs (fields 2q and 2q+1) are split
// across the goroutines.
func (h *Heat) diffuse(dst, src []float64) {
	m := h.n * h.n
	pairs := (len(src)/m + 1) / 2
	ParallelEach(h.threads, pairs, func(w, q int) {
		c := h.work[w].c
		off := 2 * q * m
		a := src[off : off+m]
		var b []float64
		if off+2*m <= len(src) {
			b = src[off+m : off+2*m]
			for i := range c {
				c[i] = complex(a[i], b[i])
			}
		} else {
			for i := range c {
				c[i] = complex(a[i], 0)
			}
		}
		plan := h.work[w].plan
		plan.Forward(c, c)
		for i, g := range h.gain {
			c[i] *= complex(g, 0)
		}
		plan.Inverse(c, c)
		da := dst[off : off+m]
		for i := range da {
			da[i] = real(c[i])
		}
		if b != nil {
			db := dst[off+m : off+2*m]
			for i := range db {
				db[i] = imag(c[i])
			}
		}
	})
}

// Sample draws x* as heatField does for every example (rounded to float32) and y* = P(x*)
// computed from the rounded x*.
func (h *Heat) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	n := h.n
	x = core.New(batch, 1, n, n)
	if cap(h.boxes) < batch {
		h.boxes = make([][heatSlots]heatBox, batch)
	}
	h.boxes = h.boxes[:batch]
	for e := range batch { // the random draws, in order
		heatBoxes(rng, n, &h.boxes[e])
	}
	ParallelEach(h.threads, batch, func(w, e int) {
		f := h.work[w].r
		clear(f)
		for _, b := range h.boxes[e] {
			rasterBox(f, n, b)
		}
		core.ToFloat32(x.Example(e), f)
	})
	return x, h.Forward(nil, x)
}

// heatSlots is the number of rectangle slots drawn per example.
const heatSlots = 10

// heatBox is one rectangle of heat, [x0, x1]×[y0, y1] in cell units (the domain is
// [0, n]²), of the given strength.
type heatBox struct {
	x0, x1, y0, y1 float64
	strength       float64
}

// heatBoxes draws one example's rectangles into boxes and returns how many are active
// (the others have strength 0):
//   - count = 4 + ⌊7u⌋, u ~ U(0, 1), so 4 to 10;
//   - for each of the 10 slots, in order: centre cy, cx ~ U(0.1n, 0.9n) (the middle 80 %),
//     half-sizes hy, hx ~ U(0, 10) cells, strength ~ U(0, 1), set to 0 for slots ≥ count;
//   - the box is moved (not shrunk) so that it lies inside [0, n]²; a box wider than the
//     domain (only when n < 20) is clipped to it.
func heatBoxes(rng *rand.Rand, n int, boxes *[heatSlots]heatBox) int {
	count := 4 + int(7*rng.Float64())
	fn := float64(n)
	place := func(c, h float64) (lo, hi float64) {
		lo, hi = c-h, c+h
		if lo < 0 {
			lo, hi = 0, hi-lo
		}
		if hi > fn {
			lo, hi = lo-(hi-fn), fn
		}
		return max(lo, 0), hi
	}
	for s := range boxes {
		cy := fn * (0.1 + 0.8*rng.Float64())
		cx := fn * (0.1 + 0.8*rng.Float64())
		hy := 10 * rng.Float64()
		hx := 10 * rng.Float64()
		st := rng.Float64()
		if s >= count {
			st = 0
		}
		b := &boxes[s]
		b.y0, b.y1 = place(cy, hy)
		b.x0, b.x1 = place(cx, hx)
		b.strength = st
	}
	return count
}

// rasterBox adds the box to the n×n field f with anti-aliased edges: cell (i, j), which
// covers [j, j+1]×[i, i+1], receives strength × the area of its overlap with the box. The
// field's sum grows by strength × the box's area.
func rasterBox(f []float64, n int, b heatBox) {
	if b.strength == 0 {
		return
	}
	i0, i1 := int(math.Floor(b.y0)), min(int(math.Ceil(b.y1)), n)
	j0, j1 := int(math.Floor(b.x0)), min(int(math.Ceil(b.x1)), n)
	for i := i0; i < i1; i++ {
		cy := math.Min(float64(i+1), b.y1) - math.Max(float64(i), b.y0)
		if cy <= 0 {
			continue
		}
		row := f[i*n : (i+1)*n]
		for j := j0; j < j1; j++ {
			cx := math.Min(float64(j+1), b.x1) - math.Max(float64(j), b.x0)
			if cx > 0 {
				row[j] += b.strength * cy * cx
			}
		}
	}
}

// Updates returns ["sip"].
func (h *Heat) Updates() []string { return []string{"sip"} }

// Update computes the "sip" update ("Adam + PG" in the original), the damped Bayesian
// inverse diffusion of the residual r = y* − P(x), per example, into dst (allocated if nil)
// and returns it. It panics on any other name. With R = FFT(r) (unnormalised) and per mode:
//
//	u = |r|·1e-6 per cell, σ = √(Σ u²)             the noise level
//	ℓ = min((2π)²|k|²·8, 88)                        (clamped, as the original, against overflow)
//	e = n·exp(−ℓ)                                    expected signal amplitude (n = grid size)
//	p_s = ½·exp(−½(|R|/e)²), 0 where not finite     signal likelihood
//	p_n = ½·exp(−½(|R|/σ)²), 0 where not finite     noise likelihood
//	p = p_s/(p_s + p_n), 0 where both are 0
//	a = 2(p − ½) where p ≤ ½ or p ≥ 0.68, else 0
//	Δx = real(IFFT(R·exp(ℓ·a)))
//
// So a mode that is clearly signal (p = 1) is inverted exactly (gain exp(ℓ)), a mode that
// is clearly noise or implausibly large for a signal (p = 0) is damped by exp(−ℓ), and
// undecided modes pass with gain between.
func (h *Heat) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	if name != "sip" {
		panic(fmt.Sprintf("problems: Heat.Update: unknown update %q (have [sip])", name))
	}
	res := h.residual("Heat.Update", x, y) // P(x) − y*
	dst = dstTensor("Heat.Update", dst, x.Shape...)
	m := h.n * h.n
	ParallelEach(h.threads, len(res)/m, func(w, e int) {
		r := h.work[w].r
		h.dampedInverse(&h.work[w], r, res[e*m:(e+1)*m], -1)
		core.ToFloat32(dst.Data[e*m:(e+1)*m], r)
	})
	return dst
}

// dampedInverse writes the damped inverse diffusion of sign·r into dst (one field), with
// the scratch of one goroutine.
func (h *Heat) dampedInverse(wk *heatWork, dst, r []float64, sign float64) {
	c := wk.c
	var ss float64
	for i, v := range r {
		v *= sign
		c[i] = complex(v, 0)
		u := math.Abs(v) * 1e-6
		ss += u * u
	}
	sigma := math.Sqrt(ss)
	wk.plan.Forward(c, c)
	for i, rk := range c {
		amp := cmplx.Abs(rk)
		ps := finiteOr0(0.5 * gauss(amp/h.e[i]))
		pn := finiteOr0(0.5 * gauss(amp/sigma))
		var p float64
		if ps+pn > 0 {
			p = ps / (ps + pn)
		}
		// The gain exp(ℓ·a), a = 2(p − ½) where p ≤ ½ or p ≥ 0.68, else 0; the clear
		// cases use the per-mode gains computed once.
		switch {
		case p == 1:
			c[i] = rk * complex(h.up[i], 0)
		case p == 0:
			c[i] = rk * complex(h.down[i], 0)
		case p <= 0.5 || p >= 0.68:
			c[i] = rk * complex(math.Exp(h.lc[i]*2*(p-0.5)), 0)
		}
	}
	wk.plan.Inverse(c, c)
	for i := range dst {
		dst[i] = real(c[i])
	}
}

func sq(v float64) float64 { return v * v }

// gauss returns exp(−½z²), skipping the exponential where it underflows to 0 anyway
// (½z² > 746) and keeping NaN for NaN.
func gauss(z float64) float64 {
	if h := 0.5 * (z * z); h <= 746 || math.IsNaN(h) {
		return math.Exp(-h)
	}
	return 0
}

func finiteOr0(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// AdjustPrediction shifts each example of the prediction to the mean of its observation:
// pred ← pred − mean(pred) + mean(y*), through core.CenterTo (diffusion keeps the mean, so
// mean(y*) = mean(x*) and the shift leaks nothing else of the ground truth).
func (h *Heat) AdjustPrediction(pred *core.Var, y *core.Tensor) *core.Var {
	b := mustBatched("Heat.AdjustPrediction", "y", y, h.shape)
	if cap(h.means) < b {
		h.means = make([]float32, b)
	}
	h.means = h.means[:b]
	for e := range b {
		var s float64
		for _, v := range y.Example(e) {
			s += float64(v)
		}
		h.means[e] = float32(s / float64(y.ExampleLen()))
	}
	return core.CenterTo(pred, h.means)
}
