package optimizers

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/sipbench/sipbench/core"
)

// HIG is the half-inverse gradient optimizer of Schnell, Holl and Thuerey (ICLR 2022),
// and with Kappa = 1 Gauss–Newton with a truncated pseudo-inverse. It inverts the joint
// Jacobian of network and physics over the whole batch. One step, with y the physics
// outputs P(NN(y*; θ)) of the batch stacked into one vector of B·dim y rows, J = ∂y/∂θ
// (rows × weights), its thin singular value decomposition J = U·Λ·Vᵀ and g = (∂L/∂y)ᵀ
// (the training loss's gradient in y, with the batch reduction applied):
//
//	Δθ = −η · V·Λ⁻ᵏ·Uᵀ·g,   κ = Kappa, η = the learning rate,
//
// where the singular values σᵢ ≤ Tau·σ_max are truncated: their terms are dropped (not
// clamped to the cut-off), as the original's pseudo-inverse does (rcond, relative to the
// largest singular value). κ = ½ is HIG, κ = 1 Gauss–Newton, κ = −1 gradient descent
// (V·Λ·Uᵀ·g = Jᵀ·g), κ = 0 the orthogonal factor V·Uᵀ·g (the gradient's direction
// only when the kept singular values are all equal).
//
// The decomposition is not an SVD of J: it is the eigendecomposition (mat.EigenSym) of
// the smaller Gram matrix, J·Jᵀ = U·Λ²·Uᵀ when the rows are at most the weights (every
// preset's case: a batch of B·dim y rows against thousands of weights), else
// Jᵀ·J = V·Λ²·Vᵀ. Then V·Λ⁻ᵏ·Uᵀ·g = Jᵀ·U·Λ⁻ᵏ⁻¹·Uᵀ·g, resp. V·Λ⁻ᵏ⁻¹·Vᵀ·Jᵀ·g. Why: forming
// the Gram matrix costs rows²·weights/2 multiply-adds (a symmetric rank-k update) and the
// eigendecomposition of a rows×rows matrix rows³ more; a thin SVD of J costs several
// times the Gram product and holds U and V besides J. The price is precision: the Gram
// matrix squares the condition number, so a σᵢ is known to about 1e-16·σ_max²/σᵢ. At the
// truncation Tau = 1e-6 that is 5e-5 relative to σᵢ, far below the error that J's own
// float32 entries carry (≈ 6e-8·σ_max, 6e-2 relative to such a σᵢ); the original
// decomposes a float32 J. Everything here is in float64.
//
// J is built with the network's reverse-mode tape, one backward pass per row (see
// NetObjective.Jacobian); its memory is 8·rows·weights bytes (JacobianBytes).
//
// State order: the step count. HIG keeps no other state: a step depends on the batch
// only. HIG is a ClosureOptimizer; Step panics.
type HIG struct {
	base
	// Tau is the truncation, relative to the largest singular value; 0 keeps every
	// non-zero singular value.
	Tau float64
	// Kappa is the exponent κ of Λ⁻ᵏ.
	Kappa float64
	// Rank is the number of singular values the last step kept, Rows the rows of its J.
	Rank, Rows int

	jac, g []float64
	dir    []float64
}

var _ ClosureOptimizer = (*HIG)(nil)

// HIG's defaults: the original's truncation for the oscillators (submit_HIG.py,
// submit_GN.py: truncation = 10**-6) and HIG's κ = ½.
const (
	DefaultTau   = 1e-6
	DefaultKappa = 0.5
)

// NewHIG returns a HIG optimizer for params with learning rate lr, relative truncation
// tau and exponent kappa. It panics if lr or tau is negative or not finite, or kappa is
// not finite, or as NewAdam does on bad parameters.
func NewHIG(params []*core.Param, lr, tau, kappa float64) *HIG {
	if math.IsNaN(tau) || math.IsInf(tau, 0) || tau < 0 || math.IsNaN(kappa) || math.IsInf(kappa, 0) {
		panic(fmt.Sprintf("optimizers: NewHIG: truncation %v must be finite and ≥ 0, kappa %v finite", tau, kappa))
	}
	return &HIG{base: newBase("HIG", params, lr), Tau: tau, Kappa: kappa}
}

// Step panics: HIG needs the objective's Jacobian (StepWith).
func (o *HIG) Step() {
	panic("optimizers: HIG.Step: needs an objective with a Jacobian; call StepWith")
}

// StepWith performs one step from obj's Jacobian. obj must be a JacobianObjective; it
// panics otherwise. Param.Grad is overwritten.
func (o *HIG) StepWith(obj Objective) {
	jo, ok := obj.(JacobianObjective)
	if !ok {
		panic(fmt.Sprintf("optimizers: HIG.StepWith: objective %T has no Jacobian", obj))
	}
	o.nextStep()
	var rows int
	o.jac, o.g, rows = jo.Jacobian(o.jac, o.g)
	n := core.CountParams(o.params)
	o.Rows = rows
	o.dir, o.Rank = HIGDirection(o.dir, o.jac, o.g, rows, n, o.Tau, o.Kappa)
	lr := o.lr
	k := 0
	for _, p := range o.params {
		for j := range p.Value.Data {
			p.Value.Data[j] = float32(float64(p.Value.Data[j]) - lr*o.dir[k])
			k++
		}
	}
}

// State returns the step count.
func (o *HIG) State() []*core.Tensor { return o.state() }

