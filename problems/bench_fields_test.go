package problems

import (
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// benchField times Forward, Gradient and the "sip" Update of a field problem on one batch
// (64×64, batch 128 as in the paper), set up outside the timed loops.
func benchField(b *testing.B, p Problem) {
	const batch = 128
	rng := rand.New(rand.NewPCG(1, 1))
	xt, y := p.Sample(rng, batch)
	x := core.New(xt.Shape...)
	for i := range x.Data {
		x.Data[i] = xt.Data[i] + float32(0.1*rng.NormFloat64())
	}
	dst := core.New(xt.Shape...)
	b.Run("Forward", func(b *testing.B) {
		for b.Loop() {
			p.Forward(dst, x)
		}
	})
	b.Run("Gradient", func(b *testing.B) {
		for b.Loop() {
			p.Gradient(dst, x, y)
		}
	})
	b.Run("Update", func(b *testing.B) {
		for b.Loop() {
			p.Update(dst, "sip", x, y)
		}
	})
	b.Run("Sample", func(b *testing.B) {
		for b.Loop() {
			p.Sample(rng, batch)
		}
	})
}

func BenchmarkPoisson64(b *testing.B) { benchField(b, NewPoisson(64)) }

func BenchmarkHeat64(b *testing.B) { benchField(b, NewHeat(64)) }
