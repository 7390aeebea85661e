package core

import (
	"fmt"
	"math"
)

// MaxPool2 returns the 2×2 max pooling with stride 2 of the NCHW batch x, of shape
// [N, C, ⌊H/2⌋, ⌊W/2⌋] (a trailing odd row or column is dropped, as in PyTorch). The
// gradient goes to the arg-max of each window; among equal values it goes to the first in
// row-major order. A NaN in a window is its maximum. It panics if x is not of rank 4 or
// H or W is smaller than 2.
func MaxPool2(x *Var) *Var {
	mustRank("MaxPool2 x", x.Value.Shape, 4)
	n, c, h, w := x.Value.Shape[0], x.Value.Shape[1], x.Value.Shape[2], x.Value.Shape[3]
	ho, wo := h/2, w/2
	if ho == 0 || wo == 0 {
		panic(fmt.Sprintf("core: MaxPool2: x %v is smaller than 2×2", x.Value.Shape))
	}
	t := x.tape
	out := t.allocNoZero(n, c, ho, wo) // every element is written below
	// The arg-max of every window, its index in the plane, kept for the backward pass as
	// the bits of a float32 (exact: Float32frombits and Float32bits round-trip every
	// pattern), so that the windows are compared once.
	args := t.allocNoZero(n, c, ho, wo)
	xv := x.Value.Data
	parallelFor(t.Threads, n*c, func(p int) {
		src, dst, arg := xv[p*h*w:][:h*w], out.Data[p*ho*wo:][:ho*wo], args.Data[p*ho*wo:][:ho*wo]
		for y := 0; y < ho; y++ {
			maxPoolRow(dst[y*wo:][:wo], arg[y*wo:][:wo], src, w, y)
		}
	})
	var v *Var
	v = t.record("MaxPool2", out, func() {
		dx := x.grad().Data
		parallelFor(t.Threads, n*c, func(p int) {
			d, g, arg := dx[p*h*w:][:h*w], v.Grad.Data[p*ho*wo:][:ho*wo], args.Data[p*ho*wo:][:ho*wo]
			for o, a := range arg {
				d[math.Float32bits(a)] += g[o]
			}
		})
	}, x)
	return v
}

// maxPoolRow writes output row y of a plane's max pool and the bits of its arg-maxes (see
// MaxPool2) from the plane src (row length w): eight windows at a time in AVX2 where it
// runs (the same picks, so the same bits), the rest by maxPoolArg.
func maxPoolRow(dst, arg, src []float32, w, y int) {
	q := 0
	if poolAsm && len(dst) >= 8 {
		n8 := len(dst) / 8
		i0 := 2 * y * w
		_ = src[i0+w+16*n8-1]
		maxPoolRow8(&dst[0], &arg[0], &src[i0], &src[i0+w], n8, i0, w)
		q = 8 * n8
	}
	for ; q < len(dst); q++ {
		i := maxPoolArg(src, w, y, q)
		dst[q] = src[i]
		arg[q] = math.Float32frombits(uint32(i))
	}
}

// maxPoolArg returns the index in the plane src (row length w) of the first maximum of
// the 2×2 window of output (y, q), scanning in row-major order; a NaN is the maximum (the
// first NaN, if there are several). It compares integer keys without a branch (see
// maxPoolKey), as the winner of a window is random and a branch would often be mispredicted.
func maxPoolArg(src []float32, w, y, q int) int {
	i0 := 2*y*w + 2*q
	r0, r1 := src[i0:i0+2:i0+2], src[i0+w:i0+w+2:i0+w+2]
	best, kb := i0, maxPoolKey(r0[0])
	best, kb = maxPoolPick(best, kb, i0+1, maxPoolKey(r0[1]))
	best, kb = maxPoolPick(best, kb, i0+w, maxPoolKey(r1[0]))
	best, _ = maxPoolPick(best, kb, i0+w+1, maxPoolKey(r1[1]))
	return best
}

