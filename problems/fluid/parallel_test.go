package fluid

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// TestParallelBitIdentical runs every method (Sample, Forward, Loss, Gradient, each
// Update, Metrics) with 1 and 3 goroutines and demands the same bits.
func TestParallelBitIdentical(t *testing.T) {
	t.Parallel()
	run := func(threads int) []string {
		f := NewFluid(16)
		f.SetThreads(threads)
		xTrue, y := f.Sample(rand.New(rand.NewPCG(4, 4)), 5)
		x := xTrue.Clone()
		for i := range x.Data {
			x.Data[i] *= 0.8
		}
		out := []string{f32bits(xTrue), f32bits(y), f32bits(f.Forward(y.Clone(), x)), f32bits(f.Gradient(nil, x, y))}
		for _, u := range f.Updates() {
			out = append(out, f32bits(f.Update(nil, u, x, y)))
		}
		vals := append(f.Loss(nil, x, y), f.Metrics(nil, x, xTrue, y)...)
		out = append(out, f32bits(core.FromData(f64bits(vals), 2*len(vals))))
		return out
	}
	want, got := run(1), run(3)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d differs with 3 goroutines", i)
		}
	}
}

func f32bits(x *core.Tensor) string {
	b := make([]byte, 0, 4*len(x.Data))
	for _, v := range x.Data {
		u := math.Float32bits(v)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return string(b)
}

// f64bits packs each float64's bits into two float32s (for f32bits).
func f64bits(v []float64) []float32 {
	out := make([]float32, 0, 2*len(v))
	for _, x := range v {
		u := math.Float64bits(x)
		out = append(out, math.Float32frombits(uint32(u)), math.Float32frombits(uint32(u>>32)))
	}
	return out
}

// TestMetricsCache checks that Metrics gives the same bits from the rollouts cached by
// Sample, Update "sip" and Gradient as a Fluid that has cached nothing, and that it does
// not use an entry whose inputs have changed since (a prediction changed in place).
func TestMetricsCache(t *testing.T) {
	t.Parallel()
	f := NewFluid(16)
	xTrue, y := f.Sample(rand.New(rand.NewPCG(6, 7)), 3)
	x := xTrue.Clone()
	for i := range x.Data {
		x.Data[i] *= 0.7
	}
	fresh := func() []float64 { return NewFluid(16).Metrics(nil, x, xTrue, y) }
	check := func(what string) {
		t.Helper()
		got, want := f.Metrics(nil, x, xTrue, y), fresh()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Errorf("%s: metric %d = %v; without caches %v", what, i, got[i], want[i])
			}
		}
	}
	f.Update(nil, UpdateSIP, x, y)
	check("after Sample and Update sip")
	x.Data[5] += 0.25 // the cached prediction is stale now
	check("after changing the prediction")
	f.Gradient(nil, x, y)
	check("after Gradient")
	y.Data[3] = 1 - y.Data[3] // a different m₀: both entries stale
	check("after changing the observation")
}

// metricsRef computes Metrics as its definition reads (and as the code did before the
// prediction's v_l1 was summed at record time): both rollouts run here, every state's
// cell-centred velocity stored, then the sums in example order.
func metricsRef(n int, x, xTrue, y *core.Tensor) []float64 {
	f := NewFluid(n)
	m := n * n
	B := x.Batch()
	hist := func(w *Fluid) [][]float64 {
		var h [][]float64
		for _, s := range w.sim.vel {
			c := make([]float64, 2*m)
			toCentres(c, s, n)
			h = append(h, c)
		}
		return h
	}
	var xl1, loss, vl1 float64
	for b := range B {
		xb, tb, yb := x.Example(b), xTrue.Example(b), y.Example(b)
		var sx, sv float64
		for i, v := range xb {
			sx += math.Abs(float64(v) - float64(tb[i]))
		}
		f.simulate(tb, yb[:m])
		th := hist(f)
		l := f.lossOf(xb, yb)
		for k, c := range hist(f) {
			for i, v := range c {
				sv += math.Abs(v - th[k][i])
			}
		}
		xl1 += sx
		loss += l
		vl1 += sv
	}
	return []float64{xl1 / float64(B*2*m), loss / float64(B), vl1 / float64(B*2*m*(Steps+1))}
}

// TestMetricsMatchDefinition holds Metrics, with its caches filled by Sample and by the
// updates or not, bit for bit to metricsRef, also after a new Sample replaced the
// truth's entries that a cached prediction's v_l1 was taken against.
func TestMetricsMatchDefinition(t *testing.T) {
	t.Parallel()
	for _, threads := range []int{1, 2} {
		f := NewFluid(16)
		f.SetThreads(threads)
		rng := rand.New(rand.NewPCG(8, 9))
		xTrue, y := f.Sample(rng, 3)
		x := xTrue.Clone()
		for i := range x.Data {
			x.Data[i] = 0.6*x.Data[i] + 0.01*float32(i%7)
		}
		check := func(what string) {
			t.Helper()
			got, want := f.Metrics(nil, x, xTrue, y), metricsRef(16, x, xTrue, y)
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Errorf("threads %d, %s: metric %d = %v; by definition %v", threads, what, i, got[i], want[i])
				}
			}
		}
		check("no prediction cached")
		f.Update(nil, UpdateSIP, x, y)
		check("after Update sip")
		f.Gradient(nil, x, y)
		f.Sample(rng, 3) // the truth's entries now hold other examples
		check("after a new Sample")
		f.Gradient(nil, x, y) // a prediction's v_l1 against the other examples' truth
		check("after Gradient against the new truth")
	}
}
