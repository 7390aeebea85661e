package core

import "math"

// Add returns a + b (same shapes).
func Add(a, b *Var) *Var {
	mustSameShape("Add", a.Value.Shape, b.Value.Shape)
	t := a.tape
	out := t.Alloc(a.Value.Shape...)
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
	out := t.Alloc(a.Value.Shape...)
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
	out := t.Alloc(a.Value.Shape...)
	for i := range out.Data {
		out.Data[i] = a.Value.Data[i] * b.Value.Data[i]
	}
	var v *Var
	v = t.record("Mul", out, func() {
		if a.needs {
			g := a.grad().Data
			for i, d := range v.Grad.Data {
				g[i] += d * b.Value.Data[i]
			}
		}
		if b.needs {
			g := b.grad().Data
			for i, d := range v.Grad.Data {
				g[i] += d * a.Value.Data[i]
			}
		}
	}, a, b)
	return v
}

// Scale returns s·a.
func Scale(a *Var, s float32) *Var {
	t := a.tape
	out := t.Alloc(a.Value.Shape...)
	for i, x := range a.Value.Data {
		out.Data[i] = s * x
	}
	var v *Var
	v = t.record("Scale", out, func() { accum(a, v.Grad.Data, s) }, a)
	return v
}

// accum adds s·g into a's adjoint if a needs a gradient.
func accum(a *Var, g []float32, s float32) {
	if !a.needs {
		return
	}
	dst := a.grad().Data
	if s == 1 {
		for i, x := range g {
			dst[i] += x
		}
		return
	}
	for i, x := range g {
		dst[i] += s * x
	}
}

// unary records an elementwise op y = f(x) whose derivative is given in terms of x and y.
func unary(op string, a *Var, f func(x float32) float32, df func(x, y float32) float32) *Var {
	t := a.tape
	out := t.Alloc(a.Value.Shape...)
	for i, x := range a.Value.Data {
		out.Data[i] = f(x)
	}
	var v *Var
	v = t.record(op, out, func() {
		g := a.grad().Data
		for i, d := range v.Grad.Data {
			g[i] += d * df(a.Value.Data[i], out.Data[i])
		}
	}, a)
	return v
}

// ReLU returns max(x, 0). Its subgradient at 0 is taken as 0, as PyTorch does.
func ReLU(a *Var) *Var {
	return unary("ReLU", a,
		func(x float32) float32 { return max(x, 0) },
		func(x, _ float32) float32 {
			if x > 0 {
				return 1
			}
			return 0
		})
}

// Sigmoid returns 1/(1+e^−x).
func Sigmoid(a *Var) *Var {
	return unary("Sigmoid", a,
		func(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) },
		func(_, y float32) float32 { return y * (1 - y) })
}

// Tanh returns tanh(x).
func Tanh(a *Var) *Var {
	return unary("Tanh", a,
		func(x float32) float32 { return float32(math.Tanh(float64(x))) },
		func(_, y float32) float32 { return 1 - y*y })
}

// GELU returns x·Φ(x) with the exact Gaussian CDF Φ, as PyTorch's default GELU.
func GELU(a *Var) *Var {
	return unary("GELU", a,
		func(x float32) float32 {
			return float32(0.5 * float64(x) * (1 + math.Erf(float64(x)/math.Sqrt2)))
		},
		func(x, _ float32) float32 {
			xf := float64(x)
			cdf := 0.5 * (1 + math.Erf(xf/math.Sqrt2))
			pdf := math.Exp(-0.5*xf*xf) / math.Sqrt(2*math.Pi)
			return float32(cdf + xf*pdf)
		})
}
