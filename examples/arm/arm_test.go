package arm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems/conform"
)

// The arm keeps the problem contract: the checks `sipbench conform arm` prints.
func TestConformance(t *testing.T) {
	rs := conform.Run(Arm{})
	for _, r := range rs {
		t.Logf("%-20s ok %-5v %s", r.Check, r.OK, r.Detail)
	}
	if f := conform.Failed(rs); len(f) > 0 {
		t.Fatalf("failed: %v", f)
	}
}

// Both branches of the analytic inverse reproduce the observation, and they are the
// sampled θ* and its mirror image (θ₃ of the other sign).
func TestInverseBranches(t *testing.T) {
	x, y := Arm{}.Sample(rand.New(rand.NewPCG(1, 2)), 200)
	for i := range 200 {
		yi := [4]float64{float64(y.Data[4*i]), float64(y.Data[4*i+1]), float64(y.Data[4*i+2]), float64(y.Data[4*i+3])}
		t3 := float64(x.Data[3*i+2])
		for _, sign := range []float64{1, -1} {
			th := Inverse(yi, sign)
			got := At(th).y()
			for k := range 4 {
				if math.Abs(got[k]-yi[k]) > 1e-5 {
					t.Fatalf("example %d, branch %v: P(P⁻¹(y)) = %v, y = %v", i, sign, got, yi)
				}
			}
			if sign*t3 > 0 { // the sampled branch: θ* itself
				for j := range 3 {
					if d := math.Abs(wrap(th[j] - float64(x.Data[3*i+j]))); d > 1e-3 {
						t.Fatalf("example %d: inverse %v, θ* %v", i, th, x.Example(i))
					}
				}
			}
		}
	}
}

// The damped Gauss–Newton update is a descent step, and it converges from a nearby start;
// the analytic update lands on the solution of the start's branch in one step.
func TestUpdates(t *testing.T) {
	a := Arm{}
	xTrue, y := a.Sample(rand.New(rand.NewPCG(3, 4)), 64)
	x := xTrue.Clone()
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range x.Data {
		x.Data[i] += float32(0.2 * rng.NormFloat64())
	}
	before := a.Loss(nil, x, y)
	xs := x.Clone()
	for range 30 {
		d := a.Update(nil, GaussNewton, xs, y)
		for i := range xs.Data {
			xs.Data[i] += d.Data[i]
		}
	}
	after := a.Loss(nil, xs, y)
	for e := range before {
		if !(after[e] < 1e-6 && after[e] < before[e]/100) {
			t.Errorf("example %d: Gauss–Newton from loss %.3g to %.3g", e, before[e], after[e])
		}
	}
	d := a.Update(nil, Analytic, x, y)
	xa := core.New(x.Shape...)
	for i := range xa.Data {
		xa.Data[i] = x.Data[i] + d.Data[i]
	}
	for e, l := range a.Loss(nil, xa, y) {
		if l > 1e-10 {
			t.Errorf("example %d: the analytic update leaves loss %.3g", e, l)
		}
	}
	m := a.Metrics(nil, xTrue, xTrue, y)
	if m[0] != 0 || m[1] > 1e-12 || m[2] > 1e-6 || m[3] != 0 {
		t.Errorf("metrics at the ground truth: %v", m)
	}
}