// maxPoolKey maps x to an integer whose order is the order of the floats, with −0 = +0 and
// every NaN above +Inf and equal to every other NaN.
func maxPoolKey(x float32) int64 {
	b := int64(int32(math.Float32bits(x + 0)))   // x + 0 turns −0 into +0
	k := b ^ ((b >> 31) & 0x7fffffff)            // negative floats: reverse their order
	nan := (0x7f800000 - (b & 0x7fffffff)) >> 63 // all ones for NaN
	return k&^nan | nan&math.MaxInt32
}

// maxPoolPick returns (i, k) if k > kb and (best, kb) otherwise, without a branch.
func maxPoolPick(best int, kb int64, i int, k int64) (int, int64) {
	gt := (kb - k) >> 63 // all ones iff k > kb
	return best ^ ((best ^ i) & int(gt)), kb ^ ((kb ^ k) & gt)
}

// Upsample2 returns the bilinear upsampling by 2 of the NCHW batch x, of shape
// [N, C, 2H, 2W], as PyTorch's interpolate(mode="bilinear", align_corners=False). Along each
// axis of size s, output index o samples the input at
//
//	u = max((o + ½)/2 − ½, 0),  i₀ = ⌊u⌋,  i₁ = min(i₀+1, s−1),  λ = u − i₀,
//
// as (1−λ)·x[i₀] + λ·x[i₁]; the two axes are interpolated as a tensor product. The
// gradient scatters each output adjoint back with the same weights. It panics if x is not
// of rank 4.
func Upsample2(x *Var) *Var {
	mustRank("Upsample2 x", x.Value.Shape, 4)
	n, c, h, w := x.Value.Shape[0], x.Value.Shape[1], x.Value.Shape[2], x.Value.Shape[3]
	ho, wo := 2*h, 2*w
	t := x.tape
	out := t.allocNoZero(n, c, ho, wo) // every element is written below
	xv := x.Value.Data
	taps := upsampleTaps(w)
	ga := newUpsampleGather(taps, w)
	parallelFor(t.Threads, n*c, func(p int) {
		upsamplePlane(out.Data[p*ho*wo:][:ho*wo], xv[p*h*w:][:h*w], h, w, taps)
	})
	var v *Var
	v = t.record("Upsample2", out, func() {
		dx := x.grad().Data
		parallelFor(t.Threads, n*c, func(p int) {
			upsamplePlaneAdjoint(dx[p*h*w:][:h*w], v.Grad.Data[p*ho*wo:][:ho*wo], h, w, ga)
		})
	}, x)
	return v
}

// upsamplePlane writes the ×2 bilinear upsampling of the h×w plane src into dst (2h×2w).
func upsamplePlane(dst, src []float32, h, w int, taps []upsampleTapAt) {
	ho, wo := 2*h, 2*w
	for y := 0; y < ho; y++ {
		y0, y1, ly := upsampleTap(y, h)
		r0, r1 := src[y0*w:][:w], src[y1*w:][:w]
		d := dst[y*wo:][:wo]
		for q, tp := range taps[:len(d)] {
			lx := tp.lambda
			top := (1-lx)*r0[tp.i0] + lx*r0[tp.i1]
			bot := (1-lx)*r1[tp.i0] + lx*r1[tp.i1]
			d[q] = (1-ly)*top + ly*bot
		}
	}
}

// upsamplePlaneRows is upsamplePlane with each source row interpolated along x once, into
// hrow (h·2w values, overwritten), rather than once for each of the output rows that use
// it: the same expressions on the same values, so the same bits (an output row's top and
// bottom are exactly the rows kept).
func upsamplePlaneRows(dst, src []float32, h, w int, taps []upsampleTapAt, hrow []float32) {
	upsamplePlaneRowsLd(dst, 2*w, src, h, w, taps, hrow)
}

