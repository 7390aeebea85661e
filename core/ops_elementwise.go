package core

import "math"

// Add returns a + b (same shapes).
func Add(a, b *Var) *Var {
	mustSameShape("Add", a.Value.Shape, b.Value.Shape)
	t := a.tape
	out := t.allocNoZero(a.Value.Shape...)
	for i := range out.Data {
		out.Data[i] = a.Value.Data[i] + b.Value.Data[i]
	}
	var v *Var
	v = t.record("Add", out, func() {
		accum(a, v.Grad.Data, 1)
		accum(b, v.Grad.Data, 1)
	}, a, b)
	return v
}

// Sub returns a − b (same shapes).
func Sub(a, b *Var) *Var {
	mustSameShape("Sub", a.Value.Shape, b.Value.Shape)
	t := a.tape
	out := t.allocNoZero(a.Value.Shape...)
	for i := range out.Data {
		out.Data[i] = a.Value.Data[i] - b.Value.Data[i]
	}
	var v *Var
	v = t.record("Sub", out, func() {
		accum(a, v.Grad.Data, 1)
		accum(b, v.Grad.Data, -1)
	}, a, b)
	return v
}

// Mul returns the elementwise product a ⊙ b (same shapes).
func Mul(a, b *Var) *Var {
	mustSameShape("Mul", a.Value.Shape, b.Value.Shape)
	t := a.tape
	out := t.allocNoZero(a.Value.Shape...)
	for i := range out.Data {
		out.Data[i] = a.Value.Data[i] * b.Value.Data[i]
	}
	var v *Var
	v = t.record("Mul", out, func() {
		mulGrad(a, v.Grad.Data, b.Value.Data)
		mulGrad(b, v.Grad.Data, a.Value.Data)
	}, a, b)
	return v
}

// mulGrad adds d ⊙ other into a's adjoint if a needs a gradient (writes it, if a has none
// yet).
func mulGrad(a *Var, d, other []float32) {
	if !a.needs {
		return
	}
	g, fresh := a.gradForWrite()
	dst, other := g.Data[:len(d)], other[:len(d)]
	if fresh {
		for i, di := range d {
			dst[i] = di * other[i]
		}
		return
	}
	for i, di := range d {
		dst[i] += di * other[i]
	}
}

// Scale returns s·a.
func Scale(a *Var, s float32) *Var {
	t := a.tape
	out := t.allocNoZero(a.Value.Shape...)
	for i, x := range a.Value.Data {
		out.Data[i] = s * x
	}
	var v *Var
	v = t.record("Scale", out, func() { accum(a, v.Grad.Data, s) }, a)
	return v
}

// accum adds s·g into a's adjoint if a needs a gradient (writes it, if a has none yet).
func accum(a *Var, g []float32, s float32) {
	if !a.needs {
		return
	}
	dg, fresh := a.gradForWrite()
	dst := dg.Data[:len(g)]
	switch {
	case fresh && s == 1:
		copy(dst, g)
	case fresh:
		for i, x := range g {
			dst[i] = s * x
		}
	case s == 1:
		addTo(dst, g)
	default:
		for i, x := range g {
			dst[i] += s * x
		}
	}
}

// elementwiseChunk is the number of elements an elementwise op hands to one goroutine at a
// time. Elementwise results do not depend on how the work is cut.
const elementwiseChunk = 1 << 15

// parallelChunks calls fn(lo, hi) for consecutive ranges covering [0, n), on up to threads
// goroutines.
func parallelChunks(threads, n int, fn func(lo, hi int)) {
	chunks := (n + elementwiseChunk - 1) / elementwiseChunk
	if threads <= 1 || chunks <= 1 {
		fn(0, n)
		return
	}
	parallelFor(threads, chunks, func(c int) {
		fn(c*elementwiseChunk, min(n, (c+1)*elementwiseChunk))
	})
}

