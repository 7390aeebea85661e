package core

import (
	"fmt"
	"math"
)

// FFT2 is a plan for batched two-dimensional discrete Fourier transforms of complex128
// fields on an ny×nx grid, both powers of two (1 included). It holds the twiddle factors
// and bit-reversal tables of both axes, so that Forward and Inverse do not allocate when
// given a destination.
//
// A field is stored row-major: element (i, j), row i < ny, column j < nx, is at i·nx+j.
// A batch is a concatenation of fields, so its length is a multiple of ny·nx.
//
// The forward transform is unnormalised and the inverse is normalised by 1/(ny·nx), as
// numpy's fft2/ifft2:
//
//	X[k,l] = Σ_{i,j} x[i,j]·exp(−2πi(k·i/ny + l·j/nx))
//	x[i,j] = 1/(ny·nx) · Σ_{k,l} X[k,l]·exp(+2πi(k·i/ny + l·j/nx))
//
// Frequency index k corresponds to FFTFreq(ny)[k] cycles per cell.
//
// The zero value is not usable; call NewFFT2. A plan is read-only after construction, but
// it is documented as not safe for concurrent use so that scratch may be added later; give
// each goroutine its own plan.
type FFT2 struct {
	ny, nx int
	y, x   radix2
}

// radix2 is the table of one axis of an iterative radix-2 Cooley–Tukey transform.
type radix2 struct {
	n   int
	rev []int        // bit-reversal permutation
	fw  []complex128 // fw[j] = exp(−2πi·j/n), j < n/2
	bw  []complex128 // bw[j] = exp(+2πi·j/n), j < n/2
}

func newRadix2(n int) radix2 {
	r := radix2{n: n, rev: make([]int, n), fw: make([]complex128, n/2), bw: make([]complex128, n/2)}
	for i := range r.rev {
		// Reverse the log2(n) low bits of i.
		j := 0
		for m, b := 1, n>>1; m < n; m, b = m<<1, b>>1 {
			if i&m != 0 {
				j |= b
			}
		}
		r.rev[i] = j
	}
	for j := range r.fw {
		// Direct evaluation (not repeated multiplication) keeps every twiddle within an
		// ulp or two of the true value.
		s, c := math.Sincos(2 * math.Pi * float64(j) / float64(n))
		r.fw[j] = complex(c, -s)
		r.bw[j] = complex(c, s)
	}
	return r
}

// NewFFT2 returns a plan for ny×nx fields. It panics unless ny and nx are powers of two.
func NewFFT2(ny, nx int) *FFT2 {
	if !isPow2(ny) || !isPow2(nx) {
		panic(fmt.Sprintf("core: NewFFT2: grid %d×%d is not a power of two on both axes", ny, nx))
	}
	return &FFT2{ny: ny, nx: nx, y: newRadix2(ny), x: newRadix2(nx)}
}

func isPow2(n int) bool { return n > 0 && n&(n-1) == 0 }

// Shape returns the grid the plan transforms, ny rows of nx columns.
func (p *FFT2) Shape() (ny, nx int) { return p.ny, p.nx }

// Forward computes the unnormalised 2D DFT of every field of src into dst and returns dst.
// dst may be src (in place). If dst is nil a new slice is allocated. It panics if len(src)
// is not a multiple of ny·nx or len(dst) differs from len(src).
func (p *FFT2) Forward(dst, src []complex128) []complex128 {
	dst = p.prepare("Forward", dst, src)
	n := p.ny * p.nx
	for off := 0; off < len(dst); off += n {
		p.transform(dst[off:off+n], false)
	}
	return dst
}

// Inverse computes the inverse 2D DFT, normalised by 1/(ny·nx), of every field of src into
// dst and returns dst, so that Inverse(Forward(x)) = x. dst may be src. If dst is nil a new
// slice is allocated. It panics as Forward does.
func (p *FFT2) Inverse(dst, src []complex128) []complex128 {
	dst = p.prepare("Inverse", dst, src)
	n := p.ny * p.nx
	scale := complex(1/float64(n), 0)
	for off := 0; off < len(dst); off += n {
		f := dst[off : off+n]
		p.transform(f, true)
		for i := range f {
			f[i] *= scale
		}
	}
	return dst
}

func (p *FFT2) prepare(op string, dst, src []complex128) []complex128 {
	n := p.ny * p.nx
	if len(src)%n != 0 {
		panic(fmt.Sprintf("core: FFT2.%s: length %d is not a multiple of the %d×%d grid", op, len(src), p.ny, p.nx))
	}
	if dst == nil {
		dst = make([]complex128, len(src))
	}
	if len(dst) != len(src) {
		panic(fmt.Sprintf("core: FFT2.%s: dst length %d, src length %d", op, len(dst), len(src)))
	}
	if &dst[0] != &src[0] {
		copy(dst, src)
	}
	return dst
}

