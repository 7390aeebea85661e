package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"
)

// MinSeeds is the number of seeds from which a bootstrap interval is near its nominal
// coverage; below it Ratio.Few is true and the interval is widened (see the package
// comment).
const MinSeeds = 5

// Level is the confidence level of the intervals: 95 %.
const Level = 0.95

// Resamples is the number of bootstrap resamples that RatioOf draws.
const Resamples = 10000

// Ratio is a ratio over seeds: per seed, a method's value over the reference method's (of
// the same seed), larger when the reference is ahead.
type Ratio struct {
	N    int     // seeds
	Mean float64 // the mean of the seeds' ratios
	// Lo and Hi bound the 95 % confidence interval of Mean (Interval); NaN for fewer
	// than 2 seeds.
	Lo, Hi float64
	// P is the one-sided p-value of the exact Wilcoxon signed-rank test (SignedRank) of
	// the log ratios against "ratio ≤ 1"; PSign the exact sign test's (SignTest). NaN
	// for no seed whose ratio differs from 1.
	P, PSign float64
}

// Few reports whether r is over fewer than MinSeeds seeds, so that its interval is wide
// (or, for 1 seed, missing) for that reason.
func (r Ratio) Few() bool { return r.N < MinSeeds }

// String formats r as "1.41 [1.32, 1.50] n=5 p=0.031", with " (n<5: wide)" below
// MinSeeds; "-" for no seed.
func (r Ratio) String() string {
	if r.N == 0 || math.IsNaN(r.Mean) {
		return "-"
	}
	s := fmtG(r.Mean)
	if r.N > 1 {
		s += " [" + fmtG(r.Lo) + ", " + fmtG(r.Hi) + "]"
	}
	s += " n=" + strconv.Itoa(r.N)
	if !math.IsNaN(r.P) {
		s += " p=" + fmtP(r.P)
	}
	if r.Few() {
		s += fmt.Sprintf(" (n<%d: wide)", MinSeeds)
	}
	return s
}

// fmtG formats v with 3 significant digits.
func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// fmtP formats a p-value with 2 significant digits, "<0.0001" below.
func fmtP(p float64) string {
	if p < 1e-4 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// RatioOf returns the Ratio of the per-seed ratios rs: their mean, its 95 % interval
// (Interval, with Resamples resamples from a fixed seed, so the same ratios always give the
// same interval) and the one-sided tests. A NaN among rs (a seed without a value) makes
// everything NaN but N. A ratio of +Inf (a baseline that never got there) counts in the
// tests and resamples, so the mean and Hi can be +Inf.
func RatioOf(rs []float64) Ratio {
	nan := math.NaN()
	r := Ratio{N: len(rs), Mean: nan, Lo: nan, Hi: nan, P: nan, PSign: nan}
	if len(rs) == 0 || slices.ContainsFunc(rs, math.IsNaN) {
		return r
	}
	r.Mean = mean(rs)
	if len(rs) > 1 {
		r.Lo, r.Hi = Interval(rs, Level, Resamples, rand.New(rand.NewPCG(0x5eed, uint64(len(rs)))))
	}
	d := make([]float64, len(rs))
	for i, x := range rs {
		d[i] = math.Log(x)
	}
	r.P, r.PSign = SignedRank(d), SignTest(d)
	return r
}

// Paired returns the Ratio of num[i] / den[i] over the seeds i: the values of a method
// and of the reference for the same seeds. It panics if the lengths differ.
func Paired(num, den []float64) Ratio {
	if len(num) != len(den) {
		panic(fmt.Sprintf("stats: Paired of %d and %d values", len(num), len(den)))
	}
	rs := make([]float64, len(num))
	for i := range num {
		rs[i] = num[i] / den[i]
	}
	return RatioOf(rs)
}

// Interval returns the confidence interval at level (0.95 for 95 %) of the mean of xs:
// the expanded percentile bootstrap over b resamples drawn with rng, widened to at least
// Student's t interval when len(xs) < MinSeeds (see the package comment). It returns NaN
// bounds for fewer than 2 values, and the degenerate interval [x, x] when all values are
// x.
func Interval(xs []float64, level float64, b int, rng *rand.Rand) (lo, hi float64) {
	n := len(xs)
	if n < 2 {
		return math.NaN(), math.NaN()
	}
	if slices.Min(xs) == slices.Max(xs) {
		return xs[0], xs[0]
	}
	alpha := ExpandedAlpha(n, level)
	means := make([]float64, b)
	for k := range means {
		var s float64
		for range n {
			s += xs[rng.IntN(n)]
		}
		means[k] = s / float64(n)
	}
	slices.Sort(means)
	lo, hi = quantile(means, alpha/2), quantile(means, 1-alpha/2)
	if n < MinSeeds {
		tlo, thi := TInterval(xs, level)
		lo, hi = math.Min(lo, tlo), math.Max(hi, thi)
	}
	return lo, hi
}

// ExpandedAlpha returns the tail mass α' of the expanded percentile bootstrap of n
// observations at level: 2Φ(−√(n/(n−1)) · t(n−1, (1+level)/2)). For n = 5 at 95 %,
// 2Φ(−√1.25 · 2.776) = 0.0019.
func ExpandedAlpha(n int, level float64) float64 {
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + level) / 2)
	return 2 * distuv.UnitNormal.CDF(-math.Sqrt(float64(n)/float64(n-1))*t)
}

// TInterval returns Student's t interval at level of the mean of xs: mean ± t(n−1,
// (1+level)/2) · s/√n. NaN bounds for fewer than 2 values or a non-finite one.
func TInterval(xs []float64, level float64) (lo, hi float64) {
	n := len(xs)
	if n < 2 {
		return math.NaN(), math.NaN()
	}
	m := mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	se := math.Sqrt(ss / float64(n-1) / float64(n))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + level) / 2)
	return m - t*se, m + t*se
}

// quantile returns the q-quantile of the sorted xs, interpolated linearly between order
// statistics (type 7 of Hyndman and Fan).
func quantile(sorted []float64, q float64) float64 {
	h := q * float64(len(sorted)-1)
	i := int(math.Floor(h))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	a, b := sorted[i], sorted[i+1]
	if a == b { // also +Inf == +Inf, where a + 0·(b−a) would be NaN
		return a
	}
	return a + (h-float64(i))*(b-a)
}

// mean returns the mean of xs.
func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// ratioJSON is Ratio's JSON form; a NaN is null.
type ratioJSON struct {
	N     int      `json:"n"`
	Mean  *float64 `json:"mean"`
	Lo    *float64 `json:"lo"`     // the 95 % interval
	Hi    *float64 `json:"hi"`     //
	P     *float64 `json:"p"`      // one-sided Wilcoxon signed-rank
	PSign *float64 `json:"p_sign"` // one-sided sign test
	Few   bool     `json:"few"`    // fewer than MinSeeds seeds: the interval is wide for that reason
}

// MarshalJSON writes r as {"n", "mean", "lo", "hi", "p", "p_sign", "few"}, each NaN as
// null (JSON has no NaN) and an infinity as ±1e308.
func (r Ratio) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		switch {
		case math.IsNaN(v):
			return nil
		case math.IsInf(v, 0):
			v = math.Copysign(1e308, v)
		}
		return &v
	}
	return json.Marshal(ratioJSON{N: r.N, Mean: num(r.Mean), Lo: num(r.Lo), Hi: num(r.Hi), P: num(r.P), PSign: num(r.PSign), Few: r.Few()})
}
