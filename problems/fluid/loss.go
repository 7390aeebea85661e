package fluid

import (
	"math"

	"github.com/sipbench/sipbench/core"
)

// freqLoss is PhiFlow's frequency_loss with n = 1, threshold 1e-5 and the mean ignored,
// of a real n×n field z (the marker residual m(T; x) − m_T):
//
//	X = FFT(z − mean(z)),  w_k = exp(−½|k|²·φ²),  d_k = √max(|X_k·w_k|², 1e-5),  L = Σ_k d_k
//
// with k = core.FFTFreq(n) in cycles per cell and the falloff φ in cells (80 at n = 64;
// Fluid scales it with n, see NewFluid). The FFT is unnormalised. Its gradient, where
// |X_k w_k|² > 1e-5 (zero elsewhere: d_k is constant there), is
//
//	∂L/∂z = (I − 11ᵀ/n²)·Re(Fᴴ G),  G_k = w_k²·X_k/d_k,  Fᴴ = n²·IFFT.
type freqLoss struct {
	n    int
	plan *core.FFT2
	w2   []float64 // w_k²
	c    []complex128
}

// freqThreshold is the floor of |X·w|² in the frequency loss.
const freqThreshold = 1e-5

func newFreqLoss(n int, falloff float64, plan *core.FFT2) *freqLoss {
	l := &freqLoss{n: n, plan: plan, w2: make([]float64, n*n), c: make([]complex128, n*n)}
	k := core.FFTFreq(n)
	for i, ky := range k {
		for j, kx := range k {
			l.w2[i*n+j] = math.Exp(-(kx*kx + ky*ky) * falloff * falloff)
		}
	}
	return l
}

// transform fills l.c with FFT(z − mean(z)).
func (l *freqLoss) transform(z []float64) {
	var mean float64
	for _, v := range z {
		mean += v
	}
	mean /= float64(len(z))
	for i, v := range z {
		l.c[i] = complex(v-mean, 0)
	}
	l.plan.Forward(l.c, l.c)
}

// value returns L(z).
func (l *freqLoss) value(z []float64) float64 {
	l.transform(z)
	var s float64
	for i, x := range l.c {
		a := real(x)*real(x) + imag(x)*imag(x)
		s += math.Sqrt(max(a*l.w2[i], freqThreshold))
	}
	return s
}

// grad returns L(z) and writes ∂L/∂z into dst (n², not aliasing z).
func (l *freqLoss) grad(dst, z []float64) float64 {
	l.transform(z)
	var s float64
	for i, x := range l.c {
		a := (real(x)*real(x) + imag(x)*imag(x)) * l.w2[i]
		if a > freqThreshold {
			d := math.Sqrt(a)
			s += d
			l.c[i] = x * complex(l.w2[i]/d, 0)
		} else {
			s += math.Sqrt(freqThreshold)
			l.c[i] = 0
		}
	}
	l.plan.Inverse(l.c, l.c)
	nn := float64(len(z))
	var mean float64
	for i, x := range l.c {
		dst[i] = nn * real(x)
		mean += dst[i]
	}
	mean /= nn
	for i := range dst[:len(z)] {
		dst[i] -= mean
	}
	return s
}
