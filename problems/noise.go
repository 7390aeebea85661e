package problems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// Noise fills dst with len(dst)/(ny·nx) independent fields of PhiFlow's smooth random noise,
// Noise(scale, smoothness), on an ny×nx grid whose physical size is size along each axis
// (cell size size/nx by size/ny; size = n for cells of size 1), and returns dst.
//
// Each field is generated as PhiFlow 2 does:
//  1. complex white noise ξ = a + ib, a, b ~ N(0, 1), per cell (drawn a then b, cells in
//     row-major order, fields in order);
//  2. wave numbers in physical units scaled by scale: k = fftfreq(n)·n/size·scale per axis
//     (see core.FFTFreq), |k|² = kx² + ky²;
//  3. weight each mode by (1/|k|²)^smoothness, and by 0 where |k|² ≤ 0.1 (this removes the
//     mean and, for scale 10 and cells of size 1, the longest waves too);
//  4. take the real part of the inverse FFT;
//  5. normalise the field to mean 0 and (population) standard deviation 1. A field whose
//     every mode is removed stays 0.
//
// plan must be a core.FFT2 for ny×nx; if plan is nil one is made. Noise allocates one
// complex field of ny·nx per call (per batch, not per example). It panics if len(dst) is
// not a multiple of ny·nx, if the plan's grid differs, or if size ≤ 0.
func Noise(dst []float64, rng *rand.Rand, ny, nx int, size, scale, smoothness float64, plan *core.FFT2) []float64 {
	n := ny * nx
	if n == 0 || len(dst)%n != 0 {
		panic(fmt.Sprintf("problems: Noise: length %d is not a multiple of the %d×%d grid", len(dst), ny, nx))
	}
	if !(size > 0) {
		panic(fmt.Sprintf("problems: Noise: size %v", size))
	}
	if plan == nil {
		plan = core.NewFFT2(ny, nx)
	}
	if py, px := plan.Shape(); py != ny || px != nx {
		panic(fmt.Sprintf("problems: Noise: plan for %d×%d, grid %d×%d", py, px, ny, nx))
	}
	buf := make([]complex128, n)
	return noiseFields(dst, rng, ny, nx, size, scale, smoothness, []*core.FFT2{plan}, &buf)
}

// noiseFields is Noise with the fields' transforms split across len(plans) goroutines
// (plans for ny×nx, one per goroutine), the same bits for any number: the white noise of
// every field is drawn first, in order, into *scratch (grown to len(dst) complex values if
// shorter; one field is enough for one goroutine), then each field is transformed and
// normalised on one goroutine.
func noiseFields(dst []float64, rng *rand.Rand, ny, nx int, size, scale, smoothness float64, plans []*core.FFT2, scratch *[]complex128) []float64 {
	n := ny * nx
	g := NewNoiseGen(ny, nx, size, scale, smoothness)
	need := len(dst)
	if len(plans) == 1 {
		need = n
	}
	if cap(*scratch) < need {
		*scratch = make([]complex128, need)
	}
	buf := (*scratch)[:need]
	fields := len(dst) / n
	if len(plans) == 1 {
		for e := range fields {
			g.Draw(buf, rng)
			g.Finish(dst[e*n:(e+1)*n], buf, plans[0])
		}
		return dst
	}
	g.Draw(buf, rng)
	ParallelEach(len(plans), fields, func(wk, e int) {
		g.Finish(dst[e*n:(e+1)*n], buf[e*n:(e+1)*n], plans[wk])
	})
	return dst
}

// NoiseGen makes Noise's fields in two parts, so that the random draws, which must come
// in order, can run on one goroutine and the transforms on several: Draw takes fields'
// weighted white noise from the generator (steps 1–3 of Noise), Finish turns each into
// its field (steps 4–5). Draw then Finish gives Noise's bits. A NoiseGen holds the
// spectral weights only, and is safe for concurrent use.
type NoiseGen struct {
	ny, nx int
	w      []float64
}

// NewNoiseGen returns the generator of Noise(scale, smoothness) on an ny×nx grid of
// physical size size along each axis. It panics if the grid is empty or size ≤ 0.
func NewNoiseGen(ny, nx int, size, scale, smoothness float64) *NoiseGen {
	if ny <= 0 || nx <= 0 || !(size > 0) {
		panic(fmt.Sprintf("problems: NewNoiseGen: grid %d×%d, size %v", ny, nx, size))
	}
	return &NoiseGen{ny: ny, nx: nx, w: noiseWeights(ny, nx, size, scale, smoothness)}
}

// Draw fills spec with the weighted spectra of len(spec)/(ny·nx) fields, drawn from rng in
// Noise's order. It panics if len(spec) is not a multiple of ny·nx.
func (g *NoiseGen) Draw(spec []complex128, rng *rand.Rand) {
	n := g.ny * g.nx
	if len(spec)%n != 0 {
		panic(fmt.Sprintf("problems: NoiseGen.Draw: length %d is not a multiple of the %d×%d grid", len(spec), g.ny, g.nx))
	}
	for e := 0; e < len(spec); e += n {
		b := spec[e : e+n]
		for i, w := range g.w {
			re := rng.NormFloat64()
			im := rng.NormFloat64()
			b[i] = complex(re*w, im*w)
		}
	}
}

// Finish writes the fields of the spectra spec (from Draw; overwritten) into dst, of the
// same length, with plan (a core.FFT2 for ny×nx). It panics if the lengths differ or are
// not a multiple of ny·nx, or if the plan's grid differs.
func (g *NoiseGen) Finish(dst []float64, spec []complex128, plan *core.FFT2) {
	n := g.ny * g.nx
	if len(dst) != len(spec) || len(dst)%n != 0 {
		panic(fmt.Sprintf("problems: NoiseGen.Finish: %d values for %d spectral values (grid %d×%d)", len(dst), len(spec), g.ny, g.nx))
	}
	if py, px := plan.Shape(); py != g.ny || px != g.nx {
		panic(fmt.Sprintf("problems: NoiseGen.Finish: plan for %d×%d, grid %d×%d", py, px, g.ny, g.nx))
	}
	for e := 0; e < len(dst); e += n {
		finishNoise(dst[e:e+n], spec[e:e+n], plan)
	}
}

// finishNoise is steps 4–5 of Noise for one field.
func finishNoise(f []float64, b []complex128, plan *core.FFT2) {
	n := len(f)
	plan.Inverse(b, b)
	var mean float64
	for i, c := range b {
		f[i] = real(c)
		mean += f[i]
	}
	mean /= float64(n)
	var ss float64
	for i := range f {
		f[i] -= mean
		ss += f[i] * f[i]
	}
	if ss == 0 {
		return
	}
	inv := 1 / math.Sqrt(ss/float64(n))
	for i := range f {
		f[i] *= inv
	}
}

// noiseWeights returns the spectral weight of every mode of Noise, row-major in (ky, kx).
func noiseWeights(ny, nx int, size, scale, smoothness float64) []float64 {
	fy, fx := core.FFTFreq(ny), core.FFTFreq(nx)
	w := make([]float64, ny*nx)
	for i, f := range fy {
		ky := f * float64(ny) / size * scale
		for j, g := range fx {
			kx := g * float64(nx) / size * scale
			k2 := kx*kx + ky*ky
			if k2 > 0.1 {
				w[i*nx+j] = math.Pow(1/k2, smoothness)
			}
		}
	}
	return w
}
