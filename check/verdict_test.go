package check

import (
	"math"
	"testing"
)

func TestJudge(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		rs     []float64
		factor float64
		want   Verdict
	}{
		{[]float64{3.2, 3.5, 4}, 3, Holds},
		{[]float64{3, 3, 3}, 3, Holds},       // reaching the factor is enough
		{[]float64{2.9, 2.95, 3}, 3, Weakly}, // right direction, smaller factor
		{[]float64{1.01}, 3, Weakly},         // one seed, barely
		{[]float64{6, 0.9, 6}, 3, Weakly},    // the mean reaches it, a seed points the other way
		{[]float64{1, 1, 1}, 3, Fails},       // no difference is no direction
		{[]float64{0.5, 0.8, 1.2}, 3, Fails}, // the mean points the other way
		{[]float64{1.2, 1.3}, 1, Holds},      // a direction-only claim
		{[]float64{1.2, 0.95}, 1, Weakly},    // … with a seed against it
		{[]float64{inf, 20000}, 1e4, Holds},  // a solver that never reached the network
		{[]float64{nan, 4}, 3, Fails},        // a diverged value cannot be judged a pass
		{nil, 3, NoRuns},
	} {
		if got := Judge(c.rs, c.factor); got != c.want {
			t.Errorf("Judge(%v, %g) = %q; want %q", c.rs, c.factor, got, c.want)
		}
	}
}

func TestStatsAndFormat(t *testing.T) {
	t.Parallel()
	s := stats([]float64{2, 4, 3})
	if s.Seeds != 3 || s.Mean != 3 || s.Min != 2 || s.Max != 4 {
		t.Errorf("stats = %+v", s)
	}
	r := Row{Claim: &Claim{Step: 60}, Stats: s}
	if got := r.Measured(); got != "3× (2–4×)" {
		t.Errorf("Measured = %q", got)
	}
	for x, want := range map[float64]string{1.4142: "1.41×", 377.4: "377×", 12499.6: "12,500×", math.Inf(1): "∞×", math.NaN(): "–"} {
		if got := FormatFactor(x); got != want {
			t.Errorf("FormatFactor(%g) = %q; want %q", x, got, want)
		}
	}
	if got := (Row{Claim: &Claim{Step: End}, Step: 250}).StepText(); got != "end, step 250" {
		t.Errorf("StepText = %q", got)
	}
}
