package fluid

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkFluid64 times, at the paper's 64×64 grid and batch 1 and 8: Loss (one 8-step
// rollout and the frequency loss per example), Gradient (rollout with tape, loss gradient,
// reverse sweep), Update "sip" (two rollouts) and Sample.
func BenchmarkFluid64(b *testing.B) {
	f := NewFluid(64)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, batch := range []int{1, 8} {
		x, y := f.Sample(rng, batch)
		loss := make([]float64, batch)
		g := f.Gradient(nil, x, y)
		dx := f.Update(nil, "sip", x, y)
		b.Run(fmt.Sprintf("Loss/batch=%d", batch), func(b *testing.B) {
			for b.Loop() {
				f.Loss(loss, x, y)
			}
		})
		b.Run(fmt.Sprintf("Gradient/batch=%d", batch), func(b *testing.B) {
			for b.Loop() {
				f.Gradient(g, x, y)
			}
		})
		b.Run(fmt.Sprintf("SIP/batch=%d", batch), func(b *testing.B) {
			for b.Loop() {
				f.Update(dx, "sip", x, y)
			}
		})
		b.Run(fmt.Sprintf("Sample/batch=%d", batch), func(b *testing.B) {
			for b.Loop() {
				f.Sample(rng, batch)
			}
		})
	}
}
