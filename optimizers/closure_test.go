package optimizers

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sipbench/sipbench/core"
	"gonum.org/v1/gonum/mat"
)

// quadObjective is f(θ) = ½θᵀAθ over one parameter vector, with gradient and Gauss–Newton
// product (= Hessian) A·θ computed exactly in float64.
type quadObjective struct {
	p *core.Param
	a *mat.SymDense
}

func (q *quadObjective) apply(dst, v []float32) float64 {
	n := len(v)
	var f float64
	for i := range n {
		var s float64
		for j := range n {
			s += q.a.At(i, j) * float64(v[j])
		}
		dst[i] = float32(s)
		f += 0.5 * float64(v[i]) * s
	}
	return f
}

func (q *quadObjective) Gradient() float64 { return q.apply(q.p.Grad.Data, q.p.Value.Data) }
func (q *quadObjective) Value() float64 {
	tmp := make([]float32, q.p.Value.Len())
	return q.apply(tmp, q.p.Value.Data)
}
func (q *quadObjective) GaussNewton(dst, v []*core.Tensor) { q.apply(dst[0].Data, v[0].Data) }

// newQuad returns a random symmetric positive definite n×n quadratic whose rows are
// diagonally dominant (A_ii > Σ_j≠i |A_ij|), with diagonal entries spread over 1e-2…1e1,
// and a random start.
func newQuad(n int, offDiag float64, seed uint64) *quadObjective {
	rng := rand.New(rand.NewPCG(seed, 1))
	a := mat.NewSymDense(n, nil)
	for i := range n {
		d := math.Pow(10, 3*float64(i)/float64(max(n-1, 1))-2)
		a.SetSym(i, i, d)
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			// Small enough that every row stays dominant: |A_ij| ≤ offDiag·min(A_ii, A_jj)/n.
			a.SetSym(i, j, offDiag*(2*rng.Float64()-1)*math.Min(a.At(i, i), a.At(j, j))/float64(n))
		}
	}
	p := core.NewParam("theta", n)
	for i := range p.Value.Data {
		p.Value.Data[i] = float32(rng.NormFloat64())
	}
	return &quadObjective{p: p, a: a}
}

// TestAdaHessianHutchinson checks that the spatially unaveraged estimate |z ⊙ H·z| is
// unbiased for the Hessian diagonal: on a diagonally dominant quadratic z_i(Az)_i > 0, so
// the absolute value changes nothing and E = A_ii; the mean over N draws is within 5σ/√N
// with σ² = Σ_j≠i A_ij² the variance of one draw.
func TestAdaHessianHutchinson(t *testing.T) {
	t.Parallel()
	const n, draws = 6, 4000
	q := newQuad(n, 0.9, 3)
	o := NewAdaHessian([]*core.Param{q.p}, 0.1)
	mean := make([]float64, n)
	for k := 1; k <= draws; k++ {
		o.rademacher(k)
		o.hessianDiag(q)
		for i, d := range o.d[0].Data {
			mean[i] += float64(d) / draws
		}
	}
	for i := range n {
		var s2 float64
		for j := range n {
			if j != i {
				s2 += q.a.At(i, j) * q.a.At(i, j)
			}
		}
		// The finite-difference H·z is exact for a quadratic up to float32 rounding of θ±εz
		// and of the gradients (≈1e-4 relative at the default step).
		tol := 5*math.Sqrt(s2/draws) + 1e-3*q.a.At(i, i)
		if got, want := mean[i], q.a.At(i, i); math.Abs(got-want) > tol {
			t.Errorf("mean of |z⊙Hz|[%d] over %d draws = %.6g; want A_ii = %.6g ± %.2g", i, draws, got, want, tol)
		}
	}
}

