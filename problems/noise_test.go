package problems

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
)

func TestNoiseMoments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ny, nx             int
		size, scale, smoot float64
	}{
		{64, 64, 64, 10, 1},   // poisson's x*
		{64, 64, 128, 10, 1},  // fluid's grid (cell size 2)
		{32, 16, 32, 10, 0.5}, // non-square grid, other smoothness
	} {
		rng := rand.New(rand.NewPCG(1, 1))
		const batch = 5
		n := tc.ny * tc.nx
		x := Noise(make([]float64, batch*n), rng, tc.ny, tc.nx, tc.size, tc.scale, tc.smoot, nil)
		for b := 0; b < batch; b++ {
			var m, v float64
			for _, f := range x[b*n : (b+1)*n] {
				m += f
			}
			m /= float64(n)
			for _, f := range x[b*n : (b+1)*n] {
				v += (f - m) * (f - m)
			}
			v /= float64(n)
			// Normalisation is exact up to rounding over n ≤ 4096 terms.
			if math.Abs(m) > 1e-12 || math.Abs(v-1) > 1e-12 {
				t.Errorf("%+v example %d: mean %g, variance %g; want 0 and 1", tc, b, m, v)
			}
		}
	}
}

// TestNoiseSpectrum checks the specified spectrum: modes with |k|² ≤ 0.1 carry no power,
// and the mean power ratio of two shells of equal |k| is the squared weight ratio.
func TestNoiseSpectrum(t *testing.T) {
	t.Parallel()
	const (
		n      = 32
		batch  = 400
		scale  = 10.0
		smooth = 1.0
	)
	rng := rand.New(rand.NewPCG(1, 1))
	plan := core.NewFFT2(n, n)
	x := Noise(make([]float64, batch*n*n), rng, n, n, n, scale, smooth, plan)
	c := make([]complex128, len(x))
	for i, v := range x {
		c[i] = complex(v, 0)
	}
	plan.Forward(c, c)
	// Index shells: |(i, j)|² = 5 (8 modes) and 25 (12 modes), k = index·scale/n.
	// Also the removed modes: |index|² ≤ 0.1·(n/scale)² = 1.024, i.e. (0,0), (0,±1), (±1,0).
	var p5, p25, removed float64
	var c5, c25 int
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			ki := i
			if i >= n/2 {
				ki = i - n
			}
			for j := 0; j < n; j++ {
				kj := j
				if j >= n/2 {
					kj = j - n
				}
				v := c[b*n*n+i*n+j]
				pw := real(v)*real(v) + imag(v)*imag(v)
				switch ki*ki + kj*kj {
				case 0, 1:
					removed = max(removed, pw)
				case 5:
					p5 += pw
					c5++
				case 25:
					p25 += pw
					c25++
				}
			}
		}
	}
	// Power of a unit-variance field is n²·n² / (#modes) ≈ 1e6/1000 per mode; removed modes
	// must be zero to rounding (n·ε relative).
	if removed > 1e-16*float64(n*n*n*n) {
		t.Errorf("power in removed modes |k|² ≤ 0.1: %g, want 0", removed)
	}
	got := (p5 / float64(c5)) / (p25 / float64(c25))
	// Weight (1/|k|²)^smoothness, power ∝ weight²: ((25/5)^1)² = 25.
	want := math.Pow(25.0/5.0, 2*smooth)
	// Each shell averages batch·(modes/2) independent exponential variables (k and −k are
	// conjugate): relative std 1/√(400·4) = 2.5 % for the smaller shell, ≈ 3.2 % for the
	// ratio; 15 % is above 4σ.
	if math.Abs(got/want-1) > 0.15 {
		t.Errorf("power ratio of shells |i|²=5 and 25: %v, want %v ± 15%%", got, want)
	}
}

func TestNoiseReproducible(t *testing.T) {
	t.Parallel()
	gen := func(seed uint64) []float64 {
		return Noise(make([]float64, 2*16*16), rand.New(rand.NewPCG(seed, 1)), 16, 16, 16, 10, 1, nil)
	}
	a, b, c := gen(1), gen(1), gen(2)
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different value at %d: %v vs %v", i, a[i], b[i])
		}
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("different seeds gave identical noise")
	}
}

// TestNoiseGenMatchesNoise holds NoiseGen's two parts to Noise bit for bit: fields drawn
// one or two at a time between other draws of the same generator, and finished later,
// field by field on plans of their own, equal Noise's fields made in the same order.
func TestNoiseGenMatchesNoise(t *testing.T) {
	t.Parallel()
	const ny, nx = 16, 32
	n := ny * nx
	want := make([]float64, 3*n)
	rng := rand.New(rand.NewPCG(3, 5))
	Noise(want[:n], rng, ny, nx, 128, 10, 1, nil)
	wantMid := rng.Float64()
	Noise(want[n:], rng, ny, nx, 128, 10, 1, nil)

	g := NewNoiseGen(ny, nx, 128, 10, 1)
	spec := make([]complex128, 3*n)
	rng = rand.New(rand.NewPCG(3, 5))
	g.Draw(spec[:n], rng)
	if mid := rng.Float64(); mid != wantMid {
		t.Fatalf("the draw between the fields is %v, want %v: Draw took another number of values", mid, wantMid)
	}
	g.Draw(spec[n:], rng)
	got := make([]float64, 3*n)
	g.Finish(got[2*n:], spec[2*n:], core.NewFFT2(ny, nx))
	g.Finish(got[:2*n], spec[:2*n], core.NewFFT2(ny, nx))
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("value %d = %v, Noise's %v", i, got[i], want[i])
		}
	}
}
