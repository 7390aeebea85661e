package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
)

// Activation is an elementwise nonlinearity recorded on the tape, such as ReLU, Sigmoid,
// Tanh or GELU.
type Activation func(*Var) *Var

// MLP is a fully connected network: Linear layers with the activation after every hidden
// layer and a linear output, as a PyTorch nn.Sequential of nn.Linear and activations.
// Inputs and outputs have shape [batch, features].
type MLP struct {
	// W[l] has shape [sizes[l+1], sizes[l]] (PyTorch's layout), B[l] shape [sizes[l+1]].
	W, B []*Param
	Act  Activation
}

var _ Network = (*MLP)(nil)

// NewMLP returns an MLP with layer widths sizes (input first, output last) initialised as
// PyTorch's nn.Linear: every weight and bias uniform in ±1/√fan_in (Kaiming-uniform with
// a = √5 for the weights), fan_in = sizes[l], drawn from rng layer by layer, weight before
// bias, in row-major order. It panics if there are fewer than two sizes, a size is not
// positive, or act is nil.
func NewMLP(sizes []int, act Activation, rng *rand.Rand) *MLP {
	if len(sizes) < 2 || act == nil {
		panic(fmt.Sprintf("core: NewMLP: need at least two sizes and an activation, got %v", sizes))
	}
	m := &MLP{Act: act}
	for l := 0; l+1 < len(sizes); l++ {
		in, out := sizes[l], sizes[l+1]
		if in <= 0 || out <= 0 {
			panic(fmt.Sprintf("core: NewMLP: sizes %v must be positive", sizes))
		}
		w := NewParam(fmt.Sprintf("layers.%d.weight", 2*l), out, in)
		b := NewParam(fmt.Sprintf("layers.%d.bias", 2*l), out)
		bound := 1 / math.Sqrt(float64(in))
		uniformInit(w.Value, bound, rng)
		uniformInit(b.Value, bound, rng)
		m.W = append(m.W, w)
		m.B = append(m.B, b)
	}
	return m
}

// Forward records the MLP applied to x of shape [batch, sizes[0]].
func (m *MLP) Forward(x *Var) *Var {
	t := x.Tape()
	for l := range m.W {
		x = Linear(x, t.Param(m.W[l]), t.Param(m.B[l]))
		if l+1 < len(m.W) {
			x = m.Act(x)
		}
	}
	return x
}

// Params returns W[0], B[0], W[1], B[1], … (PyTorch's order).
func (m *MLP) Params() []*Param {
	ps := make([]*Param, 0, 2*len(m.W))
	for l := range m.W {
		ps = append(ps, m.W[l], m.B[l])
	}
	return ps
}

// Buffers returns nil: an MLP has no state besides its parameters.
func (m *MLP) Buffers() []*Tensor { return nil }

// FLOPs returns 2·batch·Σ in·out, the floating-point operations of the forward pass's
// matrix products (a backward pass costs about twice as many).
func (m *MLP) FLOPs(batch int) float64 {
	var f float64
	for _, w := range m.W {
		f += 2 * float64(batch) * float64(w.Value.Len())
	}
	return f
}

// conv is a convolution layer with bias.
type conv struct{ w, b *Param }

func newConv(name string, cin, cout, k int, rng *rand.Rand) conv {
	c := conv{NewParam(name+".weight", cout, cin, k, k), NewParam(name+".bias", cout)}
	bound := 1 / math.Sqrt(float64(cin*k*k))
	uniformInit(c.w.Value, bound, rng)
	uniformInit(c.b.Value, bound, rng)
	return c
}

func (c conv) forward(x *Var) *Var {
	t := x.Tape()
	return Conv2d(x, t.Param(c.w), t.Param(c.b))
}

// doubleConv is conv3×3 → BatchNorm → act → conv3×3 → BatchNorm → act.
type doubleConv struct {
	c1, c2   conv
	bn1, bn2 *BatchNorm2d
}

