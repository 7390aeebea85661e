package core

import (
	"math/rand/v2"
	"testing"
)

// TestFNOGradients checks a small FNO end to end (2 layers, 2 modes, width 3) against
// finite differences, for the input and every parameter.
func TestFNOGradients(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 4))
	f := NewFNO(1, 1, 2, 2, 3, rng)
	// Larger spectral weights than the initialisation's 1/width², so that the spectral
	// path matters in the checked function.
	for l := range f.Layers {
		for _, p := range []*Param{f.wr[l], f.wi[l]} {
			for i := range p.Value.Data {
				p.Value.Data[i] = float32(rng.NormFloat64())
			}
		}
	}
	x := randTensor(rng, 2, 1, 8, 4)
	err := GradCheck(func(tp *Tape, in []*Var) *Var { return f.Forward(in[0]) }, []*Tensor{x}, f.Params(), GradCheckOptions{})
	if err != nil {
		t.Error(err)
	}
}

// TestFNOShapeAndParams checks the output shape and the parameter count of the default
// FNO: lift 3·32+32, per layer 2·32·32·24·12 + 32·32+32, projection 32·128+128 + 128+1.
func TestFNOShapeAndParams(t *testing.T) {
	t.Parallel()
	l, m, w := DefaultFNO[0], DefaultFNO[1], DefaultFNO[2]
	f := NewFNO(1, 1, l, m, w, rand.New(rand.NewPCG(1, 1)))
	want := (3*w + w) + l*(2*w*w*2*m*m+w*w+w) + (w*fnoHidden + fnoHidden) + (fnoHidden + 1)
	if got := CountParams(f.Params()); got != want {
		t.Errorf("default FNO has %d parameters; want %d", got, want)
	}
	tp := NewTape()
	y := f.Forward(tp.Const(New(2, 1, 32, 32)))
	if s := y.Value.Shape; !SameShape(s, []int{2, 1, 32, 32}) {
		t.Errorf("output shape %v; want [2 1 32 32]", s)
	}
}
