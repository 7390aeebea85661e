package problems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// Poisson is the Poisson problem of the paper's Figure 6 a,b: find the source x of a
// potential y* with ∇²y* = x on an n×n grid (n = 64 in the paper), cell size 1, with zero
// (Dirichlet) values just outside the grid. ∇² is the 5-point Laplacian L (see
// laplacianDirichlet), and
//
//	P(x) = L⁻¹x,
//
// solved exactly in the eigenbasis of L: L is diagonalised by the 2D DST-I, with eigenvalue
// λ_kl = (2cos(π(k+1)/(n+1)) − 2) + (2cos(π(l+1)/(n+1)) − 2) < 0 for mode (k, l). So
// P(x) = S(S(x)/(λ·4(n+1)²)) with S the unnormalised core.DST2. P is symmetric and negative
// definite.
//
// The ground truth x* is Noise(scale 10, smoothness 1) on the grid (size n), y* = P(x*).
// The loss, gradient and metrics are those of linearField: L = l2_loss(P(x) − y*),
// ∂L/∂x = P(P(x) − y*). Its one inverse update, "sip", is the exact inverse of P applied
// to the residual: Δx = −L(P(x) − y*), so x + Δx = L·y* = x* (up to rounding).
//
// Per-batch cost at 64×64, batch 128, one goroutine (go test -run '^$' -bench 'Poisson'
// -benchtime=5x ./problems/, see BenchmarkPoisson64): with core.DST2 as two small matrix
// products, Forward 31 ms, Gradient 58 ms, Update 57 ms, Sample 111 ms, measured on the
// shared 2-core development machine under heavy load (before, with gonum's FFT-based
// DST-I of length 64, which runs an FFT of 130 = 2·5·13 points: 202, 322, 182 and 338 ms
// in the same sitting).
//
// Poisson splits its batches across goroutines (see SetThreads), one field per goroutine
// at a time; the results do not depend on the number of goroutines. A Poisson holds
// scratch buffers and is not safe for concurrent use.
type Poisson struct {
	linearField
	inv     []float64 // 1/(λ_kl·4(n+1)²), row-major
	threads int
	work    []poissonWork // one per goroutine
	plans   []*core.FFT2  // work[w].plan, for noiseFields
	noise   []complex128
}

// poissonWork is the scratch of one goroutine of a Poisson.
type poissonWork struct {
	dst  *core.DST2
	plan *core.FFT2
	lap  []float64
}

var (
	_ Problem  = (*Poisson)(nil)
	_ Parallel = (*Poisson)(nil)
)

// NewPoisson returns the Poisson problem on an n×n grid. n must be a power of two (for the
// noise generator's FFT); it panics otherwise.
func NewPoisson(n int) *Poisson {
	p := &Poisson{inv: make([]float64, n*n)}
	p.linearField = newLinearField("Poisson", n, p.solve)
	p.SetThreads(1)
	ev := make([]float64, n)
	for k := range ev {
		ev[k] = 2*math.Cos(math.Pi*float64(k+1)/float64(n+1)) - 2
	}
	norm := 4 * float64(n+1) * float64(n+1)
	for k := range n {
		for l := range n {
			p.inv[k*n+l] = 1 / ((ev[k] + ev[l]) * norm)
		}
	}
	return p
}

// SetThreads lets the physics split each batch across n goroutines (n < 1 counts as 1).
func (p *Poisson) SetThreads(n int) {
	p.threads = max(1, n)
	for len(p.work) < p.threads {
		wk := poissonWork{dst: core.NewDST2(p.n, p.n), plan: core.NewFFT2(p.n, p.n), lap: make([]float64, p.n*p.n)}
		p.work = append(p.work, wk)
		p.plans = append(p.plans, wk.plan)
	}
}

// solve writes L⁻¹ of every field of src into dst (dst may be src), the fields split across
// the goroutines.
func (p *Poisson) solve(dst, src []float64) {
	m := len(p.inv)
	ParallelEach(p.threads, len(src)/m, func(w, e int) {
		f := dst[e*m : (e+1)*m]
		d := p.work[w].dst
		d.Transform(f, src[e*m:(e+1)*m])
		for i, s := range p.inv {
			f[i] *= s
		}
		d.Transform(f, f)
	})
}

// Sample draws x* = Noise(scale 10, smoothness 1) per example (rounded to float32) and
// y* = P(x*) computed from the rounded x*.
func (p *Poisson) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	n := p.n
	a := p.scratch(batch * n * n)
	noiseFields(a, rng, n, n, float64(n), 10, 1, p.plans[:p.threads], &p.noise)
	x = core.New(batch, 1, n, n)
	core.ToFloat32(x.Data, a)
	return x, p.Forward(nil, x)
}

// Updates returns ["sip"].
func (p *Poisson) Updates() []string { return []string{"sip"} }

// Update computes the "sip" update Δx = −L(P(x) − y*) = ∇²(y* − P(x)), the exact inverse of
// P applied to the residual, into dst (allocated if nil) and returns it. It panics on any
// other name.
func (p *Poisson) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	if name != "sip" {
		panic(fmt.Sprintf("problems: Poisson.Update: unknown update %q (have [sip])", name))
	}
	r := p.residual("Poisson.Update", x, y)
	dst = dstTensor("Poisson.Update", dst, x.Shape...)
	m := p.n * p.n
	ParallelEach(p.threads, len(r)/m, func(w, e int) {
		lap := p.work[w].lap
		laplacianDirichlet(lap, r[e*m:(e+1)*m], p.n)
		out := dst.Data[e*m : (e+1)*m]
		for i, v := range lap {
			out[i] = float32(-v)
		}
	})
	return dst
}