// TestAdaHessianSpatialAverage checks that a rank-4 parameter's estimate is averaged over
// every k×k window and other ranks are not, on a diagonal quadratic with known curvature.
func TestAdaHessianSpatialAverage(t *testing.T) {
	t.Parallel()
	conv := core.NewParam("w", 2, 1, 3, 3)
	bias := core.NewParam("b", 2)
	curv := func(j int) float64 { return float64(j + 1) } // f = ½ Σ c_j θ_j², concatenated index j
	obj := &funcObjective{ps: []*core.Param{conv, bias}, grad: func(j int, x float64) float64 { return curv(j) * x }}
	o := NewAdaHessian(obj.ps, 0.1)
	o.rademacher(1)
	o.hessianDiag(obj)
	for w := range 2 { // window w holds concatenated indices 9w … 9w+8, mean curvature 9w+5
		for j := range 9 {
			if got, want := float64(o.d[0].Data[9*w+j]), float64(9*w+5); math.Abs(got-want) > 1e-3*want {
				t.Errorf("conv window %d element %d: D = %.6g; want the window's mean %v", w, j, got, want)
			}
		}
	}
	for j := range 2 {
		if got, want := float64(o.d[1].Data[j]), curv(18+j); math.Abs(got-want) > 1e-3*want {
			t.Errorf("bias %d: D = %.6g; want %v (no averaging)", j, got, want)
		}
	}
}

// funcObjective is a separable objective Σ f_j(θ_j) given by its derivative.
type funcObjective struct {
	ps   []*core.Param
	grad func(j int, x float64) float64
}

func (f *funcObjective) Gradient() float64 {
	j := 0
	for _, p := range f.ps {
		for i, x := range p.Value.Data {
			p.Grad.Data[i] = float32(f.grad(j, float64(x)))
			j++
		}
	}
	return 0
}
func (f *funcObjective) Value() float64                    { return 0 }
func (f *funcObjective) GaussNewton(dst, v []*core.Tensor) { panic("not used") }

// tinyMLP is a 2-4-1 Tanh MLP on a fixed batch with the supervised loss
// L = ½Σ_b (NN(y_b) − t_b)²/B, and its exact gradient in float64.
type tinyMLP struct {
	net  *core.MLP
	y, t *core.Tensor
}

