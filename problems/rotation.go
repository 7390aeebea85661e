package problems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// RotationScale is the global scale s of the rotation problem.
const RotationScale = 10

// RotationLimit is the step limit of the rotation problem's SIP update (see Update).
const RotationLimit = 0.2

// Rotation is the two-dimensional problem of the paper's Figure 5, whose conditioning ξ
// and coupling φ are set by hand.
//
// With R_φ the rotation by φ and a = s/ξ, b = s·ξ (s = RotationScale), the physics is
//
//	v = R_φ·x,  u = (a·v₁, b·v₂),  P(x) = (sin u₁, u₂),
//
// and the loss of one example is L(x) = l2_loss(P(x) − y*) = ½‖P(x) − y*‖². ξ = 1 is well
// conditioned, ξ = 32 badly; φ = 0 decouples the two components. Every y* ∈ [−1, 1]² has
// the solutions u₂ = y₂*, u₁ ∈ {asin y₁* + 2πn, π − asin y₁* + 2πn : n ∈ ℤ}.
//
// Derivatives, with r = P(x) − y*, M = diag(a·cos u₁, b) and J = M·R_φ the Jacobian of P:
//
//	g = Jᵀr = R_φᵀ·(a·cos u₁·r₁, b·r₂),
//	H = JᵀJ + r₁·∇²P₁ = R_φᵀ·diag(a²·(cos²u₁ − r₁·sin u₁), b²)·R_φ.
//
// All arithmetic is in float64; tensors are float32. A Rotation is immutable and safe for
// concurrent use.
type Rotation struct {
	xi, phi  float64
	cos, sin float64 // of φ
	a, b     float64 // s/ξ, s·ξ
}

var (
	_ Problem   = (*Rotation)(nil)
	_ Hessianer = (*Rotation)(nil)
)

var rotShape = []int{2}

// NewRotation returns the rotation problem with conditioning xi and coupling angle
// phiRadians. It panics unless xi is positive and finite.
func NewRotation(xi, phiRadians float64) *Rotation {
	if !(xi > 0) || math.IsInf(xi, 0) {
		panic(fmt.Sprintf("problems: NewRotation: xi %v not positive and finite", xi))
	}
	return &Rotation{
		xi: xi, phi: phiRadians,
		cos: math.Cos(phiRadians), sin: math.Sin(phiRadians),
		a: RotationScale / xi, b: RotationScale * xi,
	}
}

// XShape returns [2].
func (*Rotation) XShape() []int { return []int{2} }

// SnapshotKind returns DrawPoints: the viewers draw the predictions in the plane, beside
// their nearest exact solutions (Nearest).
func (*Rotation) SnapshotKind() string { return DrawPoints }

// YShape returns [2].
func (*Rotation) YShape() []int { return []int{2} }

// toU maps x to the scaled rotated coordinates u = diag(a, b)·R_φ·x.
func (p *Rotation) toU(x [2]float64) [2]float64 {
	return [2]float64{
		p.a * (p.cos*x[0] - p.sin*x[1]),
		p.b * (p.sin*x[0] + p.cos*x[1]),
	}
}

// fromU is the inverse of toU: x = R_φᵀ·(u₁/a, u₂/b).
func (p *Rotation) fromU(u [2]float64) [2]float64 {
	v0, v1 := u[0]/p.a, u[1]/p.b
	return [2]float64{p.cos*v0 + p.sin*v1, -p.sin*v0 + p.cos*v1}
}

// rotT applies R_φᵀ.
func (p *Rotation) rotT(w [2]float64) [2]float64 {
	return [2]float64{p.cos*w[0] + p.sin*w[1], -p.sin*w[0] + p.cos*w[1]}
}

func (p *Rotation) forward(x [2]float64) [2]float64 {
	u := p.toU(x)
	return [2]float64{math.Sin(u[0]), u[1]}
}

// grad returns g = Jᵀ(P(x) − y).
func (p *Rotation) grad(x, y [2]float64) [2]float64 {
	u := p.toU(x)
	r0, r1 := math.Sin(u[0])-y[0], u[1]-y[1]
	return p.rotT([2]float64{p.a * math.Cos(u[0]) * r0, p.b * r1})
}

// hessian returns H as [h00, h01, h11].
func (p *Rotation) hessian(x, y [2]float64) [3]float64 {
	u := p.toU(x)
	s, c := math.Sincos(u[0])
	d0 := p.a * p.a * (c*c - (s-y[0])*s)
	d1 := p.b * p.b
	// Rᵀ diag(d0, d1) R with R = [[cos, −sin], [sin, cos]].
	C, S := p.cos, p.sin
	return [3]float64{
		C*C*d0 + S*S*d1,
		-C*S*d0 + S*C*d1,
		S*S*d0 + C*C*d1,
	}
}

