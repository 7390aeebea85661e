package core

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"slices"
	"testing"
)

// slowDFT2 is the O((ny·nx)²) reference: the defining double sum, with the sign s of the
// exponent (−1 forward, +1 inverse), unnormalised.
func slowDFT2(x []complex128, ny, nx int, s float64) []complex128 {
	out := make([]complex128, ny*nx)
	for k := 0; k < ny; k++ {
		for l := 0; l < nx; l++ {
			var sum complex128
			for i := 0; i < ny; i++ {
				for j := 0; j < nx; j++ {
					// Reduce the phase exactly in integers before the trigonometry.
					ph := float64((k*i)%ny)/float64(ny) + float64((l*j)%nx)/float64(nx)
					sum += x[i*nx+j] * cmplx.Rect(1, s*2*math.Pi*ph)
				}
			}
			out[k*nx+l] = sum
		}
	}
	return out
}

func randComplex(rng *rand.Rand, n int) []complex128 {
	x := make([]complex128, n)
	for i := range x {
		x[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	return x
}

func maxAbsDiff(a, b []complex128) float64 {
	var m float64
	for i := range a {
		m = max(m, cmplx.Abs(a[i]-b[i]))
	}
	return m
}

func TestFFT2RoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for ny := 1; ny <= 128; ny *= 2 {
		for _, nx := range []int{1, ny, 128 / ny} {
			const batch = 3
			p := NewFFT2(ny, nx)
			x := randComplex(rng, batch*ny*nx)
			f := p.Forward(nil, x)
			got := p.Inverse(nil, f)
			// A radix-2 transform's error grows like ε·log2(n); 1e-13 leaves a factor of
			// ~30 over ε·log2(128²)·max|x| for standard-normal inputs.
			if d := maxAbsDiff(got, x); d > 1e-13 {
				t.Errorf("%d×%d: max |ifft(fft(x)) − x| = %g, want ≤ 1e-13", ny, nx, d)
			}
			// In place gives the same result.
			y := append([]complex128(nil), x...)
			p.Forward(y, y)
			if d := maxAbsDiff(y, f); d != 0 {
				t.Errorf("%d×%d: in-place forward differs by %g", ny, nx, d)
			}
		}
	}
}

func TestFFT2AgainstSlowDFT(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range [][2]int{{1, 1}, {1, 8}, {8, 1}, {2, 2}, {4, 8}, {16, 4}, {16, 16}, {32, 8}} {
		ny, nx := sz[0], sz[1]
		p := NewFFT2(ny, nx)
		x := randComplex(rng, 2*ny*nx)
		got := p.Forward(nil, x)
		gotInv := p.Inverse(nil, x)
		for b := 0; b < 2; b++ {
			xb := x[b*ny*nx : (b+1)*ny*nx]
			want := slowDFT2(xb, ny, nx, -1)
			// The slow sum accumulates n·ε error over n = ny·nx terms of size ~1:
			// 1e-11 is generous for n ≤ 256.
			if d := maxAbsDiff(got[b*ny*nx:(b+1)*ny*nx], want); d > 1e-11 {
				t.Errorf("%d×%d example %d: forward differs from the DFT sum by %g", ny, nx, b, d)
			}
			wantInv := slowDFT2(xb, ny, nx, +1)
			for i := range wantInv {
				wantInv[i] /= complex(float64(ny*nx), 0)
			}
			if d := maxAbsDiff(gotInv[b*ny*nx:(b+1)*ny*nx], wantInv); d > 1e-12 {
				t.Errorf("%d×%d example %d: inverse differs from the normalised DFT sum by %g", ny, nx, b, d)
			}
		}
	}
}

func TestFFT2Parseval(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{2, 8, 64} {
		p := NewFFT2(n, n)
		x := randComplex(rng, n*n)
		f := p.Forward(nil, x)
		var ex, ef float64
		for i := range x {
			ex += real(x[i])*real(x[i]) + imag(x[i])*imag(x[i])
			ef += real(f[i])*real(f[i]) + imag(f[i])*imag(f[i])
		}
		// Σ|x|² = Σ|X|²/(ny·nx) for the unnormalised forward transform.
		if got := ef / float64(n*n); math.Abs(got-ex) > 1e-12*ex {
			t.Errorf("n=%d: Σ|X|²/N = %v, Σ|x|² = %v", n, got, ex)
		}
	}
}

func TestFFT2NoAlloc(t *testing.T) {
	p := NewFFT2(16, 16)
	x := randComplex(rand.New(rand.NewPCG(1, 1)), 4*256)
	if a := testing.AllocsPerRun(10, func() { p.Forward(x, x); p.Inverse(x, x) }); a != 0 {
		t.Errorf("Forward+Inverse allocate %v times per call, want 0", a)
	}
}

func TestFFT2Panics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"size 3", func() { NewFFT2(3, 4) }},
		{"size 0", func() { NewFFT2(4, 0) }},
		{"bad length", func() { NewFFT2(4, 4).Forward(nil, make([]complex128, 15)) }},
		{"bad dst", func() { NewFFT2(4, 4).Inverse(make([]complex128, 16), make([]complex128, 32)) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
}

func TestFFTFreq(t *testing.T) {
	t.Parallel()
	// numpy.fft.fftfreq(n) for a few n, written out.
	for _, tc := range []struct {
		n    int
		want []float64
	}{
		{1, []float64{0}},
		{2, []float64{0, -0.5}},
		{4, []float64{0, 0.25, -0.5, -0.25}},
		{5, []float64{0, 0.2, 0.4, -0.4, -0.2}},
		{8, []float64{0, 0.125, 0.25, 0.375, -0.5, -0.375, -0.25, -0.125}},
	} {
		got := FFTFreq(tc.n)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("FFTFreq(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	// The frequency of index k is what the forward transform of exp(2πi·f·j) peaks at.
	const n = 16
	p := NewFFT2(1, n)
	freq := FFTFreq(n)
	for k := 0; k < n; k++ {
		x := make([]complex128, n)
		for j := range x {
			x[j] = cmplx.Rect(1, 2*math.Pi*freq[k]*float64(j))
		}
		f := p.Forward(nil, x)
		if cmplx.Abs(f[k]-n) > 1e-12 {
			t.Errorf("mode %d (f=%v): X[k] = %v, want %d", k, freq[k], f[k], n)
		}
	}
}

func TestDST2(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range [][2]int{{1, 1}, {1, 5}, {2, 3}, {4, 4}, {7, 3}, {8, 16}, {13, 24}, {64, 64}} {
		ny, nx := sz[0], sz[1]
		p := NewDST2(ny, nx)
		x := make([]float64, 2*ny*nx)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		got := p.Transform(nil, x)
		for b := 0; b < 2; b++ {
			for k := 0; k < ny; k++ {
				for l := 0; l < nx; l++ {
					var want, mag float64
					for i := 0; i < ny; i++ {
						for j := 0; j < nx; j++ {
							term := 4 * x[b*ny*nx+i*nx+j] *
								math.Sin(math.Pi*float64((i+1)*(k+1))/float64(ny+1)) *
								math.Sin(math.Pi*float64((j+1)*(l+1))/float64(nx+1))
							want += term
							mag += math.Abs(term)
						}
					}
					// The transform sums nx then ny terms per entry, the reference ny·nx:
					// both within a few (nx+ny)·u of Σ|terms| (u = 2⁻⁵³), plus the sines'.
					if g := got[b*ny*nx+k*nx+l]; math.Abs(g-want) > 8*float64(nx+ny+4)*0x1p-53*mag {
						t.Errorf("%d×%d [%d,%d,%d] = %v, want %v", ny, nx, b, k, l, g, want)
					}
				}
			}
		}
		// Round trip: DST-I applied twice scales by 2(n+1) per axis (not 2(n−1)).
		back := p.Transform(nil, got)
		s := float64(4 * (ny + 1) * (nx + 1))
		for i := range x {
			if math.Abs(back[i]/s-x[i]) > 1e-13 {
				t.Errorf("%d×%d round trip [%d] = %v, want %v", ny, nx, i, back[i]/s, x[i])
				break
			}
		}
	}
}

func TestDST2NoAlloc(t *testing.T) {
	p := NewDST2(8, 8)
	x := make([]float64, 3*64)
	if a := testing.AllocsPerRun(10, func() { p.Transform(x, x) }); a != 0 {
		t.Errorf("Transform allocates %v times per call, want 0", a)
	}
}

func BenchmarkFFT2(b *testing.B) {
	for _, n := range []int{32, 64} {
		b.Run(fmt.Sprintf("%dx%d", n, n), func(b *testing.B) {
			p := NewFFT2(n, n)
			x := randComplex(rand.New(rand.NewPCG(1, 1)), n*n)
			for b.Loop() {
				p.Forward(x, x)
			}
		})
	}
}

func BenchmarkDST2(b *testing.B) {
	for _, n := range []int{32, 64} {
		b.Run(fmt.Sprintf("%dx%d", n, n), func(b *testing.B) {
			p := NewDST2(n, n)
			x := make([]float64, n*n)
			for b.Loop() {
				p.Transform(x, x)
			}
		})
	}
}

// TestButterflyRowsBits holds the column pass's butterfly (in AVX where the CPU has it) to
// the bits of its Go loop, with the twiddle 1 and others, on rows of odd and even length
// holding signed zeros, infinities and a NaN.
func TestButterflyRowsBits(t *testing.T) {
	t.Parallel()
	if !fftHasAVX {
		t.Log("no AVX on this CPU or build: butterflyRows is the Go loop")
	}
	rng := rand.New(rand.NewPCG(3, 3))
	special := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN()}
	val := func() float64 {
		if rng.IntN(8) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64()
	}
	bits := func(x []complex128) []uint64 {
		out := make([]uint64, 0, 2*len(x))
		for _, c := range x {
			out = append(out, math.Float64bits(real(c)), math.Float64bits(imag(c)))
		}
		return out
	}
	for _, n := range []int{1, 2, 3, 7, 32, 64} {
		for trial := range 20 {
			lo, hi := make([]complex128, n), make([]complex128, n)
			for c := range lo {
				lo[c], hi[c] = complex(val(), val()), complex(val(), val())
			}
			s, co := math.Sincos(2 * math.Pi * float64(trial) / 20)
			w, one := complex(co, -s), trial == 0
			lo2, hi2 := slices.Clone(lo), slices.Clone(hi)
			butterflyRows(lo, hi, w, one)
			butterflyRowsGo(lo2, hi2, w, one)
			if !slices.Equal(bits(lo), bits(lo2)) || !slices.Equal(bits(hi), bits(hi2)) {
				t.Fatalf("n=%d trial %d (w=%v, one %v): butterflyRows %v %v, Go loop %v %v", n, trial, w, one, lo, hi, lo2, hi2)
			}
		}
	}
}