// upsamplePlaneRowsLd is upsamplePlaneRows with the output rows ld ≥ 2w floats apart in dst.
func upsamplePlaneRowsLd(dst []float32, ld int, src []float32, h, w int, taps []upsampleTapAt, hrow []float32) {
	ho, wo := 2*h, 2*w
	hrow = hrow[:h*wo]
	for y := range h {
		r, d := src[y*w:][:w], hrow[y*wo:][:wo]
		if upsampleAsm && w-2 >= 8 {
			// Columns 2i and 2i+1 of 1 ≤ i ≤ w−2 read r[i−1], r[i] and r[i], r[i+1]
			// with weights ¼ and ¾ (upsampleTap), in AVX2 eight i at a time; the
			// last eight again if w−2 is not a multiple of 8 (the kernel only
			// writes, so the columns computed twice get the same values twice).
			upsampleRowX(d, r, taps, 0, 2)
			n8 := (w - 2) / 8
			_ = r[8*n8+1]
			upsampleRowX8(&d[2], &r[1], n8)
			if 8*n8 < w-2 {
				upsampleRowX8(&d[2*(w-9)], &r[w-9], 1)
			}
			upsampleRowX(d, r, taps, wo-2, wo)
			continue
		}
		upsampleRowX(d, r, taps, 0, wo)
	}
	for y := 0; y < ho; y++ {
		y0, y1, ly := upsampleTap(y, h)
		top, bot := hrow[y0*wo:][:wo], hrow[y1*wo:][:wo]
		d := dst[y*ld:][:wo]
		q := 0
		if upsampleAsm && wo >= 8 {
			n8 := wo / 8
			upsampleBlend8(&d[0], &top[0], &bot[0], n8, 1-ly, ly)
			q = 8 * n8
		}
		for ; q < len(d); q++ {
			d[q] = (1-ly)*top[q] + ly*bot[q]
		}
	}
}

// upsampleRowX writes columns q0 ≤ q < q1 of the source row r upsampled along x into d.
func upsampleRowX(d, r []float32, taps []upsampleTapAt, q0, q1 int) {
	for q := q0; q < q1; q++ {
		tp := taps[q]
		lx := tp.lambda
		d[q] = (1-lx)*r[tp.i0] + lx*r[tp.i1]
	}
}

// upsamplePlaneAdjoint adds the transpose of upsamplePlane applied to g (2h×2w) to d (h×w):
// the same terms, (1−λx)·((1−λy)·g) and so on, added to each element of d in the order in
// which scattering g's values one by one would add them (output rows in order, and within
// a row the output columns in order, i₀'s weight before i₁'s), so the same bits. It
// gathers them instead, eight elements of d at a time in AVX2 where it runs.
func upsamplePlaneAdjoint(d, g []float32, h, w int, ga *upsampleGather) {
	ho, wo := 2*h, 2*w
	for y := 0; y < ho; y++ {
		y0, y1, ly := upsampleTap(y, h)
		gr := g[y*wo:][:wo]
		if y0 == y1 {
			ga.addRowAliased(d[y0*w:][:w], gr, 1-ly, ly)
			continue
		}
		ga.addRow(d[y0*w:][:w], gr, 1-ly)
		ga.addRow(d[y1*w:][:w], gr, ly)
	}
}

// upsampleGather lists, for each source index i of an axis of size s, the output indices q
// whose interpolation reads i and the weight of i in each (1−λ as i₀, λ as i₁), in the
// order of q and, within one q, i₀'s weight first: entries start[i] to start[i+1]. Every i
// in [lo, hi) has the interior's list, (2i−1, ¼), (2i, ¾), (2i+1, ¾), (2i+2, ¼), which
// addRow adds without looking it up.
type upsampleGather struct {
	start  []int32
	q      []int32
	c      []float32
	lo, hi int
}

