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
	cv := newConvOp(x, w, b)
	t := x.tape
	out := t.allocNoZero(cv.n, cv.cout, cv.h, cv.wd) // every element is written below
	cv.planWork(t)
	cv.forward(t, out)
	inputs := []*Var{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	var v *Var
	v = t.record("Conv2d", out, func() { cv.backward(t, v.Grad) }, inputs...)
	return v
}

// convOp is one recorded Conv2d: its operands, its shape and the plan of its passes, which
// depends only on the shape (so the order of every sum is the same whatever the threads).
type convOp struct {
	x, w, b                *Var
	in                     *convInput // where a fused convolution's input comes from, or nil (x)
	n, cin, cout, h, wd, k int
	hw, ckk                int
	th                     int // goroutines the batch is split across
	rows, rowsW            int // field rows per column slab: forward and dx, dW
	implX, implG, implW    bool
	padX, padG, colLen     int // the lengths of a worker's workspace
	dxLen                  int // the length of a worker's input-gradient scratch (fused inputs)
	work                   *Tensor
}

// convInput is the input of a convolution fused with the op that produces it (see
// conv2dConcatUpsample, conv2dBNReLU), which is never stored: pad writes example i's
// circularly padded input into xp (worker wk's buffer), in the forward pass and again for
// the weight gradient, exactly as padCircular would write it from the input's values. The
// backward pass writes example i's input gradient (as if fresh) into gradTo(i) if gradTo
// is not nil, else, if grad is not nil, into worker wk's scratch of Cin·H·W floats, and
// then hands it to grad if grad is not nil. Only the implicit 3×3 path serves it
// (convFusable).
type convInput struct {
	pad    func(xp []float32, i, wk int)
	gradTo func(i int) []float32
	grad   func(dxi []float32, i int)
}

// wantsGrad reports whether the backward pass computes the input gradient.
func (in *convInput) wantsGrad() bool { return in.gradTo != nil || in.grad != nil }

// newConvOp checks the shapes of Conv2d's operands (see Conv2d for the panics).
func newConvOp(x, w, b *Var) *convOp {
	cv := newConvOpShape(x.Value.Shape, w, b)
	cv.x = x
	return cv
}

// newConvOpShape is newConvOp for an input of shape xs that is not a recorded Var.
func newConvOpShape(xs []int, w, b *Var) *convOp {
	ws := w.Value.Shape
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
	return &convOp{w: w, b: b, n: n, cin: cin, cout: cout, h: h, wd: wd, k: k,
		hw: h * wd, ckk: cin * k * k}
}

// planWork chooses each pass's path and allocates one workspace per worker on t: the
// padded x (forward, weight gradient), the padded g (input gradient) and the im2col
// columns where needed; the backward pass reuses it.
//
// A 3×3 convolution reads its im2col matrix in place from a padded copy of x (and its
// input gradient from one of g) where the implicit kernels serve it (see conv_amd64.go);
// otherwise, and for the weight-gradient slabs the implicit dot-product kernel does not
// serve, it builds the columns slab by slab. Both give the same bits.
func (cv *convOp) planWork(t *Tape) {
	cv.planPaths(t.Threads)
	cv.allocWork(t)
}

// planPaths chooses the slabs and each pass's path (see planWork) for a batch split across
// threads.
func (cv *convOp) planPaths(threads int) {
	h, wd := cv.h, cv.wd
	cv.th = convWorkers(threads, cv.n)
	cv.rows = convSlabRows(h, wd, convSlabCols)
	// The weight gradient's dot-product kernel has a fixed cost per call, so it takes
	// longer slabs.
	cv.rowsW = convSlabRows(h, wd, convSlabColsW)
	if cv.k != 3 {
		return
	}
	cv.implX = convImplicitOK(cv.cin, h, wd)
	cv.implG = convImplicitOK(cv.cout, h, wd)
	cv.implW = cv.implX
	for y0 := 0; cv.implW && y0 < h; y0 += cv.rowsW {
		cv.implW = convDotRowsOK(cv.cout, (min(h, y0+cv.rowsW)-y0)*wd, wd)
	}
}

