package optimizers

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/sipbench/sipbench/core"
)

// linearPhysics is P(x) = A·x per example with L = ½‖A·x − y*‖²: the test's physics,
// linear so that P∘NN is affine in every single weight of a one-hidden-layer ReLU network
// (for a fixed activation pattern), and central differences along one weight are exact.
type linearPhysics struct {
	a    [][]float64 // dim y × dim x
	dimX int
}

func (p linearPhysics) Forward(dst, x *core.Tensor) *core.Tensor {
	b, dy := x.Batch(), len(p.a)
	if dst == nil {
		dst = core.New(b, dy)
	}
	for i := range b {
		xe := x.Example(i)
		for r, row := range p.a {
			var s float64
			for c, v := range row {
				s += v * float64(xe[c])
			}
			dst.Data[i*dy+r] = float32(s)
		}
	}
	return dst
}

func (p linearPhysics) Loss(dst []float64, x, y *core.Tensor) []float64 {
	out := p.Forward(nil, x)
	dst = dst[:0]
	dy := len(p.a)
	for i := range x.Batch() {
		var s float64
		for r := range dy {
			d := float64(out.Data[i*dy+r]) - float64(y.Data[i*dy+r])
			s += d * d / 2
		}
		dst = append(dst, s)
	}
	return dst
}

func (p linearPhysics) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	out := p.Forward(nil, x)
	if dst == nil {
		dst = core.New(x.Shape...)
	}
	dy := len(p.a)
	for i := range x.Batch() {
		for c := range p.dimX {
			var s float64
			for r := range dy {
				s += p.a[r][c] * (float64(out.Data[i*dy+r]) - float64(y.Data[i*dy+r]))
			}
			dst.Data[i*p.dimX+c] = float32(s)
		}
	}
	return dst
}

func (linearPhysics) Update(*core.Tensor, string, *core.Tensor, *core.Tensor) *core.Tensor {
	panic("linearPhysics has no inverse update")
}

// dyadicNet returns the MLP 3-2-2 (ReLU) with weights of few binary digits, so that its
// float32 forward pass and the linear physics are exact, and observations whose hidden
// pre-activations stay at least 1/4 from 0 (the activation pattern survives a step of
// fdEps along any one weight).
func dyadicNet(t *testing.T, batch int) (*core.MLP, *core.Tensor) {
	t.Helper()
	net := core.NewMLP([]int{3, 2, 2}, core.ReLU, rand.New(rand.NewPCG(1, 1)))
	copy(net.W[0].Value.Data, []float32{1, 0.5, 0.25, -0.5, 1, 0.5})
	copy(net.B[0].Value.Data, []float32{0.5, 0.25})
	copy(net.W[1].Value.Data, []float32{0.75, -0.5, 0.25, 1.25})
	copy(net.B[1].Value.Data, []float32{-0.125, 0.375})
	vals := []float32{1, -0.5, 0.75, 0.25, -1, 1.5, 0.5, 2, -0.25, -0.75, 1.25, 0.5}
	y := core.New(batch, 3)
	for i := range y.Data {
		y.Data[i] = vals[(i*5+1)%len(vals)]
	}
	for b := range batch {
		ye := y.Example(b)
		for u := range 2 {
			h := float64(net.B[0].Value.Data[u])
			for c := range 3 {
				h += float64(net.W[0].Value.Data[u*3+c]) * float64(ye[c])
			}
			if math.Abs(h) < 0.25 {
				t.Fatalf("fixture: example %d unit %d pre-activation %v within 1/4 of 0", b, u, h)
			}
		}
	}
	return net, y
}

// fdEps is the finite-difference step along one weight: a power of two, so that θ ± ε
// is exact in float32 for the fixture's weights.
const fdEps = 1.0 / 16

