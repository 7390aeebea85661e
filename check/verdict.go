package check

import (
	"fmt"
	"math"
	"strconv"
)

// Verdict is the outcome of a claim.
type Verdict string

// The verdicts. Holds, Short and Fails judge a measurement; NotComparable keeps one
// unjudged; the others say why there is none (yet).
const (
	// Holds: the mean over seeds reaches the paper's factor and every seed points the
	// claim's way (ratio > 1).
	Holds Verdict = "holds"
	// Short: the mean points the claim's way but stays below the paper's factor, or a seed
	// points the other way. Never counted with Holds; Row.Reached says how far it got.
	Short Verdict = "short of the paper"
	// Fails: the mean points the other way (ratio ≤ 1), or is not a number.
	Fails Verdict = "does not hold"
	// NotComparable: measured, but the scale of the runs changes what the claim measures
	// (Claim.Incomparable), as Table 1 at the quick scale's 32×32.
	NotComparable Verdict = "not comparable at this scale"
	// NotMeasured: the runs end before the claim's step; more steps than the scale affords.
	NotMeasured Verdict = "not measured at this scale"
	// Pending: runs the claim needs are still training (or queued). Row.Provisional may
	// hold the ratio so far, never counted as a verdict.
	Pending Verdict = "pending"
	// NoRuns: no run (of the right method, settings and seed) measures the claim.
	NoRuns Verdict = "no runs"
)

// Verdicts are the verdicts in the order a summary counts them.
var Verdicts = []Verdict{Holds, Short, Fails, NotComparable, NotMeasured, Pending, NoRuns}

// Final reports whether v is a verdict on a measurement or a final absence of one: not
// Pending.
func (v Verdict) Final() bool { return v != Pending }

// Judged reports whether v judges a measurement (Holds, Short, Fails).
func (v Verdict) Judged() bool { return v == Holds || v == Short || v == Fails }

// Measured reports whether v comes with a measured ratio: judged, or not comparable.
func (v Verdict) Measured() bool { return v.Judged() || v == NotComparable }

// Stats are a claim's ratios over seeds.
type Stats struct {
	Seeds          int
	Mean, Min, Max float64
}

// stats returns the mean, min and max of rs (NaN for all three if rs is empty).
func stats(rs []float64) Stats {
	s := Stats{Seeds: len(rs), Mean: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	if len(rs) == 0 {
		return s
	}
	s.Min, s.Max = math.Inf(1), math.Inf(-1)
	var sum float64
	for _, r := range rs {
		sum += r
		s.Min, s.Max = math.Min(s.Min, r), math.Max(s.Max, r)
	}
	s.Mean = sum / float64(len(rs))
	if math.IsNaN(s.Mean) {
		s.Min, s.Max = math.NaN(), math.NaN()
	}
	return s
}

// Judge returns the verdict on the per-seed ratios rs of a claim whose paper factor is
// factor: Holds if their mean reaches factor and every ratio is above 1, Short if the
// mean is above 1 but not both, Fails otherwise (a mean of 1 or less, or NaN). It
// returns NoRuns for no ratios.
func Judge(rs []float64, factor float64) Verdict {
	s := stats(rs)
	switch {
	case s.Seeds == 0:
		return NoRuns
	case !(s.Mean > 1):
		return Fails
	case s.Mean >= factor && s.Min > 1:
		return Holds
	}
	return Short
}

// fractions are the fractions that Reached names in words.
var fractions = []struct {
	f    float64
	name string
}{
	{0.1, "a tenth"}, {0.2, "a fifth"}, {0.25, "a quarter"}, {1.0 / 3, "a third"}, {0.4, "two fifths"},
	{0.5, "half"}, {0.6, "three fifths"}, {2.0 / 3, "two thirds"}, {0.75, "three quarters"},
	{0.8, "four fifths"}, {0.9, "nine tenths"},
}

// FractionText says how much of a factor a mean reached, f = mean ÷ factor: "half" within
// 1 % of a named fraction, "about half (48 %)" within 3 %, else the percentage ("7 %",
// "0.068 %").
func FractionText(f float64) string {
	if math.IsNaN(f) || f < 0 {
		return "–"
	}
	pct := PercentText(f)
	for _, q := range fractions {
		switch d := math.Abs(f - q.f); {
		case d <= 0.01:
			return q.name
		case d <= 0.03:
			return "about " + q.name + " (" + pct + ")"
		}
	}
	return pct
}

// PercentText is f as a percentage: "51 %", "0.068 %" below 1 %.
func PercentText(f float64) string {
	if f < 0.01 {
		return strconv.FormatFloat(100*f, 'g', 2, 64) + " %"
	}
	return strconv.FormatFloat(100*f, 'f', 0, 64) + " %"
}

// Reached says, for a row short of the paper, how far it got: "1.53× of 3×: about half
// (51 %)", or which seed points the other way when the mean reached the factor; "" for
// other verdicts.
func (r Row) Reached() string {
	if r.Verdict != Short {
		return ""
	}
	c, s := r.Claim, r.Stats
	if s.Mean >= c.Factor {
		for i, x := range r.Ratios {
			if !(x > 1) {
				return fmt.Sprintf("%s of %s, but seed %d points the other way (%s)", FormatFactor(s.Mean),
					FormatFactor(c.Factor), r.Seeds[i], FormatFactor(x))
			}
		}
	}
	return fmt.Sprintf("%s of %s: %s", FormatFactor(s.Mean), FormatFactor(c.Factor), FractionText(s.Mean/c.Factor))
}