// newUpsampleGather returns the gather lists of the taps of an axis of size s (in a number
// of allocations that does not depend on s).
func newUpsampleGather(taps []upsampleTapAt, s int) *upsampleGather {
	n := 2 * len(taps)
	ga := &upsampleGather{start: make([]int32, s+1), q: make([]int32, n), c: make([]float32, n), lo: s, hi: s}
	for _, tp := range taps {
		ga.start[tp.i0+1]++
		ga.start[tp.i1+1]++
	}
	for i := range s {
		ga.start[i+1] += ga.start[i]
	}
	next := make([]int32, s)
	copy(next, ga.start[:s])
	add := func(i, q int, c float32) {
		k := next[i]
		ga.q[k], ga.c[k] = int32(q), c
		next[i]++
	}
	for q, tp := range taps {
		add(tp.i0, q, 1-tp.lambda)
		add(tp.i1, q, tp.lambda)
	}
	interior := func(i int) bool {
		e, q := ga.start[i], int32(2*i-1)
		return ga.start[i+1]-e == 4 && ga.q[e] == q && ga.q[e+1] == q+1 && ga.q[e+2] == q+2 && ga.q[e+3] == q+3 &&
			ga.c[e] == 0.25 && ga.c[e+1] == 0.75 && ga.c[e+2] == 0.75 && ga.c[e+3] == 0.25
	}
	for i := range s {
		if interior(i) {
			ga.lo, ga.hi = i, i+1
			for ga.hi < s && interior(ga.hi) {
				ga.hi++
			}
			break
		}
	}
	return ga
}

// addRow adds to r (one source row) the terms c·(s·gr[q]) of its gather lists, element by
// element in the lists' order.
func (ga *upsampleGather) addRow(r, gr []float32, s float32) {
	r = r[:len(ga.start)-1]
	ga.addListed(r, gr, s, 0, ga.lo)
	i := ga.lo
	if upsampleAsm && ga.hi-ga.lo >= 8 {
		n8 := (ga.hi - ga.lo) / 8
		_ = gr[2*(i+8*n8)+1] // the kernel reads gr[2i−2 : 2(i+8·n8)+2]
		upsampleAdjRow8(&r[i], &gr[2*i-2], n8, s)
		i += 8 * n8
	}
	for ; i < ga.hi; i++ {
		v := gr[2*i-1 : 2*i+3 : 2*i+3]
		acc := r[i]
		acc += 0.25 * (s * v[0])
		acc += 0.75 * (s * v[1])
		acc += 0.75 * (s * v[2])
		acc += 0.25 * (s * v[3])
		r[i] = acc
	}
	ga.addListed(r, gr, s, max(ga.lo, ga.hi), len(r))
}

// addListed is addRow on the elements i0 ≤ i < i1, from the lists.
func (ga *upsampleGather) addListed(r, gr []float32, s float32, i0, i1 int) {
	for i := i0; i < i1; i++ {
		acc := r[i]
		for e := ga.start[i]; e < ga.start[i+1]; e++ {
			acc += ga.c[e] * (s * gr[ga.q[e]])
		}
		r[i] = acc
	}
}

// addRowAliased is addRow for an output row whose two source rows are the same row r (the
// last, clamped): for each q the terms of the upper row's weight s0, then the lower's s1, as
// the scatter adds them.
func (ga *upsampleGather) addRowAliased(r, gr []float32, s0, s1 float32) {
	r = r[:len(ga.start)-1]
	for i := range r {
		acc := r[i]
		e, end := ga.start[i], ga.start[i+1]
		for e < end {
			f := e + 1
			for f < end && ga.q[f] == ga.q[e] {
				f++
			}
			for k := e; k < f; k++ {
				acc += ga.c[k] * (s0 * gr[ga.q[k]])
			}
			for k := e; k < f; k++ {
				acc += ga.c[k] * (s1 * gr[ga.q[k]])
			}
			e = f
		}
		r[i] = acc
	}
}

