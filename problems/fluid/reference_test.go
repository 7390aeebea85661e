package fluid

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameBits reports the first index where a and b differ in their bits, or −1.
func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// advectCases returns fields and displacements that reach every branch of the stencil and
// the limiter: rough and 0/1 fields (tied neighbours), displacements small, across the
// periodic edge, several periods long and exactly on grid lines, cotangents with zeros.
func advectCases(rng *rand.Rand, n int) (cases []struct {
	name      string
	f, dx, dy []float64
}) {
	m := n * n
	add := func(name string, f, dx, dy []float64) {
		cases = append(cases, struct {
			name      string
			f, dx, dy []float64
		}{name, f, dx, dy})
	}
	bin := make([]float64, m)
	for i := range bin {
		if rng.Float64() < 0.3 {
			bin[i] = 1
		}
	}
	add("rough", randVec(rng, m, 1), randVec(rng, m, 0.7), randVec(rng, m, 0.7))
	add("binary", bin, randVec(rng, m, 1.5), randVec(rng, m, 1.5))
	add("long", randVec(rng, m, 1), randVec(rng, m, 3*float64(n)), randVec(rng, m, 3*float64(n)))
	grid := func() []float64 { // integers and halves: traced points on grid lines
		d := make([]float64, m)
		for i := range d {
			d[i] = float64(rng.IntN(9)-4) / 2
		}
		return d
	}
	add("grid lines", randVec(rng, m, 1), grid(), grid())
	add("zero", bin, make([]float64, m), make([]float64, m))
	huge := randVec(rng, m, 1) // beyond the AVX2 kernel's int32 indices: the Go loops
	huge[m/3], huge[m/2] = 1e12, math.NaN()
	add("huge", randVec(rng, m, 1), huge, randVec(rng, m, 1))
	return cases
}

// TestFastMatchesReference holds maccormack and maccormackAdjoint to the bits of the
// implementations they replaced (ref_impl_test.go).
func TestFastMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{4, 8, 12, 16, 64} {
		m := n * n
		for _, c := range advectCases(rng, n) {
			name := fmt.Sprintf("n=%d/%s", n, c.name)
			s1, lo1, hi1, out1 := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
			s2, lo2, hi2, out2 := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
			maccormackRef(out2, c.f, c.dx, c.dy, s2, lo2, hi2, n)
			maccormackGo(out1, c.f, c.dx, c.dy, s1, lo1, hi1, n)
			if i := sameBits(out1, out2); i >= 0 {
				t.Errorf("%s: maccormackGo[%d] = %v, reference %v", name, i, out1[i], out2[i])
			}
			clear(out1)
			fast := maccormackFast(out1, c.f, c.dx, c.dy, s1, lo1, hi1, n)
			if fast {
				if i := sameBits(out1, out2); i >= 0 {
					t.Errorf("%s: maccormackFast[%d] = %v, reference %v", name, i, out1[i], out2[i])
				}
			}
			if wantFast := hasFastAdvect && n >= 4 && n&(n-1) == 0 && c.name != "huge"; fast != wantFast {
				t.Errorf("%s: maccormackFast ran: %v, want %v", name, fast, wantFast)
			}
			for _, w := range advectWidths() { // every kernel this CPU runs, both passes
				clear(out1)
				clear(s1)
				if !maccormackKernel(w, 2, out1, c.f, c.dx, c.dy, s1, lo1, hi1, n) {
					if c.name != "huge" && n&(n-1) == 0 {
						t.Errorf("%s: the width-%d kernel did not run", name, w)
					}
					continue
				}
				for q, pair := range [][2][]float64{{out1, out2}, {s1, s2}, {lo1, lo2}, {hi1, hi2}} {
					if i := sameBits(pair[0], pair[1]); i >= 0 {
						t.Errorf("%s: the width-%d kernel's %s[%d] = %v, reference %v", name, w, []string{"out", "sl", "lo", "hi"}[q], i, pair[0][i], pair[1][i])
					}
				}
				clear(s1)
				if !maccormackKernel(w, 1, nil, c.f, c.dx, c.dy, s1, lo1, hi1, n) {
					t.Errorf("%s: the width-%d kernel's first pass did not run", name, w)
				} else if i := sameBits(s1, s2); i >= 0 {
					t.Errorf("%s: the width-%d kernel's first pass: sl[%d] = %v, reference %v", name, w, i, s1[i], s2[i])
				}
			}
			maccormack(out1, c.f, c.dx, c.dy, s1, lo1, hi1, n)
			if i := sameBits(out1, out2); i >= 0 {
				t.Errorf("%s: maccormack[%d] = %v, reference %v", name, i, out1[i], out2[i])
			}
			g := randVec(rng, m, 1)
			for i := range g {
				if rng.IntN(5) == 0 {
					g[i] = 0
				}
			}
			ways := []int{adjointGo, adjointFirstAsm, adjointPrepped}
			res := [4][3][]float64{}
			for k := range 4 {
				fb, xb, yb := randVec(rand.New(rand.NewPCG(1, 2)), m, 1), make([]float64, m), make([]float64, m)
				if k < 3 {
					maccormackAdjointWith(ways[k], fb, xb, yb, g, c.f, c.dx, c.dy, make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m), n)
				} else {
					maccormackAdjointRef(fb, xb, yb, g, c.f, c.dx, c.dy, make([]float64, m), make([]float64, m), n)
				}
				res[k] = [3][]float64{fb, xb, yb}
			}
			for k := range 3 {
				for q, what := range []string{"fbar", "dxbar", "dybar"} {
					if i := sameBits(res[k][q], res[3][q]); i >= 0 {
						t.Errorf("%s: maccormackAdjoint (way %d)'s %s[%d] = %v, reference %v", name, ways[k], what, i, res[k][q][i], res[3][q][i])
					}
				}
			}
			if sc := new(adjScratch); sc.prepare(c.f, c.dx, c.dy, s1, lo1, hi1, n) != (advectWidth == 8 && n >= 8 && n&(n-1) == 0 && c.name != "huge") {
				t.Errorf("%s: the AVX-512 adjoint's kernel ran: %v", name, !(advectWidth == 8 && n >= 8 && n&(n-1) == 0 && c.name != "huge"))
			}
		}
	}
}