// fdJacobian returns J = ∂P(NN(y; θ))/∂θ by central differences along each weight, and
// the outputs at θ, in float64.
func fdJacobian(net core.Network, phys linearPhysics, y *core.Tensor) (j []float64, out []float64, rows, n int) {
	tape := core.NewTape()
	eval := func() []float64 {
		tape.Reset()
		x := net.Forward(tape.Const(y)).Value
		o := phys.Forward(nil, x)
		r := make([]float64, len(o.Data))
		for i, v := range o.Data {
			r[i] = float64(v)
		}
		return r
	}
	out = eval()
	rows = len(out)
	n = core.CountParams(net.Params())
	j = make([]float64, rows*n)
	col := 0
	for _, p := range net.Params() {
		for i := range p.Value.Data {
			v := p.Value.Data[i]
			p.Value.Data[i] = v + fdEps
			plus := eval()
			p.Value.Data[i] = v - fdEps
			minus := eval()
			p.Value.Data[i] = v
			for r := range rows {
				j[r*n+col] = (plus[r] - minus[r]) / (2 * fdEps)
			}
			col++
		}
	}
	return j, out, rows, n
}

// denseHIG is the reference: V·Λ⁻ᵏ·Uᵀ·g from gonum's SVD of J, the singular values
// σᵢ ≤ tau·σ_max dropped. It returns the direction, the singular values and the kept
// count.
func denseHIG(t *testing.T, j, g []float64, rows, n int, tau, kappa float64) ([]float64, []float64, int) {
	t.Helper()
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(rows, n, j), mat.SVDThin) {
		t.Fatal("reference SVD failed")
	}
	s := svd.Values(nil)
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	d := make([]float64, n)
	kept := 0
	for i, si := range s {
		if si <= tau*s[0] || si == 0 {
			continue
		}
		kept++
		var ug float64
		for r := range rows {
			ug += u.At(r, i) * g[r]
		}
		c := math.Pow(si, -kappa) * ug
		for k := range n {
			d[k] += c * v.At(k, i)
		}
	}
	return d, s, kept
}

func relErr(got, want []float64) float64 {
	var num, den float64
	for i := range got {
		num += (got[i] - want[i]) * (got[i] - want[i])
		den += want[i] * want[i]
	}
	return math.Sqrt(num / den)
}

// TestHIGDirectionDense checks HIG's direction (the tape's Jacobian, the Gram matrix's
// eigendecomposition, truncation) against V·Λ⁻ᵏ·Uᵀ·g of an SVD of the Jacobian built by
// finite differences, for κ = ½ and 1, with a truncation that drops only the zero
// singular values and one that drops a non-zero one, on a batch with fewer rows than
// weights (Gram J·Jᵀ) and one with more (Jᵀ·J).
func TestHIGDirectionDense(t *testing.T) {
	phys := linearPhysics{a: [][]float64{{1, 2}, {0, 1}, {1, -1}}, dimX: 2}
	for _, batch := range []int{2, 6} { // 6 and 18 rows, 14 weights
		net, y := dyadicNet(t, batch)
		jFD, out, rows, n := fdJacobian(net, phys, y)
		gRef := make([]float64, rows)
		for i := range gRef {
			gRef[i] = (out[i] - float64(y.Data[i])) / float64(batch) // L = mean of ½‖P − y*‖², y* the input
		}
		obj := &NetObjective{Net: net, Tape: core.NewTape(), Method: Method{Name: "hig", Source: Adjoint, Reduction: Mean},
			Physics: phys, Y: y}
		jTape, _, rowsTape := obj.Jacobian(nil, nil)
		if rowsTape != rows {
			t.Fatalf("batch %d: %d rows, want %d", batch, rowsTape, rows)
		}
		if e := relErr(jTape, jFD); e > 1e-12 {
			t.Fatalf("batch %d: the tape's Jacobian differs from the finite differences by %.3g relative", batch, e)
		}
		_, s, _ := denseHIG(t, jFD, gRef, rows, n, 0, 1)
		nonzero := 0
		for _, si := range s {
			if si > 1e-9*s[0] {
				nonzero++
			}
		}
		if nonzero < 3 || nonzero == len(s) {
			t.Fatalf("batch %d: fixture has %d non-zero singular values of %d (want ≥ 3 and some zero): %v", batch, nonzero, len(s), s)
		}
		// τ between the two smallest non-zero singular values: truncates a non-zero one.
		tauMid := math.Sqrt(s[nonzero-1]*s[nonzero-2]) / s[0]
		for _, c := range []struct {
			tau  float64
			kept int
		}{{1e-6, nonzero}, {tauMid, nonzero - 1}} {
			for _, kappa := range []float64{0.5, 1} {
				want, _, keptRef := denseHIG(t, jFD, gRef, rows, n, c.tau, kappa)
				got, kept := HIGDirection(nil, jTape, gRef, rows, n, c.tau, kappa)
				if kept != c.kept || keptRef != c.kept {
					t.Errorf("batch %d τ %.3g κ %v: kept %d singular values (reference %d), want %d", batch, c.tau, kappa, kept, keptRef, c.kept)
				}
				if e := relErr(got, want); e > 1e-6 {
					t.Errorf("batch %d τ %.3g κ %v: direction differs from the dense reference by %.3g relative (want ≤ 1e-6)", batch, c.tau, kappa, e)
				}
			}
		}
	}
}

