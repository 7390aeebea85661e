package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Axis maths shared by the plot panels: round tick values, their labels, and the layout of
// an x label line. Nothing here draws.

// niceStep returns the smallest step of the form {1,2,5}×10^k that is ≥ raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	e := math.Floor(math.Log10(raw))
	for _, m := range []float64{1, 2, 5, 10} {
		if s := m * math.Pow(10, e); s >= raw*(1-1e-9) {
			return s
		}
	}
	return 10 * math.Pow(10, e)
}

// linTicks returns at most maxN round tick values in [lo, hi] and their step.
func linTicks(lo, hi float64, maxN int) ([]float64, float64) {
	maxN = max(maxN, 2)
	step := niceStep((hi - lo) / float64(maxN-1))
	var out []float64
	for {
		out = out[:0]
		for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
			out = append(out, k*step)
		}
		if len(out) <= maxN {
			return out, step
		}
		step = niceStep(step * 1.01)
	}
}

// logTicks returns at most maxN tick values (real values, not logs) between 10^lo and
// 10^hi, preferring the densest of the mantissa sets 1–9, {1,2,5}, {1,3}, {1}, then every
// k-th decade. When fewer than two such ticks fit (a range under a factor of ~3), it
// falls back to linear ticks in value space. The second result is the step of the linear
// fallback, or 0.
func logTicks(lo, hi float64, maxN int) ([]float64, float64) {
	maxN = max(maxN, 2)
	sets := [][]float64{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}, {1, 3}, {1}}
	collect := func(ms []float64, every int) []float64 {
		var out []float64
		for e := int(math.Floor(lo)) - 1; e <= int(math.Ceil(hi)); e++ {
			if every > 1 && e%every != 0 {
				continue
			}
			for _, m := range ms {
				v := m * math.Pow(10, float64(e))
				if l := math.Log10(v); l >= lo-1e-9 && l <= hi+1e-9 {
					out = append(out, v)
				}
			}
		}
		return out
	}
	fits := false
	for _, ms := range sets {
		t := collect(ms, 1)
		if len(t) > maxN {
			continue
		}
		fits = true
		if len(t) >= 2 {
			return t, 0
		}
		break
	}
	if !fits {
		for every := 2; ; every++ {
			if t := collect([]float64{1}, every); len(t) <= maxN {
				return t, 0
			}
		}
	}
	return linTicks(math.Pow(10, lo), math.Pow(10, hi), maxN)
}

// durTicks returns round wall-clock ticks (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min,
// 1, 2, 6, 12 h …) in [lo, hi].
func durTicks(lo, hi float64, maxN int) []float64 {
	maxN = max(maxN, 2)
	for _, st := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400} {
		var out []float64
		for k := math.Ceil(lo / st); k*st <= hi+1e-9; k++ {
			out = append(out, k*st)
		}
		if len(out) <= maxN {
			return out
		}
	}
	t, _ := linTicks(lo, hi, maxN)
	return t
}

// yTicks returns round ticks for a y range [lo, hi] (log10 values when logY) with at most
// maxN of them: their positions in the same space as lo and hi, and their labels in real
// values.
func yTicks(lo, hi float64, logY bool, maxN int) (pos []float64, labels []string) {
	if logY {
		ticks, step := logTicks(lo, hi, maxN)
		for _, v := range ticks {
			pos = append(pos, math.Log10(v))
			if step > 0 {
				labels = append(labels, formatLin(v, step))
			} else {
				labels = append(labels, formatLog(v))
			}
		}
		return pos, labels
	}
	ticks, step := linTicks(lo, hi, maxN)
	for _, v := range ticks {
		pos = append(pos, v)
		labels = append(labels, formatLin(v, step))
	}
	return pos, labels
}

// xKind says what a chart's x axis counts.
type xKind int

const (
	xSteps  xKind = iota // training steps: 950, 12k
	xWall                // training seconds: 2m30s
	xLinear              // a setting's value, linear
	xLog10               // a setting's value, the positions in log10
)

