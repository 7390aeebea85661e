package fluid

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/sipbench/sipbench/core"
)

// TestUpdatesLowerTheLoss applies each update once to the prediction x₀ = ½x* (half the
// true velocity: the translation and the vortex both wrong) of generated examples and
// checks that x₀ + Δx has a lower loss than x₀ for every example, and a lower x_l1 on
// the batch.
func TestUpdatesLowerTheLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	f := NewFluid(32)
	xs, y := f.Sample(rng, 2)
	x0 := xs.Clone()
	for i := range x0.Data {
		x0.Data[i] *= 0.5
	}
	l0 := f.Loss(nil, x0, y)
	m0 := f.Metrics(nil, x0, xs, y)
	for _, name := range f.Updates() {
		start := time.Now()
		dx := f.Update(nil, name, x0, y)
		el := time.Since(start)
		x1 := x0.Clone()
		for i, v := range dx.Data {
			x1.Data[i] += v
		}
		l1 := f.Loss(nil, x1, y)
		m1 := f.Metrics(nil, x1, xs, y)
		t.Logf("%s: loss %.1f → %.1f, x_l1 %.3f → %.3f (%v per example)", name, l0, l1, m0[0], m1[0], el/2)
		for b := range l0 {
			if !(l1[b] < l0[b]) {
				t.Errorf("%s: example %d: loss %.4g → %.4g", name, b, l0[b], l1[b])
			}
		}
		if !(m1[0] < m0[0]) {
			t.Errorf("%s: x_l1 %.4g → %.4g", name, m0[0], m1[0])
		}
	}
}

// TestAccumulatedGDNorm checks the rescaling: every example's update has the norm of
// its first gradient.
func TestAccumulatedGDNorm(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 1))
	f := NewFluid(16)
	xs, y := f.Sample(rng, 2)
	x0 := core.New(xs.Shape...) // from zero velocity
	dx := f.Update(nil, UpdateAccumulatedGD, x0, y)
	g := f.Gradient(nil, x0, y)
	for b := range 2 {
		a, w := norm32(dx.Example(b)), norm32(g.Example(b))
		if d := a/w - 1; d > 1e-5 || d < -1e-5 {
			t.Errorf("example %d: ‖Δx‖ = %g, ‖g₀‖ = %g", b, a, w)
		}
	}
}

func TestUpdateNames(t *testing.T) {
	t.Parallel()
	f := NewFluid(8)
	if got := f.Updates(); !slices.Equal(got, []string{"sip", "lbfgs", "accumulated-gd"}) {
		t.Errorf("Updates() = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Update(\"newton\") did not panic")
		}
	}()
	x := core.New(1, 2, 8, 8)
	f.Update(nil, "newton", x, x)
}

func norm32(v []float32) float64 {
	s := make([]float64, len(v))
	core.ToFloat64(s, v)
	return norm(s)
}
