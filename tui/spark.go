package tui

import (
	"math"
	"strings"

	"github.com/NimbleMarkets/ntcharts/sparkline"
)

// sparkRamp is the ASCII sparkline's glyphs, lowest first.
const sparkRamp = "_.-~=*#"

// sparkline returns a one-line trend of vals, w cells wide, on a log scale (metrics are
// losses and errors spanning decades): the lowest value is the lowest bar, the highest the
// full cell. It is drawn by ntcharts' sparkline (column glyphs ▁▂▃…█), or with an ASCII
// ramp in ASCII mode, and carries no escape codes (the caller styles it). Non-finite and
// non-positive values are dropped before drawing: ntcharts must never see NaN or ±Inf
// (terminal-ui.md §3.8). With more values than cells, neighbours are averaged in log
// space; with fewer, the trend is right-aligned.
func sparklineOf(vals []float64, w int, ascii bool) string {
	if w <= 0 {
		return ""
	}
	var logs []float64
	for _, v := range vals {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			logs = append(logs, math.Log10(v))
		}
	}
	if len(logs) == 0 {
		return strings.Repeat(" ", w)
	}
	if len(logs) > w { // average into w buckets
		b := make([]float64, w)
		for i := range w {
			lo, hi := i*len(logs)/w, (i+1)*len(logs)/w
			var s float64
			for _, x := range logs[lo:hi] {
				s += x
			}
			b[i] = s / float64(hi-lo)
		}
		logs = b
	}
	lo, hi := logs[0], logs[0]
	for _, x := range logs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	// Heights in (0, 1]: the lowest value one eighth of a cell, so that it still shows.
	heights := make([]float64, len(logs))
	for i, x := range logs {
		f := 0.5
		if hi > lo {
			f = (x - lo) / (hi - lo)
		}
		heights[i] = 0.125 + 0.875*f
	}
	if ascii {
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", w-len(heights)))
		for _, h := range heights {
			k := min(int(h*float64(len(sparkRamp))), len(sparkRamp)-1)
			b.WriteByte(sparkRamp[k])
		}
		return b.String()
	}
	sl := sparkline.New(w, 1, sparkline.WithMaxValue(1), sparkline.WithNoAutoMaxValue())
	sl.PushAll(heights)
	sl.Draw()
	return sl.View()
}
