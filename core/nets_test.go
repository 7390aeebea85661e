package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// TestParamCounts compares with sum(p.numel() for p in net.parameters()) of the PyTorch
// networks of the paper (PhiFlow's u_net and nn.Sequential MLPs).
func TestParamCounts(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		name string
		net  Network
		want int
	}{
		{"UNet 1→1, 4 levels, 16 filters", NewUNet(1, 1, 4, 16, rng), 37697},
		{"UNet 2→2, 5 levels, 16 filters", NewUNet(2, 2, 5, 16, rng), 49570},
		{"MLP 1-16-64-16-1", NewMLP([]int{1, 16, 64, 16, 1}, Sigmoid, rng), 2177},
		{"MLP 2-32-64-32-2", NewMLP([]int{2, 32, 64, 32, 2}, ReLU, rng), 4354},
	} {
		if got := CountParams(c.net.Params()); got != c.want {
			t.Errorf("%s: %d parameters; want %d", c.name, got, c.want)
		}
	}
}

func TestUNetShapesAndBuffers(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct{ in, out, levels, filters, n, h, w int }{
		{1, 1, 1, 4, 2, 4, 4},
		{1, 1, 4, 4, 2, 16, 8},
		{2, 3, 3, 2, 1, 8, 12},
	} {
		u := NewUNet(c.in, c.out, c.levels, c.filters, rng)
		tp := NewTape()
		y := u.Forward(tp.Const(randTensor(rng, c.n, c.in, c.h, c.w)))
		if want := []int{c.n, c.out, c.h, c.w}; !SameShape(y.Value.Shape, want) {
			t.Errorf("%+v: output shape %v; want %v", c, y.Value.Shape, want)
		}
		// Two BatchNorms per DoubleConv, 2L−1 DoubleConvs, two buffers each.
		if got, want := len(u.Buffers()), 4*(2*c.levels-1); got != want {
			t.Errorf("%+v: %d buffers; want %d", c, got, want)
		}
	}
}

// TestInitBounds checks PyTorch's default initialisation: weights and biases within
// ±1/√fan_in and spread over that range, BatchNorm scale 1 and shift 0.
func TestInitBounds(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	nets := []Network{NewUNet(2, 1, 3, 8, rng), NewMLP([]int{3, 20, 2}, Tanh, rng)}
	for _, net := range nets {
		for _, p := range net.Params() {
			v := p.Value
			if len(v.Shape) == 1 && p.Name[len(p.Name)-6:] == "weight" { // BatchNorm γ
				for _, x := range v.Data {
					if x != 1 {
						t.Fatalf("%s = %v; want 1", p.Name, x)
					}
				}
				continue
			}
			fanIn := 0
			if len(v.Shape) == 1 { // bias: fan_in of the weight listed just before
				continue
			}
			fanIn = v.ExampleLen()
			bound := 1 / math.Sqrt(float64(fanIn))
			var lo, hi float64
			for _, x := range v.Data {
				lo, hi = math.Min(lo, float64(x)), math.Max(hi, float64(x))
			}
			// A uniform sample of ≥ 16 values reaches beyond ±bound/2 with probability
			// 1 − 2·2^−16 or more; the seed is fixed.
			if lo < -bound || hi > bound || lo > -bound/2 || hi < bound/2 {
				t.Errorf("%s: values in [%v, %v]; want spread over ±%v", p.Name, lo, hi, bound)
			}
		}
	}
	a := NewMLP([]int{2, 4, 1}, ReLU, rand.New(rand.NewPCG(5, 5)))
	b := NewMLP([]int{2, 4, 1}, ReLU, rand.New(rand.NewPCG(5, 5)))
	if fmt.Sprint(a.W[0].Value.Data) != fmt.Sprint(b.W[0].Value.Data) {
		t.Error("NewMLP with the same seed gave different weights")
	}
}

// smallUNet is the U-Net used by the whole-network tests: 8×8 grid, 2 levels, 4 filters.
func smallUNet(seed uint64) (*UNet, *Tensor) {
	rng := rand.New(rand.NewPCG(seed, seed))
	return NewUNet(1, 1, 2, 4, rng), randTensor(rng, 2, 1, 8, 8)
}

