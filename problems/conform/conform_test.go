package conform

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// The paper's problems keep the contract.
func TestBuiltins(t *testing.T) {
	for _, p := range []problems.Problem{problems.NewExp(), problems.NewRotation(32, 0.7), problems.NewPoisson(16), problems.NewHeat(16)} {
		rs := Run(p)
		if f := Failed(rs); len(f) > 0 {
			for _, r := range rs {
				t.Logf("%T %s: ok %v: %s", p, r.Check, r.OK, r.Detail)
			}
			t.Errorf("%T: failed %v", p, f)
		}
	}
}

type wrongGradient struct{ problems.Problem }

func (w wrongGradient) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	dst = w.Problem.Gradient(dst, x, y)
	for i := range dst.Data {
		dst.Data[i] *= 1.5
	}
	return dst
}

type wrongShape struct{ problems.Problem }

func (w wrongShape) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	return core.New(x.Batch(), x.ExampleLen()+1)
}

type randomSample struct {
	problems.Problem
	n *uint64
}

func (w randomSample) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	*w.n++
	return w.Problem.Sample(rand.New(rand.NewPCG(*w.n, 0)), batch)
}

// A deliberately broken problem fails the check that names its fault, and only that one.
func TestBroken(t *testing.T) {
	rot := problems.NewRotation(2, 0.3)
	var n uint64
	for _, c := range []struct {
		p    problems.Problem
		want []string
	}{
		{wrongGradient{rot}, []string{"gradient", "adjoint"}},
		{wrongShape{rot}, []string{"updates"}},
		{randomSample{rot, &n}, []string{"sample-determinism"}},
	} {
		if got := Failed(Run(c.p)); !slices.Equal(got, c.want) {
			t.Errorf("%T: failed %v, want %v", c.p, got, c.want)
		}
	}
}
