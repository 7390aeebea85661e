package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// conv2dNaive is the definition of Conv2d written out with modular indices, in float64.
func conv2dNaive(x, w *Tensor, b []float32) *Tensor {
	n, cin, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	cout, k := w.Shape[0], w.Shape[2]
	p := (k - 1) / 2
	out := New(n, cout, h, wd)
	for i := 0; i < n; i++ {
		for o := 0; o < cout; o++ {
			for y := 0; y < h; y++ {
				for q := 0; q < wd; q++ {
					var s float64
					if b != nil {
						s = float64(b[o])
					}
					for c := 0; c < cin; c++ {
						for a := 0; a < k; a++ {
							for e := 0; e < k; e++ {
								sy := ((y+a-p)%h + h) % h
								sq := ((q+e-p)%wd + wd) % wd
								s += float64(w.Data[((o*cin+c)*k+a)*k+e]) * float64(x.Data[((i*cin+c)*h+sy)*wd+sq])
							}
						}
					}
					out.Data[((i*cout+o)*h+y)*wd+q] = float32(s)
				}
			}
		}
	}
	return out
}

func TestConv2dMatchesDefinition(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		n, cin, cout, h, w, k int
		bias                  bool
		threads               int
	}{
		{1, 1, 1, 1, 1, 3, false, 1},
		{2, 3, 4, 5, 6, 3, true, 1},
		{3, 2, 5, 4, 4, 3, true, 2},
		{2, 1, 2, 1, 7, 3, false, 3},
		{2, 4, 3, 3, 5, 1, true, 2},
		{1, 2, 2, 2, 2, 1, false, 1},
		// Several im2col slabs (convSlabCols ≈ 512 columns) and, for the weight gradient,
		// several of its longer slabs (≈ 2048), with odd channel counts.
		{2, 3, 5, 40, 33, 3, true, 2},
		{1, 3, 5, 64, 40, 3, true, 1},
	} {
		name := fmt.Sprintf("%+v", c)
		x := randTensor(rng, c.n, c.cin, c.h, c.w)
		w := randTensor(rng, c.cout, c.cin, c.k, c.k)
		tp := NewTape()
		tp.Threads = c.threads
		var bv *Var
		var bd []float32
		if c.bias {
			bt := randTensor(rng, c.cout)
			bv, bd = tp.Const(bt), bt.Data
		}
		got := Conv2d(tp.Const(x), tp.Const(w), bv).Value
		want := conv2dNaive(x, w, bd)
		if !SameShape(got.Shape, want.Shape) {
			t.Fatalf("%s: shape %v; want %v", name, got.Shape, want.Shape)
		}
		// float32 sums of at most Cin·9+1 = 37 terms of size O(1): error ≲ 37·6e-8·|terms|.
		for i := range want.Data {
			if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-5*(1+math.Abs(float64(want.Data[i]))) {
				t.Fatalf("%s: out[%d] = %v; want %v", name, i, got.Data[i], want.Data[i])
			}
		}
	}
}

// TestConv2dShiftEquivariant checks the periodic padding: convolving a circularly shifted
// field gives the circularly shifted result.
func TestConv2dShiftEquivariant(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	const n, c, h, w = 1, 2, 5, 4
	x := randTensor(rng, n, c, h, w)
	wt := randTensor(rng, 3, c, 3, 3)
	shift := func(a *Tensor, dy, dx int) *Tensor {
		s := New(a.Shape...)
		ch, hh, ww := a.Shape[1], a.Shape[2], a.Shape[3]
		for k := 0; k < ch; k++ {
			for y := 0; y < hh; y++ {
				for q := 0; q < ww; q++ {
					s.Data[(k*hh+(y+dy)%hh)*ww+(q+dx)%ww] = a.Data[(k*hh+y)*ww+q]
				}
			}
		}
		return s
	}
	tp := NewTape()
	a := shift(Conv2d(tp.Const(x), tp.Const(wt), nil).Value, 2, 3)
	b := Conv2d(tp.Const(shift(x, 2, 3)), tp.Const(wt), nil).Value
	for i := range a.Data {
		// Same products summed in the same order: bit-identical with our kernels. OpenBLAS
		// (build tag openblas) may order a column's sum by its position in the tile, so
		// there the test allows float32 rounding of the 18-term sums.
		d := float64(a.Data[i] - b.Data[i])
		if gemmOpenBLASBuilt && math.Abs(d) <= 18*6e-8*math.Max(1, math.Abs(float64(a.Data[i]))) {
			continue
		}
		if a.Data[i] != b.Data[i] {
			t.Fatalf("shift(conv(x))[%d] = %v; conv(shift(x)) = %v", i, a.Data[i], b.Data[i])
		}
	}
}