// BenchmarkAdvect64 times one MacCormack advection and its adjoint at 64×64, the fast
// versions against the references (ratios within one run).
func BenchmarkAdvect64(b *testing.B) {
	n, m := 64, 64*64
	rng := rand.New(rand.NewPCG(3, 3))
	f, dx, dy := randVec(rng, m, 1), randVec(rng, m, 0.8), randVec(rng, m, 0.8)
	g := randVec(rng, m, 1)
	out, sl, lo, hi, slb := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	fb, xb, yb := make([]float64, m), make([]float64, m), make([]float64, m)
	for _, impl := range []string{"fast", "go", "ref"} {
		fwd, adj := maccormack, maccormackAdjoint
		if impl == "go" {
			fwd = maccormackGo
		}
		if impl == "ref" {
			fwd = maccormackRef
		}
		b.Run("forward/"+impl, func(b *testing.B) {
			for b.Loop() {
				fwd(out, f, dx, dy, sl, lo, hi, n)
			}
		})
		if impl == "fast" {
			for _, w := range advectWidths() {
				b.Run(fmt.Sprintf("forward/width=%d", w), func(b *testing.B) {
					for b.Loop() {
						maccormackKernel(w, 2, out, f, dx, dy, sl, lo, hi, n)
					}
				})
			}
		}
		b.Run("adjoint/"+impl, func(b *testing.B) {
			for b.Loop() {
				if impl == "ref" {
					maccormackAdjointRef(fb, xb, yb, g, f, dx, dy, sl, slb, n)
				} else {
					adj(fb, xb, yb, g, f, dx, dy, sl, lo, hi, slb, n)
				}
			}
		})
	}
}

// TestFloorCell holds floorCell to wrap(int(math.Floor(y)), n) and y − math.Floor(y), bit
// for bit, on grid lines, just beside them and far away on both sides.
func TestFloorCell(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{4, 12, 64} {
		ys := []float64{0, 1, -1, 0.5, -0.5, float64(n), -float64(n), float64(n) - 1e-12, -1e-300,
			math.Nextafter(0, 1), math.Nextafter(0, -1), math.Nextafter(-3, 0), math.Nextafter(-3, -4),
			1e15 + 0.5, -1e15 - 0.5, 4.5e18, -4.5e18}
		for range 2000 {
			ys = append(ys, (rng.Float64()-0.5)*float64(8*n), float64(rng.IntN(8*n)-4*n))
		}
		for _, y := range ys {
			k, f := floorCell(y, n)
			fl := math.Floor(y)
			wk, wf := wrap(int(fl), n), y-fl
			if k != wk || math.Float64bits(f) != math.Float64bits(wf) {
				t.Fatalf("n=%d: floorCell(%v) = %d, %v; want %d, %v", n, y, k, f, wk, wf)
			}
		}
	}
}

