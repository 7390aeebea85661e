package core

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func randTensor(rng *rand.Rand, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// awayFromZero returns a random tensor whose entries are at least 0.1 from 0, so that a
// finite difference does not cross the kink of ReLU or |·|.
func awayFromZero(rng *rand.Rand, shape ...int) *Tensor {
	t := randTensor(rng, shape...)
	for i, x := range t.Data {
		if x >= 0 && x < 0.1 {
			t.Data[i] = x + 0.1
		} else if x < 0 && x > -0.1 {
			t.Data[i] = x - 0.1
		}
	}
	return t
}

// spreadOut returns a random permutation of 0.1·(0, 1, …, n−1) in the given shape: values
// 0.1 apart, so that a finite difference with Eps 1e-2 never reorders them.
func spreadOut(rng *rand.Rand, shape ...int) *Tensor {
	t := New(shape...)
	for i, j := range rng.Perm(t.Len()) {
		t.Data[i] = 0.1 * float32(j)
	}
	return t
}

type gradCase struct {
	name   string
	inputs []*Tensor
	params []*Param
	build  func(t *Tape, in []*Var) *Var
	opts   GradCheckOptions
}

// gradCases lists every op of the core; adding an op adds one entry here.
func gradCases() []gradCase {
	rng := rand.New(rand.NewPCG(1, 1))
	w := &Param{Name: "W", Value: randTensor(rng, 4, 3), Grad: New(4, 3)}
	b := &Param{Name: "b", Value: randTensor(rng, 4), Grad: New(4)}
	cw3 := &Param{Name: "conv3 W", Value: randTensor(rng, 3, 2, 3, 3), Grad: New(3, 2, 3, 3)}
	cb3 := &Param{Name: "conv3 b", Value: randTensor(rng, 3), Grad: New(3)}
	cw1 := &Param{Name: "conv1 W", Value: randTensor(rng, 2, 3, 1, 1), Grad: New(2, 3, 1, 1)}
	bnTrain := NewBatchNorm2d("bn", 3)
	bnTrain.Gamma.Value = randTensor(rng, 3)
	bnTrain.Beta.Value = randTensor(rng, 3)
	bnEval := NewBatchNorm2d("bn", 3)
	bnEval.Gamma.Value = randTensor(rng, 3)
	bnEval.Beta.Value = randTensor(rng, 3)
	bnEval.RunningMean = randTensor(rng, 3)
	bnEval.RunningVar = FromData([]float32{0.5, 1.5, 2}, 3)
	srng := rand.New(rand.NewPCG(8, 8)) // the spectral cases' own stream leaves the others' data as it was
	swr := &Param{Name: "spectral wr", Value: randTensor(srng, 2, 3, 4, 2), Grad: New(2, 3, 4, 2)}
	swi := &Param{Name: "spectral wi", Value: randTensor(srng, 2, 3, 4, 2), Grad: New(2, 3, 4, 2)}
	return []gradCase{
		{name: "Add", inputs: []*Tensor{randTensor(rng, 2, 3), randTensor(rng, 2, 3)},
			build: func(t *Tape, in []*Var) *Var { return Add(in[0], in[1]) }},
		{name: "Sub", inputs: []*Tensor{randTensor(rng, 2, 3), randTensor(rng, 2, 3)},
			build: func(t *Tape, in []*Var) *Var { return Sub(in[0], in[1]) }},
		{name: "Mul", inputs: []*Tensor{randTensor(rng, 2, 3), randTensor(rng, 2, 3)},
			build: func(t *Tape, in []*Var) *Var { return Mul(in[0], in[1]) }},
		{name: "Mul same input twice", inputs: []*Tensor{randTensor(rng, 5)},
			build: func(t *Tape, in []*Var) *Var { return Mul(in[0], in[0]) }},
		{name: "Scale", inputs: []*Tensor{randTensor(rng, 7)},
			build: func(t *Tape, in []*Var) *Var { return Scale(in[0], -2.5) }},
		{name: "ReLU", inputs: []*Tensor{awayFromZero(rng, 3, 4)},
			build: func(t *Tape, in []*Var) *Var { return ReLU(in[0]) }},
		{name: "Sigmoid", inputs: []*Tensor{randTensor(rng, 3, 4)},
			build: func(t *Tape, in []*Var) *Var { return Sigmoid(in[0]) }},
		{name: "Tanh", inputs: []*Tensor{randTensor(rng, 3, 4)},
			build: func(t *Tape, in []*Var) *Var { return Tanh(in[0]) }},
		{name: "GELU", inputs: []*Tensor{randTensor(rng, 3, 4)},
			build: func(t *Tape, in []*Var) *Var { return GELU(in[0]) }},
		{name: "Sum", inputs: []*Tensor{randTensor(rng, 3, 4)},
			build: func(t *Tape, in []*Var) *Var { return Sum(in[0]) }},
		{name: "Mean", inputs: []*Tensor{randTensor(rng, 3, 4)},
			build: func(t *Tape, in []*Var) *Var { return Mean(in[0]) }},
		{name: "L2Loss", inputs: []*Tensor{randTensor(rng, 3, 4), randTensor(rng, 3, 4)},
			build: func(t *Tape, in []*Var) *Var { return L2Loss(in[0], in[1]) }},
		{name: "L1Loss", inputs: []*Tensor{awayFromZero(rng, 3, 4), New(3, 4)},
			build: func(t *Tape, in []*Var) *Var { return L1Loss(in[0], in[1]) }},
		{name: "CenterTo", inputs: []*Tensor{randTensor(rng, 3, 1, 2, 2)},
			build: func(t *Tape, in []*Var) *Var { return CenterTo(in[0], []float32{1, -2, 0.5}) }},
		{name: "Conv2d 3x3 over several slabs", inputs: []*Tensor{randTensor(rng, 1, 3, 48, 48), randTensor(rng, 5, 3, 3, 3), randTensor(rng, 5)},
			build: func(t *Tape, in []*Var) *Var { return Conv2d(in[0], in[1], in[2]) }},
		{name: "Linear", inputs: []*Tensor{randTensor(rng, 5, 3)}, params: []*Param{w, b},
			build: func(t *Tape, in []*Var) *Var { return Linear(in[0], t.Param(w), t.Param(b)) }},
		{name: "Linear no bias", inputs: []*Tensor{randTensor(rng, 5, 3), randTensor(rng, 2, 3)},
			build: func(t *Tape, in []*Var) *Var { return Linear(in[0], in[1], nil) }},
		{name: "Conv2d 3x3 circular", inputs: []*Tensor{randTensor(rng, 2, 2, 4, 5)}, params: []*Param{cw3, cb3},
			build: func(t *Tape, in []*Var) *Var { return Conv2d(in[0], t.Param(cw3), t.Param(cb3)) }},
		{name: "Conv2d 3x3 no bias, 1x2 grid", inputs: []*Tensor{randTensor(rng, 2, 2, 1, 2), randTensor(rng, 3, 2, 3, 3)},
			build: func(t *Tape, in []*Var) *Var { return Conv2d(in[0], in[1], nil) }},
		{name: "Conv2d 1x1", inputs: []*Tensor{randTensor(rng, 2, 3, 3, 2), randTensor(rng, 2)}, params: []*Param{cw1},
			build: func(t *Tape, in []*Var) *Var { return Conv2d(in[0], t.Param(cw1), in[1]) }},
		{name: "BatchNorm2d train", inputs: []*Tensor{randTensor(rng, 2, 3, 2, 3)}, params: []*Param{bnTrain.Gamma, bnTrain.Beta},
			build: func(t *Tape, in []*Var) *Var { return bnTrain.Forward(in[0]) }},
		{name: "BatchNorm2d eval", inputs: []*Tensor{randTensor(rng, 2, 3, 2, 3)}, params: []*Param{bnEval.Gamma, bnEval.Beta},
			opts:  GradCheckOptions{Eval: true},
			build: func(t *Tape, in []*Var) *Var { return bnEval.Forward(in[0]) }},
		// Distinct values in every window, so that no finite difference changes an arg-max.
		{name: "MaxPool2", inputs: []*Tensor{spreadOut(rng, 2, 2, 4, 5)},
			build: func(t *Tape, in []*Var) *Var { return MaxPool2(in[0]) }},
		{name: "Upsample2", inputs: []*Tensor{randTensor(rng, 2, 2, 3, 2)},
			build: func(t *Tape, in []*Var) *Var { return Upsample2(in[0]) }},
		{name: "ConcatChannels", inputs: []*Tensor{randTensor(rng, 2, 1, 2, 3), randTensor(rng, 2, 3, 2, 3)},
			build: func(t *Tape, in []*Var) *Var { return ConcatChannels(in[0], in[1]) }},
		{name: "ConcatUpsample2", inputs: []*Tensor{randTensor(rng, 2, 1, 4, 6), randTensor(rng, 2, 2, 2, 3)},
			build: func(t *Tape, in []*Var) *Var { return ConcatUpsample2(in[0], in[1]) }},
		{name: "PadEnd2", inputs: []*Tensor{randTensor(rng, 2, 2, 3, 2)},
			build: func(t *Tape, in []*Var) *Var { return PadEnd2(in[0], 2) }},
		{name: "CropEnd2", inputs: []*Tensor{randTensor(rng, 2, 2, 4, 5)},
			build: func(t *Tape, in []*Var) *Var { return CropEnd2(in[0], 2) }},
		// SpectralConv2d: 8×4 grid, m = 2 (rows k_y ∈ {0, 1, 6, 7}, k_x ∈ {0, 1}).
		{name: "SpectralConv2d", inputs: []*Tensor{randTensor(srng, 2, 2, 8, 4)}, params: []*Param{swr, swi},
			build: func(t *Tape, in []*Var) *Var { return SpectralConv2d(&Spectral{}, in[0], t.Param(swr), t.Param(swi)) }},
		{name: "SpectralConv2d 7×5 grid", inputs: []*Tensor{randTensor(srng, 2, 2, 7, 5)}, params: []*Param{swr, swi},
			build: func(t *Tape, in []*Var) *Var { return SpectralConv2d(&Spectral{}, in[0], t.Param(swr), t.Param(swi)) }},
		{name: "SpectralConv2d weights as inputs, m = H/2", inputs: []*Tensor{randTensor(srng, 1, 1, 4, 4), randTensor(srng, 1, 2, 4, 2), randTensor(srng, 1, 2, 4, 2)},
			build: func(t *Tape, in []*Var) *Var { return SpectralConv2d(&Spectral{}, in[0], in[1], in[2]) }},
	}
}

func TestGradients(t *testing.T) {
	t.Parallel()
	for _, c := range gradCases() {
		t.Run(c.name, func(t *testing.T) {
			if err := GradCheck(c.build, c.inputs, c.params, c.opts); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		})
	}
}

// TestGradCheckCatchesWrongGradient makes sure the helper can fail: an op whose VJP is
// off by a factor must be reported.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2, 2))
	wrong := func(tp *Tape, in []*Var) *Var {
		a := in[0]
		out := tp.Alloc(a.Value.Shape...)
		copy(out.Data, a.Value.Data)
		var v *Var
		v = tp.record("WrongIdentity", out, func() { accum(a, v.Grad.Data, 1.5) }, a)
		return v
	}
	if err := GradCheck(wrong, []*Tensor{randTensor(rng, 4)}, nil, GradCheckOptions{}); err == nil {
		t.Fatal("GradCheck accepted a gradient that is 1.5× too large")
	}
}