// xTickLine places round x ticks over [lo, hi] on a plot pw cells wide whose left edge is
// at column lw+1 of the panel (after the y labels and the axis bar). It returns the plot
// columns of the ticks and the label line (plain text, from column 0 of the panel), each
// label centred under its tick and dropped when it would overlap the previous one or run
// past the edge. Labels are step counts (12k), durations (2m30s), or a setting's values
// (linear, or log10 positions labelled in real values).
func xTickLine(lo, hi float64, kind xKind, lw, pw int) (cols []int, labels string) {
	var xt, pos []float64
	var labs []string
	switch kind {
	case xWall:
		xt = durTicks(lo, hi, max(2, pw/10))
	case xLog10:
		pos, labs = yTicks(lo, hi, true, max(2, pw/8))
	case xLinear:
		pos, labs = yTicks(lo, hi, false, max(2, pw/8))
	default:
		xt, _ = linTicks(lo, hi, max(2, pw/10))
	}
	for _, v := range xt {
		pos = append(pos, v)
		if kind == xWall {
			labs = append(labs, formatDur(v))
		} else {
			labs = append(labs, formatCount(v))
		}
	}
	line := []rune(strings.Repeat(" ", pw+lw+1))
	next := 0
	for i, v := range pos {
		col := int((v - lo) / (hi - lo) * float64(pw))
		if col < 0 || col >= pw {
			continue
		}
		cols = append(cols, col)
		l := labs[i]
		start := lw + 1 + col - len(l)/2
		start = max(start, next)
		if start+len(l) > len(line) {
			continue
		}
		copy(line[start:], []rune(l))
		next = start + len(l) + 1
	}
	return cols, string(line)
}

// endLabels returns a label line with lo at the plot's left edge (column lw+1) and hi at
// its right edge, for plots labelled by their range only.
func endLabels(lo, hi string, lw, pw int) string {
	gap := max(1, pw-len([]rune(lo))-len([]rune(hi)))
	return strings.Repeat(" ", lw+1) + lo + strings.Repeat(" ", gap) + hi
}

// formatLog formats a log-axis tick with one significant digit: plainly between 0.01 and
// 9999 ("0.03", "2", "500"), otherwise as "3e-5" or "1e6".
func formatLog(v float64) string {
	if v <= 0 {
		return "0"
	}
	e := math.Floor(math.Log10(v) + 1e-9)
	m := math.Round(v / math.Pow(10, e))
	if m >= 10 {
		m, e = 1, e+1
	}
	if e >= -2 && e <= 3 {
		return strconv.FormatFloat(m*math.Pow(10, e), 'f', int(max(0, -e)), 64)
	}
	return fmt.Sprintf("%de%d", int(m), int(e))
}

// formatLin formats a linear tick whose spacing is step.
func formatLin(v, step float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e5 || a < 1e-4 {
		d := max(0, int(math.Ceil(math.Log10(a)-math.Log10(step)))-1)
		return strconv.FormatFloat(v, 'e', min(d, 3), 64)
	}
	d := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	return strconv.FormatFloat(v, 'f', d, 64)
}

// formatCount formats a step count compactly: 950, 12k, 1.5M.
func formatCount(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatDur formats seconds compactly: 45s, 2m30s, 1h05m.
func formatDur(s float64) string {
	if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return "-"
	}
	t := int(math.Round(s))
	switch {
	case t < 60:
		return fmt.Sprintf("%ds", t)
	case t < 3600:
		if t%60 == 0 {
			return fmt.Sprintf("%dm", t/60)
		}
		return fmt.Sprintf("%dm%02ds", t/60, t%60)
	}
	return fmt.Sprintf("%dh%02dm", t/3600, (t%3600)/60)
}

// formatValue formats a range label (colour bars, plot ends) with 3 significant digits.
func formatValue(v float64) string { return fmt.Sprintf("%.3g", v) }

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
