package core

// allocNoZero is Alloc without the clearing: the tensor's contents are whatever the arena
// held last (zeros when it is new). Ops use it for outputs and workspaces that they
// overwrite entirely before reading.
func (t *Tape) allocNoZero(shape ...int) *Tensor {
	n := numel(shape)
	if x := t.reuse(n, shape); x != nil {
		return x
	}
	if t.next < len(t.arena) {
		if x := t.arena[t.next]; cap(x.Data) >= n {
			x.Data = x.Data[:n]
			x.Shape = append(x.Shape[:0], shape...)
			t.next++
			return x
		}
	}
	return t.Alloc(shape...)
}

// gradForWrite returns v's adjoint and whether it is fresh: allocated by this call and not
// yet written by any op, uninitialised. An op that gets a fresh adjoint must overwrite every
// element (y = …) instead of accumulating into it (y += …); otherwise it accumulates.
func (v *Var) gradForWrite() (g *Tensor, fresh bool) {
	if v.Grad != nil {
		return v.Grad, false
	}
	v.Grad = v.tape.allocNoZero(v.Value.Shape...)
	return v.Grad, true
}
