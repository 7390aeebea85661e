package optimizers

import (
	"fmt"
	"math"
	"slices"

	"github.com/sipbench/sipbench/core"
)

// HessianFree is Martens' (2010) Hessian-free optimizer with Gauss–Newton curvature, as the
// original trains with it: the PyTorchHessianFree package (HessianFree(curvature_opt='ggn')
// with its defaults). One step, with g the gradient, G the Gauss–Newton matrix of the
// objective (Objective.GaussNewton), λ the damping and A = G + λI:
//
//  1. CG on A·d = −g, started from x₀ = CGDecay × the previous step's final CG iterate
//     (0 at the first step), for at most CGMaxIter iterations. It stops when Martens'
//     progress test holds — with m_i = ½dᵢᵀAdᵢ + gᵀdᵢ the quadratic model at iterate i and
//     k = max(10, ⌊i/10⌋), (m_i − m_{i−k})/(m_i − m_0) < 5e-4 for i > k — or when
//     ‖r_i‖ < 1e-5·‖g‖ or the residual is NaN. Iterates i ∈ {⌈1.3^j⌉ − 1} and the last
//     are kept.
//  2. Damping (Levenberg–Marquardt): ρ = (f(d_last) − f(x₀))/(m_last − m_0), with f(d) the
//     objective at θ + d; λ ← 3λ/2 if ρ < 1/4, λ ← 2λ/3 if ρ > 3/4 (ρ NaN: unchanged).
//  3. Backtracking (if Backtrack): from the last kept iterate backwards, f is evaluated
//     while it decreases; the step d is the kept iterate with the lowest f seen.
//  4. Line search (if LineSearch): α = lr, then α ← 0.8α up to 20 times, until the Armijo
//     condition f(αd) ≤ f(0) + 0.01·α·gᵀd holds; α = 0 if it never does. Without it
//     α = lr.
//  5. θ ← θ + α·d.
//
// Non-positive curvature pᵀAp ≤ 0 in CG is used as it is (the package's "ignore").
//
// A step costs one Gauss–Newton product per CG iteration (3 forward passes and 1 backward
// pass each; one more when x₀ ≠ 0) and one forward pass per evaluation of f (2 for the
// damping, typically 1–3 for backtracking and 1–2 for the line search).
//
// State order: step count, λ (a one-element tensor, whose float32 value is the damping
// used), then the next step's CG start x₀, one tensor per parameter.
type HessianFree struct {
	base
	// CGMaxIter is the largest number of CG iterations per step; NewHessianFree sets 250.
	CGMaxIter int
	// CGDecay scales the previous step's CG solution into the next step's start;
	// NewHessianFree sets 0.95 (0: CG starts from 0 every step).
	CGDecay float64
	// Backtrack and LineSearch turn steps 3 and 4 on; NewHessianFree sets both.
	Backtrack, LineSearch bool
	// MinDamping is a floor on λ (0: none; the package has none).
	MinDamping float64
	// Rho is the last step's reduction ratio (NaN before the first step).
	Rho float64
	// CGIterations is the number of CG iterations of the last step, and Alpha its line
	// search's step size.
	CGIterations int
	Alpha        float64

	lambda              *core.Tensor
	x0                  []*core.Tensor // state: the next CG start
	g, d, r, p, ap, tmp []*core.Tensor
	theta               []*core.Tensor
	kept                [][]*core.Tensor // iterates kept for backtracking, reused
	keptAt              []int
}

var _ ClosureOptimizer = (*HessianFree)(nil)

// Settings of PyTorchHessianFree that NewHessianFree does not expose.
const (
	hfCGTol         = 1e-5 // CG's relative residual tolerance (its cg's tol)
	hfMartensEps    = 5e-4 // Martens' progress test
	hfKeepGamma     = 1.3  // iterates ⌈γ^j⌉ − 1 are kept for backtracking
	hfArmijoC       = 1e-2 // the line search's sufficient decrease
	hfArmijoBeta    = 0.8  // and its reduction factor
	hfLineSearchMax = 20
)

