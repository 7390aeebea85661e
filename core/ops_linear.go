package core

import "fmt"

// Linear returns x·Wᵀ + b for x of shape [batch, in], W of shape [out, in] (PyTorch's
// layout) and b of shape [out]; b may be nil.
func Linear(x, w, b *Var) *Var {
	mustRank("Linear x", x.Value.Shape, 2)
	mustRank("Linear W", w.Value.Shape, 2)
	n, in := x.Value.Shape[0], x.Value.Shape[1]
	o := w.Value.Shape[0]
	if w.Value.Shape[1] != in {
		panic(fmt.Sprintf("core: Linear: x %v does not match W %v", x.Value.Shape, w.Value.Shape))
	}
	if b != nil && !SameShape(b.Value.Shape, []int{o}) {
		panic(fmt.Sprintf("core: Linear: bias %v does not match W %v", b.Value.Shape, w.Value.Shape))
	}
	t := x.tape
	out := t.Alloc(n, o)
	if b != nil {
		for i := 0; i < n; i++ {
			copy(out.Data[i*o:(i+1)*o], b.Value.Data)
		}
	}
	Gemm(false, true, n, o, in, 1, x.Value.Data, in, w.Value.Data, in, 1, out.Data, o)
	inputs := []*Var{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	var v *Var
	v = t.record("Linear", out, func() {
		g := v.Grad.Data
		if x.needs { // dx = g·W
			Gemm(false, false, n, in, o, 1, g, o, w.Value.Data, in, 1, x.grad().Data, in)
		}
		if w.needs { // dW = gᵀ·x
			Gemm(true, false, o, in, n, 1, g, o, x.Value.Data, in, 1, w.grad().Data, in)
		}
		if b != nil && b.needs {
			gb := b.grad().Data
			for i := 0; i < n; i++ {
				for j, d := range g[i*o : (i+1)*o] {
					gb[j] += d
				}
			}
		}
	}, inputs...)
	return v
}