func TestConv2dPanicsNamingShapes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		x, w []int
		want string
	}{
		{[]int{1, 2, 4, 4}, []int{3, 3, 3, 3}, "[3 3 3 3]"},
		{[]int{1, 2, 4, 4}, []int{3, 2, 5, 5}, "[3 2 5 5]"},
		{[]int{2, 4, 4}, []int{3, 2, 3, 3}, "[2 4 4]"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "Conv2d") || !strings.Contains(msg, c.want) {
					t.Errorf("Conv2d(%v, %v) panic = %q; want it to name Conv2d and %s", c.x, c.w, msg, c.want)
				}
			}()
			tp := NewTape()
			Conv2d(tp.Const(New(c.x...)), tp.Const(New(c.w...)), nil)
		}()
	}
}

// TestUpsample2TwoByTwo compares with torch.nn.functional.interpolate(x, scale_factor=2,
// mode="bilinear", align_corners=False) for x = [[1, 2], [3, 4]], worked out by hand: along
// an axis of 2, outputs 0…3 sample u = 0 (clamped), 0.25, 0.75, 1.25 → (x0, ¾x0+¼x1,
// ¼x0+¾x1, x1 (neighbour clamped)).
func TestUpsample2TwoByTwo(t *testing.T) {
	t.Parallel()
	tp := NewTape()
	got := Upsample2(tp.Const(FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2))).Value
	want := []float32{
		1.0, 1.25, 1.75, 2.0,
		1.5, 1.75, 2.25, 2.5,
		2.5, 2.75, 3.25, 3.5,
		3.0, 3.25, 3.75, 4.0,
	}
	if !SameShape(got.Shape, []int{1, 1, 4, 4}) {
		t.Fatalf("shape %v; want [1 1 4 4]", got.Shape)
	}
	for i, w := range want {
		// All weights are multiples of ¼ and values small integers: exact in float32.
		if got.Data[i] != w {
			t.Errorf("out[%d][%d] = %v; want %v", i/4, i%4, got.Data[i], w)
		}
	}
}

// TestUpsample2KeepsLinearInterior checks that bilinear interpolation reproduces a linear
// field away from the clamped border: with x[i, j] = 3i − 2j + 1 the output at (o, p),
// 1 ≤ o, p ≤ 2n−2, is the field at ((o+½)/2−½, (p+½)/2−½).
func TestUpsample2KeepsLinearInterior(t *testing.T) {
	t.Parallel()
	const h, w = 4, 3
	x := New(2, 1, h, w)
	for e := 0; e < 2; e++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				x.Data[(e*h+i)*w+j] = float32(3*i - 2*j + 1)
			}
		}
	}
	tp := NewTape()
	tp.Threads = 2
	got := Upsample2(tp.Const(x)).Value
	for e := 0; e < 2; e++ {
		for o := 1; o < 2*h-1; o++ {
			for p := 1; p < 2*w-1; p++ {
				u, v := (float64(o)+0.5)/2-0.5, (float64(p)+0.5)/2-0.5
				want := 3*u - 2*v + 1
				// Weights ¼, ¾ and small integers: exact up to a few float32 roundings.
				if g := got.Data[(e*2*h+o)*2*w+p]; math.Abs(float64(g)-want) > 1e-5 {
					t.Errorf("example %d out[%d][%d] = %v; want %v", e, o, p, g, want)
				}
			}
		}
	}
}

func TestMaxPool2ValuesAndTies(t *testing.T) {
	t.Parallel()
	tp := NewTape()
	// One 4×5 plane (the last column is dropped) with a tie in the first window.
	x := tp.Input(FromData([]float32{
		5, 5, 0, 1, 9,
		5, 2, 3, 2, 9,
		-1, -2, 7, 7, 9,
		-3, -1, 7, 8, 9,
	}, 1, 1, 4, 5))
	y := MaxPool2(x)
	if want := []float32{5, 3, -1, 8}; !SameShape(y.Value.Shape, []int{1, 1, 2, 2}) || fmt.Sprint(y.Value.Data) != fmt.Sprint(want) {
		t.Fatalf("MaxPool2 = %v %v; want [1 1 2 2] %v", y.Value.Shape, y.Value.Data, want)
	}
	tp.Backward(y, FromData([]float32{1, 2, 3, 4}, 1, 1, 2, 2))
	want := []float32{
		1, 0, 0, 0, 0,
		0, 0, 2, 0, 0,
		3, 0, 0, 0, 0,
		0, 0, 0, 4, 0,
	}
	if fmt.Sprint(x.Grad.Data) != fmt.Sprint(want) {
		t.Errorf("MaxPool2 gradient = %v; want %v (first arg-max in row-major order)", x.Grad.Data, want)
	}
}