// TestHIGJacobianGradient checks the g the objective returns: (P(x) − y*)·(1/B) for the
// batch mean of ½‖P(x) − y*‖², with y* the network's input as in the runner.
func TestHIGJacobianGradient(t *testing.T) {
	phys := linearPhysics{a: [][]float64{{1, 2}, {0, 1}, {1, -1}}, dimX: 2}
	net, y := dyadicNet(t, 4)
	_, out, rows, _ := fdJacobian(net, phys, y)
	obj := &NetObjective{Net: net, Tape: core.NewTape(), Method: Method{Name: "hig", Source: Adjoint, Reduction: Mean}, Physics: phys, Y: y}
	_, g, _ := obj.Jacobian(nil, nil)
	for r := range rows {
		want := (out[r] - float64(y.Data[r])) / 4
		if math.Abs(g[r]-want) > 1e-12 {
			t.Fatalf("g[%d] = %v, want %v", r, g[r], want)
		}
	}
}

// TestHIGKappaGradient checks the ends of κ: κ = −1 gives Jᵀ·g, the gradient of the
// training loss (as backpropagation computes it); κ = 0 gives V·Uᵀ·g, which is the
// gradient's direction up to the scale 1/σ when the kept singular values are all equal
// (a linear network on one example: J's rows are orthogonal and of one norm), and
// differs from it otherwise.
func TestHIGKappaGradient(t *testing.T) {
	phys := linearPhysics{a: [][]float64{{1, 2}, {0, 1}, {1, -1}}, dimX: 2}
	net, y := dyadicNet(t, 3)
	obj := &NetObjective{Net: net, Tape: core.NewTape(), Method: Method{Name: "hig", Source: Adjoint, Reduction: Mean}, Physics: phys, Y: y}
	j, g, rows := obj.Jacobian(nil, nil)
	n := core.CountParams(net.Params())
	obj.Gradient()
	var grad []float64
	for _, p := range net.Params() {
		for _, v := range p.Grad.Data {
			grad = append(grad, float64(v))
		}
	}
	d, _ := HIGDirection(nil, j, g, rows, n, 0, -1)
	if e := relErr(d, grad); e > 1e-6 {
		t.Errorf("κ = −1: Jᵀ·g differs from the backpropagated gradient by %.3g relative", e)
	}
	d0, _ := HIGDirection(nil, j, g, rows, n, 1e-6, 0)
	if c := cosine(d0, grad); c > 0.999 {
		t.Errorf("κ = 0 on a generic J: cosine %v with the gradient; the fixture should show the difference", c)
	}

	// Equal singular values: a linear network 2→2 on one example and P = 2·I.
	lin := core.NewMLP([]int{2, 2}, core.ReLU, rand.New(rand.NewPCG(2, 2)))
	two := linearPhysics{a: [][]float64{{2, 0}, {0, 2}}, dimX: 2}
	y1 := core.New(1, 2)
	copy(y1.Data, []float32{0.5, -1.5})
	obj = &NetObjective{Net: lin, Tape: core.NewTape(), Method: Method{Name: "hig", Source: Adjoint, Reduction: Mean}, Physics: two, Y: y1}
	j, g, rows = obj.Jacobian(nil, nil)
	n = core.CountParams(lin.Params())
	obj.Gradient()
	grad = grad[:0]
	for _, p := range lin.Params() {
		for _, v := range p.Grad.Data {
			grad = append(grad, float64(v))
		}
	}
	sigma := 2 * math.Sqrt(0.5*0.5+1.5*1.5+1) // ‖∂x_i/∂θ‖ = √(‖y‖² + 1), times 2
	d0, kept := HIGDirection(nil, j, g, rows, n, 1e-6, 0)
	if kept != 2 {
		t.Fatalf("linear network: kept %d singular values, want 2", kept)
	}
	for i := range d0 {
		d0[i] *= sigma
	}
	if e := relErr(d0, grad); e > 1e-6 {
		t.Errorf("κ = 0 with equal singular values: σ·V·Uᵀ·g differs from the gradient by %.3g relative", e)
	}
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}