// sipStep returns the limited saddle-free Newton step Δx of Update, in float64.
func (p *Rotation) sipStep(x, y [2]float64) [2]float64 {
	g := p.grad(x, y)
	h := p.hessian(x, y)
	S, V := eigSym2(h[0], h[1], h[2])
	sAvg := math.Sqrt(math.Abs(S[0] * S[1]))
	var n [2]float64
	for i := range 2 {
		ge := V[0][i]*g[0] + V[1][i]*g[1] // (Vᵀg)ᵢ
		if S[i] == 0 || ge == 0 {
			continue // n_e = 0
		}
		ne := math.Abs(ge / S[i])
		if !(S[i] > sAvg) {
			ne = math.Min(ne, math.Abs(RotationLimit/ge))
		}
		n[i] = -math.Copysign(ne, ge)
	}
	return [2]float64{V[0][0]*n[0] + V[0][1]*n[1], V[1][0]*n[0] + V[1][1]*n[1]}
}

// eigSym2 returns the eigenvalues S and orthonormal eigenvectors (the columns of V) of the
// symmetric matrix [[p, q], [q, r]], so that it equals V·diag(S)·Vᵀ. S is in ascending
// order.
func eigSym2(p, q, r float64) (S [2]float64, V [2][2]float64) {
	if q == 0 {
		if p <= r {
			return [2]float64{p, r}, [2][2]float64{{1, 0}, {0, 1}}
		}
		return [2]float64{r, p}, [2][2]float64{{0, 1}, {1, 0}}
	}
	m := 0.5 * (p + r)
	d := math.Hypot(0.5*(p-r), q)
	S = [2]float64{m - d, m + d}
	// Eigenvector of the larger eigenvalue λ: (q, λ − p) or (λ − r, q), whichever is the
	// longer (they are parallel; the longer one suffers less cancellation).
	l := S[1]
	e0, e1 := q, l-p
	if f0, f1 := l-r, q; math.Hypot(f0, f1) > math.Hypot(e0, e1) {
		e0, e1 = f0, f1
	}
	nrm := math.Hypot(e0, e1)
	e0, e1 = e0/nrm, e1/nrm
	return S, [2][2]float64{{-e1, e0}, {e0, e1}}
}

// Sample draws y* ~ U(−1, 1)² and returns, as x*, the exact solution with u₁ = asin y₁*
// (the principal branch, n = 0) and u₂ = y₂*, i.e. x* = R_φᵀ·(asin y₁*/a, y₂*/b). It is
// one solution of infinitely many; the metric x_dist measures the distance to the closest
// one. It panics if batch < 0.
func (p *Rotation) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	x = core.New(batch, 2)
	y = core.New(batch, 2)
	for i := range batch {
		y0 := float32(2*rng.Float64() - 1)
		y1 := float32(2*rng.Float64() - 1)
		y.Data[2*i], y.Data[2*i+1] = y0, y1
		xs := p.fromU([2]float64{math.Asin(float64(y0)), float64(y1)})
		x.Data[2*i], x.Data[2*i+1] = float32(xs[0]), float32(xs[1])
	}
	return x, y
}

func rotAt(t *core.Tensor, i int) [2]float64 {
	return [2]float64{float64(t.Data[2*i]), float64(t.Data[2*i+1])}
}

func rotSet(t *core.Tensor, i int, v [2]float64) {
	t.Data[2*i], t.Data[2*i+1] = float32(v[0]), float32(v[1])
}

// Forward computes P(x) = (sin u₁, u₂) into dst (allocated when nil) and returns it.
func (p *Rotation) Forward(dst, x *core.Tensor) *core.Tensor {
	b := mustBatched("Rotation.Forward", "x", x, rotShape)
	dst = dstTensor("Rotation.Forward", dst, b, 2)
	for i := range b {
		rotSet(dst, i, p.forward(rotAt(x, i)))
	}
	return dst
}

// Loss writes ½‖P(x) − y*‖² of every example into dst (allocated when nil) and returns it.
func (p *Rotation) Loss(dst []float64, x, y *core.Tensor) []float64 {
	b := mustPair("Rotation.Loss", x, y, rotShape, rotShape)
	dst = dstSlice("Rotation.Loss", dst, b)
	for i := range b {
		f, yi := p.forward(rotAt(x, i)), rotAt(y, i)
		r0, r1 := f[0]-yi[0], f[1]-yi[1]
		dst[i] = 0.5 * (r0*r0 + r1*r1)
	}
	return dst
}

// Gradient writes g = Jᵀ·(P(x) − y*) into dst (allocated when nil) and returns it.
func (p *Rotation) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	b := mustPair("Rotation.Gradient", x, y, rotShape, rotShape)
	dst = dstTensor("Rotation.Gradient", dst, b, 2)
	for i := range b {
		rotSet(dst, i, p.grad(rotAt(x, i), rotAt(y, i)))
	}
	return dst
}

// Hessian writes the analytic 2×2 Hessian H of every example, row-major (len 4·batch),
// into dst (allocated when nil) and returns it.
func (p *Rotation) Hessian(dst []float64, x, y *core.Tensor) []float64 {
	b := mustPair("Rotation.Hessian", x, y, rotShape, rotShape)
	dst = dstSlice("Rotation.Hessian", dst, 4*b)
	for i := range b {
		h := p.hessian(rotAt(x, i), rotAt(y, i))
		dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = h[0], h[1], h[1], h[2]
	}
	return dst
}