func TestConcatChannels(t *testing.T) {
	t.Parallel()
	tp := NewTape()
	a := FromData([]float32{1, 2, 3, 4}, 2, 1, 1, 2)
	b := FromData([]float32{5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 1, 2)
	got := ConcatChannels(tp.Const(a), tp.Const(b)).Value
	want := []float32{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}
	if !SameShape(got.Shape, []int{2, 3, 1, 2}) || fmt.Sprint(got.Data) != fmt.Sprint(want) {
		t.Errorf("ConcatChannels = %v %v; want [2 3 1 2] %v", got.Shape, got.Data, want)
	}
}

// TestBatchNorm2dTraining checks the normalised output (per channel mean β, standard
// deviation γ·√(σ²/(σ²+ε))) and the running statistics against a float64 hand
// computation over two successive batches.
func TestBatchNorm2dTraining(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	const n, c, h, w = 3, 2, 2, 3
	const m = n * h * w
	bn := NewBatchNorm2d("bn", c)
	bn.Gamma.Value = FromData([]float32{2, -0.5}, c)
	bn.Beta.Value = FromData([]float32{1, 3}, c)
	wantMean := []float64{0, 0}
	wantVar := []float64{1, 1}
	for step := 0; step < 2; step++ {
		x := randTensor(rng, n, c, h, w)
		for i := range x.Data {
			x.Data[i] = 4*x.Data[i] + 1.5
		}
		tp := NewTape()
		y := bn.Forward(tp.Const(x)).Value
		for k := 0; k < c; k++ {
			var mu, ss, ym, yss float64
			for i := 0; i < n; i++ {
				for j := 0; j < h*w; j++ {
					mu += float64(x.Data[(i*c+k)*h*w+j]) / m
				}
			}
			for i := 0; i < n; i++ {
				for j := 0; j < h*w; j++ {
					d := float64(x.Data[(i*c+k)*h*w+j]) - mu
					ss += d * d
					ym += float64(y.Data[(i*c+k)*h*w+j]) / m
				}
			}
			for i := 0; i < n; i++ {
				for j := 0; j < h*w; j++ {
					d := float64(y.Data[(i*c+k)*h*w+j]) - ym
					yss += d * d
				}
			}
			biased := ss / m
			g, b := float64(bn.Gamma.Value.Data[k]), float64(bn.Beta.Value.Data[k])
			wantStd := math.Abs(g) * math.Sqrt(biased/(biased+1e-5))
			// float32 normalisation of 18 values: errors of a few ulps of O(10) values.
			if math.Abs(ym-b) > 1e-5 || math.Abs(math.Sqrt(yss/m)-wantStd) > 1e-5 {
				t.Errorf("step %d channel %d: output mean %v std %v; want %v %v", step, k, ym, math.Sqrt(yss/m), b, wantStd)
			}
			wantMean[k] = 0.9*wantMean[k] + 0.1*mu
			wantVar[k] = 0.9*wantVar[k] + 0.1*ss/(m-1) // unbiased, as PyTorch
			// Running statistics are stored in float32: relative 1e-6.
			if got := float64(bn.RunningMean.Data[k]); math.Abs(got-wantMean[k]) > 1e-6*(1+math.Abs(wantMean[k])) {
				t.Errorf("step %d channel %d: running mean %v; want %v", step, k, got, wantMean[k])
			}
			if got := float64(bn.RunningVar.Data[k]); math.Abs(got-wantVar[k]) > 1e-6*(1+wantVar[k]) {
				t.Errorf("step %d channel %d: running var %v; want %v", step, k, got, wantVar[k])
			}
		}
	}
}

// TestBatchNorm2dEval checks that evaluation uses the running statistics and leaves them
// unchanged.
func TestBatchNorm2dEval(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	bn := NewBatchNorm2d("bn", 2)
	bn.Gamma.Value = FromData([]float32{2, -0.5}, 2)
	bn.Beta.Value = FromData([]float32{1, 3}, 2)
	bn.RunningMean = FromData([]float32{0.5, -1}, 2)
	bn.RunningVar = FromData([]float32{4, 0.25}, 2)
	x := randTensor(rng, 2, 2, 1, 3)
	tp := NewTape()
	tp.Training = false
	y := bn.Forward(tp.Const(x)).Value
	for i := range x.Data {
		k := (i / 3) % 2
		g, b := float64(bn.Gamma.Value.Data[k]), float64(bn.Beta.Value.Data[k])
		want := g*(float64(x.Data[i])-float64(bn.RunningMean.Data[k]))/math.Sqrt(float64(bn.RunningVar.Data[k])+1e-5) + b
		if math.Abs(float64(y.Data[i])-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("eval out[%d] = %v; want %v", i, y.Data[i], want)
		}
	}
	if bn.RunningMean.Data[0] != 0.5 || bn.RunningVar.Data[1] != 0.25 {
		t.Errorf("evaluation changed the running statistics: %v %v", bn.RunningMean.Data, bn.RunningVar.Data)
	}
}

func TestBatchNorm2dTrainingPanicsOnSingleValue(t *testing.T) {
	t.Parallel()
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "BatchNorm2d") {
			t.Errorf("panic = %q; want a BatchNorm2d panic", msg)
		}
	}()
	tp := NewTape()
	NewBatchNorm2d("bn", 1).Forward(tp.Const(New(1, 1, 1, 1)))
}