func newDoubleConv(name string, in, mid, out int, rng *rand.Rand) doubleConv {
	// PyTorch's module order (nn.Sequential indices 0, 1, 3, 4).
	return doubleConv{
		c1:  newConv(name+".double_conv.0", in, mid, 3, rng),
		bn1: NewBatchNorm2d(name+".double_conv.1", mid),
		c2:  newConv(name+".double_conv.3", mid, out, 3, rng),
		bn2: NewBatchNorm2d(name+".double_conv.4", out),
	}
}

func (d doubleConv) forward(x *Var, act Activation) *Var {
	return d.afterConv1(d.c1.forward(x), act)
}

// forwardConcatUpsample is forward(ConcatUpsample2(skip, x), act), its first convolution
// fused with the concatenation (conv2dConcatUpsample): the same bits.
func (d doubleConv) forwardConcatUpsample(skip, x *Var, act Activation) *Var {
	t := x.Tape()
	return d.afterConv1(conv2dConcatUpsample(skip, x, t.Param(d.c1.w), t.Param(d.c1.b)), act)
}

// afterConv1 is the rest of the block after its first convolution's output z.
func (d doubleConv) afterConv1(z *Var, act Activation) *Var {
	if isReLU(act) {
		t := z.Tape()
		z2 := conv2dBNReLU(z, d.bn1, t.Param(d.c2.w), t.Param(d.c2.b))
		return d.bn2.ForwardReLU(z2)
	}
	x := act(d.bn1.Forward(z))
	return act(d.bn2.Forward(d.c2.forward(x)))
}

// isReLU reports whether act is the function ReLU, which BatchNorm2d.ForwardReLU fuses
// with the normalisation (same results, less memory traffic).
func isReLU(act Activation) bool {
	return reflect.ValueOf(act).Pointer() == reflect.ValueOf(Activation(ReLU)).Pointer()
}

func (d doubleConv) params() []*Param {
	return []*Param{d.c1.w, d.c1.b, d.bn1.Gamma, d.bn1.Beta, d.c2.w, d.c2.b, d.bn2.Gamma, d.bn2.Beta}
}

func (d doubleConv) buffers() []*Tensor {
	return []*Tensor{d.bn1.RunningMean, d.bn1.RunningVar, d.bn2.RunningMean, d.bn2.RunningVar}
}

// UNet is PhiFlow's u_net with batch norm, ReLU and periodic padding, the same number of
// filters at every level (see "The U-Net" in the experiments reference):
//
//	inc    = DoubleConv(in, f, f)
//	down_i = MaxPool2 → DoubleConv(f, f, f)                          (i = 1…L−1)
//	up_i   = Upsample2 → concat [skip, upsampled] → DoubleConv(2f, f, f)   (the first three one op where it can be, conv2dConcatUpsample)
//	outc   = 1×1 convolution f → out
//
// where DoubleConv(a, m, b) is circular conv3×3(a→m) → BatchNorm → Act → circular
// conv3×3(m→b) → BatchNorm → Act, and every convolution has a bias. up_1 is the deepest
// up-block. Inputs are NCHW with H and W divisible by 2^(L−1).
type UNet struct {
	In, Out, Levels, Filters int
	// Act is the nonlinearity after every BatchNorm; NewUNet sets ReLU, as the paper's
	// networks (PhiFlow's u_net takes it as a parameter too).
	Act Activation

	inc      doubleConv
	down, up []doubleConv // down[i-1], up[i-1] are PyTorch's down{i}, up{i}
	outc     conv
}

var _ Network = (*UNet)(nil)

