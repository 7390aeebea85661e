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
	for _, pad := range []int{0, 3} { // 3: the lifted 8×4 fields become 11×7
		f.Padding = pad
		err := GradCheck(func(tp *Tape, in []*Var) *Var { return f.Forward(in[0]) }, []*Tensor{x}, f.Params(), GradCheckOptions{})
		if err != nil {
			t.Errorf("padding %d: %v", pad, err)
		}
	}
}

// TestFNOPadding: padding changes what the layers see (the zero cells enter the Fourier
// modes), not the output's shape; and the pad and crop ops place the values as
// F.pad(x, [0, p, 0, p]) and x[..., :−p, :−p] do.
func TestFNOPadding(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	f := NewFNO(1, 1, 2, 2, 3, rng)
	x := randTensor(rng, 1, 1, 6, 5)
	tp := NewTape()
	y0 := f.Forward(tp.Const(x)).Value.Clone()
	f.Padding = 2
	y2 := f.Forward(tp.Const(x)).Value
	if !SameShape(y0.Shape, y2.Shape) {
		t.Fatalf("padded output %v, unpadded %v; want the same shape", y2.Shape, y0.Shape)
	}
	same := true
	for i := range y0.Data {
		same = same && y0.Data[i] == y2.Data[i]
	}
	if same {
		t.Error("padding by 2 left the output unchanged")
	}
	p := PadEnd2(tp.Const(x), 2).Value
	for i := range 8 {
		for j := range 7 {
			want := float32(0)
			if i < 6 && j < 5 {
				want = x.Data[i*5+j]
			}
			if got := p.Data[i*7+j]; got != want {
				t.Fatalf("PadEnd2[%d,%d] = %v; want %v", i, j, got, want)
			}
		}
	}
	c := CropEnd2(tp.Const(p), 2).Value
	for i, v := range x.Data {
		if c.Data[i] != v {
			t.Fatalf("CropEnd2(PadEnd2(x)) differs from x at %d", i)
		}
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
