package core

import "math"

// Sum returns the sum of all elements of a as a tensor of shape [1]. It accumulates in
// float64.
func Sum(a *Var) *Var {
	t := a.tape
	out := t.Alloc(1)
	var s float64
	for _, x := range a.Value.Data {
		s += float64(x)
	}
	out.Data[0] = float32(s)
	var v *Var
	v = t.record("Sum", out, func() {
		d := v.Grad.Data[0]
		g := a.grad().Data
		for i := range g {
			g[i] += d
		}
	}, a)
	return v
}

// Mean returns the mean of all elements of a as a tensor of shape [1].
func Mean(a *Var) *Var {
	return Scale(Sum(a), 1/float32(a.Value.Len()))
}

// L2Loss returns ½·Σ (a−b)², summed over every element of the batch, as shape [1]
// (the original's l2_loss, summed over the batch).
func L2Loss(a, b *Var) *Var {
	mustSameShape("L2Loss", a.Value.Shape, b.Value.Shape)
	t := a.tape
	out := t.Alloc(1)
	var s float64
	for i, x := range a.Value.Data {
		d := float64(x - b.Value.Data[i])
		s += d * d
	}
	out.Data[0] = float32(s / 2)
	var v *Var
	v = t.record("L2Loss", out, func() {
		d := v.Grad.Data[0]
		if a.needs {
			g := a.grad().Data
			for i, x := range a.Value.Data {
				g[i] += d * (x - b.Value.Data[i])
			}
		}
		if b.needs {
			g := b.grad().Data
			for i, x := range a.Value.Data {
				g[i] -= d * (x - b.Value.Data[i])
			}
		}
	}, a, b)
	return v
}

// L1Loss returns Σ |a−b| over every element of the batch, as shape [1]. The subgradient
// of |·| at 0 is taken as 0.
func L1Loss(a, b *Var) *Var {
	mustSameShape("L1Loss", a.Value.Shape, b.Value.Shape)
	t := a.tape
	out := t.Alloc(1)
	var s float64
	for i, x := range a.Value.Data {
		s += math.Abs(float64(x - b.Value.Data[i]))
	}
	out.Data[0] = float32(s)
	var v *Var
	v = t.record("L1Loss", out, func() {
		d := v.Grad.Data[0]
		for i, x := range a.Value.Data {
			sg := sign32(x - b.Value.Data[i])
			if a.needs {
				a.grad().Data[i] += d * sg
			}
			if b.needs {
				b.grad().Data[i] -= d * sg
			}
		}
	}, a, b)
	return v
}

func sign32(x float32) float32 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// CenterTo shifts each example of a so that its mean equals means[i]:
// out_i = a_i − mean(a_i) + means[i]. means is treated as a constant. The VJP removes
// each example's mean from the adjoint. (Used by the heat problem, whose diffusion keeps
// the mean.)
func CenterTo(a *Var, means []float32) *Var {
	t := a.tape
	b := a.Value.Batch()
	if len(means) != b {
		panic("core: CenterTo: need one mean per example")
	}
	out := t.Alloc(a.Value.Shape...)
	n := a.Value.ExampleLen()
	for i := 0; i < b; i++ {
		src, dst := a.Value.Example(i), out.Example(i)
		m := meanOf(src)
		for j, x := range src {
			dst[j] = x - m + means[i]
		}
	}
	var v *Var
	v = t.record("CenterTo", out, func() {
		for i := 0; i < b; i++ {
			g := v.Grad.Data[i*n : (i+1)*n]
			m := meanOf(g)
			dst := a.grad().Data[i*n : (i+1)*n]
			for j, x := range g {
				dst[j] += x - m
			}
		}
	}, a)
	return v
}

func meanOf(x []float32) float32 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return float32(s / float64(len(x)))
}