// transform applies the unnormalised transform (conjugate twiddles if inverse) in place to
// one field: first every row, then every column, the columns being processed as whole rows
// (butterflies between rows) so that memory is walked contiguously.
func (p *FFT2) transform(f []complex128, inverse bool) {
	nx, ny := p.nx, p.ny
	if nx > 1 {
		tw := p.x.fw
		if inverse {
			tw = p.x.bw
		}
		rev := p.x.rev
		for r := 0; r < ny; r++ {
			a := f[r*nx : (r+1)*nx]
			for i, j := range rev {
				if i < j {
					a[i], a[j] = a[j], a[i]
				}
			}
			for size := 2; size <= nx; size <<= 1 {
				half, step := size>>1, nx/size
				for start := 0; start < nx; start += size {
					lo := a[start : start+half]
					hi := a[start+half : start+size]
					for j := range lo {
						v := hi[j] * tw[j*step]
						u := lo[j]
						lo[j] = u + v
						hi[j] = u - v
					}
				}
			}
		}
	}
	if ny > 1 {
		tw := p.y.fw
		if inverse {
			tw = p.y.bw
		}
		for i, j := range p.y.rev {
			if i < j {
				ri, rj := f[i*nx:(i+1)*nx], f[j*nx:(j+1)*nx]
				for c := range ri {
					ri[c], rj[c] = rj[c], ri[c]
				}
			}
		}
		for size := 2; size <= ny; size <<= 1 {
			half, step := size>>1, ny/size
			for start := 0; start < ny; start += size {
				for j := 0; j < half; j++ {
					w := tw[j*step]
					lo := f[(start+j)*nx : (start+j+1)*nx]
					hi := f[(start+j+half)*nx : (start+j+half+1)*nx]
					butterflyRows(lo, hi, w, j == 0) // j = 0: w = 1
				}
			}
		}
	}
}

// FFTFreq returns numpy's fftfreq(n) with d = 1: the frequency, in cycles per cell, of
// each index of a length-n DFT, [0, 1, …, ⌈n/2⌉−1, −⌊n/2⌋, …, −1]/n. It panics if n < 1.
func FFTFreq(n int) []float64 {
	if n < 1 {
		panic(fmt.Sprintf("core: FFTFreq: length %d", n))
	}
	f := make([]float64, n)
	for i := range f {
		k := i
		if i >= (n+1)/2 {
			k = i - n
		}
		f[i] = float64(k) / float64(n)
	}
	return f
}

// DST2 is a plan for the separable two-dimensional discrete sine transform of type I (DST-I)
// of real fields on an ny×nx grid (any sizes ≥ 1), the transform that diagonalises the
// 5-point Laplacian with zero Dirichlet values just outside the grid.
//
// The transform is unnormalised, with FFTPACK's convention of a factor 2 per axis:
//
//	X[k,l] = 4·Σ_{i,j} x[i,j]·sin(π(i+1)(k+1)/(ny+1))·sin(π(j+1)(l+1)/(nx+1))
//
// so that applying Transform twice multiplies a field by 4(ny+1)(nx+1).
//
// It is computed as two products with the (symmetric) sine matrices, X = S_y·x·S_x, by
// dgemm: every entry is a fixed chain of FMAs, so the result has the same bits on every
// machine, and on amd64 the products run in SIMD kernels. For the sizes of sipbench's
// grids (n ≤ 128) that is several times faster than an FFT-based DST-I, whose length
// 2(n+1) is not a power of two (gonum's, which this replaced, ran an FFT of 130 = 2·5·13
// points for n = 64).
//
// The zero value is not usable; call NewDST2. A DST2 holds scratch and is not safe for
// concurrent use.
type DST2 struct {
	ny, nx int
	sy, sx []float64 // sine matrices, ny×ny and nx×nx
	z      []float64 // one field: x·S_x
}

// NewDST2 returns a DST-I plan for ny×nx fields. It panics if a size is below 1.
func NewDST2(ny, nx int) *DST2 {
	if ny < 1 || nx < 1 {
		panic(fmt.Sprintf("core: NewDST2: grid %d×%d", ny, nx))
	}
	return &DST2{ny: ny, nx: nx, sy: sineMatrix(ny), sx: sineMatrix(nx), z: make([]float64, ny*nx)}
}

// sineMatrix returns the n×n matrix 2·sin(π(j+1)(l+1)/(n+1)), the argument reduced exactly
// (in integers) modulo 2π first.
func sineMatrix(n int) []float64 {
	s := make([]float64, n*n)
	for j := range n {
		for l := range n {
			q := (j + 1) * (l + 1) % (2 * (n + 1))
			s[j*n+l] = 2 * math.Sin(math.Pi*float64(q)/float64(n+1))
		}
	}
	return s
}

// Shape returns the grid the plan transforms.
func (p *DST2) Shape() (ny, nx int) { return p.ny, p.nx }

// Transform applies the 2D DST-I to every field of src, writing dst, and returns dst. dst
// may be src. If dst is nil a new slice is allocated. It panics if len(src) is not a
// multiple of ny·nx or len(dst) differs from len(src).
func (p *DST2) Transform(dst, src []float64) []float64 {
	n := p.ny * p.nx
	if len(src)%n != 0 {
		panic(fmt.Sprintf("core: DST2.Transform: length %d is not a multiple of the %d×%d grid", len(src), p.ny, p.nx))
	}
	if dst == nil {
		dst = make([]float64, len(src))
	}
	if len(dst) != len(src) {
		panic(fmt.Sprintf("core: DST2.Transform: dst length %d, src length %d", len(dst), len(src)))
	}
	nx, ny := p.nx, p.ny
	for off := 0; off < len(src); off += n {
		dgemm(ny, nx, nx, src[off:off+n], nx, p.sx, nx, p.z, nx)
		dgemm(ny, nx, ny, p.sy, ny, p.z, nx, dst[off:off+n], nx)
	}
	return dst
}

// butterflyRowsGo is the column pass's butterfly between the rows lo and hi with the
// twiddle w, in Go: lo[c], hi[c] = u + v, u − v with u = lo[c] and v = hi[c]·w, or v =
// hi[c] if one (w = 1, no product).
func butterflyRowsGo(lo, hi []complex128, w complex128, one bool) {
	hi = hi[:len(lo)]
	if one {
		for c := range lo {
			u, v := lo[c], hi[c]
			lo[c] = u + v
			hi[c] = u - v
		}
		return
	}
	for c := range lo {
		v := hi[c] * w
		u := lo[c]
		lo[c] = u + v
		hi[c] = u - v
	}
}