// RotationSIP is the name of the rotation problem's update.
const RotationSIP = "sip"

// Updates returns ["sip"].
func (*Rotation) Updates() []string { return []string{RotationSIP} }

// Update computes the original's limited saddle-free Newton step per example: with the
// eigen-decomposition H = V·diag(S)·Vᵀ (closed form for 2×2), g_e = Vᵀg,
// n_e = −g_e/S (0 where S = 0), S_avg = |S₁·S₂|^½, limitᵢ = +∞ where Sᵢ > S_avg and
// |0.2/g_eᵢ| elsewhere, n_e ← min(|n_e|, limit)·sign(−g_e), and Δx = V·n_e.
//
// Scale invariance (section 2 of the paper): since V = R_φᵀ (up to the order and signs of
// its columns) and both n_e and the limit scale as 1/a and 1/b, the step in the scaled
// coordinates, Δu = diag(a, b)·R_φ·Δx, depends on u and y* only, except through the
// choice of which eigenvalues exceed S_avg = s²·|c|^½ (c = cos²u₁ − r₁·sin u₁), which does
// depend on ξ; for ξ ≥ 2 that choice is always the same (the b² direction is unlimited).
// It panics on a name other than "sip".
func (p *Rotation) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	if name != RotationSIP {
		panic(fmt.Sprintf("problems: Rotation.Update: unknown update %q, want %q", name, RotationSIP))
	}
	b := mustPair("Rotation.Update", x, y, rotShape, rotShape)
	dst = dstTensor("Rotation.Update", dst, b, 2)
	for i := range b {
		rotSet(dst, i, p.sipStep(rotAt(x, i), rotAt(y, i)))
	}
	return dst
}

// closest returns the exact solution x_c of y closest to x: u_c₂ = y₂ and u_c₁ the member
// of {asin y₁ + 2πn, π − asin y₁ + 2πn} nearest to u₁ = (diag(a, b)·R_φ·x)₁, mapped back
// with R_φᵀ·diag(1/a, 1/b). Since R_φ is orthogonal and u₂ is fixed, x_c is also the
// solution nearest to x in Euclidean distance. y₁ is clamped to [−1, 1].
func (p *Rotation) closest(x, y [2]float64) [2]float64 {
	u := p.toU(x)
	as := math.Asin(math.Max(-1, math.Min(1, y[0])))
	best, bestD := 0.0, math.Inf(1)
	for _, base := range [2]float64{as, math.Pi - as} {
		c := base + 2*math.Pi*math.Round((u[0]-base)/(2*math.Pi))
		if d := math.Abs(c - u[0]); d < bestD {
			best, bestD = c, d
		}
	}
	return p.fromU([2]float64{best, y[1]})
}

// Closest returns the exact solution of y closest to x (see closest): what x_dist measures
// against, and what figures draw beside each prediction.
func (p *Rotation) Closest(x, y [2]float64) [2]float64 { return p.closest(x, y) }

// Nearest writes into dst (allocated when nil) the exact solution of each example's y
// closest to its x (Closest): what the viewers draw beside each prediction.
func (p *Rotation) Nearest(dst, x, y *core.Tensor) *core.Tensor {
	b := mustPair("Rotation.Nearest", x, y, rotShape, rotShape)
	dst = dstTensor("Rotation.Nearest", dst, b, 2)
	for i := range b {
		rotSet(dst, i, p.closest(rotAt(x, i), rotAt(y, i)))
	}
	return dst
}

var _ Nearer = (*Rotation)(nil)

// MetricNames returns x_l1, x_dist, y_l2.
func (*Rotation) MetricNames() []string { return []string{"x_l1", "x_dist", "y_l2"} }

// Metrics writes, averaged over the batch: x_l1 = the MAE of x against xTrue (the sampled
// principal solution), x_dist = ‖x − x_c‖₂ with x_c the exact solution of y* closest to x,
// and y_l2 = ½‖P(x) − y*‖².
func (p *Rotation) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	b := mustPair("Rotation.Metrics", x, y, rotShape, rotShape)
	mustPair("Rotation.Metrics", xTrue, y, rotShape, rotShape)
	dst = dstSlice("Rotation.Metrics", dst, 3)
	dst[0] = MAE(x, xTrue)
	var dist, l2 float64
	for i := range b {
		xi, yi := rotAt(x, i), rotAt(y, i)
		c := p.closest(xi, yi)
		dist += math.Hypot(xi[0]-c[0], xi[1]-c[1])
		f := p.forward(xi)
		r0, r1 := f[0]-yi[0], f[1]-yi[1]
		l2 += 0.5 * (r0*r0 + r1*r1)
	}
	dst[1] = dist / float64(b)
	dst[2] = l2 / float64(b)
	return dst
}