// TestNetworkGradients checks whole networks w.r.t. their input and every parameter.
//
// The U-Net is checked with GELU in place of ReLU: ReLU's own gradient is checked in
// gradCases, and on a U-Net with ReLU every finite difference moves thousands of
// pre-activations at once (through BatchNorm's batch statistics), so that some of them
// cross the kink and the difference is off by several per cent for any Eps that float32
// rounding allows (measured: 4.11 vs 4.64 at Eps 1e-3, with the difference converging to
// the autodiff value as Eps → 3e-4). Max pooling's arg-max switches stay rare.
// Eps 1e-3 rather than 1e-2 because the U-Net's gradients reach O(20), and the central
// difference's O(Eps²·f‴) error at 1e-2 measured ≈ 3%; the float32 rounding of f
// (|f| ≈ 10) then adds ≈ 1e-6/2e-3 ≈ 5e-4 to each difference, inside AbsTol·max|g| ≥ 4e-3.
// In training mode (batch statistics of as few as 32 values) the random-direction check,
// whose step is Eps·‖d‖ ≈ 1.2e-2 for a 144-entry kernel, still sees that ≈ 3% curvature
// error (measured 142.1 vs 146.6, approaching 142.1 as the step shrinks until rounding
// takes over below 3e-4), hence RelTol 5e-2 there.
//
// In training mode the biases of the convolutions that feed a BatchNorm have an exactly
// zero gradient (BatchNorm is invariant to a per-channel shift), so they are checked for
// that rather than by finite differences, whose rounding noise would dwarf zero.
func TestNetworkGradients(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	mlp := NewMLP([]int{3, 8, 6, 2}, Tanh, rng)
	mlpX := randTensor(rng, 4, 3)
	unet, unetX := smallUNet(3)
	unet.Act = GELU
	var noPreBNBias, preBNBias []*Param
	for _, p := range unet.Params() {
		if strings.HasSuffix(p.Name, "bias") && strings.Contains(p.Name, "double_conv.0") || strings.Contains(p.Name, "double_conv.3.bias") {
			preBNBias = append(preBNBias, p)
		} else {
			noPreBNBias = append(noPreBNBias, p)
		}
	}
	if len(preBNBias) != 2*3 {
		t.Fatalf("found %d pre-BatchNorm biases; want 6", len(preBNBias))
	}
	for _, c := range []struct {
		name   string
		net    Network
		params []*Param
		x      *Tensor
		opts   GradCheckOptions
	}{
		{"MLP", mlp, mlp.Params(), mlpX, GradCheckOptions{}},
		{"UNet train", unet, noPreBNBias, unetX, GradCheckOptions{Eps: 1e-3, RelTol: 5e-2}},
		{"UNet eval", unet, unet.Params(), unetX, GradCheckOptions{Eps: 1e-3, Eval: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			build := func(tp *Tape, in []*Var) *Var { return c.net.Forward(in[0]) }
			if err := GradCheck(build, []*Tensor{c.x}, c.params, c.opts); err != nil {
				t.Error(err)
			}
		})
	}
	tp := NewTape()
	ZeroGrads(unet.Params())
	y := unet.Forward(tp.Const(unetX))
	tp.Backward(y, randTensor(rng, y.Value.Shape...))
	for _, p := range preBNBias {
		var gmax float64
		for _, g := range p.Grad.Data {
			gmax = math.Max(gmax, math.Abs(float64(g)))
		}
		// The per-channel sum Σ g − Σ g·(mean-free weights) cancels to float32 rounding
		// of sums of O(100) terms of O(1): ≲ 1e-4.
		if gmax > 1e-4 {
			t.Errorf("training-mode gradient of %s = %v; want 0 (BatchNorm follows)", p.Name, p.Grad.Data)
		}
	}
}

// unetStep runs one training step (forward, backward of ½‖y − target‖²) on tp.
func unetStep(tp *Tape, u *UNet, x, target *Tensor) *Var {
	tp.Reset()
	ZeroGrads(u.Params())
	in := tp.Input(x)
	loss := L2Loss(u.Forward(in), tp.Const(target))
	tp.Backward(loss, nil)
	return in
}