// unary records an elementwise op y = f(x). fwd writes y[i] = f(x[i]) for a range of
// elements; back writes (fresh) or adds into dx[i] the adjoint d[i]·f′(x[i]), given x, y
// and d on the same range. Both are plain loops over slices, with no call per element.
func unary(op string, a *Var,
	fwd func(y, x []float32),
	back func(dx, d, x, y []float32, fresh bool)) *Var {
	t := a.tape
	out := t.allocNoZero(a.Value.Shape...)
	xv, yv := a.Value.Data, out.Data
	parallelChunks(t.Threads, len(xv), func(lo, hi int) { fwd(yv[lo:hi], xv[lo:hi]) })
	var v *Var
	v = t.record(op, out, func() {
		g, fresh := a.gradForWrite()
		dx, d := g.Data, v.Grad.Data
		parallelChunks(t.Threads, len(xv), func(lo, hi int) {
			back(dx[lo:hi], d[lo:hi], xv[lo:hi], yv[lo:hi], fresh)
		})
	}, a)
	return v
}

// ReLU returns max(x, 0). Its subgradient at 0 is taken as 0, as PyTorch does.
func ReLU(a *Var) *Var {
	return unary("ReLU", a,
		func(y, x []float32) {
			y = y[:len(x)]
			for i, xi := range x {
				y[i] = max(xi, 0)
			}
		},
		func(dx, d, x, _ []float32, fresh bool) {
			d, x = d[:len(dx)], x[:len(dx)]
			if fresh {
				for i, xi := range x {
					dx[i] = math.Float32frombits(math.Float32bits(d[i]) & positiveMask(xi))
				}
				return
			}
			for i, xi := range x {
				dx[i] += math.Float32frombits(math.Float32bits(d[i]) & positiveMask(xi))
			}
		})
}

// positiveMask returns all ones if x > 0 and zero otherwise (for −0, NaN and negative x),
// without a branch: the sign of x is random in a network, so a branch would be mispredicted
// half the time. Positive floats other than NaN are the bit patterns 1…0x7f800000.
func positiveMask(x float32) uint32 {
	b := int64(math.Float32bits(x))
	return uint32((-b >> 63) & ((b - 0x7f800001) >> 63))
}

// Sigmoid returns 1/(1+e^−x).
func Sigmoid(a *Var) *Var {
	return unary("Sigmoid", a,
		func(y, x []float32) {
			y = y[:len(x)]
			for i, xi := range x {
				y[i] = float32(1 / (1 + math.Exp(-float64(xi))))
			}
		},
		func(dx, d, _, y []float32, fresh bool) {
			d, y = d[:len(dx)], y[:len(dx)]
			for i, yi := range y {
				gi := d[i] * (yi * (1 - yi))
				if fresh {
					dx[i] = gi
				} else {
					dx[i] += gi
				}
			}
		})
}

// Tanh returns tanh(x).
func Tanh(a *Var) *Var {
	return unary("Tanh", a,
		func(y, x []float32) {
			y = y[:len(x)]
			for i, xi := range x {
				y[i] = float32(math.Tanh(float64(xi)))
			}
		},
		func(dx, d, _, y []float32, fresh bool) {
			d, y = d[:len(dx)], y[:len(dx)]
			for i, yi := range y {
				gi := d[i] * (1 - yi*yi)
				if fresh {
					dx[i] = gi
				} else {
					dx[i] += gi
				}
			}
		})
}

// GELU returns x·Φ(x) with the exact Gaussian CDF Φ, as PyTorch's default GELU.
func GELU(a *Var) *Var {
	return unary("GELU", a,
		func(y, x []float32) {
			y = y[:len(x)]
			for i, xi := range x {
				y[i] = float32(0.5 * float64(xi) * (1 + math.Erf(float64(xi)/math.Sqrt2)))
			}
		},
		func(dx, d, x, _ []float32, fresh bool) {
			d, x = d[:len(dx)], x[:len(dx)]
			for i, xi := range x {
				xf := float64(xi)
				cdf := 0.5 * (1 + math.Erf(xf/math.Sqrt2))
				pdf := math.Exp(-0.5*xf*xf) / math.Sqrt(2*math.Pi)
				gi := d[i] * float32(cdf+xf*pdf)
				if fresh {
					dx[i] = gi
				} else {
					dx[i] += gi
				}
			}
		})
}