func TestStopGrad(t *testing.T) {
	t.Parallel()
	tp := NewTape()
	x := tp.Input(FromData([]float32{1, 2}, 2))
	y := Mul(x, tp.StopGrad(x)) // d/dx = stop(x) = x, not 2x
	tp.Backward(Sum(y), nil)
	if got := x.Grad.Data; got[0] != 1 || got[1] != 2 {
		t.Errorf("grad through Mul(x, StopGrad(x)) = %v; want [1 2]", got)
	}
}

func TestBackwardFromUpstreamGradientAccumulates(t *testing.T) {
	t.Parallel()
	tp := NewTape()
	x := tp.Input(FromData([]float32{1, 2, 3}, 3))
	y := Scale(x, 2)
	tp.Backward(y, FromData([]float32{1, 0, -1}, 3))
	if got := x.Grad.Data; got[0] != 2 || got[1] != 0 || got[2] != -2 {
		t.Errorf("x.Grad = %v; want [2 0 -2]", got)
	}
}

func TestShapeMismatchPanicsNamingOpAndShapes(t *testing.T) {
	t.Parallel()
	defer func() {
		r := recover()
		msg, _ := r.(string)
		if !strings.Contains(msg, "Add") || !strings.Contains(msg, "[2 3]") || !strings.Contains(msg, "[3 2]") {
			t.Errorf("panic = %v; want a message naming Add, [2 3] and [3 2]", r)
		}
	}()
	tp := NewTape()
	Add(tp.Const(New(2, 3)), tp.Const(New(3, 2)))
}

func TestTapeReuseDoesNotAllocateTensors(t *testing.T) {
	t.Parallel()
	tp := NewTape()
	x := New(8, 3)
	w := NewParam("w", 4, 3)
	step := func() {
		tp.Reset()
		y := ReLU(Linear(tp.Input(x), tp.Param(w), nil))
		tp.Backward(Sum(y), nil)
	}
	step()
	n := len(tp.arena)
	for i := 0; i < 3; i++ {
		step()
	}
	if len(tp.arena) != n {
		t.Errorf("arena grew from %d to %d tensors across identical steps", n, len(tp.arena))
	}
}