// convFusable reports whether every pass of cv takes the implicit path, which a fused
// input (convInput) needs: it is padded, never stored.
func (cv *convOp) convFusable() bool {
	return cv.k == 3 && cv.implX && cv.implW && cv.implG
}

// allocWork allocates one workspace per worker on t (see planWork).
func (cv *convOp) allocWork(t *Tape) {
	h, wd := cv.h, cv.wd
	if cv.k != 3 {
		return
	}
	if cv.in != nil && cv.in.grad != nil && cv.in.gradTo == nil {
		cv.dxLen = cv.cin * cv.hw
	}
	if cv.implX {
		cv.padX = convPaddedLen(cv.cin, h, wd)
	}
	if cv.implG {
		cv.padG = convPaddedLen(cv.cout, h, wd)
	}
	var colLen int
	if !cv.implX {
		colLen = max(colLen, cv.cin*cv.rows)
	}
	if !cv.implW {
		colLen = max(colLen, cv.cin*cv.rowsW)
	}
	if !cv.implG {
		colLen = max(colLen, cv.cout*cv.rows)
	}
	cv.colLen = colLen * 9 * wd
	cv.work = t.allocNoZero(cv.th, cv.padX+cv.padG+cv.colLen+cv.dxLen)
}

// workspace returns worker wk's padded x, padded g and columns (nil for a 1×1 kernel).
func (cv *convOp) workspace(wk int) (xp, gp, col []float32) {
	if cv.work == nil {
		return nil, nil, nil
	}
	ws := cv.work.Example(wk)
	e := cv.padX + cv.padG
	return ws[:cv.padX], ws[cv.padX:e], ws[e : e+cv.colLen]
}

// dxScratch returns worker wk's scratch for a fused input's gradient (see convInput).
func (cv *convOp) dxScratch(wk int) []float32 {
	return cv.work.Example(wk)[cv.padX+cv.padG+cv.colLen:][:cv.dxLen]
}

// padInput writes example i's padded input into xp (worker wk's): from the fused input if
// there is one, else from x.
func (cv *convOp) padInput(xp []float32, i, wk int) {
	if cv.in != nil {
		cv.in.pad(xp, i, wk)
		return
	}
	padCircular(xp, cv.x.Value.Example(i), cv.cin, cv.h, cv.wd)
}

// forward writes the convolution of every example into out, the examples split across
// the workers.
func (cv *convOp) forward(t *Tape, out *Tensor) {
	wv := cv.w.Value.Data
	var plan *convPlan
	var bias []float32 // the bias padded to whole row tiles, for the implicit kernels
	if cv.implX {
		plan = newConvPlan(t.allocNoZero(convPlanLen(cv.cout, cv.cin)).Data, wv, cv.cout, cv.cin, cv.h, cv.wd)
		if cv.b != nil {
			bias = t.Alloc(cv.cout + 8).Data // past the last row tile
			copy(bias, cv.b.Value.Data)
		}
	}
	parallelWork(cv.th, cv.n, func(wk, i int) {
		xp, _, col := cv.workspace(wk)
		oi := out.Example(i)
		if cv.implX {
			// The kernels add the bias as they store (the bits of beta = 1 on an
			// output filled with it).
			cv.padInput(xp, i, wk)
			plan.run(xp, oi, 1, 0, bias)
			return
		}
		cv.forwardExplicit(oi, cv.x.Value.Example(i), col)
	})
}