// TestThreadsBitIdentical runs the same U-Net step with 1 and 2 (and 3) threads and
// demands identical bits in the output, the input gradient, every parameter gradient and
// the running statistics. It holds with OpenBLAS too: the threads split the batch by
// example, so each matrix product has the same shape for any Threads.
func TestThreadsBitIdentical(t *testing.T) {
	t.Parallel()
	var ref []string
	for _, threads := range []int{1, 2, 3} {
		u, x := smallUNet(4)
		target := randTensor(rand.New(rand.NewPCG(9, 9)), 2, 1, 8, 8)
		tp := NewTape()
		tp.Threads = threads
		in := unetStep(tp, u, x, target)
		var got []string
		got = append(got, tensorBits(in.Grad))
		for _, p := range u.Params() {
			got = append(got, p.Name+tensorBits(p.Grad))
		}
		for _, b := range u.Buffers() {
			got = append(got, tensorBits(b))
		}
		tp.Training = false
		tp.Reset()
		got = append(got, tensorBits(u.Forward(tp.Const(x)).Value))
		if ref == nil {
			ref = got
			continue
		}
		for i := range ref {
			if got[i] != ref[i] {
				t.Fatalf("Threads=%d: result %d differs from Threads=1", threads, i)
			}
		}
	}
}

func tensorBits(x *Tensor) string {
	b := make([]byte, 0, 4*len(x.Data))
	for _, v := range x.Data {
		u := math.Float32bits(v)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return string(b)
}

// TestUNetStepReusesArena checks that repeated fixed-shape steps neither grow the tape's
// arena nor allocate in proportion to the data: the allocation count per step (Var nodes
// and closures) is the same on a 64×64 and a 128×128 grid: both large enough for every
// op to take the same path (the fused convolutions need the implicit weight gradient's
// slabs of at least 256 pixels and rows of a multiple of 8, 16×16 fields at the deepest
// level), and for the upsampling's gather lists (newUpsampleGather) to be too long for
// the stack.
func TestUNetStepReusesArena(t *testing.T) {
	allocs := make(map[int]float64)
	sizes := []int{64, 128}
	for _, size := range sizes {
		rng := rand.New(rand.NewPCG(1, 1))
		u := NewUNet(1, 1, 3, 4, rng)
		x := randTensor(rng, 2, 1, size, size)
		target := randTensor(rng, 2, 1, size, size)
		tp := NewTape()
		unetStep(tp, u, x, target)
		n, bytes := len(tp.arena), 0
		for _, a := range tp.arena {
			bytes += cap(a.Data)
		}
		allocs[size] = testing.AllocsPerRun(5, func() { unetStep(tp, u, x, target) })
		after := 0
		for _, a := range tp.arena {
			after += cap(a.Data)
		}
		if len(tp.arena) != n || after != bytes {
			t.Errorf("%d×%d: arena grew from %d tensors (%d floats) to %d (%d)", size, size, n, bytes, len(tp.arena), after)
		}
	}
	if buildWithRace() {
		// The race detector allocates for its own bookkeeping and drops sync.Pool
		// entries at random, so only the arena part of the test applies.
		return
	}
	small, large := allocs[sizes[0]], allocs[sizes[1]]
	if small != large {
		t.Errorf("allocations per step: %v on %d², %v on %d²; want the same", small, sizes[0], large, sizes[1])
	}
	// About a dozen per recorded op (Var, closures, inputs slice) for ≈ 60 ops.
	if small > 1000 {
		t.Errorf("%v allocations per step; want a small constant (< 1000)", small)
	}
	t.Logf("allocations per U-Net step: %v", small)
}

// buildWithRace reports whether the test binary was built with -race.
func buildWithRace() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, st := range bi.Settings {
		if st.Key == "-race" {
			return st.Value == "true"
		}
	}
	return false
}

