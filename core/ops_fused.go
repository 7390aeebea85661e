package core

import "fmt"

// conv2dConcatUpsample returns Conv2d(ConcatUpsample2(a, b), w, bias) as one op, with the
// same bits in the output and in every gradient, without storing the concatenation (twice
// a's size) or its gradient: each example's padded input is written straight from a and
// from b upsampled, once in the forward pass and again for the weight gradient, and each
// example's input gradient goes from a worker's scratch buffer straight to a's adjoint and
// through the upsampling's adjoint to b's. That saves a write and a read of the
// concatenation in each pass. Where the implicit 3×3 convolution does not serve the shape
// it records the two ops. It panics as ConcatUpsample2 and Conv2d do.
func conv2dConcatUpsample(a, b, w, bias *Var) *Var {
	as, bs := a.Value.Shape, b.Value.Shape
	mustRank("ConcatUpsample2 a", as, 4)
	mustRank("ConcatUpsample2 b", bs, 4)
	if as[0] != bs[0] || as[2] != 2*bs[2] || as[3] != 2*bs[3] {
		panic(fmt.Sprintf("core: ConcatUpsample2: shape mismatch %v vs upsampled %v", as, bs))
	}
	t := a.tape
	if b.tape != t {
		panic("core: ConcatUpsample2: input recorded on another tape")
	}
	n, ca, cb, h, wd := as[0], as[1], bs[1], as[2], as[3]
	cv := newConvOpShape([]int{n, ca + cb, h, wd}, w, bias)
	cv.planPaths(t.Threads)
	if !cv.convFusable() {
		return Conv2d(ConcatUpsample2(a, b), w, bias)
	}
	cu := &concatUpsample{a: a, b: b, ca: ca, cb: cb, h: h, w: wd, taps: upsampleTaps(wd / 2)}
	cu.ga = newUpsampleGather(cu.taps, wd/2)
	cu.hrows = t.allocNoZero(cv.th, h*wd/2)
	cv.in = &convInput{pad: cu.pad}
	if a.needs || b.needs {
		cv.in.grad = cu.grad
	}
	cv.allocWork(t)
	out := t.allocNoZero(n, cv.cout, h, wd) // every element is written below
	cv.forward(t, out)
	inputs := []*Var{a, b, w}
	if bias != nil {
		inputs = append(inputs, bias)
	}
	var v *Var
	v = t.record("ConcatUpsample2+Conv2d", out, func() {
		cu.da, cu.db = nil, nil
		if a.needs {
			cu.da, cu.aFresh = a.gradForWrite()
		}
		if b.needs {
			cu.db = b.grad()
		}
		cv.backward(t, v.Grad)
	}, inputs...)
	return v
}

// concatUpsample is the input of conv2dConcatUpsample: a's channels, then b's upsampled.
type concatUpsample struct {
	a, b         *Var
	ca, cb, h, w int // channels of a and b; the output's height and width
	taps         []upsampleTapAt
	ga           *upsampleGather
	hrows        *Tensor // one buffer per worker for upsamplePlaneRows
	// The adjoints the backward pass writes (da, if aFresh) or adds to.
	da, db *Tensor
	aFresh bool
}

// pad writes example i's concatenation, padded circularly, into xp (worker wk's): a's
// channels as padCircular pads them, b's upsampled into the interior of their planes
// (upsamplePlaneRowsLd) and then wrapped as padCircular would wrap them (padWrap), so the
// same bits as padding ConcatUpsample2's output.
func (cu *concatUpsample) pad(xp []float32, i, wk int) {
	h, w, ca := cu.h, cu.w, cu.ca
	pw := w + 2
	plane := (h + 2) * pw
	padCircular(xp, cu.a.Value.Example(i), ca, h, w)
	hb, wb := h/2, w/2
	bv, hrow := cu.b.Value.Example(i), cu.hrows.Example(wk)
	for c := range cu.cb {
		dst := xp[(ca+c)*plane:][:plane]
		upsamplePlaneRowsLd(dst[pw+1:], pw, bv[c*hb*wb:][:hb*wb], hb, wb, cu.taps, hrow)
		padWrap(dst, h, w)
	}
}

