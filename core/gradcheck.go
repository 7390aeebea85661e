package core

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GradCheck compares the gradients that Backward computes with central finite
// differences. build records a computation on the tape from leaves made of inputs (in the
// same order) and may use params; GradCheck seeds the output with a fixed random upstream
// gradient w, so that the checked function is f = ⟨build(inputs), w⟩, evaluated in float64
// from the float32 output.
//
// It checks up to MaxPerTensor elements of every input and parameter one by one, and each
// whole tensor along a random direction. It returns an error describing the worst mismatch,
// or nil.
//
// The zero value of GradCheckOptions uses Eps 1e-2, RelTol 2e-2, AbsTol 1e-3 (relative to
// the largest gradient entry) and MaxPerTensor 24; these suit float32 networks of moderate
// size, whose forward rounding (≈1e-7 relative) limits the accuracy of a central difference
// to about rounding/Eps.
func GradCheck(build func(t *Tape, in []*Var) *Var, inputs []*Tensor, params []*Param, o GradCheckOptions) error {
	o.defaults()
	rng := rand.New(rand.NewPCG(7, 11))
	c := &gradCheck{build: build, inputs: inputs, o: o, tape: NewTape()}
	c.tape.Training = !o.Eval
	out, leaves := c.eval()
	c.w = New(out.Value.Shape...)
	for i := range c.w.Data {
		c.w.Data[i] = float32(rng.NormFloat64())
	}
	ZeroGrads(params)
	c.tape.Backward(out, c.w)
	for _, tg := range gradTargets(leaves, inputs, params) {
		var gmax float64
		for _, g := range tg.g {
			gmax = math.Max(gmax, math.Abs(float64(g)))
		}
		atol := o.AbsTol * math.Max(gmax, 1e-3)
		if err := c.elements(tg, atol, rng); err != nil {
			return err
		}
		if err := c.direction(tg, atol, rng); err != nil {
			return err
		}
	}
	return nil
}

// gradCheck is one GradCheck: the computation, its tape, and the upstream gradient w.
type gradCheck struct {
	build  func(t *Tape, in []*Var) *Var
	inputs []*Tensor
	o      GradCheckOptions
	tape   *Tape
	w      *Tensor
}

// gradTarget is a tensor whose gradient is checked: an input or a parameter, with the
// gradient Backward computed for it.
type gradTarget struct {
	name string
	x    *Tensor
	g    []float32
}

// gradTargets returns the inputs (through their leaves) and the parameters, with copies
// of their gradients (zero for an input that the output does not depend on).
func gradTargets(leaves []*Var, inputs []*Tensor, params []*Param) []gradTarget {
	var targets []gradTarget
	for i, l := range leaves {
		g := make([]float32, inputs[i].Len())
		if l.Grad != nil {
			copy(g, l.Grad.Data)
		}
		targets = append(targets, gradTarget{fmt.Sprintf("input %d", i), inputs[i], g})
	}
	for _, p := range params {
		targets = append(targets, gradTarget{"param " + p.Name, p.Value, append([]float32(nil), p.Grad.Data...)})
	}
	return targets
}

// eval records the computation afresh from the inputs' current values.
func (c *gradCheck) eval() (*Var, []*Var) {
	c.tape.Reset()
	leaves := make([]*Var, len(c.inputs))
	for i, x := range c.inputs {
		leaves[i] = c.tape.Input(x)
	}
	return c.build(c.tape, leaves), leaves
}

// f returns ⟨build(inputs), w⟩ in float64.
func (c *gradCheck) f() float64 {
	out, _ := c.eval()
	var s float64
	for i, x := range out.Value.Data {
		s += float64(x) * float64(c.w.Data[i])
	}
	return s
}

// elements checks up to MaxPerTensor random elements of tg one by one against central
// differences whose step is the float32 distance between old ± Eps.
func (c *gradCheck) elements(tg gradTarget, atol float64, rng *rand.Rand) error {
	eps := float32(c.o.Eps)
	idx := rng.Perm(tg.x.Len())
	if len(idx) > c.o.MaxPerTensor {
		idx = idx[:c.o.MaxPerTensor]
	}
	for _, j := range idx {
		old := tg.x.Data[j]
		tg.x.Data[j] = old + eps
		fp := c.f()
		tg.x.Data[j] = old - eps
		fm := c.f()
		tg.x.Data[j] = old
		h := float64(old+eps) - float64(old-eps)
		fd := (fp - fm) / h
		ad := float64(tg.g[j])
		if math.Abs(fd-ad) > atol+c.o.RelTol*math.Max(math.Abs(fd), math.Abs(ad)) {
			return fmt.Errorf("%s[%d]: autodiff %.6g, finite difference %.6g", tg.name, j, ad, fd)
		}
	}
	return nil
}

// direction checks the whole of tg along a random direction d: ⟨g, d⟩ against the
// central difference along d.
func (c *gradCheck) direction(tg gradTarget, atol float64, rng *rand.Rand) error {
	d := make([]float32, tg.x.Len())
	var want float64
	for j := range d {
		d[j] = float32(rng.NormFloat64())
		want += float64(d[j]) * float64(tg.g[j])
	}
	orig := append([]float32(nil), tg.x.Data...)
	for j := range d {
		tg.x.Data[j] = orig[j] + float32(c.o.Eps)*d[j]
	}
	fp := c.f()
	for j := range d {
		tg.x.Data[j] = orig[j] - float32(c.o.Eps)*d[j]
	}
	fm := c.f()
	copy(tg.x.Data, orig)
	fd := (fp - fm) / (2 * c.o.Eps)
	var dn float64
	for _, v := range d {
		dn += float64(v) * float64(v)
	}
	if math.Abs(fd-want) > atol*math.Sqrt(dn)+c.o.RelTol*math.Max(math.Abs(fd), math.Abs(want)) {
		return fmt.Errorf("%s, random direction: autodiff %.6g, finite difference %.6g", tg.name, want, fd)
	}
	return nil
}

// GradCheckOptions tunes GradCheck; zero fields take the defaults documented there.
type GradCheckOptions struct {
	Eps          float64 // finite-difference step
	RelTol       float64 // relative tolerance
	AbsTol       float64 // absolute tolerance, as a fraction of the largest gradient entry
	MaxPerTensor int     // elements checked one by one per tensor
	Eval         bool    // build the tape in evaluation mode (Training false)
}

func (o *GradCheckOptions) defaults() {
	if o.Eps == 0 {
		o.Eps = 1e-2
	}
	if o.RelTol == 0 {
		o.RelTol = 2e-2
	}
	if o.AbsTol == 0 {
		o.AbsTol = 1e-3
	}
	if o.MaxPerTensor == 0 {
		o.MaxPerTensor = 24
	}
}