// NewHessianFree returns a Hessian-free optimizer for params with learning rate lr (the
// line search's first step size, 1 in the package), initial damping lambda, and the
// package's defaults: 250 CG iterations at most, warm start decay 0.95, backtracking and
// line search on. It panics if lr or lambda is negative, or as NewAdam does.
func NewHessianFree(params []*core.Param, lr, lambda float64) *HessianFree {
	if lambda < 0 {
		panic(fmt.Sprintf("optimizers: NewHessianFree: negative damping %v", lambda))
	}
	o := &HessianFree{base: newBase("NewHessianFree", params, lr), CGMaxIter: 250, CGDecay: 0.95,
		Backtrack: true, LineSearch: true, Rho: math.NaN()}
	o.lambda = core.New(1)
	o.lambda.Data[0] = float32(lambda)
	o.x0 = o.buffers()
	o.g, o.d, o.r, o.p, o.ap, o.tmp = o.buffers(), o.buffers(), o.buffers(), o.buffers(), o.buffers(), o.buffers()
	return o
}

// Damping returns the current λ.
func (o *HessianFree) Damping() float64 { return float64(o.lambda.Data[0]) }

// Step panics: Hessian-free needs the objective (StepWith).
func (o *HessianFree) Step() {
	panic("optimizers: HessianFree.Step: needs an objective; call StepWith")
}

// StepWith performs one Hessian-free step on obj, from the gradient in Param.Grad.
func (o *HessianFree) StepWith(obj Objective) {
	o.nextStep()
	ps := o.params
	copyAll(o.g, gradsOf(ps))
	o.theta = snapshotInto(o.theta, valuesOf(ps))
	lambda := o.Damping()
	f := func(step []*core.Tensor, a float64) float64 { // the objective at θ + a·step
		shifted(ps, o.theta, a, step)
		v := obj.Value()
		copyAll(valuesOf(ps), o.theta)
		return v
	}
	m0, mLast := o.cg(obj, lambda)
	last := len(o.keptAt) - 1
	// The next start: the decayed last iterate (not the backtracked one).
	for i, x := range o.x0 {
		for j, v := range o.kept[last][i].Data {
			x.Data[j] = float32(o.CGDecay * float64(v))
		}
	}
	fLast := f(o.kept[last], 1)
	o.Rho = (fLast - f(o.kept[0], 1)) / (mLast - m0)
	switch {
	case o.Rho < 0.25:
		lambda *= 1.5
	case o.Rho > 0.75:
		lambda *= 2.0 / 3
	}
	o.lambda.Data[0] = float32(math.Max(lambda, o.MinDamping))

	best, fBest := last, fLast
	if o.Backtrack {
		for k := last - 1; k >= 0; k-- {
			v := f(o.kept[k], 1)
			if !(v < fBest) {
				break
			}
			best, fBest = k, v
		}
	}
	step := o.kept[best]
	alpha := o.lr
	if o.LineSearch {
		f0 := f(step, 0)
		c := hfArmijoC * dot(o.g, step)
		v := fBest
		if alpha != 1 {
			v = f(step, alpha)
		}
		found := false
		for range hfLineSearchMax {
			if v <= f0+alpha*c {
				found = true
				break
			}
			alpha *= hfArmijoBeta
			v = f(step, alpha)
		}
		if !found {
			alpha = 0
		}
	}
	o.Alpha = alpha
	shifted(ps, o.theta, alpha, step)
	copyAll(gradsOf(ps), o.g)
}

