package core

import "fmt"

// Param is a trainable tensor: its value and the gradient accumulated into it by every
// Backward that reached it. Optimizers read Grad and update Value; callers zero Grad
// between steps (ZeroGrads).
type Param struct {
	Name  string
	Value *Tensor
	Grad  *Tensor
}

// NewParam returns a parameter with a zeroed value and gradient of the given shape.
func NewParam(name string, shape ...int) *Param {
	return &Param{Name: name, Value: New(shape...), Grad: New(shape...)}
}

// ZeroGrads zeroes the gradient of every parameter.
func ZeroGrads(ps []*Param) {
	for _, p := range ps {
		p.Grad.Zero()
	}
}

// CountParams returns the total number of scalar parameters.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		n += p.Value.Len()
	}
	return n
}

// Var is a node on a Tape: a value, its adjoint Grad (nil until a gradient reaches it), and
// the vector-Jacobian product that sends Grad to the node's inputs.
type Var struct {
	Value *Tensor
	Grad  *Tensor
	op    string // the op that produced it ("const", "input", "param" for leaves), for debuggers
	tape  *Tape
	needs bool   // whether a gradient must flow to this node
	back  func() // adds Grad into the inputs' adjoints; nil for leaves
	param *Param // for parameter leaves: where Grad lives
}

// Tape records ops in the order they run so that Backward can sweep them in reverse.
// A Tape is reused across training steps: Reset forgets the recorded ops and rewinds the
// tape's scratch arena, so that a step of a fixed shape allocates no new tensors.
//
// The zero value is not usable; call NewTape. A Tape is not safe for concurrent use.
type Tape struct {
	// Training selects the batch statistics of BatchNorm (and updates its running
	// statistics) when true, the running statistics when false.
	Training bool
	// Threads is the number of goroutines an op may split a batch across. If Threads is
	// 0 or 1 every op runs on the calling goroutine. Results do not depend on Threads.
	Threads int

	nodes []*Var
	arena []*Tensor
	next  int
	// free holds the adjoints that Backward has propagated and will not read again; the
	// allocations that follow reuse them before taking fresh arena slots, so that the
	// adjoints of a network do not all live at once (they would double a step's memory).
	free []*Tensor
	// swept is whether Backward has run since the last Reset; sweepNext and sweepNodes
	// are the arena's position and the number of nodes when the last one began
	// (BackwardAgain).
	swept                 bool
	sweepNext, sweepNodes int
}

// NewTape returns an empty tape in training mode.
func NewTape() *Tape { return &Tape{Training: true} }

// Reset forgets every recorded node and makes the scratch arena available again. Tensors
// returned by earlier ops on this tape (values and gradients) are reused and must not be
// used after Reset.
func (t *Tape) Reset() {
	clear(t.nodes)
	t.nodes = t.nodes[:0]
	t.next = 0
	clear(t.free)
	t.free = t.free[:0]
	t.swept = false
}

// Alloc returns a zeroed scratch tensor of the given shape that lives until the next Reset.
// Ops use it for their outputs, adjoints and workspaces.
func (t *Tape) Alloc(shape ...int) *Tensor {
	n := numel(shape)
	if x := t.reuse(n, shape); x != nil {
		clear(x.Data)
		return x
	}
	if t.next < len(t.arena) {
		x := t.arena[t.next]
		if cap(x.Data) >= n {
			x.Data = x.Data[:n]
			clear(x.Data)
			x.Shape = append(x.Shape[:0], shape...)
			t.next++
			return x
		}
		x = New(shape...)
		t.arena[t.next] = x
		t.next++
		return x
	}
	x := New(shape...)
	t.arena = append(t.arena, x)
	t.next++
	return x
}

// Const records a leaf that no gradient flows to. x is not copied.
func (t *Tape) Const(x *Tensor) *Var {
	return t.leaf("const", x, false)
}

// Input records a leaf whose adjoint Backward computes (into v.Grad). x is not copied.
func (t *Tape) Input(x *Tensor) *Var {
	return t.leaf("input", x, true)
}

// Param records a parameter leaf: Backward adds its adjoint into p.Grad.
func (t *Tape) Param(p *Param) *Var {
	v := t.leaf("param", p.Value, true)
	v.param = p
	v.Grad = p.Grad
	return v
}

// StopGrad returns a leaf with x's value through which no gradient flows.
func (t *Tape) StopGrad(x *Var) *Var {
	return t.leaf("stopgrad", x.Value, false)
}

