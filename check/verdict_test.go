package check

import (
	"math"
	"testing"

	ratiostat "github.com/sipbench/sipbench/stats"
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
		{[]float64{2.9, 2.95, 3}, 3, Short},  // right direction, smaller factor
		{[]float64{1.01}, 3, Short},          // one seed, barely
		{[]float64{6, 0.9, 6}, 3, Short},     // the mean reaches it, a seed points the other way
		{[]float64{1, 1, 1}, 3, Fails},       // no difference is no direction
		{[]float64{0.5, 0.8, 1.2}, 3, Fails}, // the mean points the other way
		{[]float64{1.2, 1.3}, 1, Holds},      // a direction-only claim
		{[]float64{1.2, 0.95}, 1, Short},     // … with a seed against it
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
	// With its interval: 3 seeds, mean 3, s = 1, so Student's 3 ± 4.303/√3 = [0.516, 5.48]
	// (below 5 seeds at least Student's, which the bootstrap of 3 values stays inside);
	// Wilcoxon: all 3 log ratios positive, p = 1/8.
	r.Interval = ratiostat.RatioOf([]float64{2, 4, 3})
	if got, p := r.Measured(), r.PValue(); got != "3× [0.516–5.48×]" || p != "p=0.12 (n<5: wide)" {
		t.Errorf("Measured, PValue with the interval = %q, %q", got, p)
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

// TestReached: a row short of the paper says how much of the factor its mean reached, in
// words where the fraction has a name, or which seed points the other way.
func TestReached(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		seeds  []int
		rs     []float64
		factor float64
		want   string
	}{
		{[]int{0}, []float64{1.5}, 3, "1.5× of 3×: half"},
		{[]int{0, 1, 2}, []float64{1.49, 1.53, 1.58}, 3, "1.53× of 3×: about half (51 %)"},
		{[]int{0}, []float64{1.18}, 1.34, "1.18× of 1.34×: about nine tenths (88 %)"},
		{[]int{0}, []float64{6.8}, 1e4, "6.8× of 10,000×: 0.068 %"},
		{[]int{0}, []float64{2.2}, 5, "2.2× of 5×: 44 %"},
		{[]int{0, 1}, []float64{6, 0.9}, 3, "3.45× of 3×, but seed 1 points the other way (0.9×)"},
		{[]int{0, 1}, []float64{1.2, 0.95}, 1, "1.07× of 1×, but seed 1 points the other way (0.95×)"},
	} {
		r := Row{Claim: &Claim{Factor: c.factor}, Seeds: c.seeds, Ratios: c.rs, Stats: stats(c.rs)}
		r.Verdict = Judge(c.rs, c.factor)
		if r.Verdict != Short {
			t.Fatalf("Judge(%v, %g) = %q; the case wants a short row", c.rs, c.factor, r.Verdict)
		}
		if got := r.Reached(); got != c.want {
			t.Errorf("Reached(%v of %g) = %q; want %q", c.rs, c.factor, got, c.want)
		}
	}
	if got := (Row{Claim: &Claim{Factor: 3}, Verdict: Holds, Ratios: []float64{4}, Stats: stats([]float64{4})}).Reached(); got != "" {
		t.Errorf("Reached of a row that holds = %q; want nothing", got)
	}
	for f, want := range map[float64]string{1.0 / 3: "a third", 0.255: "a quarter", 0.27: "about a quarter (27 %)", 0.29: "29 %", 0.05: "5 %", math.NaN(): "–"} {
		if got := FractionText(f); got != want {
			t.Errorf("FractionText(%g) = %q; want %q", f, got, want)
		}
	}
}
