package check

import (
	"math"
)

// Verdict is the outcome of a claim.
type Verdict string

// The verdicts. Holds, Weakly and Fails judge a measurement; the others say why there is
// none (yet).
const (
	// Holds: the mean over seeds reaches the paper's factor and every seed points the
	// claim's way (ratio > 1).
	Holds Verdict = "holds"
	// Weakly: the mean points the claim's way but stays below the paper's factor, or a
	// seed points the other way.
	Weakly Verdict = "holds weakly"
	// Fails: the mean points the other way (ratio ≤ 1), or is not a number.
	Fails Verdict = "does not hold"
	// NotMeasured: the runs end before the claim's step; more steps than the scale affords.
	NotMeasured Verdict = "not measured at this scale"
	// Pending: runs the claim needs are still training (or queued).
	Pending Verdict = "pending"
	// NoRuns: no run (of the right method, settings and seed) measures the claim.
	NoRuns Verdict = "no runs"
)

// Final reports whether v is a verdict on a measurement or a final absence of one: not
// Pending.
func (v Verdict) Final() bool { return v != Pending }

// Judged reports whether v judges a measurement (Holds, Weakly, Fails).
func (v Verdict) Judged() bool { return v == Holds || v == Weakly || v == Fails }

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
// factor: Holds if their mean reaches factor and every ratio is above 1, Weakly if the
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
	return Weakly
}
