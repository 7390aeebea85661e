package tui

import (
	"fmt"
	"math"

	"github.com/charmbracelet/lipgloss"

	"github.com/sipbench/sipbench/runner"
)

// jobTable returns the columns and rows of the run table: one row per job with method
// swatch, status, step/total, progress bar, steps/s, ETA, current and best value of
// metric, and the ratio of the current value to the reference job's (see
// store.Reference). colors maps a method to its palette index.
func jobTable(t *theme, s *store, metric int, colors map[string]int) ([]column, []tableRow) {
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
	ref := s.Info.Reference
	if ref == "" {
		ref = "SIP"
	}
	cols := []column{
		{Title: "job", Width: idw},
		{Title: "status", Width: 9},
		{Title: "step", Width: stw, Right: true},
		{Title: "progress", Width: tableMinBar, Bar: true},
		{Title: "steps/s", Width: 8, Right: true},
		{Title: "ETA", Width: 7, Right: true},
		{Title: truncate(mname, 9), Width: 9, Right: true},
		{Title: "best", Width: 9, Right: true},
		{Title: "÷" + ref, Width: 7, Right: true},
	}
	cluster := false // a run on a Slurm cluster: Slurm's view beside the status
	for _, j := range s.Jobs {
		cluster = cluster || j.Cluster.Task != ""
	}
	if cluster {
		cols = append(cols[:2], append([]column{{Title: "slurm", Width: 22}}, cols[2:]...)...)
	}
	rows := make([]tableRow, len(s.Jobs))
	for i, j := range s.Jobs {
		sw := "■ "
		if t.ASCII || t.Colorless() {
			sw = string(marker(colors[j.Info.Method])) + " "
		}
		if !t.Colorless() {
			sp := t.seriesSpan(colors[j.Info.Method])
			sw = sp.pre + sw + sp.suf
		}
		st := j.Status()
		stStyle := statusStyle(t, st)
		frac := 0.0
		if j.Info.Steps > 0 {
			frac = math.Min(1, math.Max(0, float64(j.Step)/float64(j.Info.Steps)))
		}
		rate, eta := "-", "-"
		if r := j.Rate(); r > 0 && !st.Final() && st != runner.Lost {
			rate = fmt.Sprintf("%.3g", r)
		}
		if e, ok := j.ETA(); ok {
			eta = formatDur(e)
		}
		cur, best, ratio := "-", "-", "-"
		if metric < len(j.Latest) {
			cur, best = formatMetric(j.Latest[metric]), formatMetric(j.Best[metric])
			if ref := s.Reference(j); ref != nil && metric < len(ref.Latest) {
				a, b := j.Latest[metric], ref.Latest[metric]
				if !math.IsNaN(a) && !math.IsNaN(b) && b > 0 {
					ratio = fmt.Sprintf("%.3g", a/b)
				}
			}
		}
		cells := []tableCell{
			{Text: j.Info.ID},
			{Text: string(st), Style: stStyle},
			{Text: fmt.Sprintf("%d/%d", j.Step, j.Info.Steps)},
			{Frac: frac},
			{Text: rate}, {Text: eta}, {Text: cur}, {Text: best}, {Text: ratio},
		}
		if cluster {
			var cs *lipgloss.Style
			if j.Cluster.State == runner.ClusterLost {
				cs = &t.Bad
			}
			cells = append(cells[:2], append([]tableCell{{Text: j.Cluster.Short(), Style: cs}}, cells[2:]...)...)
		}
		rows[i] = tableRow{Mark: sw, Cells: cells}
	}
	return cols, rows
}

// statusStyle returns the style of a job state in tables: failures red, done green,
// paused yellow; nil (plain) otherwise.
func statusStyle(t *theme, st runner.State) *lipgloss.Style {
	switch st {
	case runner.Diverged, runner.Failed, runner.Lost:
		return &t.Bad
	case runner.Done:
		return &t.Good
	case runner.Paused:
		return &t.Warn
	}
	return nil
}

// formatMetric formats a metric value with 3 significant digits; "-" for NaN (none yet).
func formatMetric(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.3g", v)
}
