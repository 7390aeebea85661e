package core

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// FNO is a two-dimensional Fourier neural operator (Li et al. 2021, their FNO2d):
//
//	lift    = 1×1 convolution (In + 2 → Width) of the input and the grid coordinates
//	layer_l = SpectralConv2d(Modes) + 1×1 convolution (Width → Width), then GELU
//	          (no GELU after the last layer)
//	project = 1×1 convolution (Width → 128) → GELU → 1×1 convolution (128 → Out)
//
// The two coordinate channels hold (i/(H−1), j/(W−1)) ∈ [0, 1]², as the original appends
// its grid. With Padding p > 0 the lifted fields are padded with p zero rows and columns at
// the end (PadEnd2) before the layers and cropped back (CropEnd2) before the projection,
// as the original's FNO2d (p = 9) does for non-periodic domains. NewFNO's defaults in
// DefaultFNO are the original's: 4 layers, 12 modes, width 32 (Padding is 0 unless set).
// The spectral layer takes the real part of a one-sided spectrum instead of irfft2, a
// reparametrisation of the same layer (see SpectralConv2d). Inputs are NCHW with
// H + Padding ≥ 2·Modes and W + Padding ≥ 2·Modes.
type FNO struct {
	In, Out, Layers, Modes, Width int
	// Padding is the number of zero cells appended along both axes around the layers
	// (0: none; the original: 9).
	Padding int

	lift, proj1, proj2 conv
	w                  []conv
	wr, wi             []*Param
	spec               []Spectral
}

var _ Network = (*FNO)(nil)

// DefaultFNO are the original's settings: layers, modes, width.
var DefaultFNO = [3]int{4, 12, 32}

// fnoHidden is the width of the projection's hidden layer (the original's fc1).
const fnoHidden = 128

// NewFNO returns an FNO from in to out channels, initialised as the original's PyTorch
// modules: 1×1 convolutions (nn.Linear / nn.Conv1d) uniform in ±1/√fan_in, spectral
// weights (real and imaginary parts) uniform in [0, 1/(Width·Width)). Weights are drawn
// from rng in module order (lift, then per layer spectral and pointwise, then projection).
// It panics if an argument is not positive.
func NewFNO(in, out, layers, modes, width int, rng *rand.Rand) *FNO {
	if in <= 0 || out <= 0 || layers <= 0 || modes <= 0 || width <= 0 {
		panic(fmt.Sprintf("core: NewFNO: in %d, out %d, layers %d, modes %d, width %d must be positive", in, out, layers, modes, width))
	}
	f := &FNO{In: in, Out: out, Layers: layers, Modes: modes, Width: width, spec: make([]Spectral, layers)}
	f.lift = newConv("fc0", in+2, width, 1, rng)
	scale := 1 / float64(width*width)
	for l := range layers {
		wr := NewParam(fmt.Sprintf("conv%d.weights.real", l), width, width, 2*modes, modes)
		wi := NewParam(fmt.Sprintf("conv%d.weights.imag", l), width, width, 2*modes, modes)
		for _, p := range []*Param{wr, wi} {
			for i := range p.Value.Data {
				p.Value.Data[i] = float32(scale * rng.Float64())
			}
		}
		f.wr = append(f.wr, wr)
		f.wi = append(f.wi, wi)
		f.w = append(f.w, newConv(fmt.Sprintf("w%d", l), width, width, 1, rng))
	}
	f.proj1 = newConv("fc1", width, fnoHidden, 1, rng)
	f.proj2 = newConv("fc2", fnoHidden, out, 1, rng)
	return f
}

// Forward records the FNO applied to x of shape [N, In, H, W]; the result has shape
// [N, Out, H, W]. It panics if the shape does not fit.
func (f *FNO) Forward(x *Var) *Var {
	s := x.Value.Shape
	mustRank("FNO x", s, 4)
	if s[1] != f.In || s[2]+f.Padding < 2*f.Modes || s[3]+f.Padding < 2*f.Modes || f.Padding < 0 {
		panic(fmt.Sprintf("core: FNO: x %v needs %d channels and H, W ≥ 2·modes − padding = %d − %d", s, f.In, 2*f.Modes, f.Padding))
	}
	t := x.Tape()
	n, h, w := s[0], s[2], s[3]
	grid := t.Alloc(n, 2, h, w)
	for b := range n {
		for i := range h {
			for j := range w {
				grid.Data[((b*2)*h+i)*w+j] = float32(float64(i) / math.Max(float64(h-1), 1))
				grid.Data[((b*2+1)*h+i)*w+j] = float32(float64(j) / math.Max(float64(w-1), 1))
			}
		}
	}
	x = f.lift.forward(ConcatChannels(x, t.Const(grid)))
	if f.Padding > 0 {
		x = PadEnd2(x, f.Padding)
	}
	for l := range f.Layers {
		x = Add(SpectralConv2d(&f.spec[l], x, t.Param(f.wr[l]), t.Param(f.wi[l])), f.w[l].forward(x))
		if l+1 < f.Layers {
			x = GELU(x)
		}
	}
	if f.Padding > 0 {
		x = CropEnd2(x, f.Padding)
	}
	return f.proj2.forward(GELU(f.proj1.forward(x)))
}

// Params returns lift weight and bias, then per layer the spectral weights (real,
// imaginary) and the pointwise weight and bias, then the projection's.
func (f *FNO) Params() []*Param {
	ps := []*Param{f.lift.w, f.lift.b}
	for l := range f.Layers {
		ps = append(ps, f.wr[l], f.wi[l], f.w[l].w, f.w[l].b)
	}
	return append(ps, f.proj1.w, f.proj1.b, f.proj2.w, f.proj2.b)
}

// Buffers returns nil: an FNO has no state besides its parameters.
func (f *FNO) Buffers() []*Tensor { return nil }