func newTinyMLP() *tinyMLP {
	rng := rand.New(rand.NewPCG(5, 5))
	m := &tinyMLP{net: core.NewMLP([]int{2, 4, 1}, core.Tanh, rng), y: core.New(5, 2), t: core.New(5, 1)}
	for i := range m.y.Data {
		m.y.Data[i] = float32(2*rng.Float64() - 1)
	}
	for i := range m.t.Data {
		m.t.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

// grad64 returns ∂L/∂θ in float64 at θ (PyTorch's parameter order W0, B0, W1, B1).
func (m *tinyMLP) grad64(theta []float64) []float64 {
	w0, b0, w1, b1 := theta[0:8], theta[8:12], theta[12:16], theta[16]
	g := make([]float64, 17)
	nb := m.y.Batch()
	for b := range nb {
		var h [4]float64
		out := b1
		for k := range 4 {
			h[k] = math.Tanh(w0[2*k]*float64(m.y.Data[2*b]) + w0[2*k+1]*float64(m.y.Data[2*b+1]) + b0[k])
			out += w1[k] * h[k]
		}
		r := (out - float64(m.t.Data[b])) / float64(nb)
		for k := range 4 {
			g[12+k] += r * h[k]
			da := r * w1[k] * (1 - h[k]*h[k])
			g[2*k] += da * float64(m.y.Data[2*b])
			g[2*k+1] += da * float64(m.y.Data[2*b+1])
			g[8+k] += da
		}
		g[16] += r
	}
	return g
}

func (m *tinyMLP) theta64() []float64 {
	var th []float64
	for _, p := range m.net.Params() {
		for _, v := range p.Value.Data {
			th = append(th, float64(v))
		}
	}
	return th
}

// hessian64 returns the exact Hessian, by central differences (h = 1e-6) of the exact
// float64 gradient: error O(h²) + O(1e-16/h) ≈ 1e-10.
func (m *tinyMLP) hessian64() [][]float64 {
	th := m.theta64()
	n := len(th)
	hs := make([][]float64, n)
	const h = 1e-6
	for j := range n {
		tp, tm := append([]float64(nil), th...), append([]float64(nil), th...)
		tp[j] += h
		tm[j] -= h
		gp, gm := m.grad64(tp), m.grad64(tm)
		hs[j] = make([]float64, n)
		for i := range n {
			hs[j][i] = (gp[i] - gm[i]) / (2 * h)
		}
	}
	return hs
}

func (m *tinyMLP) objective() *NetObjective {
	return &NetObjective{Net: m.net, Tape: core.NewTape(), Method: Method{Name: "sup", Source: Supervised},
		Y: m.y, XTrue: m.t}
}

// TestNetObjectiveGradient checks NetObjective.Gradient and Value against the exact float64
// gradient and loss of the tiny MLP.
func TestNetObjectiveGradient(t *testing.T) {
	t.Parallel()
	m := newTinyMLP()
	obj := m.objective()
	l := obj.Gradient()
	want := m.grad64(m.theta64())
	j := 0
	for _, p := range m.net.Params() {
		for _, g := range p.Grad.Data {
			if math.Abs(float64(g)-want[j]) > 1e-6+1e-5*math.Abs(want[j]) {
				t.Errorf("∂L/∂θ[%d] = %.8g; want %.8g", j, g, want[j])
			}
			j++
		}
	}
	if v := obj.Value(); v != l {
		t.Errorf("Value() = %v, Gradient() returned %v; want equal", v, l)
	}
}

// TestAdaHessianHVP measures the accuracy of AdaHessian's finite-difference Hessian-vector
// product on the tiny Tanh MLP against the exact Hessian: |z⊙Hz| agrees to 1e-3 of its
// norm (measured: about 1e-4).
func TestAdaHessianHVP(t *testing.T) {
	t.Parallel()
	m := newTinyMLP()
	hs := m.hessian64()
	o := NewAdaHessian(m.net.Params(), 0.1)
	before := m.theta64()
	for step := 1; step <= 5; step++ {
		o.rademacher(step)
		o.hessianDiag(m.objective())
		var z, d []float64
		for i := range o.z {
			for j := range o.z[i].Data {
				z = append(z, float64(o.z[i].Data[j]))
				d = append(d, float64(o.d[i].Data[j]))
			}
		}
		var errSq, refSq float64
		for i := range z {
			var hz float64
			for j := range z {
				hz += hs[j][i] * z[j]
			}
			want := math.Abs(z[i] * hz)
			errSq += (d[i] - want) * (d[i] - want)
			refSq += want * want
		}
		rel := math.Sqrt(errSq / refSq)
		t.Logf("draw %d: ‖D − |z⊙Hz|‖/‖|z⊙Hz|‖ = %.2g", step, rel)
		if rel > 1e-3 {
			t.Errorf("draw %d: relative error of the Hutchinson estimate %.3g; want ≤ 1e-3", step, rel)
		}
	}
	for i, v := range m.theta64() {
		if v != before[i] {
			t.Fatalf("θ[%d] changed from %v to %v; the estimate must restore the parameters", i, before[i], v)
		}
	}
}

// TestNetObjectiveGaussNewton checks G·v on the tiny MLP (supervised: G = JᵀJ/B) against
// the exact Jacobian of the network, computed by float64 central differences of a float64
// forward pass.
func TestNetObjectiveGaussNewton(t *testing.T) {
	t.Parallel()
	m := newTinyMLP()
	th := m.theta64()
	n := len(th)
	nb := m.y.Batch()
	fwd := func(theta []float64, b int) float64 {
		out := theta[16]
		for k := range 4 {
			out += theta[12+k] * math.Tanh(theta[2*k]*float64(m.y.Data[2*b])+theta[2*k+1]*float64(m.y.Data[2*b+1])+theta[8+k])
		}
		return out
	}
	jac := make([][]float64, nb) // jac[b][j]
	for b := range nb {
		jac[b] = make([]float64, n)
		for j := range n {
			tp, tm := append([]float64(nil), th...), append([]float64(nil), th...)
			tp[j] += 1e-6
			tm[j] -= 1e-6
			jac[b][j] = (fwd(tp, b) - fwd(tm, b)) / 2e-6
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	ps := m.net.Params()
	v, dst := newLike(ps), newLike(ps)
	var vf []float64
	for _, x := range v {
		for j := range x.Data {
			x.Data[j] = float32(rng.NormFloat64())
			vf = append(vf, float64(x.Data[j]))
		}
	}
	m.objective().GaussNewton(dst, v)
	var errSq, refSq float64
	k := 0
	for _, x := range dst {
		for _, got := range x.Data {
			var want float64
			for b := range nb {
				var jv float64
				for j := range n {
					jv += jac[b][j] * vf[j]
				}
				want += jac[b][k] * jv / float64(nb)
			}
			errSq += (float64(got) - want) * (float64(got) - want)
			refSq += want * want
			k++
		}
	}
	if rel := math.Sqrt(errSq / refSq); rel > 1e-3 {
		t.Errorf("‖Gv − JᵀJv/B‖/‖JᵀJv/B‖ = %.3g; want ≤ 1e-3", rel)
	}
}

// TestNetObjectiveRestoresBuffers checks that evaluations leave BatchNorm's running
// statistics as they found them.
func TestNetObjectiveRestoresBuffers(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2, 2))
	net := core.NewUNet(1, 1, 2, 2, rng)
	y := core.New(2, 1, 4, 4)
	for i := range y.Data {
		y.Data[i] = float32(rng.NormFloat64())
	}
	var before []*core.Tensor
	for _, b := range net.Buffers() {
		before = append(before, b.Clone())
	}
	obj := &NetObjective{Net: net, Tape: core.NewTape(), Method: Method{Source: Supervised}, Y: y, XTrue: y}
	obj.Gradient()
	ps := net.Params()
	obj.GaussNewton(newLike(ps), newLike(ps))
	obj.Value()
	for i, b := range net.Buffers() {
		for j, x := range b.Data {
			if x != before[i].Data[j] {
				t.Fatalf("buffer %d[%d] = %v after evaluations; want %v", i, j, x, before[i].Data[j])
			}
		}
	}
}

// linPhys is P(x) = A·x per example, a linear map ℝ² → ℝ³, with L = ½‖Ax − y‖².
type linPhys struct{ a [3][2]float64 }

func (l *linPhys) Forward(dst, x *core.Tensor) *core.Tensor {
	nb := x.Batch()
	if dst == nil {
		dst = core.New(nb, 3)
	}
	for b := range nb {
		for i := range 3 {
			dst.Data[3*b+i] = float32(l.a[i][0]*float64(x.Data[2*b]) + l.a[i][1]*float64(x.Data[2*b+1]))
		}
	}
	return dst
}

func (l *linPhys) Loss(dst []float64, x, y *core.Tensor) []float64 {
	p := l.Forward(nil, x)
	dst = make([]float64, x.Batch())
	for b := range dst {
		for i := range 3 {
			r := float64(p.Data[3*b+i]) - float64(y.Data[3*b+i])
			dst[b] += r * r / 2
		}
	}
	return dst
}

func (l *linPhys) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	nb := x.Batch()
	if dst == nil {
		dst = core.New(x.Shape...)
	}
	for b := range nb {
		var r [3]float64
		for i := range 3 {
			r[i] = l.a[i][0]*float64(x.Data[2*b]) + l.a[i][1]*float64(x.Data[2*b+1]) - float64(y.Data[3*b+i])
		}
		for j := range 2 {
			dst.Data[2*b+j] = float32(l.a[0][j]*r[0] + l.a[1][j]*r[1] + l.a[2][j]*r[2])
		}
	}
	return dst
}

func (l *linPhys) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	panic("not used")
}