// HIGDirection writes into dst (allocated when too short) the direction V·Λ⁻ᵏ·Uᵀ·g of
// the rows×n matrix J (row-major in j) with its singular values σᵢ ≤ tau·σ_max (and the
// zero ones) dropped, and returns it with the number of singular values kept. See HIG
// for the method. A J or g with a NaN or infinity (a diverged network), or a Gram matrix
// whose eigendecomposition does not converge, gives a direction of NaNs and 0 kept, so
// that the step makes the weights NaN and the runner reports the job diverged. It panics
// if j or g do not have rows×n and rows elements.
func HIGDirection(dst, j, g []float64, rows, n int, tau, kappa float64) ([]float64, int) {
	if len(j) != rows*n || len(g) != rows {
		panic(fmt.Sprintf("optimizers: HIGDirection: J has %d elements for %d×%d, g %d for %d rows", len(j), rows, n, len(g), rows))
	}
	if cap(dst) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	clear(dst)
	if rows == 0 || n == 0 {
		return dst, 0
	}
	for _, v := range j {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nanDirection(dst)
		}
	}
	for _, v := range g {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nanDirection(dst)
		}
	}
	J := mat.NewDense(rows, n, j)
	small := min(rows, n)
	gram := mat.NewSymDense(small, nil)
	if rows <= n {
		gram.SymOuterK(1, J) // J·Jᵀ
	} else {
		gram.SymOuterK(1, J.T()) // Jᵀ·J
	}
	var eig mat.EigenSym
	if !eig.Factorize(gram, true) {
		return nanDirection(dst)
	}
	lambda := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	lmax := 0.0
	for _, l := range lambda {
		lmax = math.Max(lmax, l)
	}
	smax := math.Sqrt(lmax)
	if !(smax > 0) {
		return dst, 0
	}
	// b: the right-hand side in the eigenbasis: Uᵀ·g (rows ≤ n) or Vᵀ·Jᵀ·g.
	gv := mat.NewVecDense(rows, g)
	var rhs mat.VecDense
	if rows <= n {
		rhs.MulVec(vecs.T(), gv)
	} else {
		var jtg mat.VecDense
		jtg.MulVec(J.T(), gv)
		rhs.MulVec(vecs.T(), &jtg)
	}
	coef := mat.NewVecDense(small, nil)
	kept := 0
	for i, l := range lambda {
		s := math.Sqrt(math.Max(l, 0))
		if s <= tau*smax || s == 0 {
			continue
		}
		kept++
		coef.SetVec(i, math.Pow(s, -kappa-1)*rhs.AtVec(i))
	}
	var w mat.VecDense
	w.MulVec(&vecs, coef) // U·c, resp. V·c
	out := mat.NewVecDense(n, dst)
	if rows <= n {
		out.MulVec(J.T(), &w) // Jᵀ·U·Λ⁻ᵏ⁻¹·Uᵀ·g
	} else {
		out.CopyVec(&w) // V·Λ⁻ᵏ⁻¹·Vᵀ·Jᵀ·g
	}
	return dst, kept
}

// JacobianBytes returns the memory HIG's step holds for a Jacobian of rows × n: J and
// the Gram matrix, in float64.
func JacobianBytes(rows, n int) float64 {
	small := float64(min(rows, n))
	return 8 * (float64(rows)*float64(n) + small*small)
}

// The bounds of HIG's step, beyond which a Jacobian is refused before training: its
// memory (J and the Gram matrix, JacobianBytes) and its work, the Gram product's and the
// eigendecomposition's rows·n·min(rows, n) multiply-adds (JacobianWork). 1e11 is about a
// minute per step at the 2 GFLOP/s that gonum's pure-Go matrix product reaches on one
// core.
const (
	MaxJacobianBytes = 1 << 30
	MaxJacobianWork  = 1e11
)

// JacobianWork returns rows·n·min(rows, n), the order of the multiply-adds of HIG's step
// for a Jacobian of rows × n.
func JacobianWork(rows, n int) float64 {
	return float64(rows) * float64(n) * float64(min(rows, n))
}

// ErrJacobianTooLarge is wrapped by CheckJacobian's errors.
var ErrJacobianTooLarge = errors.New("the Jacobian is too large for HIG")

// CheckJacobian returns an error (wrapping ErrJacobianTooLarge) naming the Jacobian's size and the bound it breaks if
// HIG cannot take a step with a Jacobian of rows × n, nil if it can.
func CheckJacobian(method string, batch, outputs, n int) error {
	rows := batch * outputs
	bytes, work := JacobianBytes(rows, n), JacobianWork(rows, n)
	size := fmt.Sprintf("its Jacobian is %d rows (batch %d × %d outputs) × %d weights, %s in float64 with its Gram matrix",
		rows, batch, outputs, n, byteSize(bytes))
	switch {
	case bytes > MaxJacobianBytes:
		return fmt.Errorf("method %s (optimizer hig) cannot train here: %s; the bound is %s (%w)", method, size, byteSize(MaxJacobianBytes), ErrJacobianTooLarge)
	case work > MaxJacobianWork:
		return fmt.Errorf("method %s (optimizer hig) cannot train here: %s, and %.2g multiply-adds per step; the bound is %.0e (%w)", method, size, work, MaxJacobianWork, ErrJacobianTooLarge)
	}
	return nil
}

// byteSize writes b in B, KiB, MiB, GiB or TiB.
func byteSize(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}

// nanDirection fills dst with NaN and returns it with 0 singular values kept.
func nanDirection(dst []float64) ([]float64, int) {
	for i := range dst {
		dst[i] = math.NaN()
	}
	return dst, 0
}
