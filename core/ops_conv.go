package core

import "fmt"

// Conv2d returns the 2D convolution (strictly, cross-correlation, as in PyTorch) of the
// NCHW batch x with the weight w of shape [Cout, Cin, k, k], stride 1, plus the bias b of
// shape [Cout] (b may be nil):
//
//	out[n, o, y, x] = b[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, (y+i−p) mod H, (x+j−p) mod W]
//
// with p = (k−1)/2. The kernel size k must be 3, padded circularly (periodically) by 1 as
// PyTorch's padding_mode="circular", or 1. The output has shape [N, Cout, H, W].
//
// It is computed per example by im2col and one Gemm. The weight gradient is computed per
// example and the per-example gradients are then summed in example order, so that every
// result is bit-identical whatever the tape's Threads. The columns are recomputed in the
// backward pass rather than kept, which costs a copy but no memory per recorded op beyond
// one Cin·k²×H·W workspace per thread.
//
// Conv2d panics if x or w is not of rank 4, if w does not match x's channels, if k is
// neither 1 nor 3 or the kernel is not square, or if b's shape is not [Cout].
func Conv2d(x, w, b *Var) *Var {
	xs, ws := x.Value.Shape, w.Value.Shape
	mustRank("Conv2d x", xs, 4)
	mustRank("Conv2d w", ws, 4)
	n, cin, h, wd := xs[0], xs[1], xs[2], xs[3]
	cout, k := ws[0], ws[2]
	if ws[1] != cin || ws[3] != k || (k != 1 && k != 3) {
		panic(fmt.Sprintf("core: Conv2d: weight %v does not fit x %v (want [Cout %d k k] with k 1 or 3)", ws, xs, cin))
	}
	if b != nil && !SameShape(b.Value.Shape, []int{cout}) {
		panic(fmt.Sprintf("core: Conv2d: bias %v does not match weight %v", b.Value.Shape, ws))
	}
	t := x.tape
	hw := h * wd
	ckk := cin * k * k
	out := t.Alloc(n, cout, h, wd)
	th := convWorkers(t.Threads, n)
	// One column workspace per worker; the backward pass reuses it.
	var cols *Tensor
	if k != 1 {
		cols = t.Alloc(th, ckk*hw)
	}
	wv := w.Value.Data
	parallelFor(th, th, func(wk int) {
		var col []float32
		if cols != nil {
			col = cols.Example(wk)
		}
		for i := wk; i < n; i += th {
			oi := out.Example(i)
			src := convColumns(col, x.Value.Example(i), cin, h, wd, k)
			var beta float32
			if b != nil {
				for o, bo := range b.Value.Data {
					fill32(oi[o*hw:(o+1)*hw], bo)
				}
				beta = 1
			}
			Gemm(false, false, cout, hw, ckk, 1, wv, ckk, src, hw, beta, oi, hw)
		}
	})
	inputs := []*Var{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	var v *Var
	v = t.record("Conv2d", out, func() {
		g := v.Grad
		var dx, dwEx *Tensor
		if x.needs {
			dx = x.grad()
		}
		if w.needs {
			dwEx = t.Alloc(n, cout*ckk)
		}
		parallelFor(th, th, func(wk int) {
			var col []float32
			if cols != nil {
				col = cols.Example(wk)
			}
			for i := wk; i < n; i += th {
				gi := g.Example(i)
				if dwEx != nil { // dW_i = g_i · col_iᵀ
					src := convColumns(col, x.Value.Example(i), cin, h, wd, k)
					Gemm(false, true, cout, ckk, hw, 1, gi, hw, src, hw, 0, dwEx.Example(i), ckk)
				}
				if dx != nil {
					conv2dInputGrad(dx.Example(i), gi, wv, col, cin, cout, h, wd, k)
				}
			}
		})
		if dwEx != nil {
			dw := w.grad().Data
			for i := 0; i < n; i++ {
				for j, d := range dwEx.Example(i) {
					dw[j] += d
				}
			}
		}
		if b != nil && b.needs {
			db := b.grad().Data
			for i := 0; i < n; i++ {
				gi := g.Example(i)
				for o := range db {
					var s float32
					for _, d := range gi[o*hw : (o+1)*hw] {
						s += d
					}
					db[o] += s
				}
			}
		}
	}, inputs...)
	return v
}

// conv2dInputGrad adds the adjoint of one example's convolution input into dx, given the
// output adjoint g: dx += Wᵀ·g, scattered back through the circular im2col for k = 3.
// col is a Cin·9×H·W workspace (unused for k = 1). This is the place to change to a
// convolution with the flipped kernel.
func conv2dInputGrad(dx, g, w, col []float32, cin, cout, h, wd, k int) {
	hw := h * wd
	if k == 1 {
		Gemm(true, false, cin, hw, cout, 1, w, cin, g, hw, 1, dx, hw)
		return
	}
	ckk := cin * k * k
	Gemm(true, false, ckk, hw, cout, 1, w, ckk, g, hw, 0, col, hw)
	col2imCircular3(dx, col, cin, h, wd)
}

// convColumns returns the im2col matrix [Cin·k², H·W] of one example x of shape
// [Cin, H, W]: x itself for k = 1, the circularly padded 3×3 patches written into col for
// k = 3.
func convColumns(col, x []float32, cin, h, wd, k int) []float32 {
	if k == 1 {
		return x
	}
	im2colCircular3(col, x, cin, h, wd)
	return col
}

// im2colCircular3 writes col[(c·3+i)·3+j, y·W+x] = x[c, (y+i−1) mod H, (x+j−1) mod W].
func im2colCircular3(col, x []float32, cin, h, w int) {
	hw := h * w
	for c := 0; c < cin; c++ {
		plane := x[c*hw : (c+1)*hw]
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				dst := col[((c*3+i)*3+j)*hw:][:hw]
				for y := 0; y < h; y++ {
					src := plane[wrapRow(y+i-1, h)*w:][:w]
					d := dst[y*w : (y+1)*w]
					switch j {
					case 0:
						d[0] = src[w-1]
						copy(d[1:], src[:w-1])
					case 1:
						copy(d, src)
					case 2:
						copy(d[:w-1], src[1:])
						d[w-1] = src[0]
					}
				}
			}
		}
	}
}

// col2imCircular3 is the adjoint of im2colCircular3: it adds every column entry back into
// the element of x it was copied from.
func col2imCircular3(x, col []float32, cin, h, w int) {
	hw := h * w
	for c := 0; c < cin; c++ {
		plane := x[c*hw : (c+1)*hw]
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				src := col[((c*3+i)*3+j)*hw:][:hw]
				for y := 0; y < h; y++ {
					p := plane[wrapRow(y+i-1, h)*w:][:w]
					d := src[y*w : (y+1)*w]
					switch j {
					case 0:
						p[w-1] += d[0]
						for q := 1; q < w; q++ {
							p[q-1] += d[q]
						}
					case 1:
						for q, v := range d {
							p[q] += v
						}
					case 2:
						for q := 0; q < w-1; q++ {
							p[q+1] += d[q]
						}
						p[0] += d[w-1]
					}
				}
			}
		}
	}
}

// wrapRow maps r ∈ [−1, h] periodically into [0, h).
func wrapRow(r, h int) int {
	if r < 0 {
		return r + h
	}
	if r >= h {
		return r - h
	}
	return r
}

// convWorkers is the number of goroutines a batch of n examples is split across.
func convWorkers(threads, n int) int {
	return max(1, min(threads, n))
}

func fill32(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}