// linearLSQ is a linear network x = W·y* + c (W 2×3) trained through the linear physics
// P(x) = A·x on a fixed batch: L(θ) = Σ_b ½‖A(W·y_b + c) − y_b‖²/B is quadratic in θ and
// its Gauss–Newton matrix is its Hessian.
type linearLSQ struct {
	net  *core.MLP
	phys *linPhys
	y    *core.Tensor
}

func newLinearLSQ() *linearLSQ {
	rng := rand.New(rand.NewPCG(4, 4))
	l := &linearLSQ{net: core.NewMLP([]int{3, 2}, core.Tanh, rng), phys: &linPhys{}, y: core.New(7, 3)}
	for i := range 3 {
		for j := range 2 {
			l.phys.a[i][j] = rng.NormFloat64()
		}
	}
	for i := range l.y.Data {
		l.y.Data[i] = float32(rng.NormFloat64())
	}
	return l
}

func (l *linearLSQ) objective() *NetObjective {
	return &NetObjective{Net: l.net, Tape: core.NewTape(), Method: Method{Name: "adam", Source: Adjoint},
		Physics: l.phys, Y: l.y}
}

// solution returns the least-squares θ* (W row-major, then c) in float64 by QR: row
// (b, i) of the design matrix is ∂r_bi/∂θ with r_bi = Σ_j A_ij (W_j·y_b + c_j) − y_bi.
func (l *linearLSQ) solution() []float64 {
	nb := l.y.Batch()
	m := mat.NewDense(3*nb, 8, nil)
	rhs := mat.NewDense(3*nb, 1, nil)
	for b := range nb {
		for i := range 3 {
			row := 3*b + i
			for j := range 2 {
				for k := range 3 {
					m.Set(row, 3*j+k, l.phys.a[i][j]*float64(l.y.Data[3*b+k]))
				}
				m.Set(row, 6+j, l.phys.a[i][j])
			}
			rhs.Set(row, 0, float64(l.y.Data[3*b+i]))
		}
	}
	var sol mat.Dense
	if err := sol.Solve(m, rhs); err != nil {
		panic(err)
	}
	return mat.Col(nil, 0, &sol)
}