// TestBatchNorm2dReLUFused holds BatchNorm2d.ForwardReLU to ReLU(Forward), bit for bit:
// the output, the gradients of x (written fresh and accumulated), γ and β, and the running
// statistics, in training and evaluation, with a negative γ and values that the ReLU cuts.
func TestBatchNorm2dReLUFused(t *testing.T) {
	for _, training := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(2, 3))
		x := randTensor(rng, 3, 4, 5, 7) // 35 values per example: blocks of 16 and a tail
		gout := randTensor(rng, 3, 4, 5, 7)
		run := func(fused bool) []string {
			bn := NewBatchNorm2d("bn", 4)
			copy(bn.Gamma.Value.Data, []float32{1.5, -0.7, 0.3, 2})
			copy(bn.Beta.Value.Data, []float32{0.2, -0.1, 0, 1})
			copy(bn.RunningMean.Data, []float32{0.1, -0.2, 0.3, 0})
			copy(bn.RunningVar.Data, []float32{0.9, 1.2, 0.5, 2})
			tp := NewTape()
			tp.Training = training
			xv := tp.Input(x)
			var y *Var
			if fused {
				y = bn.ForwardReLU(xv)
			} else {
				y = ReLU(bn.Forward(xv))
			}
			// x feeds the op twice, so its gradient is written fresh, then accumulated.
			var y2 *Var
			if fused {
				y2 = bn.ForwardReLU(xv)
			} else {
				y2 = ReLU(bn.Forward(xv))
			}
			tp.Backward(Add(Sum(Mul(y, tp.Const(gout))), Sum(Mul(y2, y2))), nil)
			return []string{tensorBits(y.Value), tensorBits(xv.Grad), tensorBits(bn.Gamma.Grad),
				tensorBits(bn.Beta.Grad), tensorBits(bn.RunningMean), tensorBits(bn.RunningVar)}
		}
		want, got := run(false), run(true)
		for i, what := range []string{"output", "x gradient", "γ gradient", "β gradient", "running mean", "running var"} {
			if got[i] != want[i] {
				t.Errorf("training=%v: the fused op's %s differs from ReLU(BatchNorm2d)'s", training, what)
			}
		}
	}
}

// TestPadCircular checks the padded copy of the implicit convolutions against its
// definition, xp[c, y, x] = x[c, (y−1) mod H, (x−1) mod W], for small and odd sizes.
func TestPadCircular(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	// Widths that are multiples of 8 take the assembly rows where the CPU has AVX; the
	// others the Go loop. The slack after the padded planes must stay as it was.
	cases := [][3]int{{1, 1, 1}, {2, 1, 7}, {3, 2, 8}, {2, 5, 9}, {1, 3, 17}, {2, 4, 64},
		{1, 1, 8}, {3, 1, 16}, {2, 3, 24}, {4, 8, 32}, {2, 64, 64}, {1, 2, 128}}
	for _, c := range cases {
		ch, h, w := c[0], c[1], c[2]
		x := randTensor(rng, ch, h, w)
		xp := make([]float32, convPaddedLen(ch, h, w))
		for i := range xp {
			xp[i] = -7
		}
		padCircular(xp, x.Data, ch, h, w)
		for i, v := range xp[ch*(h+2)*(w+2):] {
			if v != -7 {
				t.Fatalf("%d×%d×%d: slack xp[%d] = %v was written", ch, h, w, ch*(h+2)*(w+2)+i, v)
			}
		}
		for k := 0; k < ch; k++ {
			for y := 0; y < h+2; y++ {
				for q := 0; q < w+2; q++ {
					want := x.Data[(k*h+(y-1+h)%h)*w+(q-1+w)%w]
					if got := xp[(k*(h+2)+y)*(w+2)+q]; got != want {
						t.Fatalf("%d×%d×%d: xp[%d,%d,%d] = %v; want %v", ch, h, w, k, y, q, got, want)
					}
				}
			}
		}
	}
}

// TestConcatUpsample2MatchesUnfused holds the fused op to ConcatChannels(a, Upsample2(b))
// bit for bit, in the output and in both gradients (a's written fresh and added to), at
// 1 and 3 threads, on fields of odd size.
func TestConcatUpsample2MatchesUnfused(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 8))
	a, b := randTensor(rng, 3, 2, 10, 14), randTensor(rng, 3, 3, 5, 7)
	g := randTensor(rng, 3, 5, 10, 14)
	g2 := randTensor(rng, 3, 2, 10, 14)
	run := func(fused bool, threads int) []*Tensor {
		tp := NewTape()
		tp.Threads = threads
		va, vb := tp.Input(a.Clone()), tp.Input(b.Clone())
		var out *Var
		if fused {
			out = ConcatUpsample2(va, vb)
		} else {
			out = ConcatChannels(va, Upsample2(vb))
		}
		// a's gradient also from a second use, so that the op adds into it.
		both := ConcatChannels(Mul(out, tp.Const(g)), Mul(va, tp.Const(g2)))
		ones := New(both.Value.Shape...)
		ones.Fill(1)
		tp.Backward(both, ones)
		return []*Tensor{out.Value, va.Grad, vb.Grad}
	}
	want := run(false, 1)
	for _, threads := range []int{1, 3} {
		got := run(true, threads)
		for k, name := range []string{"output", "a's gradient", "b's gradient"} {
			for i := range want[k].Data {
				if math.Float32bits(got[k].Data[i]) != math.Float32bits(want[k].Data[i]) {
					t.Fatalf("threads %d: %s[%d] = %v, unfused %v", threads, name, i, got[k].Data[i], want[k].Data[i])
				}
			}
		}
	}
}

