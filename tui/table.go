package tui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/sipbench/sipbench/runner"
)

// tableMinBar is the narrowest progress bar drawn; below it the column is left out.
const tableMinBar = 4

// renderTable draws the run table into exactly w×h cells: a header and one row per job
// (a window around the selected one when they do not all fit) with method, status,
// step/total, progress bar, steps/s, ETA, current and best value of metric, and the ratio
// of the current value to the SIP job's (see Store.Reference). colors maps a method to its
// palette index.
func renderTable(t *Theme, s *Store, metric, sel int, colors map[string]int, w, h int) string {
	if h <= 0 || w <= 0 {
		return ""
	}
	idw := 6
	for _, j := range s.Jobs {
		idw = max(idw, len([]rune(j.Info.ID)))
	}
	idw = min(idw, 18)
	stw := 0
	for _, j := range s.Jobs {
		stw = max(stw, len(fmt.Sprint(j.Info.Steps)))
	}
	stw = 2*stw + 1
	mname := ""
	if metric < len(s.Info.Metrics) {
		mname = s.Info.Metrics[metric]
	}
	// 2 (swatch) + id + status 9 + step + rate 8 + eta 7 + cur 9 + best 9 + ratio 7, one
	// space between columns.
	fixed := 2 + idw + 1 + 9 + 1 + stw + 1 + 8 + 1 + 7 + 1 + 9 + 1 + 9 + 1 + 7
	bar := w - fixed - 1
	if bar < tableMinBar {
		bar = 0
	}
	row := func(sw, id, st, step, pb, rate, eta, cur, best, ratio string) string {
		var b strings.Builder
		b.WriteString(sw)
		b.WriteString(padRight(id, idw))
		b.WriteString(" " + padRight(st, 9))
		b.WriteString(" " + padLeft(step, stw))
		if bar > 0 {
			b.WriteString(" " + padRight(pb, bar))
		}
		b.WriteString(" " + padLeft(rate, 8))
		b.WriteString(" " + padLeft(eta, 7))
		b.WriteString(" " + padLeft(cur, 9))
		b.WriteString(" " + padLeft(best, 9))
		b.WriteString(" " + padLeft(ratio, 7))
		return b.String()
	}
	cur := truncate(mname, 9)
	ref := s.Info.Reference
	if ref == "" {
		ref = "SIP"
	}
	var out strings.Builder
	out.WriteString(t.Header.Render(truncate(row("  ", "job", "status", "step", "progress", "steps/s", "ETA", cur, "best", "÷"+ref), w)))

	n := h - 1
	first := 0
	if len(s.Jobs) > n && n > 0 {
		first = min(max(sel-n/2, 0), len(s.Jobs)-n)
	}
	for i := first; i < len(s.Jobs) && i < first+n; i++ {
		j := s.Jobs[i]
		out.WriteByte('\n')
		sw := "■ "
		if t.ASCII || t.Colorless() {
			sw = string(marker(colors[j.Info.Method])) + " "
		}
		var swb strings.Builder
		if t.Colorless() {
			swb.WriteString(sw)
		} else {
			t.seriesSpan(colors[j.Info.Method]).wrap(&swb, sw)
		}
		st := j.Status()
		step := fmt.Sprintf("%d/%d", j.Step, j.Info.Steps)
		pb := progressBar(t, j.Step, j.Info.Steps, bar)
		rate, eta := "-", "-"
		if r := j.Rate(); r > 0 && !st.Final() {
			rate = fmt.Sprintf("%.3g", r)
		}
		if e, ok := j.ETA(); ok {
			eta = formatDur(e)
		}
		curv, bestv, ratio := "-", "-", "-"
		if metric < len(j.Latest) {
			curv, bestv = formatMetric(j.Latest[metric]), formatMetric(j.Best[metric])
			if ref := s.Reference(j); ref != nil && metric < len(ref.Latest) {
				a, b := j.Latest[metric], ref.Latest[metric]
				if !math.IsNaN(a) && !math.IsNaN(b) && b > 0 {
					ratio = fmt.Sprintf("%.3g", a/b)
				}
			}
		}
		text := row("", j.Info.ID, string(st), step, pb, rate, eta, curv, bestv, ratio)
		// Plain text first (so the selection highlight spans it), then colour the status.
		line := truncate(text, w-2)
		switch {
		case i == sel:
			line = t.Selected.Render(line)
		case st == runner.Diverged || st == runner.Failed:
			line = strings.Replace(line, string(st), t.Bad.Render(string(st)), 1)
		case st == runner.Done:
			line = strings.Replace(line, string(st), t.Good.Render(string(st)), 1)
		case st == runner.Paused:
			line = strings.Replace(line, string(st), t.Warn.Render(string(st)), 1)
		}
		out.WriteString(swb.String())
		out.WriteString(line)
	}
	return fitBlock(out.String(), w, h)
}

// progressBar returns a bar of width cells for step of total.
func progressBar(t *Theme, step, total, width int) string {
	if width <= 0 {
		return ""
	}
	f := 0.0
	if total > 0 {
		f = math.Min(1, math.Max(0, float64(step)/float64(total)))
	}
	full := int(math.Round(f * float64(width)))
	on, off := "█", "░"
	if t.ASCII {
		on, off = "#", "-"
	}
	return strings.Repeat(on, full) + strings.Repeat(off, width-full)
}

// formatMetric formats a metric value with 3 significant digits; "-" for NaN (none yet).
func formatMetric(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.3g", v)
}

func padRight(s string, w int) string {
	s = truncate(s, w)
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

func padLeft(s string, w int) string {
	s = truncate(s, w)
	return strings.Repeat(" ", max(0, w-ansi.StringWidth(s))) + s
}