// forwardExplicit writes one example's convolution oi of xi by Gemm: the bias filled in
// first, then a 1×1 kernel's product or a 3×3 kernel's, im2col slab by slab.
func (cv *convOp) forwardExplicit(oi, xi, col []float32) {
	cout, hw, ckk, wd := cv.cout, cv.hw, cv.ckk, cv.wd
	wv := cv.w.Value.Data
	var beta float32
	if cv.b != nil {
		for o, bo := range cv.b.Value.Data {
			fill32(oi[o*hw:(o+1)*hw], bo)
		}
		beta = 1
	}
	if cv.k == 1 {
		Gemm(false, false, cout, hw, ckk, 1, wv, ckk, xi, hw, beta, oi, hw)
		return
	}
	for y0 := 0; y0 < cv.h; y0 += cv.rows {
		y1 := min(cv.h, y0+cv.rows)
		nb := (y1 - y0) * wd
		im2colCircular3Rows(col, xi, cv.cin, cv.h, wd, y0, y1)
		Gemm(false, false, cout, nb, ckk, 1, wv, ckk, col, nb, beta, oi[y0*wd:], hw)
	}
}

// convGrads are the destinations of one backward pass: dx (written if dxFresh, else added
// to), the per-example weight and bias gradients, each fully written by its worker, and the
// input gradient's flipped kernel and implicit plan.
type convGrads struct {
	dx         *Tensor
	dxFresh    bool
	dwEx, dbEx *Tensor
	wflip      []float32
	planG      *convPlan
}

// backward propagates g, the gradient of the output, to x, w and b: per example across
// the workers, then the per-example weight and bias gradients summed in example order.
func (cv *convOp) backward(t *Tape, g *Tensor) {
	var gr convGrads
	if cv.x != nil && cv.x.needs {
		gr.dx, gr.dxFresh = cv.x.gradForWrite()
	}
	wantDx := gr.dx != nil || cv.in != nil && cv.in.wantsGrad()
	if cv.w.needs {
		gr.dwEx = t.allocNoZero(cv.n, cv.cout*cv.ckk)
	}
	if cv.b != nil && cv.b.needs {
		gr.dbEx = t.allocNoZero(cv.n, cv.cout)
	}
	if wantDx && cv.k == 3 {
		gr.wflip = t.allocNoZero(cv.cin * cv.cout * 9).Data
		flipKernel3(gr.wflip, cv.w.Value.Data, cv.cin, cv.cout)
		if cv.implG {
			gr.planG = newConvPlan(t.allocNoZero(convPlanLen(cv.cin, cv.cout)).Data, gr.wflip, cv.cin, cv.cout, cv.h, cv.wd)
		}
	}
	parallelWork(cv.th, cv.n, func(wk, i int) {
		xp, gp, col := cv.workspace(wk)
		cv.backwardExample(&gr, i, wk, g.Example(i), xp, gp, col)
	})
	if gr.dwEx != nil {
		addRows(cv.th, cv.w.grad().Data, gr.dwEx)
	}
	if gr.dbEx != nil {
		db := cv.b.grad().Data
		for i := 0; i < cv.n; i++ {
			addTo(db, gr.dbEx.Example(i))
		}
	}
}