// TestConv2dConcatUpsampleMatchesUnfused holds the fused concatenation and convolution to
// Conv2d(ConcatUpsample2(a, b), w, bias) bit for bit, in the output and in every gradient
// (a's written fresh and added to), at 1, 2 and 3 threads (with the implicit convolution
// where it runs, the fused path; TestConv2dConcatUpsampleFallback without), and checks the
// gradients against central differences in float64.
func TestConv2dConcatUpsampleMatchesUnfused(t *testing.T) {
	op := checkConv2dConcatUpsample(t)
	if convImplicitOK(5, 16, 16) && op != "ConcatUpsample2+Conv2d" {
		t.Errorf("the op recorded is %q, not the fused one", op)
	}
}

// checkConv2dConcatUpsample is TestConv2dConcatUpsampleMatchesUnfused; it returns the
// name of the op conv2dConcatUpsample recorded.
func checkConv2dConcatUpsample(t *testing.T) string {
	rng := rand.New(rand.NewPCG(5, 9))
	const n, ca, cb, cout, h, w = 3, 2, 3, 4, 16, 16 // the implicit weight gradient needs slabs of ≥ 256 pixels
	a, b := randTensor(rng, n, ca, h, w), randTensor(rng, n, cb, h/2, w/2)
	wt, bias := randTensor(rng, cout, ca+cb, 3, 3), randTensor(rng, cout)
	g, g2 := randTensor(rng, n, cout, h, w), randTensor(rng, n, ca, h, w)
	var op string
	run := func(fused bool, threads int) []*Tensor {
		tp := NewTape()
		tp.Threads = threads
		va, vb := tp.Input(a.Clone()), tp.Input(b.Clone())
		pw, pb := NewParam("w", wt.Shape...), NewParam("b", cout)
		copy(pw.Value.Data, wt.Data)
		copy(pb.Value.Data, bias.Data)
		var out *Var
		if fused {
			out = conv2dConcatUpsample(va, vb, tp.Param(pw), tp.Param(pb))
			op = out.op
		} else {
			out = Conv2d(ConcatUpsample2(va, vb), tp.Param(pw), tp.Param(pb))
		}
		// a's gradient also from a second use, so that the op adds into it.
		both := ConcatChannels(Mul(out, tp.Const(g)), Mul(va, tp.Const(g2)))
		ones := New(both.Value.Shape...)
		ones.Fill(1)
		tp.Backward(both, ones)
		return []*Tensor{out.Value, va.Grad, vb.Grad, pw.Grad, pb.Grad}
	}
	want := run(false, 1)
	for _, threads := range []int{1, 2, 3} {
		got := run(true, threads)
		for k, name := range []string{"output", "a's gradient", "b's gradient", "w's gradient", "bias's gradient"} {
			for i := range want[k].Data {
				if math.Float32bits(got[k].Data[i]) != math.Float32bits(want[k].Data[i]) {
					t.Fatalf("threads %d: %s[%d] = %v, unfused %v", threads, name, i, got[k].Data[i], want[k].Data[i])
				}
			}
		}
	}
	// The gradients against central differences of the float64 loss Σ g·out + Σ g2·a.
	loss := func(in [3]*Tensor) float64 {
		tp := NewTape()
		pw, pb := NewParam("w", wt.Shape...), NewParam("b", cout)
		copy(pw.Value.Data, in[2].Data)
		copy(pb.Value.Data, bias.Data)
		out := conv2dConcatUpsample(tp.Const(in[0]), tp.Const(in[1]), tp.Param(pw), tp.Param(pb))
		var s float64
		for i, v := range out.Value.Data {
			s += float64(v) * float64(g.Data[i])
		}
		for i, v := range in[0].Data {
			s += float64(v) * float64(g2.Data[i])
		}
		return s
	}
	grads := []*Tensor{want[1], want[2], want[3]}
	for k, x := range []*Tensor{a, b, wt} {
		for _, i := range []int{0, 7, len(x.Data) / 2, len(x.Data) - 1} {
			const eps = 1e-2
			plus, minus := [3]*Tensor{a, b, wt}, [3]*Tensor{a, b, wt}
			plus[k], minus[k] = x.Clone(), x.Clone()
			plus[k].Data[i] += eps
			minus[k].Data[i] -= eps
			fd := (loss(plus) - loss(minus)) / (2 * eps)
			an := float64(grads[k].Data[i])
			if math.Abs(fd-an) > 1e-2*(1+math.Abs(an)) {
				t.Errorf("input %d, element %d: gradient %v, central difference %v", k, i, an, fd)
			}
		}
	}
	return op
}

