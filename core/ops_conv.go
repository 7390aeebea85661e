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
// It is computed per example by im2col and Gemm, the examples split across the tape's
// Threads; for k = 3 the im2col columns are built and multiplied in slabs of whole rows
// (about 512 columns, see convSlabRows) that stay in the L2 cache. The backward pass needs
// no col2im: the input gradient is itself a circular convolution, of the output gradient g
// with the flipped, transposed kernel,
//
//	dx[n, c, y, x] = Σ_{o,i,j} w[o, c, 2−i, 2−j] · g[n, o, (y+i−1) mod H, (x+j−1) mod W],
//
// computed as im2col of g and a Gemm of the same shape as the forward's. The weight
// gradient (and the bias gradient) is computed per example and the per-example gradients
// are then summed in example order; slab sizes depend only on the shape; so every result
// is bit-identical whatever the tape's Threads. The columns are recomputed in the backward
// pass rather than kept, which costs a copy but no memory per recorded op beyond one
// column slab per thread.
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
	rows := convSlabRows(h, wd, convSlabCols) // rows of the field per column slab
	// The weight gradient's dot-product kernel has a fixed cost per call, so it takes
	// longer slabs.
	rowsW := convSlabRows(h, wd, convSlabColsW)
	// A 3×3 convolution reads its im2col matrix in place from a padded copy of x (and
	// its input gradient from one of g) where the implicit kernels serve it (see
	// conv_amd64.go); otherwise, and for the weight-gradient slabs the implicit dot-product
	// kernel does not serve, it builds the columns slab by slab. Both give the same bits.
	implX := k == 3 && convImplicitOK(cin, h, wd)
	implG := k == 3 && convImplicitOK(cout, h, wd)
	implW := implX
	for y0 := 0; implW && y0 < h; y0 += rowsW {
		implW = convDotRowsOK(cout, (min(h, y0+rowsW)-y0)*wd, wd)
	}
	// One workspace per worker: the padded x (forward, weight gradient), the padded g
	// (input gradient) and the columns where needed; the backward pass reuses it.
	var padX, padG, colLen int
	if implX {
		padX = convPaddedLen(cin, h, wd)
	}
	if implG {
		padG = convPaddedLen(cout, h, wd)
	}
	if k == 3 {
		if !implX {
			colLen = max(colLen, cin*rows)
		}
		if !implW {
			colLen = max(colLen, cin*rowsW)
		}
		if !implG {
			colLen = max(colLen, cout*rows)
		}
		colLen *= 9 * wd
	}
	var work *Tensor
	if k == 3 {
		work = t.allocNoZero(th, padX+padG+colLen)
	}
	workspace := func(wk int) (xp, gp, col []float32) {
		if work == nil {
			return nil, nil, nil
		}
		ws := work.Example(wk)
		return ws[:padX], ws[padX : padX+padG], ws[padX+padG:]
	}
	wv := w.Value.Data
	var plan *convPlan
	var bias []float32 // the bias padded to whole row tiles, for the implicit kernels
	if implX {
		plan = newConvPlan(t.allocNoZero(convPlanLen(cout, cin)).Data, wv, cout, cin, h, wd)
		if b != nil {
			bias = t.Alloc(cout + 8).Data // past the last row tile
			copy(bias, b.Value.Data)
		}
	}
	parallelFor(th, th, func(wk int) {
		xp, _, col := workspace(wk)
		for i := wk; i < n; i += th {
			oi, xi := out.Example(i), x.Value.Example(i)
			if implX {
				// The kernels add the bias as they store (the bits of beta = 1 on an
				// output filled with it).
				padCircular(xp, xi, cin, h, wd)
				plan.run(xp, oi, 1, 0, bias)
				continue
			}
			var beta float32
			if b != nil {
				for o, bo := range b.Value.Data {
					fill32(oi[o*hw:(o+1)*hw], bo)
				}
				beta = 1
			}
			if k == 1 {
				Gemm(false, false, cout, hw, ckk, 1, wv, ckk, xi, hw, beta, oi, hw)
				continue
			}
			for y0 := 0; y0 < h; y0 += rows {
				y1 := min(h, y0+rows)
				nb := (y1 - y0) * wd
				im2colCircular3Rows(col, xi, cin, h, wd, y0, y1)
				Gemm(false, false, cout, nb, ckk, 1, wv, ckk, col, nb, beta, oi[y0*wd:], hw)
			}
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
		var planG *convPlan
		if dx != nil && k == 3 {
			wflip = t.allocNoZero(cin * cout * 9).Data
			flipKernel3(wflip, wv, cin, cout)
			if implG {
				planG = newConvPlan(t.allocNoZero(convPlanLen(cin, cout)).Data, wflip, cin, cout, h, wd)
			}
		}
		parallelFor(th, th, func(wk int) {
			xp, gp, col := workspace(wk)
			var dxBeta float32 = 1
			if dxFresh {
				dxBeta = 0
			}
			for i := wk; i < n; i += th {
				gi, xi := g.Example(i), x.Value.Example(i)
				if k == 1 {
					if dwEx != nil { // dW_i = g_i · x_iᵀ
						Gemm(false, true, cout, ckk, hw, 1, gi, hw, xi, hw, 0, dwEx.Example(i), ckk)
					}
					if dx != nil { // dx_i (+)= Wᵀ·g_i
						Gemm(true, false, cin, hw, cout, 1, wv, cin, gi, hw, dxBeta, dx.Example(i), hw)
					}
				} else {
					if dwEx != nil { // dW_i = Σ_slabs g_i[:, slab] · im2col(x_i)[:, slab]ᵀ
						if implW {
							padCircular(xp, xi, cin, h, wd)
						}
						for y0 := 0; y0 < h; y0 += rowsW {
							y1 := min(h, y0+rowsW)
							if implW {
								convWeightGradRows(dwEx.Example(i), gi, xp, cout, ckk, h, wd, y0, y1, y0 > 0)
								continue
							}
							nb := (y1 - y0) * wd
							var beta float32 = 1
							if y0 == 0 {
								beta = 0
							}
							im2colCircular3Rows(col, xi, cin, h, wd, y0, y1)
							Gemm(false, true, cout, ckk, nb, 1, gi[y0*wd:], hw, col, nb, beta, dwEx.Example(i), ckk)
						}
					}
					if dx != nil && implG { // dx_i (+)= W̃·im2col(g_i)
						padCircular(gp, gi, cout, h, wd)
						planG.run(gp, dx.Example(i), 1, dxBeta, nil)
					} else if dx != nil { // dx_i[:, slab] (+)= W̃·im2col(g_i)[:, slab]
						for y0 := 0; y0 < h; y0 += rows {
							y1 := min(h, y0+rows)
							nb := (y1 - y0) * wd
							im2colCircular3Rows(col, gi, cout, h, wd, y0, y1)
							Gemm(false, false, cin, nb, cout*9, 1, wflip, cout*9, col, nb, dxBeta, dx.Example(i)[y0*wd:], hw)
						}
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

// convSlabRows is the number of field rows whose im2col columns are built and multiplied at
// a time: about cols columns, so that a slab of columns (Cin·9 × rows·W floats) is written
// and read again while it is still in the L2 cache. It depends only on the shape,
// so the order of every sum is the same whatever the number of threads.
func convSlabRows(h, w, cols int) int {
	return max(1, min(h, cols/w))
}

// convSlabCols and convSlabColsW are the target widths of a column slab (see
// convSlabRows) for the forward pass and input gradient, and for the weight gradient.
const (
	convSlabCols  = 512
	convSlabColsW = 2048
)

// im2colCircular3Rows writes the im2col columns of the output rows y0 ≤ y < y1 of a
// circular 3×3 convolution of x (shape [Cin, H, W]) into col, a [Cin·9, (y1−y0)·W] matrix:
//
//	col[(c·3+i)·3+j, (y−y0)·W+x] = x[c, (y+i−1) mod H, (x+j−1) mod W].
//
// A row shift by i−1 maps the rows y0…y1−1 to at most three runs of contiguous source
// rows (split where they wrap around); a column shift by j−1 copies each run shifted by
// one element, after which the element of every row that wrapped around is put right.
// Every element of col[:Cin·9·(y1−y0)·W] is written.
func im2colCircular3Rows(col, x []float32, cin, h, w, y0, y1 int) {
	hw := h * w
	nb := (y1 - y0) * w
	for c := 0; c < cin; c++ {
		plane := x[c*hw : (c+1)*hw]
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				dst := col[((c*3+i)*3+j)*nb:][:nb]
				for y := y0; y < y1; {
					s := wrapRow(y+i-1, h)
					run := min(y1-y, h-s)
					shiftRows(dst[(y-y0)*w:], plane[s*w:(s+run)*w], w, j)
					y += run
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

// convPadSlack is the number of floats after a padded buffer that a partial tile may read
// (and ignore): a 16-column run starting near the end of the last row.
const convPadSlack = 32

// convPaddedLen is the length of the padded buffer of c channels of h×w, slack included.
func convPaddedLen(c, h, w int) int { return c*(h+2)*(w+2) + convPadSlack }

// padCircular writes the circularly padded copy of x (c channels of h×w) into xp (see conv_amd64.go); the slack after it is left as it is.
func padCircular(xp, x []float32, c, h, w int) {
	pw := w + 2
	plane := (h + 2) * pw
	if padAsm && w%8 == 0 && w > 0 && h > 0 && c > 0 {
		// Row by row in assembly: the interior rows, then the wrapped first and last.
		_, _ = xp[c*plane-1], x[c*h*w-1]
		for ch := 0; ch < c; ch++ {
			src := x[ch*h*w:][:h*w]
			dst := xp[ch*plane:][:plane]
			padRows8(&dst[pw], &src[0], h, w)
			padRows8(&dst[0], &src[(h-1)*w], 1, w)
			padRows8(&dst[(h+1)*pw], &src[0], 1, w)
		}
		return
	}
	for ch := 0; ch < c; ch++ {
		src := x[ch*h*w : (ch+1)*h*w]
		dst := xp[ch*plane : (ch+1)*plane]
		for y := 0; y < h+2; y++ {
			s := src[wrapRow(y-1, h)*w:][:w]
			d := dst[y*pw : (y+1)*pw]
			d[0] = s[w-1]
			copy(d[1:], s)
			d[w+1] = s[0]
		}
	}
}

// convWorkers is the number of goroutines a batch of n examples is split across.
func convWorkers(threads, n int) int {
	return max(1, min(threads, n))
}

// fill32 sets every element of x to v: a few stores, then copies that double the filled
// prefix (copy is vectorised, a loop of stores is not).
func fill32(x []float32, v float32) {
	n := min(len(x), 16)
	for i := range x[:n] {
		x[i] = v
	}
	for n < len(x) {
		n += copy(x[n:], x[:n])
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