// ConcatUpsample2 returns ConcatChannels(a, Upsample2(b)) as one op, with the same bits
// in the output and in both gradients: the upsampled channels are written straight into
// the concatenation, and their gradient is read straight from the concatenation's, so
// that the upsampled batch and its gradient are neither stored nor copied. b has half a's
// height and width. It panics if the ranks are not 4 or the shapes do not fit.
func ConcatUpsample2(a, b *Var) *Var {
	as, bs := a.Value.Shape, b.Value.Shape
	mustRank("ConcatUpsample2 a", as, 4)
	mustRank("ConcatUpsample2 b", bs, 4)
	if as[0] != bs[0] || as[2] != 2*bs[2] || as[3] != 2*bs[3] {
		panic(fmt.Sprintf("core: ConcatUpsample2: shape mismatch %v vs upsampled %v", as, bs))
	}
	n, cb, h, w := bs[0], bs[1], bs[2], bs[3]
	la, hw := a.Value.ExampleLen(), 4*h*w
	t := a.tape
	out := t.allocNoZero(n, as[1]+cb, as[2], as[3]) // every element is written below
	taps := upsampleTaps(w)
	ga := newUpsampleGather(taps, w)
	bv := b.Value.Data
	hrows := t.allocNoZero(n, 2*h*w) // each example's rows interpolated along x
	parallelFor(t.Threads, n, func(i int) {
		o := out.Example(i)
		copy(o[:la], a.Value.Example(i))
		for c := range cb {
			p := i*cb + c
			upsamplePlaneRows(o[la+c*hw:][:hw], bv[p*h*w:][:h*w], h, w, taps, hrows.Example(i))
		}
	})
	var v *Var
	v = t.record("ConcatUpsample2", out, func() {
		var da *Tensor
		var aFresh bool
		if a.needs {
			da, aFresh = a.gradForWrite()
		}
		var db []float32
		if b.needs {
			db = b.grad().Data
		}
		parallelFor(t.Threads, n, func(i int) {
			g := v.Grad.Example(i)
			if da != nil {
				writeOrAdd(da.Example(i), g[:la], aFresh)
			}
			if db != nil {
				for c := range cb {
					p := i*cb + c
					upsamplePlaneAdjoint(db[p*h*w:][:h*w], g[la+c*hw:][:hw], h, w, ga)
				}
			}
		})
	}, a, b)
	return v
}

// upsampleTap returns the two source indices and the weight of the second for output
// index o of a ×2 bilinear upsampling of an axis of size s (align_corners=False).
// With scale ½ every weight is 0, ¼ or ¾, so float32 is exact here.
func upsampleTap(o, s int) (i0, i1 int, lambda float32) {
	u := max(0.5*(float32(o)+0.5)-0.5, 0)
	i0 = int(u)
	i1 = min(i0+1, s-1)
	return i0, i1, u - float32(i0)
}

// upsampleTapAt is one output index's taps; see upsampleTap.
type upsampleTapAt struct {
	i0, i1 int
	lambda float32
}

// upsampleTaps returns the taps of the 2s output indices of an axis of size s.
func upsampleTaps(s int) []upsampleTapAt {
	taps := make([]upsampleTapAt, 2*s)
	for o := range taps {
		i0, i1, l := upsampleTap(o, s)
		taps[o] = upsampleTapAt{i0, i1, l}
	}
	return taps
}

// ConcatChannels returns the concatenation of the NCHW batches a and b along the channel
// axis, of shape [N, Ca+Cb, H, W]: a's channels first. It panics if the ranks are not 4 or
// N, H or W differ.
func ConcatChannels(a, b *Var) *Var {
	as, bs := a.Value.Shape, b.Value.Shape
	mustRank("ConcatChannels a", as, 4)
	mustRank("ConcatChannels b", bs, 4)
	if as[0] != bs[0] || as[2] != bs[2] || as[3] != bs[3] {
		panic(fmt.Sprintf("core: ConcatChannels: shape mismatch %v vs %v", as, bs))
	}
	n := as[0]
	la := a.Value.ExampleLen()
	t := a.tape
	out := t.allocNoZero(n, as[1]+bs[1], as[2], as[3]) // every element is written below
	parallelFor(t.Threads, n, func(i int) {
		o := out.Example(i)
		copy(o[:la], a.Value.Example(i))
		copy(o[la:], b.Value.Example(i))
	})
	var v *Var
	v = t.record("ConcatChannels", out, func() {
		// The adjoints are taken before the loop: one that is fresh is written, not added to.
		var da, db *Tensor
		var aFresh, bFresh bool
		if a.needs {
			da, aFresh = a.gradForWrite()
		}
		if b.needs {
			db, bFresh = b.gradForWrite()
		}
		parallelFor(t.Threads, n, func(i int) {
			g := v.Grad.Example(i)
			if da != nil {
				writeOrAdd(da.Example(i), g[:la], aFresh)
			}
			if db != nil {
				writeOrAdd(db.Example(i), g[la:], bFresh)
			}
		})
	}, a, b)
	return v
}