// TestProjectMatchesReference holds the half-size real transform of project to the full
// complex transform it replaced (projectRef), to rounding: on random velocities of every
// grid the problem allows down to 2×2 the two differ by less than 1e-14 of the field's
// largest value, and the result is divergence-free to the same order.
func TestProjectMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{2, 4, 8, 16, 64, 128} {
		m := n * n
		pr := newProjector(n)
		for trial := range 3 {
			s := randVec(rng, 2*m, 1)
			if trial == 2 { // a uniform flow plus a little noise: the mean mode
				for i := range s {
					s[i] = 0.01*s[i] + float64(1+i/m)
				}
			}
			a, b := append([]float64(nil), s...), append([]float64(nil), s...)
			pr.project(a)
			pr.projectRef(b)
			var worst, scale float64
			for i := range a {
				worst = max(worst, math.Abs(a[i]-b[i]))
				scale = max(scale, math.Abs(b[i]))
			}
			if worst > 1e-14*scale {
				t.Errorf("n=%d trial %d: project differs from projectRef by %.3g (field scale %.3g)", n, trial, worst, scale)
			}
			d := make([]float64, m)
			divergence(d, a, n)
			var div float64
			for _, x := range d {
				div = max(div, math.Abs(x))
			}
			if div > 1e-13*scale {
				t.Errorf("n=%d trial %d: divergence %.3g after the projection", n, trial, div)
			}
			// divergence against divergenceRef, bit for bit
			d2 := make([]float64, m)
			divergenceRef(d2, s, n)
			divergence(d, s, n)
			if i := sameBits(d, d2); i >= 0 {
				t.Errorf("n=%d: divergence[%d] = %v, reference %v", n, i, d[i], d2[i])
			}
		}
	}
}

// BenchmarkProject64 times the projection at 64×64 against projectRef.
func BenchmarkProject64(b *testing.B) {
	n := 64
	pr := newProjector(n)
	s := randVec(rand.New(rand.NewPCG(3, 3)), 2*n*n, 1)
	pr.projectRef(append([]float64(nil), s...)) // allocate its scratch
	for _, impl := range []string{"fast", "ref"} {
		b.Run(impl, func(b *testing.B) {
			for b.Loop() {
				if impl == "fast" {
					pr.project(s)
				} else {
					pr.projectRef(s)
				}
			}
		})
	}
}

// TestGridMapsMatchReference holds the staggered-grid maps and their adjoints (row by row
// now) to the bits of the versions they replaced, on fields with signed zeros.
func TestGridMapsMatchReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 11))
	for _, n := range []int{2, 4, 12, 64} {
		m := n * n
		in := randVec(rng, 2*m, 1)
		for i := range in {
			switch rng.IntN(6) {
			case 0:
				in[i] = math.Copysign(0, -1)
			case 1:
				in[i] = 0
			}
		}
		init := randVec(rng, 2*m, 1)
		for _, c := range []struct {
			name      string
			fast, ref func(dst, src []float64, n int)
			size      int
		}{
			{"toFaces", toFaces, toFacesRef, 2 * m},
			{"toFacesAdjoint", toFacesAdjoint, toFacesAdjointRef, 2 * m},
			{"toCentres", toCentres, toCentresRef, 2 * m},
			{"toCentresAdjoint", toCentresAdjoint, toCentresAdjointRef, 2 * m},
			{"vAtU", vAtU, vAtURef, m},
			{"vAtUAdjoint", vAtUAdjoint, vAtUAdjointRef, m},
			{"uAtV", uAtV, uAtVRef, m},
			{"uAtVAdjoint", uAtVAdjoint, uAtVAdjointRef, m},
		} {
			for _, start := range [][]float64{init, make([]float64, 2*m), in} {
				a := append([]float64(nil), start[:c.size]...)
				b := append([]float64(nil), start[:c.size]...)
				c.fast(a, in[:c.size], n)
				c.ref(b, in[:c.size], n)
				if i := sameBits(a, b); i >= 0 {
					t.Errorf("n=%d: %s[%d] = %v, reference %v", n, c.name, i, a[i], b[i])
				}
			}
		}
	}
}

// TestCentreDisplacementsMatchReference holds centreDisplacements, one pass now, to its
// former two (toCentres into a buffer, then c times it) bit for bit, with signed zeros.
func TestCentreDisplacementsMatchReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(12, 3))
	for _, n := range []int{2, 4, 64} {
		m := n * n
		v := randVec(rng, 2*m, 3)
		for i := range v {
			switch rng.IntN(6) {
			case 0:
				v[i] = math.Copysign(0, -1)
			case 1:
				v[i] = 0
			}
		}
		s := newSim(n, Size/float64(n), Dt, 1)
		s.centreDisplacements(v)
		cen := make([]float64, 2*m)
		toCentres(cen, v, n)
		wantX, wantY := make([]float64, m), make([]float64, m)
		for p := range m {
			wantX[p] = s.c * cen[p]
			wantY[p] = s.c * cen[m+p]
		}
		if i := sameBits(s.dxm, wantX); i >= 0 {
			t.Errorf("n=%d: dxm[%d] = %v, reference %v", n, i, s.dxm[i], wantX[i])
		}
		if i := sameBits(s.dym, wantY); i >= 0 {
			t.Errorf("n=%d: dym[%d] = %v, reference %v", n, i, s.dym[i], wantY[i])
		}
	}
}
