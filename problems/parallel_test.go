package problems

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// TestParallelBitIdentical runs every method of the problems that split their batches
// (Parallel) with 1, 2 and 3 goroutines on the same inputs and demands the same bits.
func TestParallelBitIdentical(t *testing.T) {
	for _, c := range []struct {
		name string
		new  func() Problem
	}{
		{"heat", func() Problem { return NewHeat(16) }},
		{"poisson", func() Problem { return NewPoisson(16) }},
	} {
		var ref []string
		for _, threads := range []int{1, 2, 3} {
			p := c.new()
			p.(Parallel).SetThreads(threads)
			got := problemBits(p, 7) // odd: heat pairs its fields
			if ref == nil {
				ref = got
				continue
			}
			for i := range ref {
				if got[i] != ref[i] {
					t.Errorf("%s with %d goroutines: result %d differs from one goroutine's", c.name, threads, i)
				}
			}
		}
	}
}

// problemBits returns the bits of every method's result on a batch drawn from a fixed seed.
func problemBits(p Problem, batch int) []string {
	rng := rand.New(rand.NewPCG(3, 5))
	xTrue, y := p.Sample(rng, batch)
	x := xTrue.Clone()
	for i := range x.Data {
		x.Data[i] += float32(0.1 * rng.NormFloat64())
	}
	out := []string{bits(xTrue.Data), bits(y.Data), bits(p.Forward(y.Clone(), x).Data),
		bits(p.Gradient(nil, x, y).Data)}
	for _, u := range p.Updates() {
		out = append(out, bits(p.Update(nil, u, x, y).Data))
	}
	loss := p.Loss(nil, x, y)
	met := p.Metrics(nil, x, xTrue, y)
	out = append(out, bits64(loss), bits64(met))
	return out
}

func bits(v []float32) string {
	b := make([]byte, 0, 4*len(v))
	for _, f := range v {
		u := math.Float32bits(f)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return string(b)
}

func bits64(v []float64) string {
	f := make([]float32, 0, 2*len(v))
	for _, x := range v {
		u := math.Float64bits(x)
		f = append(f, math.Float32frombits(uint32(u)), math.Float32frombits(uint32(u>>32)))
	}
	return bits(f)
}

var _ = core.New
