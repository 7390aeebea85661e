package check

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	ratiostat "github.com/sipbench/sipbench/stats"
)

// FormatFactor formats a ratio: "1.41×", "377×", "12,500×", "∞×" for +Inf, "–" for NaN.
func FormatFactor(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case math.IsInf(x, 1):
		return "∞×"
	case math.Abs(x) >= 1000:
		return groupDigits(int64(math.Round(x))) + "×"
	}
	return strconv.FormatFloat(x, 'g', 3, 64) + "×"
}

// groupDigits formats n with thousands separators: 12500 → "12,500".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Measured is the row's value: the mean ratio over the seeds measured and, with more
// than one seed that differ, its 95 % interval (Row.Interval): "1.41× [1.32–1.50×]"; "–"
// if nothing was measured. PValue is the one-sided test beside it.
func (r Row) Measured() string {
	s, iv := r.Stats, r.Interval
	switch {
	case s.Seeds == 0:
		return "–"
	case s.Seeds == 1, s.Min == s.Max: // one seed, or seeds that agree (iterative solvers)
		return FormatFactor(s.Mean)
	case iv.N != s.Seeds || math.IsNaN(iv.Lo): // no interval: the seeds' range
		return fmt.Sprintf("%s (%s–%s)", FormatFactor(s.Mean), strings.TrimSuffix(FormatFactor(s.Min), "×"), FormatFactor(s.Max))
	}
	return fmt.Sprintf("%s [%s–%s]", FormatFactor(iv.Mean), strings.TrimSuffix(FormatFactor(iv.Lo), "×"), FormatFactor(iv.Hi))
}

// PValue is "p=0.031", the one-sided Wilcoxon signed-rank p-value that the ratios lie
// above 1 (the claim's way), with " (n<5: wide)" when fewer than 5 seeds make the
// interval wide; "" without a test (one seed, or no interval).
func (r Row) PValue() string {
	iv := r.Interval
	if iv.N < 2 || math.IsNaN(iv.P) || iv.N != r.Stats.Seeds {
		return ""
	}
	out := "p=" + strconv.FormatFloat(iv.P, 'g', 2, 64)
	if iv.Few() {
		out += fmt.Sprintf(" (n<%d: wide)", ratiostat.MinSeeds)
	}
	return out
}

// ProvisionalText is a pending row's ratio so far: "at step 2,300 of 5,000: 4.1×
// (3.9–4.3×), provisional"; "" without one.
func (r Row) ProvisionalText() string {
	p := r.Provisional
	if p == nil {
		return ""
	}
	return fmt.Sprintf("at step %s of %s: %s, provisional", groupDigits(int64(p.Step)), groupDigits(int64(p.Of)),
		Row{Stats: p.Stats}.Measured())
}

// StepText is the step of the row: "step 60", "end (step 20000)" for a claim at the end
// of training, "step 5000" for a claim not measured, "" when nothing is known.
func (r Row) StepText() string {
	c := r.Claim
	switch {
	case c.Step != End:
		return "step " + strconv.Itoa(c.Step)
	case r.Step > 0:
		return "end, step " + strconv.Itoa(r.Step)
	}
	return "end"
}

// Detail says what the row measures: the quantity, how a qualitative factor was read,
// and the row's note.
func (r Row) Detail() string {
	parts := []string{r.Claim.Quantity}
	if r.Claim.Reading != "" {
		parts = append(parts, r.Claim.Reading)
	}
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	return strings.Join(parts, "; ")
}

// Count returns the number of rows with each verdict.
func (t *Table) Count() map[Verdict]int {
	n := map[Verdict]int{}
	for _, r := range t.Rows {
		n[r.Verdict]++
	}
	return n
}
