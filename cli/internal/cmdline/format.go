package cmdline

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipbench/sipbench/sanitize"
)

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// FmtVal formats v with 4 significant digits, "-" for NaN (no value).
func FmtVal(v float64) string {
	if v != v {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// FmtRates formats the rates of methods that rates holds: "adam 0.00316, sgd 0.1".
func FmtRates(methods []string, rates map[string]float64) string {
	var parts []string
	for _, m := range methods {
		if lr, ok := rates[m]; ok {
			parts = append(parts, m+" "+strconv.FormatFloat(lr, 'g', 3, 64))
		}
	}
	return strings.Join(parts, ", ")
}

// FmtOther formats a run's other tuned settings: "; also tuned: momentum.sgd=0.9"; "" for
// none. They come from run.json: escaped for the terminal.
func FmtOther(other map[string]string) string {
	if len(other) == 0 {
		return ""
	}
	keys := slices.Sorted(maps.Keys(other))
	var parts []string
	for _, k := range keys {
		parts = append(parts, sanitize.String(k+"="+other[k]))
	}
	return "; also tuned: " + strings.Join(parts, ", ")
}

// SeedsText is "0–2", "0" or "0, 3".
func SeedsText(s []int) string {
	if len(s) > 1 && s[len(s)-1]-s[0] == len(s)-1 {
		return fmt.Sprintf("%d–%d", s[0], s[len(s)-1])
	}
	var p []string
	for _, x := range s {
		p = append(p, fmt.Sprint(x))
	}
	return strings.Join(p, ", ")
}

// Elapsed is the time since start as m:ss.
func Elapsed(start time.Time) string {
	d := time.Since(start).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// JSONNum returns v for JSON: nil for NaN, ±1e308 for an infinity.
func JSONNum(v float64) *float64 {
	switch {
	case math.IsNaN(v):
		return nil
	case math.IsInf(v, 0):
		v = math.Copysign(1e308, v)
	}
	return &v
}
