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
// It is computed per example by im2col and one Gemm, the examples split across the tape's
// Threads. The backward pass needs no col2im: the input gradient is itself a circular
// convolution, of the output gradient g with the flipped, transposed kernel,
//
//	dx[n, c, y, x] = Σ_{o,i,j} w[o, c, 2−i, 2−j] · g[n, o, (y+i−1) mod H, (x+j−1) mod W],
//
// computed as im2col of g and one Gemm of the same shape as the forward's. The weight
// gradient (and the bias gradient) is computed per example and the per-example gradients
// are then summed in example order, so that every result is bit-identical whatever the
// tape's Threads. The columns are recomputed in the backward pass rather than kept, which
// costs a copy but no memory per recorded op beyond one max(Cin, Cout)·k²×H·W workspace
// per thread.
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
	out := t.allocNoZero(n, cout, h, wd) // every element is written below
	th := convWorkers(t.Threads, n)
	// One column workspace per worker, large enough for the columns of x (forward, weight
	// gradient) and of the output gradient (input gradient); the backward pass reuses it.
	var cols *Tensor
	if k != 1 {
		cols = t.allocNoZero(th, max(cin, cout)*k*k*hw)
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
		var dx *Tensor
		var dxFresh bool
		if x.needs {
			dx, dxFresh = x.gradForWrite()
		}
		// Per-example weight and bias gradients, each fully written by its worker.
		var dwEx, dbEx *Tensor
		if w.needs {
			dwEx = t.allocNoZero(n, cout*ckk)
		}
		if b != nil && b.needs {
			dbEx = t.allocNoZero(n, cout)
		}
		var wflip []float32
		if dx != nil && k == 3 {
			wflip = t.allocNoZero(cin * cout * 9).Data
			flipKernel3(wflip, wv, cin, cout)
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
					var beta float32 = 1
					if dxFresh {
						beta = 0
					}
					if k == 1 { // dx_i (+)= Wᵀ·g_i
						Gemm(true, false, cin, hw, cout, 1, wv, cin, gi, hw, beta, dx.Example(i), hw)
					} else { // dx_i (+)= W̃·im2col(g_i)
						im2colCircular3(col, gi, cout, h, wd)
						Gemm(false, false, cin, hw, cout*9, 1, wflip, cout*9, col, hw, beta, dx.Example(i), hw)
					}
				}
				if dbEx != nil {
					db := dbEx.Example(i)
					for o := range db {
						db[o] = sum32(gi[o*hw : (o+1)*hw])
					}
				}
			}
		})
		if dwEx != nil {
			dw := w.grad().Data
			for i := 0; i < n; i++ {
				addTo(dw, dwEx.Example(i))
			}
		}
		if dbEx != nil {
			db := b.grad().Data
			for i := 0; i < n; i++ {
				addTo(db, dbEx.Example(i))
			}
		}
	}, inputs...)
	return v
}

// flipKernel3 writes the kernel of the input gradient of a 3×3 convolution with weight w of
// shape [Cout, Cin, 3, 3]: dst[c, o, i, j] = w[o, c, 2−i, 2−j], a [Cin, Cout·9] matrix.
func flipKernel3(dst, w []float32, cin, cout int) {
	for c := 0; c < cin; c++ {
		for o := 0; o < cout; o++ {
			src := w[(o*cin+c)*9:][:9]
			d := dst[(c*cout+o)*9:][:9]
			for q := range d {
				d[q] = src[8-q]
			}
		}
	}
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

// im2colCircular3 writes col[(c·3+i)·3+j, y·W+x] = x[c, (y+i−1) mod H, (x+j−1) mod W],
// every element of col[:Cin·9·H·W].
//
// A row shift by i−1 is a rotation of the plane by whole rows, so each (c, i) is at most two
// contiguous blocks of rows; a column shift by j−1 is one copy of such a block shifted by
// one element, after which the element of every row that wrapped around is put right.
func im2colCircular3(col, x []float32, cin, h, w int) {
	hw := h * w
	for c := 0; c < cin; c++ {
		plane := x[c*hw : (c+1)*hw]
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				dst := col[((c*3+i)*3+j)*hw:][:hw]
				switch i {
				case 0: // row y ← row y−1; row 0 ← row h−1
					shiftRows(dst[w:], plane[:hw-w], w, j)
					shiftRows(dst[:w], plane[hw-w:], w, j)
				case 1:
					shiftRows(dst, plane, w, j)
				case 2: // row y ← row y+1; row h−1 ← row 0
					shiftRows(dst[:hw-w], plane[w:], w, j)
					shiftRows(dst[hw-w:], plane[:w], w, j)
				}
			}
		}
	}
}

// shiftRows copies the rows of length w in src to dst, each rotated so that
// dst[r·w+q] = src[r·w + (q+j−1) mod w], j ∈ {0, 1, 2}.
func shiftRows(dst, src []float32, w, j int) {
	n := len(src)
	if n == 0 {
		return
	}
	dst = dst[:n]
	switch j {
	case 0:
		copy(dst[1:], src[:n-1])
		for r := 0; r < n; r += w {
			dst[r] = src[r+w-1]
		}
	case 1:
		copy(dst, src)
	case 2:
		copy(dst[:n-1], src[1:])
		for r := w - 1; r < n; r += w {
			dst[r] = src[r-w+1]
		}
	}
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

// sum32 returns Σ x in float32, in four interleaved partial sums (x[4q+r] into the r-th)
// added at the end as (s0+s1)+(s2+s3); the order is fixed, so the result depends only on x.
func sum32(x []float32) float32 {
	var s0, s1, s2, s3 float32
	q := 0
	for ; q+4 <= len(x); q += 4 {
		v := x[q : q+4 : q+4]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
	}
	for ; q < len(x); q++ {
		s0 += x[q]
	}
	return (s0 + s1) + (s2 + s3)
}