// grad sends example i's input gradient dxi (the concatenation's) to a's and b's adjoints,
// as ConcatUpsample2's backward pass does.
func (cu *concatUpsample) grad(dxi []float32, i int) {
	la, hw := cu.ca*cu.h*cu.w, cu.h*cu.w
	if cu.da != nil {
		writeOrAdd(cu.da.Example(i), dxi[:la], cu.aFresh)
	}
	if cu.db == nil {
		return
	}
	hb, wb := cu.h/2, cu.w/2
	db := cu.db.Example(i)
	for c := range cu.cb {
		upsamplePlaneAdjoint(db[c*hb*wb:][:hb*wb], dxi[la+c*hw:][:hw], hb, wb, cu.ga)
	}
}

// padWrap completes a padded plane (h+2 rows of w+2) whose interior holds a plane: the
// wrapped columns of the interior rows, then the first and last rows as copies of the
// last and first interior rows, which is what padCircular writes.
func padWrap(dst []float32, h, w int) {
	pw := w + 2
	dst = dst[:(h+2)*pw]
	for y := 1; y <= h; y++ {
		r := dst[y*pw:][:pw]
		r[0], r[w+1] = r[w], r[1]
	}
	copy(dst[:pw], dst[h*pw:(h+1)*pw])
	copy(dst[(h+1)*pw:], dst[pw:2*pw])
}

// conv2dBNReLU returns Conv2d(bn.ForwardReLU(z), w, bias) as one op, with the same bits in
// the output, in every gradient and in bn's running statistics, without storing the
// normalised batch: each example's padded input is normalised straight from z into the
// convolution's padded buffer (once in the forward pass, again for the weight gradient),
// which saves writing the normalised batch and reading it back to pad it. The backward
// pass writes the convolution's input gradient into a buffer of z's size, releases its own
// output's adjoint, sends the gradient through BatchNorm+ReLU's backward pass, and releases
// it. Where the implicit 3×3 convolution does
// not serve the shape it records the two ops. It panics as ForwardReLU and Conv2d do.
func conv2dBNReLU(z *Var, bn *BatchNorm2d, w, bias *Var) *Var {
	t := z.tape
	op := bn.newOp(z, true)
	cv := newConvOpShape(z.Value.Shape, w, bias)
	cv.planPaths(t.Threads)
	if !cv.convFusable() {
		return Conv2d(bn.ForwardReLU(z), w, bias)
	}
	op.stats(nil)
	h, wd := cv.h, cv.wd
	cv.in = &convInput{pad: func(xp []float32, i, _ int) {
		op.normalizePadded(xp, i, h, wd)
	}}
	var dy *Tensor
	if z.needs || op.gamma.needs || op.beta.needs {
		cv.in.gradTo = func(i int) []float32 { return dy.Example(i) }
	}
	cv.allocWork(t)
	out := t.allocNoZero(cv.n, cv.cout, h, wd) // every element is written below
	cv.forward(t, out)
	inputs := []*Var{z, op.gamma, op.beta, w}
	if bias != nil {
		inputs = append(inputs, bias)
	}
	var v *Var
	v = t.record("BatchNorm2d+ReLU+Conv2d", out, func() {
		if cv.in.gradTo != nil {
			dy = t.allocNoZero(z.Value.Shape...) // every element is written (fresh)
		}
		cv.backward(t, v.Grad)
		// Released before BatchNorm's backward pass allocates z's adjoint, as the two
		// ops' Backward would release the convolution's output adjoint.
		v.releaseGrad()
		if dy != nil {
			op.backward(dy.Data)
			t.free = append(t.free, dy)
			dy = nil
		}
	}, inputs...)
	return v
}

// normalizePadded writes example i of op's output (BatchNorm+ReLU of x), padded
// circularly, into xp: each row normalised into its padded row with its wrapped columns
// (bnNormalizePadRows8 where it runs and w is a multiple of 8, else bnNormalize and
// padWrap: the bits of normalizeChannel either way), then the first and last rows copied.
func (op *bnOp) normalizePadded(xp []float32, i, h, w int) {
	pw := w + 2
	plane := (h + 2) * pw
	xv := op.x.Value.Example(i)
	for k := range op.c {
		prm := op.params(k)
		src, dst := xv[k*h*w:][:h*w], xp[k*plane:][:plane]
		if bnAsm && w%8 == 0 && w > 0 && h > 0 {
			bnNormalizePadRows8(&dst[pw], &src[0], h, w, &prm)
			copy(dst[:pw], dst[h*pw:(h+1)*pw])
			copy(dst[(h+1)*pw:], dst[pw:2*pw])
			continue
		}
		for y := range h {
			bnNormalize(dst[(y+1)*pw+1:][:w], src[y*w:][:w], &prm)
		}
		padWrap(dst, h, w)
	}
}