// cg runs preconditioner-free CG on (G + λI)·d = −g from o.x0, keeping the iterates that
// backtracking may choose in o.kept (indices in o.keptAt, the last iterate always last),
// and returns the quadratic model m at the start and at the last iterate.
func (o *HessianFree) cg(obj Objective, lambda float64) (m0, mLast float64) {
	aTimes := func(dst, v []*core.Tensor) {
		obj.GaussNewton(dst, v)
		for i := range dst {
			for j, x := range v[i].Data {
				dst[i].Data[j] = float32(float64(dst[i].Data[j]) + lambda*float64(x))
			}
		}
	}
	// model returns m(x) = ½(r − b)ᵀx with r = Ax − b, b = −g.
	model := func(x []*core.Tensor) float64 {
		var s float64
		for i := range x {
			for j, v := range x[i].Data {
				s += (float64(o.r[i].Data[j]) + float64(o.g[i].Data[j])) * float64(v)
			}
		}
		return s / 2
	}
	copyAll(o.d, o.x0)
	if norm(o.x0) == 0 {
		copyAll(o.r, o.g) // r = A·0 − b = g
	} else {
		aTimes(o.r, o.x0)
		for i := range o.r {
			for j, g := range o.g[i].Data {
				o.r[i].Data[j] += g
			}
		}
	}
	o.keptAt = o.keptAt[:0]
	o.keep(0)
	ms := []float64{model(o.d)}
	bound := hfCGTol * norm(o.g)
	for i := range o.p {
		for j, r := range o.r[i].Data {
			o.p[i].Data[j] = -r
		}
	}
	rr := dot(o.r, o.r)
	keepAt := hfKeepGrid(o.CGMaxIter)
	iter := 1
	for ; ; iter++ {
		aTimes(o.ap, o.p)
		alpha := rr / dot(o.p, o.ap)
		for i := range o.d {
			for j := range o.d[i].Data {
				o.d[i].Data[j] = float32(float64(o.d[i].Data[j]) + alpha*float64(o.p[i].Data[j]))
				o.r[i].Data[j] = float32(float64(o.r[i].Data[j]) + alpha*float64(o.ap[i].Data[j]))
			}
		}
		if _, ok := slices.BinarySearch(keepAt, iter); ok {
			o.keep(iter)
		}
		ms = append(ms, model(o.d))
		if k := max(10, iter/10); k < iter && (ms[iter]-ms[iter-k])/(ms[iter]-ms[0]) < hfMartensEps {
			break
		}
		rn := norm(o.r)
		if iter >= o.CGMaxIter || math.IsNaN(rn) || rn < bound {
			break
		}
		next := dot(o.r, o.r)
		beta := next / rr
		rr = next
		for i := range o.p {
			for j := range o.p[i].Data {
				o.p[i].Data[j] = float32(-float64(o.r[i].Data[j]) + beta*float64(o.p[i].Data[j]))
			}
		}
	}
	if o.keptAt[len(o.keptAt)-1] != iter {
		o.keep(iter)
	}
	o.CGIterations = iter
	return ms[0], ms[iter]
}

// keep appends a copy of the current CG iterate o.d as iterate iter.
func (o *HessianFree) keep(iter int) {
	k := len(o.keptAt)
	if k == len(o.kept) {
		o.kept = append(o.kept, o.buffers())
	}
	copyAll(o.kept[k], o.d)
	o.keptAt = append(o.keptAt, iter)
}

// hfKeepGrid returns the sorted CG iterations ⌈1.3^j⌉ − 1, j = 0 … ⌈log(maxIter+1)/log 1.3⌉,
// whose iterates are kept for backtracking (the package's storing grid).
func hfKeepGrid(maxIter int) []int {
	jmax := int(math.Ceil(math.Log(float64(maxIter+1)) / math.Log(hfKeepGamma)))
	var out []int
	for j := 0; j <= jmax; j++ {
		it := int(math.Ceil(math.Pow(hfKeepGamma, float64(j)))) - 1
		if len(out) == 0 || out[len(out)-1] != it {
			out = append(out, it)
		}
	}
	return out
}

// State returns the step count, the damping λ and the next CG start.
func (o *HessianFree) State() []*core.Tensor {
	return append([]*core.Tensor{o.step, o.lambda}, o.x0...)
}