// TestConv2dBNReLUMatchesUnfused holds the fused BatchNorm+ReLU and convolution to
// Conv2d(bn.ForwardReLU(z), w, bias) bit for bit, in the output, in every gradient (z's
// written fresh and added to) and in the running statistics, in training and evaluation,
// at 1, 2 and 3 threads (with the implicit convolution where it runs, the fused path;
// TestConv2dBNReLUFallback without), and checks the gradients against central
// differences in float64.
func TestConv2dBNReLUMatchesUnfused(t *testing.T) {
	op := checkConv2dBNReLU(t)
	if convImplicitOK(3, 16, 16) && op != "BatchNorm2d+ReLU+Conv2d" {
		t.Errorf("the op recorded is %q, not the fused one", op)
	}
}

// checkConv2dBNReLU is TestConv2dBNReLUMatchesUnfused; it returns the name of the op
// conv2dBNReLU recorded.
func checkConv2dBNReLU(t *testing.T) string {
	rng := rand.New(rand.NewPCG(7, 3))
	const n, c, cout, h, w = 3, 3, 4, 16, 16 // the implicit weight gradient needs slabs of ≥ 256 pixels
	z := randTensor(rng, n, c, h, w)
	for i := range z.Data {
		z.Data[i] = 2*z.Data[i] + 0.5 // a mean and a spread away from 0 and 1
	}
	wt, bias := randTensor(rng, cout, c, 3, 3), randTensor(rng, cout)
	gamma, beta := randTensor(rng, c), randTensor(rng, c)
	g, g2 := randTensor(rng, n, cout, h, w), randTensor(rng, n, c, h, w)
	var op string
	newLayers := func() (*BatchNorm2d, *Param, *Param) {
		bn := NewBatchNorm2d("bn", c)
		copy(bn.Gamma.Value.Data, gamma.Data)
		copy(bn.Beta.Value.Data, beta.Data)
		for k := range c {
			bn.RunningMean.Data[k], bn.RunningVar.Data[k] = 0.3*float32(k), 1+0.5*float32(k)
		}
		pw, pb := NewParam("w", wt.Shape...), NewParam("b", cout)
		copy(pw.Value.Data, wt.Data)
		copy(pb.Value.Data, bias.Data)
		return bn, pw, pb
	}
	run := func(fused, training bool, threads int) []*Tensor {
		tp := NewTape()
		tp.Threads, tp.Training = threads, training
		bn, pw, pb := newLayers()
		vz := tp.Input(z.Clone())
		var out *Var
		if fused {
			out = conv2dBNReLU(vz, bn, tp.Param(pw), tp.Param(pb))
			op = out.op
		} else {
			out = Conv2d(bn.ForwardReLU(vz), tp.Param(pw), tp.Param(pb))
		}
		// z's gradient also from a second use, so that the op adds into it.
		both := ConcatChannels(Mul(out, tp.Const(g)), Mul(vz, tp.Const(g2)))
		ones := New(both.Value.Shape...)
		ones.Fill(1)
		tp.Backward(both, ones)
		return []*Tensor{out.Value, vz.Grad, bn.Gamma.Grad, bn.Beta.Grad, pw.Grad, pb.Grad, bn.RunningMean, bn.RunningVar}
	}
	names := []string{"output", "z's gradient", "γ's gradient", "β's gradient", "w's gradient", "bias's gradient", "running mean", "running variance"}
	for _, training := range []bool{true, false} {
		want := run(false, training, 1)
		for _, threads := range []int{1, 2, 3} {
			got := run(true, training, threads)
			for k, name := range names {
				for i := range want[k].Data {
					if math.Float32bits(got[k].Data[i]) != math.Float32bits(want[k].Data[i]) {
						t.Fatalf("training %v, threads %d: %s[%d] = %v, unfused %v", training, threads, name, i, got[k].Data[i], want[k].Data[i])
					}
				}
			}
		}
	}
	// The gradients (training) against central differences of the float64 loss
	// Σ g·out + Σ g2·z.
	loss := func(in [3]*Tensor) float64 {
		tp := NewTape()
		bn, pw, pb := newLayers()
		copy(bn.Gamma.Value.Data, in[1].Data)
		copy(pw.Value.Data, in[2].Data)
		out := conv2dBNReLU(tp.Const(in[0]), bn, tp.Param(pw), tp.Param(pb))
		var s float64
		for i, v := range out.Value.Data {
			s += float64(v) * float64(g.Data[i])
		}
		for i, v := range in[0].Data {
			s += float64(v) * float64(g2.Data[i])
		}
		return s
	}
	want := run(false, true, 1)
	grads := []*Tensor{want[1], want[2], want[4]}
	for k, x := range []*Tensor{z, gamma, wt} {
		for _, i := range []int{0, 5 % len(x.Data), len(x.Data) / 2, len(x.Data) - 1} {
			// A step in γ moves a whole channel along the ReLU: here a value lies within
			// 3e-4 of its kink (γ[2]'s one-sided differences at 1e-3: −85.5 and −80.66,
			// the gradient −80.65), so a shorter one.
			eps := float32(1e-2)
			if k == 1 {
				eps = 1e-4
			}
			plus, minus := [3]*Tensor{z, gamma, wt}, [3]*Tensor{z, gamma, wt}
			plus[k], minus[k] = x.Clone(), x.Clone()
			plus[k].Data[i] += eps
			minus[k].Data[i] -= eps
			fd := (loss(plus) - loss(minus)) / (2 * float64(eps))
			an := float64(grads[k].Data[i])
			if math.Abs(fd-an) > 2e-2*(1+math.Abs(an)) {
				t.Errorf("input %d, element %d: gradient %v, central difference %v", k, i, an, fd)
			}
		}
	}
	return op
}