// backwardExample writes example i's weight and bias gradients and its input gradient,
// from its output gradient gi, in worker wk's workspace xp, gp, col.
func (cv *convOp) backwardExample(gr *convGrads, i, wk int, gi, xp, gp, col []float32) {
	cout, cin, hw, ckk := cv.cout, cv.cin, cv.hw, cv.ckk
	var dxBeta float32 = 1
	if gr.dxFresh {
		dxBeta = 0
	}
	switch {
	case cv.in != nil: // convFusable: the implicit 3×3 path
		if gr.dwEx != nil {
			cv.in.pad(xp, i, wk)
			cv.weightGrad3(gr.dwEx.Example(i), gi, nil, xp, col)
		}
		if cv.in.wantsGrad() {
			var dxi []float32
			if cv.in.gradTo != nil {
				dxi = cv.in.gradTo(i)
			} else {
				dxi = cv.dxScratch(wk)
			}
			cv.inputGrad3(gr, dxi, gi, gp, col, 0)
			if cv.in.grad != nil {
				cv.in.grad(dxi, i)
			}
		}
	case cv.k == 1:
		xi := cv.x.Value.Example(i)
		if gr.dwEx != nil { // dW_i = g_i · x_iᵀ
			Gemm(false, true, cout, ckk, hw, 1, gi, hw, xi, hw, 0, gr.dwEx.Example(i), ckk)
		}
		if gr.dx != nil { // dx_i (+)= Wᵀ·g_i
			Gemm(true, false, cin, hw, cout, 1, cv.w.Value.Data, cin, gi, hw, dxBeta, gr.dx.Example(i), hw)
		}
	default:
		if gr.dwEx != nil {
			cv.weightGrad3(gr.dwEx.Example(i), gi, cv.x.Value.Example(i), xp, col)
		}
		if gr.dx != nil {
			cv.inputGrad3(gr, gr.dx.Example(i), gi, gp, col, dxBeta)
		}
	}
	if gr.dbEx != nil {
		sumPlanes(gr.dbEx.Example(i), gi[:cout*hw], hw)
	}
}

// sumPlanes writes dst[o] = sum32 of the o-th plane of hw floats in x: eight planes at a
// time in the AVX kernel where it runs (the same bits), the rest by sum32.
func sumPlanes(dst, x []float32, hw int) {
	o := 0
	if padAsm && hw%4 == 0 && hw > 0 {
		for ; o+8 <= len(dst); o += 8 {
			_ = x[(o+8)*hw-1]
			sumPlanes8(&dst[o], &x[o*hw], hw)
		}
	}
	for ; o < len(dst); o++ {
		dst[o] = sum32(x[o*hw : (o+1)*hw])
	}
}

// weightGrad3 writes one example's weight gradient of a 3×3 convolution,
// dW_i = Σ_slabs g_i[:, slab] · im2col(x_i)[:, slab]ᵀ, from the padded x in place where the
// implicit dot kernel serves, else from columns built slab by slab. A nil xi means that xp
// holds the padded input already (a fused input).
func (cv *convOp) weightGrad3(dw, gi, xi, xp, col []float32) {
	h, wd, cin, cout, ckk := cv.h, cv.wd, cv.cin, cv.cout, cv.ckk
	if cv.implW && xi != nil {
		padCircular(xp, xi, cin, h, wd)
	}
	for y0 := 0; y0 < h; y0 += cv.rowsW {
		y1 := min(h, y0+cv.rowsW)
		if cv.implW {
			convWeightGradRows(dw, gi, xp, cout, ckk, h, wd, y0, y1, y0 > 0)
			continue
		}
		nb := (y1 - y0) * wd
		var beta float32 = 1
		if y0 == 0 {
			beta = 0
		}
		im2colCircular3Rows(col, xi, cin, h, wd, y0, y1)
		Gemm(false, true, cout, ckk, nb, 1, gi[y0*wd:], cv.hw, col, nb, beta, dw, ckk)
	}
}

// inputGrad3 writes (dxBeta 0) or adds (1) one example's input gradient of a 3×3
// convolution, dx_i = W̃·im2col(g_i), implicitly from the padded g or slab by slab.
func (cv *convOp) inputGrad3(gr *convGrads, dxi, gi, gp, col []float32, dxBeta float32) {
	h, wd, cin, cout := cv.h, cv.wd, cv.cin, cv.cout
	if cv.implG {
		padCircular(gp, gi, cout, h, wd)
		gr.planG.run(gp, dxi, 1, dxBeta, nil)
		return
	}
	for y0 := 0; y0 < h; y0 += cv.rows {
		y1 := min(h, y0+cv.rows)
		nb := (y1 - y0) * wd
		im2colCircular3Rows(col, gi, cout, h, wd, y0, y1)
		Gemm(false, false, cin, nb, cout*9, 1, gr.wflip, cout*9, col, nb, dxBeta, dxi[y0*wd:], cv.hw)
	}
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