// NewUNet returns a U-Net from in to out channels with the given number of levels (at
// least 1) and filters per level, initialised as PyTorch's defaults: convolution weights
// and biases uniform in ±1/√(Cin·k²), BatchNorm Gamma 1, Beta 0, running mean 0 and
// variance 1. Weights are drawn from rng in PyTorch's module order (inc, down1, up1,
// down2, up2, …, outc). It panics if an argument is not positive.
func NewUNet(in, out, levels, filters int, rng *rand.Rand) *UNet {
	if in <= 0 || out <= 0 || levels <= 0 || filters <= 0 {
		panic(fmt.Sprintf("core: NewUNet: in %d, out %d, levels %d, filters %d must be positive", in, out, levels, filters))
	}
	u := &UNet{In: in, Out: out, Levels: levels, Filters: filters, Act: ReLU}
	u.inc = newDoubleConv("inc", in, filters, filters, rng)
	for i := 1; i < levels; i++ {
		u.down = append(u.down, newDoubleConv(fmt.Sprintf("down%d.maxpool_conv.1", i), filters, filters, filters, rng))
		u.up = append(u.up, newDoubleConv(fmt.Sprintf("up%d.conv", i), 2*filters, filters, filters, rng))
	}
	u.outc = newConv("outc.conv", filters, out, 1, rng)
	return u
}

// Forward records the U-Net applied to x of shape [N, In, H, W]; the result has shape
// [N, Out, H, W]. BatchNorm runs in the mode of x's tape. It panics if the shape does not
// fit (wrong channels, H or W not divisible by 2^(Levels−1)).
func (u *UNet) Forward(x *Var) *Var {
	s := x.Value.Shape
	mustRank("UNet x", s, 4)
	if d := 1 << (u.Levels - 1); s[1] != u.In || s[2]%d != 0 || s[3]%d != 0 {
		panic(fmt.Sprintf("core: UNet: x %v needs %d channels and H, W divisible by %d", s, u.In, d))
	}
	x = u.inc.forward(x, u.Act)
	var skipsArr [32]*Var
	skips := append(skipsArr[:0], x)
	for _, d := range u.down {
		x = d.forward(MaxPool2(x), u.Act)
		skips = append(skips, x)
	}
	for i, up := range u.up { // up[0] is the deepest, joined with the skip one level up
		skip := skips[len(skips)-2-i]
		x = up.forwardConcatUpsample(skip, x, u.Act)
	}
	return u.outc.forward(x)
}

// Params returns every parameter in PyTorch's named_parameters order (inc, down1, up1,
// down2, up2, …, outc; within a DoubleConv conv weight, conv bias, BN weight, BN bias).
func (u *UNet) Params() []*Param {
	ps := u.inc.params()
	for i := range u.down {
		ps = append(ps, u.down[i].params()...)
		ps = append(ps, u.up[i].params()...)
	}
	return append(ps, u.outc.w, u.outc.b)
}

// Buffers returns the running mean and variance of every BatchNorm, in the order of
// Params.
func (u *UNet) Buffers() []*Tensor {
	bs := u.inc.buffers()
	for i := range u.down {
		bs = append(bs, u.down[i].buffers()...)
		bs = append(bs, u.up[i].buffers()...)
	}
	return bs
}

// FLOPs returns the floating-point operations (2 per multiply-add) of the convolutions of
// one forward pass on a batch of n fields of h×w; BatchNorm, pooling and the rest are
// ignored. A backward pass costs twice as many.
func (u *UNet) FLOPs(n, h, w int) float64 {
	f := float64(u.Filters)
	conv := func(cin, cout, k float64, hw int) float64 { return 2 * float64(n) * cin * cout * k * k * float64(hw) }
	total := conv(float64(u.In), f, 3, h*w) + conv(f, f, 3, h*w) + conv(f, float64(u.Out), 1, h*w)
	for i := 1; i < u.Levels; i++ {
		// down_i works at level i; the up-blocks together cover levels 0…L−2.
		hw := (h >> i) * (w >> i)
		hwUp := (h >> (i - 1)) * (w >> (i - 1))
		total += 2 * conv(f, f, 3, hw)
		total += conv(2*f, f, 3, hwUp) + conv(f, f, 3, hwUp)
	}
	return total
}

// uniformInit fills x with independent draws uniform in [−bound, bound).
func uniformInit(x *Tensor, bound float64, rng *rand.Rand) {
	for i := range x.Data {
		x.Data[i] = float32((2*rng.Float64() - 1) * bound)
	}
}