// TestHIGStep checks that a step moves θ by −η times the direction, and that Step
// without an objective panics.
func TestHIGStep(t *testing.T) {
	phys := linearPhysics{a: [][]float64{{1, 2}, {0, 1}, {1, -1}}, dimX: 2}
	net, y := dyadicNet(t, 2)
	obj := &NetObjective{Net: net, Tape: core.NewTape(), Method: Method{Name: "hig", Source: Adjoint, Reduction: Mean}, Physics: phys, Y: y}
	j, g, rows := obj.Jacobian(nil, nil)
	n := core.CountParams(net.Params())
	d, _ := HIGDirection(nil, j, g, rows, n, DefaultTau, DefaultKappa)
	var before []float64
	for _, p := range net.Params() {
		for _, v := range p.Value.Data {
			before = append(before, float64(v))
		}
	}
	o := NewHIG(net.Params(), 0.5, DefaultTau, DefaultKappa)
	o.StepWith(obj)
	k := 0
	for _, p := range net.Params() {
		for _, v := range p.Value.Data {
			want := before[k] - 0.5*d[k]
			if math.Abs(float64(v)-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("weight %d = %v, want %v", k, v, want)
			}
			k++
		}
	}
	if o.Rows != rows || o.Rank == 0 {
		t.Errorf("Rows %d Rank %d, want %d rows and some rank", o.Rows, o.Rank, rows)
	}
	defer func() {
		if recover() == nil {
			t.Error("Step without an objective did not panic")
		}
	}()
	o.Step()
}

// TestHIGDirectionNonFinite: a Jacobian or gradient with a NaN or infinity gives a NaN
// direction (the runner then reports the job diverged), not a panic.
func TestHIGDirectionNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		j := []float64{1, 2, 3, 4, 5, bad}
		g := []float64{1, 1}
		d, kept := HIGDirection(nil, j, g, 2, 3, 0, 0.5)
		if kept != 0 || !math.IsNaN(d[0]) {
			t.Errorf("J with %v: direction %v, kept %d; want NaN, 0", bad, d, kept)
		}
		d, kept = HIGDirection(nil, []float64{1, 2, 3, 4, 5, 6}, []float64{bad, 1}, 2, 3, 0, 0.5)
		if kept != 0 || !math.IsNaN(d[2]) {
			t.Errorf("g with %v: direction %v, kept %d; want NaN, 0", bad, d, kept)
		}
	}
}