// writeOrAdd copies src to dst if fresh, adds it otherwise.
func writeOrAdd(dst, src []float32, fresh bool) {
	if fresh {
		copy(dst, src)
		return
	}
	addTo(dst, src)
}

// addTo adds src into dst.
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] += x
	}
}

// PadEnd2 returns the NCHW batch x with p zero rows appended after its last row and p zero
// columns after its last column, of shape [N, C, H+p, W+p] (PyTorch's
// F.pad(x, [0, p, 0, p])). It panics if x is not of rank 4 or p is negative.
func PadEnd2(x *Var, p int) *Var {
	mustRank("PadEnd2 x", x.Value.Shape, 4)
	if p < 0 {
		panic(fmt.Sprintf("core: PadEnd2: negative padding %d", p))
	}
	n, c, h, w := x.Value.Shape[0], x.Value.Shape[1], x.Value.Shape[2], x.Value.Shape[3]
	ho, wo := h+p, w+p
	t := x.tape
	out := t.Alloc(n, c, ho, wo)
	xv := x.Value.Data
	parallelFor(t.Threads, n*c, func(q int) {
		src, dst := xv[q*h*w:][:h*w], out.Data[q*ho*wo:][:ho*wo]
		for i := range h {
			copy(dst[i*wo:i*wo+w], src[i*w:(i+1)*w])
		}
	})
	var v *Var
	v = t.record("PadEnd2", out, func() {
		dx := x.grad().Data
		parallelFor(t.Threads, n*c, func(q int) {
			d, g := dx[q*h*w:][:h*w], v.Grad.Data[q*ho*wo:][:ho*wo]
			for i := range h {
				addTo(d[i*w:(i+1)*w], g[i*wo:i*wo+w])
			}
		})
	}, x)
	return v
}

// CropEnd2 returns the NCHW batch x without its last p rows and p columns, of shape
// [N, C, H−p, W−p] (x[..., :−p, :−p]), the transpose of PadEnd2. It panics if x is not of
// rank 4, p is negative, or p ≥ H or p ≥ W.
func CropEnd2(x *Var, p int) *Var {
	mustRank("CropEnd2 x", x.Value.Shape, 4)
	n, c, h, w := x.Value.Shape[0], x.Value.Shape[1], x.Value.Shape[2], x.Value.Shape[3]
	if p < 0 || p >= h || p >= w {
		panic(fmt.Sprintf("core: CropEnd2: cannot crop %d from x %v", p, x.Value.Shape))
	}
	ho, wo := h-p, w-p
	t := x.tape
	out := t.allocNoZero(n, c, ho, wo) // every element is written below
	xv := x.Value.Data
	parallelFor(t.Threads, n*c, func(q int) {
		src, dst := xv[q*h*w:][:h*w], out.Data[q*ho*wo:][:ho*wo]
		for i := range ho {
			copy(dst[i*wo:(i+1)*wo], src[i*w:i*w+wo])
		}
	})
	var v *Var
	v = t.record("CropEnd2", out, func() {
		dx := x.grad().Data
		parallelFor(t.Threads, n*c, func(q int) {
			d, g := dx[q*h*w:][:h*w], v.Grad.Data[q*ho*wo:][:ho*wo]
			for i := range ho {
				addTo(d[i*w:i*w+wo], g[i*wo:(i+1)*wo])
			}
		})
	}, x)
	return v
}