// TestMaxPool2GradientAtArgMax holds MaxPool2's gradient, which scatters to the arg-max
// the forward pass kept, to the definition (each window's first maximum by maxPoolArg
// gets its output's adjoint, added to what x's adjoint held), with ties, ±0, NaN and an
// odd width, at 1 and 3 threads.
func TestMaxPool2GradientAtArgMax(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 2))
	const n, c, h, w = 2, 3, 6, 7
	x := New(n, c, h, w)
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, 1, float32(math.NaN()), float32(math.Inf(-1))}
	for i := range x.Data {
		if rng.IntN(3) == 0 {
			x.Data[i] = specials[rng.IntN(len(specials))]
		} else {
			x.Data[i] = float32(rng.IntN(5)) - 2 // many ties
		}
	}
	g := randTensor(rng, n, c, h/2, w/2)
	held := randTensor(rng, n, c, h, w)
	want := held.Clone()
	for p := range n * c {
		src, d := x.Data[p*h*w:][:h*w], want.Data[p*h*w:][:h*w]
		for y := range h / 2 {
			for q := range w / 2 {
				d[maxPoolArg(src, w, y, q)] += g.Data[p*(h/2)*(w/2)+y*(w/2)+q]
			}
		}
	}
	for _, threads := range []int{1, 3} {
		tp := NewTape()
		tp.Threads = threads
		vx := tp.Input(x)
		vx.Grad = held.Clone()
		tp.Backward(MaxPool2(vx), g)
		for i := range want.Data {
			if math.Float32bits(vx.Grad.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Fatalf("threads %d: gradient[%d] = %v, want %v", threads, i, vx.Grad.Data[i], want.Data[i])
			}
		}
	}
}

// TestUpsamplePlaneRowsBits holds upsamplePlaneRows to upsamplePlane bit for bit, with
// ±0, infinities and NaN, on planes from 1×1 to odd sizes.
func TestUpsamplePlaneRowsBits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 13))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-45, 3e38}
	for _, hw := range [][2]int{{1, 1}, {1, 3}, {2, 2}, {3, 5}, {8, 8}, {7, 16}, {3, 19}, {4, 32}, {2, 64}, {2, 10}, {2, 11}, {3, 24}} { // w−2 a multiple of 8 and not (the kernel's last eight again)
		h, w := hw[0], hw[1]
		src := make([]float32, h*w)
		for i := range src {
			if rng.IntN(4) == 0 {
				src[i] = specials[rng.IntN(len(specials))]
			} else {
				src[i] = float32(rng.NormFloat64())
			}
		}
		taps := upsampleTaps(w)
		want, got := make([]float32, 4*h*w), make([]float32, 4*h*w)
		upsamplePlane(want, src, h, w, taps)
		upsamplePlaneRows(got, src, h, w, taps, make([]float32, 2*h*w))
		for i := range want {
			// Any NaN for any NaN: which of two NaN operands a sum keeps is the
			// hardware's choice, and Go may order a sum's operands either way.
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("%d×%d: value %d = %v, upsamplePlane's %v", h, w, i, got[i], want[i])
			}
		}
	}
}

// TestMaxPoolRowKernel holds maxPoolRow's AVX2 windows to maxPoolArg's picks bit for bit
// (the maxima and the arg-maxes), with ties, ±0, infinities, subnormals and NaNs of both
// signs and several payloads, on planes whose pooled rows are shorter than, equal to and
// longer than eight windows, with odd sizes.
func TestMaxPoolRowKernel(t *testing.T) {
	t.Parallel()
	if !poolAsm {
		t.Skip("no AVX2 pooling kernel on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(3, 31))
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		1e-45, -1e-45, math.Float32frombits(0x7fc00000), math.Float32frombits(0xffc00000),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xff800123), 3e38, -3e38}
	for _, hw := range [][2]int{{2, 16}, {3, 17}, {4, 32}, {2, 34}, {5, 40}, {8, 64}, {2, 2}, {6, 18}} {
		h, w := hw[0], hw[1]
		ho, wo := h/2, w/2
		for trial := range 20 {
			src := make([]float32, h*w)
			for i := range src {
				switch {
				case trial%2 == 1 && rng.IntN(3) == 0:
					src[i] = specials[rng.IntN(len(specials))]
				case trial%4 == 2:
					src[i] = float32(rng.IntN(3)) // many ties
				default:
					src[i] = float32(rng.NormFloat64())
				}
			}
			for y := range ho {
				got, gotArg := make([]float32, wo), make([]float32, wo)
				maxPoolRow(got, gotArg, src, w, y)
				for q := range wo {
					i := maxPoolArg(src, w, y, q)
					if math.Float32bits(got[q]) != math.Float32bits(src[i]) || math.Float32bits(gotArg[q]) != uint32(i) {
						t.Fatalf("%d×%d row %d window %d: %v (%#x) at %d, maxPoolArg's %v (%#x) at %d",
							h, w, y, q, got[q], math.Float32bits(got[q]), math.Float32bits(gotArg[q]), src[i], math.Float32bits(src[i]), i)
					}
				}
			}
		}
	}
}