// TestBackwardReleasesAdjoints checks that Backward recycles the adjoints it has
// propagated: on a chain of 20 elementwise ops, the arena ends with the 20 values and a
// handful of adjoints (not 20), intermediate nodes' Grad is nil afterwards and the leaf's
// gradient is still right.
func TestBackwardReleasesAdjoints(t *testing.T) {
	tp := NewTape()
	x := FromData([]float32{0.5, -1, 2}, 3)
	xv := tp.Input(x)
	y := xv
	var mids []*Var
	for range 20 {
		y = Tanh(y)
		mids = append(mids, y)
	}
	tp.Backward(Sum(y), nil)
	if tp.next > 20+1+4 { // 20 values, Sum's, a few adjoints
		t.Errorf("arena holds %d tensors after Backward; want about 21 values plus a few adjoints", tp.next)
	}
	for i, m := range mids {
		if m.Grad != nil {
			t.Fatalf("node %d still holds its adjoint after Backward", i)
		}
	}
	// d/dx of tanh∘…∘tanh, in float64.
	for i, v := range x.Data {
		z, d := float64(v), 1.0
		for range 20 {
			z = math.Tanh(z)
			d *= 1 - z*z
		}
		if g := float64(xv.Grad.Data[i]); math.Abs(g-d) > 1e-5*(1+math.Abs(d)) {
			t.Errorf("grad[%d] = %v; want %v", i, g, d)
		}
	}
}

// TestBackwardAgain checks repeated sweeps of one U-Net forward pass: BackwardAgain from
// the same output with a new seed each time gives the parameter gradients a fresh forward
// pass and Backward give, bit for bit, and the arena stays at one sweep's size (Backward
// alone keeps each sweep's workspaces until Reset: it grows); the forward values are
// untouched. After ops are recorded it is Backward.
func TestBackwardAgain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	u := NewUNet(1, 1, 3, 4, rng)
	x := randTensor(rng, 2, 1, 16, 16)
	seeds := []*Tensor{randTensor(rng, 2, 1, 16, 16), randTensor(rng, 2, 1, 16, 16), randTensor(rng, 2, 1, 16, 16)}
	grads := func() []float32 {
		var g []float32
		for _, p := range u.Params() {
			g = append(g, p.Grad.Data...)
		}
		return g
	}
	fresh := make([][]float32, len(seeds))
	for i, s := range seeds {
		tp := NewTape()
		out := u.Forward(tp.Const(x))
		ZeroGrads(u.Params())
		tp.Backward(out, s)
		fresh[i] = grads()
	}
	tp := NewTape()
	out := u.Forward(tp.Const(x))
	value := out.Value.Clone()
	arena := func() (int, int) {
		n := 0
		for _, a := range tp.arena[:tp.next] {
			n += cap(a.Data)
		}
		return tp.next, n
	}
	var n0, f0 int
	for round := range 3 {
		for i, s := range seeds {
			ZeroGrads(u.Params())
			tp.BackwardAgain(out, s)
			if g := grads(); !slices.Equal(g, fresh[i]) {
				t.Fatalf("round %d, seed %d: gradients of a repeated sweep differ from a fresh pass's", round, i)
			}
			if n, f := arena(); round == 0 && i == 0 {
				n0, f0 = n, f
			} else if n != n0 || f != f0 {
				t.Fatalf("round %d, seed %d: the arena holds %d tensors (%d floats) in use; after the first sweep %d (%d)", round, i, n, f, n0, f0)
			}
		}
	}
	if !slices.Equal(out.Value.Data, value.Data) {
		t.Error("the sweeps changed the forward pass's output")
	}
	// Backward alone keeps each sweep's workspaces: the arena in use grows.
	tp.Backward(out, seeds[0])
	if n, _ := arena(); n <= n0 {
		t.Errorf("Backward after BackwardAgain: %d arena tensors in use, %d before; want more (this test's premise)", n, n0)
	}
	// With an op recorded after the sweep, BackwardAgain must not take back its value.
	y := Scale(out, 2)
	want := y.Value.Clone()
	ZeroGrads(u.Params())
	tp.BackwardAgain(y, seeds[1])
	if !slices.Equal(y.Value.Data, want.Data) {
		t.Error("BackwardAgain after a new op overwrote that op's value")
	}
}
