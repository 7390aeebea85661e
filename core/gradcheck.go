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
	tape := NewTape()
	tape.Training = !o.Eval
	eval := func() (*Var, []*Var) {
		tape.Reset()
		leaves := make([]*Var, len(inputs))
		for i, x := range inputs {
			leaves[i] = tape.Input(x)
		}
		return build(tape, leaves), leaves
	}
	out, leaves := eval()
	w := New(out.Value.Shape...)
	for i := range w.Data {
		w.Data[i] = float32(rng.NormFloat64())
	}
	f := func() float64 {
		out, _ := eval()
		var s float64
		for i, x := range out.Value.Data {
			s += float64(x) * float64(w.Data[i])
		}
		return s
	}
	ZeroGrads(params)
	tape.Backward(out, w)
	type target struct {
		name string
		x    *Tensor
		g    []float32
	}
	var targets []target
	for i, l := range leaves {
		g := make([]float32, inputs[i].Len())
		if l.Grad != nil {
			copy(g, l.Grad.Data)
		}
		targets = append(targets, target{fmt.Sprintf("input %d", i), inputs[i], g})
	}
	for _, p := range params {
		targets = append(targets, target{"param " + p.Name, p.Value, append([]float32(nil), p.Grad.Data...)})
	}
	for _, tg := range targets {
		var gmax float64
		for _, g := range tg.g {
			gmax = math.Max(gmax, math.Abs(float64(g)))
		}
		atol := o.AbsTol * math.Max(gmax, 1e-3)
		idx := rng.Perm(tg.x.Len())
		if len(idx) > o.MaxPerTensor {
			idx = idx[:o.MaxPerTensor]
		}
		for _, j := range idx {
			old := tg.x.Data[j]
			tg.x.Data[j] = old + float32(o.Eps)
			fp := f()
			tg.x.Data[j] = old - float32(o.Eps)
			fm := f()
			tg.x.Data[j] = old
			h := float64(old+float32(o.Eps)) - float64(old-float32(o.Eps))
			fd := (fp - fm) / h
			ad := float64(tg.g[j])
			if math.Abs(fd-ad) > atol+o.RelTol*math.Max(math.Abs(fd), math.Abs(ad)) {
				return fmt.Errorf("%s[%d]: autodiff %.6g, finite difference %.6g", tg.name, j, ad, fd)
			}
		}
		// Directional check over the whole tensor.
		d := make([]float32, tg.x.Len())
		var want float64
		for j := range d {
			d[j] = float32(rng.NormFloat64())
			want += float64(d[j]) * float64(tg.g[j])
		}
		orig := append([]float32(nil), tg.x.Data...)
		for j := range d {
			tg.x.Data[j] = orig[j] + float32(o.Eps)*d[j]
		}
		fp := f()
		for j := range d {
			tg.x.Data[j] = orig[j] - float32(o.Eps)*d[j]
		}
		fm := f()
		copy(tg.x.Data, orig)
		fd := (fp - fm) / (2 * o.Eps)
		var dn float64
		for _, v := range d {
			dn += float64(v) * float64(v)
		}
		if math.Abs(fd-want) > atol*math.Sqrt(dn)+o.RelTol*math.Max(math.Abs(fd), math.Abs(want)) {
			return fmt.Errorf("%s, random direction: autodiff %.6g, finite difference %.6g", tg.name, want, fd)
		}
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