// TestHessianFreeLinearLeastSquares checks that one Hessian-free step with lr 1, enough CG
// iterations (8 parameters, 20 iterations) and damping near 0 lands on the least-squares
// solution.
func TestHessianFreeLinearLeastSquares(t *testing.T) {
	t.Parallel()
	l := newLinearLSQ()
	want := l.solution()
	ps := l.net.Params()
	o := NewHessianFree(ps, 1, 1e-9)
	o.CGMaxIter = 20
	obj := l.objective()
	obj.Gradient()
	gn0 := norm(gradsOf(ps))
	o.StepWith(obj)
	var got []float64
	for _, p := range ps {
		for _, v := range p.Value.Data {
			got = append(got, float64(v))
		}
	}
	for i := range want {
		// The curvature products are finite differences of exact linear maps: exact up to
		// float32 rounding (≈1e-4 relative at the default step), so θ is within 1e-3.
		if math.Abs(got[i]-want[i]) > 1e-3*(1+math.Abs(want[i])) {
			t.Errorf("θ[%d] after one step = %.6g; want the least-squares solution %.6g", i, got[i], want[i])
		}
	}
	obj.Gradient()
	if gn1 := norm(gradsOf(ps)); gn1 > 1e-3*gn0 {
		t.Errorf("‖∇L‖ went from %.3g to %.3g in one step; want a reduction by 1e3", gn0, gn1)
	}
	if !(o.Rho > 0.75) || o.Damping() >= 1e-9 {
		t.Errorf("ρ = %v, λ = %v; want ρ ≈ 1 (exact quadratic model) and λ decreased", o.Rho, o.Damping())
	}
}

// TestHessianFreeQuadratic: on an exact quadratic, one step with as many CG iterations as
// dimensions and λ = 0 reaches the minimum θ = 0.
func TestHessianFreeQuadratic(t *testing.T) {
	t.Parallel()
	q := newQuad(8, 0.9, 7)
	o := NewHessianFree([]*core.Param{q.p}, 1, 0)
	o.CGMaxIter = 16
	f0 := q.Gradient()
	o.StepWith(q)
	if f1 := q.Value(); f1 > 1e-6*f0 {
		t.Errorf("f went from %g to %g in one step; want ≤ 1e-6 of it", f0, f1)
	}
}