func (t *Tape) leaf(op string, x *Tensor, needs bool) *Var {
	v := &Var{Value: x, op: op, tape: t, needs: needs}
	t.nodes = append(t.nodes, v)
	return v
}

// record adds the output of an op with the given inputs. back is kept only if some input
// needs a gradient.
func (t *Tape) record(op string, out *Tensor, back func(), inputs ...*Var) *Var {
	v := &Var{Value: out, op: op, tape: t}
	for _, in := range inputs {
		if in.tape != t {
			panic(fmt.Sprintf("core: %s: input recorded on another tape", op))
		}
		if in.needs {
			v.needs = true
		}
	}
	if v.needs {
		v.back = back
	}
	t.nodes = append(t.nodes, v)
	return v
}

// grad returns v's adjoint, allocating a zeroed one on first use.
func (v *Var) grad() *Tensor {
	if v.Grad == nil {
		v.Grad = v.tape.Alloc(v.Value.Shape...)
	}
	return v.Grad
}

// reuse returns a released adjoint (see Tape.free) that can hold n values, shaped as
// shape, or nil: the smallest that fits, the earliest released among equals, so the
// choice depends only on the sequence of ops.
func (t *Tape) reuse(n int, shape []int) *Tensor {
	best := -1
	for i, x := range t.free {
		if c := cap(x.Data); c >= n && (best < 0 || c < cap(t.free[best].Data)) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	x := t.free[best]
	t.free = append(t.free[:best], t.free[best+1:]...)
	x.Data = x.Data[:n]
	x.Shape = append(x.Shape[:0], shape...)
	return x
}

// Backward seeds out's adjoint with grad (added to any adjoint out already has) and
// propagates adjoints to every node recorded before it, in reverse order. Parameter
// gradients accumulate into Param.Grad; Input leaves hold theirs in Var.Grad.
// A nil grad seeds with ones (the gradient of a scalar loss).
//
// The adjoint of a node that is not a leaf is released once it has been propagated to
// the node's inputs: its Var.Grad becomes nil and the tensor is reused by the ops'
// allocations that follow, so that a network's adjoints do not all live at once.
func (t *Tape) Backward(out *Var, grad *Tensor) {
	if out.tape != t {
		panic("core: Backward: node recorded on another tape")
	}
	t.swept, t.sweepNext, t.sweepNodes = true, t.next, len(t.nodes)
	g := out.grad()
	if grad == nil {
		for i := range g.Data {
			g.Data[i] += 1
		}
	} else {
		mustSameShape("Backward", out.Value.Shape, grad.Shape)
		for i, x := range grad.Data {
			g.Data[i] += x
		}
	}
	end := -1
	for i := len(t.nodes) - 1; i >= 0; i-- {
		if t.nodes[i] == out {
			end = i
			break
		}
	}
	if end < 0 {
		panic("core: Backward: node not on this tape (was the tape Reset?)")
	}
	for i := end; i >= 0; i-- {
		n := t.nodes[i]
		if n.back != nil && n.Grad != nil {
			n.back()
			if n.Grad != nil { // an op may release its own adjoint (releaseGrad)
				t.free = append(t.free, n.Grad)
				n.Grad = nil
			}
		}
	}
}

// releaseGrad releases v's adjoint for reuse, as Backward does once v's op has propagated
// it: an op whose backward pass allocates after it is done with its output's adjoint calls
// it then, so that those allocations can reuse it.
func (v *Var) releaseGrad() {
	if v.Grad != nil {
		v.tape.free = append(v.tape.free, v.Grad)
		v.Grad = nil
	}
}

// BackwardAgain is Backward on a tape that has been swept backward already, with no op
// recorded since: several vector–Jacobian products of one forward pass (a Gauss–Newton
// product per CG iteration). It first takes back what the last sweep allocated (its
// adjoints and its ops' workspaces, which Backward alone keeps until Reset), so that any
// number of sweeps take the memory of one; the adjoints of Input leaves restart from
// zero, parameter gradients accumulate as with Backward. The values of the forward pass
// are not touched. On a tape not swept since Reset, or with ops recorded since its last
// sweep, it is Backward.
func (t *Tape) BackwardAgain(out *Var, grad *Tensor) {
	if t.swept && len(t.nodes) == t.sweepNodes {
		for _, n := range t.nodes {
			if n.param == nil {
				n.Grad = nil
			}
		}
		clear(t.free)
		t.free = t.free[:0]
		t.next = t.sweepNext
	}
	t.Backward(out, grad)
}

// Tape returns the tape v was recorded on.
func (v *Var) Tape() *Tape { return v.tape }