// upsamplePlaneAdjointScatter is the scatter that upsamplePlaneAdjoint replaced: each
// value of g added to its four source elements in turn.
func upsamplePlaneAdjointScatter(d, g []float32, h, w int, taps []upsampleTapAt) {
	ho, wo := 2*h, 2*w
	for y := 0; y < ho; y++ {
		y0, y1, ly := upsampleTap(y, h)
		r0, r1 := d[y0*w:][:w], d[y1*w:][:w]
		gr := g[y*wo:][:wo]
		for q, tp := range taps[:len(gr)] {
			gq, lx := gr[q], tp.lambda
			top, bot := (1-ly)*gq, ly*gq
			r0[tp.i0] += (1 - lx) * top
			r0[tp.i1] += lx * top
			r1[tp.i0] += (1 - lx) * bot
			r1[tp.i1] += lx * bot
		}
	}
}

// TestUpsamplePlaneAdjointBits holds the gathering adjoint (with its AVX2 rows where they
// run) to the scatter bit for bit, with ±0, infinities and subnormals in g and in the
// values it adds to, on planes from 1×1 to odd and wide sizes; a NaN's sign and payload
// are the hardware's choice between two NaN operands, which Go leaves open, so any NaN
// stands for any. And the scatter against the float64 adjoint, ⟨up(x), g⟩ = ⟨x, up*(g)⟩.
func TestUpsamplePlaneAdjointBits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 17))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-45, 3e38}
	draw := func(n int, special bool) []float32 {
		v := make([]float32, n)
		for i := range v {
			if special && rng.IntN(4) == 0 {
				v[i] = specials[rng.IntN(len(specials))]
			} else {
				v[i] = float32(rng.NormFloat64())
			}
		}
		return v
	}
	for _, hw := range [][2]int{{1, 1}, {1, 3}, {2, 1}, {2, 2}, {3, 5}, {8, 8}, {7, 16}, {4, 32}, {3, 19}, {5, 40}, {2, 64}} {
		h, w := hw[0], hw[1]
		taps := upsampleTaps(w)
		ga := newUpsampleGather(taps, w)
		for _, special := range []bool{false, true} {
			g, d0 := draw(4*h*w, special), draw(h*w, special)
			want, got := append([]float32(nil), d0...), append([]float32(nil), d0...)
			upsamplePlaneAdjointScatter(want, g, h, w, taps)
			upsamplePlaneAdjoint(got, g, h, w, ga)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("%d×%d special=%v: element %d = %v (%#x), the scatter's %v (%#x)", h, w, special, i,
						got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
			if special {
				continue
			}
			x := draw(h*w, false)
			up := make([]float32, 4*h*w)
			upsamplePlane(up, x, h, w, taps)
			adj := make([]float32, h*w)
			upsamplePlaneAdjointScatter(adj, g, h, w, taps)
			var lhs, rhs, scale float64
			for i := range up {
				lhs += float64(up[i]) * float64(g[i])
				scale += math.Abs(float64(up[i]) * float64(g[i]))
			}
			for i := range x {
				rhs += float64(x[i]) * float64(adj[i])
			}
			if math.Abs(lhs-rhs) > 1e-5*scale {
				t.Fatalf("%d×%d: ⟨up(x), g⟩ = %v, ⟨x, up*(g)⟩ = %v", h, w, lhs, rhs)
			}
		}
	}
}

// BenchmarkUpsamplePlaneAdjoint times the gathering adjoint against the scatter it
// replaced on 32×32 planes (a 64×64 gradient), the U-Net's largest; cpu-ns/op is the
// process's CPU time per plane.
func BenchmarkUpsamplePlaneAdjoint(b *testing.B) {
	const h, w = 32, 32
	rng := rand.New(rand.NewPCG(1, 1))
	g, d := randTensor(rng, 4*h*w).Data, make([]float32, h*w)
	taps := upsampleTaps(w)
	ga := newUpsampleGather(taps, w)
	run := func(b *testing.B, f func()) {
		cpu0 := processCPU()
		for b.Loop() {
			f()
		}
		if cpu := processCPU() - cpu0; cpu0 > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
	b.Run("gather", func(b *testing.B) { run(b, func() { upsamplePlaneAdjoint(d, g, h, w, ga) }) })
	b.Run("scatter", func(b *testing.B) { run(b, func() { upsamplePlaneAdjointScatter(d, g, h, w, taps) }) })
}