// TestHessianFreeKeepGrid: the CG iterates kept for backtracking are PyTorchHessianFree's
// ⌈1.3^j⌉ − 1 grid (computed by hand for its default of 250 iterations).
func TestHessianFreeKeepGrid(t *testing.T) {
	want := []int{0, 1, 2, 3, 4, 6, 8, 10, 13, 17, 23, 30, 39, 51, 66, 86, 112, 146, 190, 247, 321}
	if got := hfKeepGrid(250); !slices.Equal(got, want) {
		t.Errorf("hfKeepGrid(250) = %v; want %v", got, want)
	}
}

// scaledCurvature is a quadObjective whose Gauss–Newton products are A/4: the quadratic
// model is 4× too flat, so CG's solution d = −4A⁻¹g overshoots.
type scaledCurvature struct{ *quadObjective }

func (s scaledCurvature) GaussNewton(dst, v []*core.Tensor) {
	s.apply(dst[0].Data, v[0].Data)
	for i := range dst[0].Data {
		dst[0].Data[i] /= 4
	}
}

// TestHessianFreeLineSearch: with the model 4× too flat and λ = 0, the full CG step
// d = −4A⁻¹g gives f(αd) = f(0) − q(4α − 8α²), q = gᵀA⁻¹g; Armijo's f(αd) ≤ f(0) + 0.01·α·gᵀd
// holds for α ≤ 0.495, so the search 1, 0.8, 0.64, 0.512, … stops at 0.8⁴ = 0.4096. The
// damping rises: ρ = (f(d) − f(0))/(m(d) − m(0)) = 4q/(−2q) = −2.
func TestHessianFreeLineSearch(t *testing.T) {
	q := newQuad(6, 0.5, 3)
	o := NewHessianFree([]*core.Param{q.p}, 1, 0)
	o.Backtrack = false
	f0 := q.Gradient()
	o.StepWith(scaledCurvature{q})
	if want := math.Pow(0.8, 4); math.Abs(o.Alpha-want) > 1e-12 {
		t.Errorf("line search α = %v; want %v", o.Alpha, want)
	}
	if f1 := q.Value(); !(f1 < f0) {
		t.Errorf("f went from %g to %g", f0, f1)
	}
	if !(o.Rho < 0.25) {
		t.Errorf("ρ = %v; want < 1/4 (the full step increases f)", o.Rho)
	}
}

// TestHessianFreeWarmStart: the next CG run starts from 0.95 × the last CG iterate
// (State's x₀), and on the same quadratic a warm second step needs fewer CG iterations
// than a cold one.
func TestHessianFreeWarmStart(t *testing.T) {
	run := func(decay float64) (first, second int, x0 []float32, d []float32) {
		q := newQuad(40, 0.9, 4)
		o := NewHessianFree([]*core.Param{q.p}, 1, 1e-3)
		o.CGDecay = decay
		o.Backtrack, o.LineSearch = false, false
		q.Gradient()
		o.StepWith(q)
		d = append(d, o.kept[len(o.keptAt)-1][0].Data...)
		first = o.CGIterations
		x0 = append(x0, o.State()[2].Data...)
		q.Gradient()
		o.StepWith(q)
		return first, o.CGIterations, x0, d
	}
	_, warm, x0, d := run(0.95)
	for i := range x0 {
		if want := float32(0.95 * float64(d[i])); x0[i] != want {
			t.Fatalf("x₀[%d] = %v; want 0.95 × %v", i, x0[i], d[i])
		}
	}
	_, cold, _, _ := run(0)
	t.Logf("CG iterations of the second step: warm %d, cold %d", warm, cold)
	if warm >= cold {
		t.Errorf("second step: %d CG iterations warm, %d cold; want fewer warm", warm, cold)
	}
}

// TestClosureDecreasesQuadratic is TestDecreasesQuadratic for the closure optimizers: a
// badly scaled (and, here, coupled) quadratic must fall by half within 200 steps; the
// second-order methods are expected to do far better, so the bound is 1e-3.
func TestClosureDecreasesQuadratic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		lr    float64
		steps int
	}{
		{"adahessian", 0.1, 200},
		{"hf", 1, 20},
	} {
		q := newQuad(8, 0.5, 1)
		o, err := New(c.name, []*core.Param{q.p}, c.lr)
		if err != nil {
			t.Fatal(err)
		}
		co := o.(ClosureOptimizer)
		f0 := q.Value()
		for range c.steps {
			q.Gradient()
			co.StepWith(q)
		}
		if f1 := q.Value(); !(f1 < 1e-3*f0) {
			t.Errorf("%s, lr %v: f went from %g to %g in %d steps; want below 1e-3 of it", c.name, c.lr, f0, f1, c.steps)
		}
	}
}

// TestClosureStateRoundTrip checks that restoring State into a fresh closure optimizer
// makes the next step identical, bit for bit (AdaHessian's random vectors derive from the
// step count in its state).
func TestClosureStateRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"adahessian", "hf"} {
		q := newQuad(5, 0.5, 2)
		o, _ := New(name, []*core.Param{q.p}, 0.05)
		for range 3 {
			q.Gradient()
			o.(ClosureOptimizer).StepWith(q)
		}
		r := &quadObjective{p: core.NewParam("theta", 5), a: q.a}
		r.p.Value.CopyFrom(q.p.Value)
		o2, _ := New(name, []*core.Param{r.p}, 0.05)
		src, dst := o.State(), o2.State()
		if len(src) != len(dst) || src[0].Data[0] != 3 {
			t.Fatalf("%s: State lengths %d, %d, step %v; want equal lengths and step 3", name, len(src), len(dst), src[0].Data)
		}
		for i := range src {
			dst[i].CopyFrom(src[i])
		}
		q.Gradient()
		r.Gradient()
		o.(ClosureOptimizer).StepWith(q)
		o2.(ClosureOptimizer).StepWith(r)
		for j, x := range q.p.Value.Data {
			if y := r.p.Value.Data[j]; math.Float32bits(x) != math.Float32bits(y) {
				t.Errorf("%s: after restore θ[%d] = %v; want %v", name, j, y, x)
			}
		}
	}
}

// TestReductionSum: with Reduction Sum the training loss is the batch sum, so its value,
// its gradient in x and in θ and its Gauss–Newton products are B times those of the batch
// mean (B = 7), for every source (float32 rounding: 1e-6 relative).
func TestReductionSum(t *testing.T) {
	l := newLinearLSQ()
	nb := float64(l.y.Batch())
	x := core.New(l.y.Batch(), 2)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	near := func(what string, sum, mean []float32) {
		t.Helper()
		for i := range sum {
			if want := nb * float64(mean[i]); math.Abs(float64(sum[i])-want) > 1e-6*math.Max(math.Abs(want), 1e-3) {
				t.Fatalf("%s[%d]: sum %.8g, want B × mean = %.8g", what, i, sum[i], want)
			}
		}
	}
	for _, src := range []Source{Adjoint, Supervised, Sign} {
		mean := Method{Name: "m", Source: src}
		sum := Method{Name: "s", Source: src, Reduction: Sum}
		near(string(src)+" XGrad", sum.XGrad(nil, l.phys, x, l.y, x).Data, mean.XGrad(nil, l.phys, x, l.y, x).Data)
	}
	if s := Reduction("").Scale(4); s != 0.25 {
		t.Errorf(`Reduction("").Scale(4) = %g, want 0.25 (mean)`, s)
	}
	objMean, objSum := l.objective(), l.objective()
	objSum.Method.Reduction = Sum
	vm, vs := objMean.Value(), objSum.Value()
	if math.Abs(vs-nb*vm) > 1e-9*vs {
		t.Errorf("Value: sum %.10g, want B × mean = %.10g", vs, nb*vm)
	}
	ps := l.net.Params()
	objMean.Gradient()
	gm := snapshotInto(nil, gradsOf(ps))
	objSum.Gradient()
	for i, p := range ps {
		near("∂L/∂θ", p.Grad.Data, gm[i].Data)
	}
	v, dm, ds := newLike(ps), newLike(ps), newLike(ps)
	for _, tv := range v {
		for j := range tv.Data {
			tv.Data[j] = float32(rng.NormFloat64())
		}
	}
	objMean.GaussNewton(dm, v)
	objSum.GaussNewton(ds, v)
	for i := range ps {
		near("G·v", ds[i].Data, dm[i].Data)
	}
}
