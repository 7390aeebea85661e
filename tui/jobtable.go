package tui

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/charmbracelet/lipgloss"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// tableView is what the run table shows: the runs' jobs and lines, the metric, and
// whether values are smoothed (the chart's mode).
type tableView struct {
	rows   []dashRow
	lines  []dashLine
	lineOf []int    // each job's line
	metric string   // the metric's name
	window int      // the running mean's window in logged steps (runner.RunningMean), 0 for the latest value
	heads  []string // per run, its heading when runs are compared
	width  int      // of the table: columns are dropped (steps/s, ETA, best) to fit
	hidden []bool   // per line, whether the chart hides it (its swatch is hollow)
}

// jobTable returns the columns and rows of the run table: per job its line's swatch, id,
// status, step/total, progress bar, steps/s, ETA, the current and best value of the
// metric (the running mean when smoothed, as `show` reports it) and the ratio of the
// current value to the reference job's (see store.Reference); per line of several seeds,
// the mean ± half the range over its seeds of the value and of the ratio; per run, when
// runs are compared, a heading.
func jobTable(t *theme, s *store, v tableView) (cols []column, rows []tableRow) {
	cols, onCluster := jobColumns(s, v)
	rows = make([]tableRow, len(v.rows))
	for i, r := range v.rows {
		switch r.kind {
		case dashRunHead:
			rows[i] = tableRow{Span: t.Bold.Render(v.heads[r.run]), Skip: true}
		case dashMethod:
			rows[i] = tableRow{Mark: lineSwatch(t, v, r.line), Cells: lineCells(t, s, v, r.line, onCluster), Skip: true, Pin: true}
		default:
			j := s.Jobs[r.job]
			rows[i] = tableRow{Mark: lineSwatch(t, v, v.lineOf[r.job]), Cells: jobCells(t, s, j, v.metric, v.window, onCluster)}
		}
	}
	return fitColumns(cols, rows, v.width)
}

// jobColumns returns the run table's columns, sized to the ids, step counts and ratios
// they show, with Slurm's view beside the status when a job runs on a cluster
// (onCluster).
func jobColumns(s *store, v tableView) (cols []column, onCluster bool) {
	idw := 6
	for _, j := range s.Jobs {
		idw = max(idw, len([]rune(j.Info.ID)))
	}
	for _, l := range v.lines {
		if len(l.jobs) > 1 {
			idw = max(idw, len([]rune(l.Label))+3)
		}
	}
	idw = min(idw, 18)
	stw := 0
	for _, j := range s.Jobs {
		stw = max(stw, len(fmt.Sprint(j.Info.Steps)))
	}
	stw = 2*stw + 1
	ref := s.Info.Reference
	if ref == "" {
		ref = "SIP"
	}
	ratioW := 7
	for _, r := range v.rows {
		if r.kind == dashMethod {
			_, ratio, _ := seedStats(s, v.lines[r.line], v.metric, v.window)
			ratioW = max(ratioW, 10, len([]rune(formatRatio(ratio)))) // "32.8 [24–37] p=0.031"
		}
	}
	cols = []column{
		{Title: "job", Width: idw},
		{Title: "status", Width: 9},
		{Title: "step", Width: stw, Right: true},
		{Title: "progress", Width: tableMinBar, Bar: true},
		{Title: "steps/s", Width: 8, Right: true},
		{Title: "ETA", Width: 7, Right: true},
		{Title: truncate(v.metric, 9), Width: 9, Right: true},
		{Title: "best", Width: 9, Right: true},
		{Title: "÷" + ref, Width: ratioW, Right: true},
	}
	for _, j := range s.Jobs {
		onCluster = onCluster || j.Cluster.Task != ""
	}
	if onCluster {
		cols = append(cols[:2], append([]column{{Title: "slurm", Width: 22}}, cols[2:]...)...)
	}
	return cols, onCluster
}

// lineSwatch returns the row mark of a line: its swatch in its colour and line style (its
// marker glyph in ASCII or without colour), hollow when the chart hides the line.
func lineSwatch(t *theme, v tableView, line int) string {
	color := v.lines[line].Color
	sw := styleSwatches[lineStyle(color)] + " "
	if t.ASCII || t.Colorless() {
		sw = string(marker(color)) + " "
	}
	if line < len(v.hidden) && v.hidden[line] {
		sw = "□ "
		if t.ASCII || t.Colorless() {
			sw = "- "
		}
		return sw
	}
	if !t.Colorless() {
		sp := t.seriesSpan(color)
		sw = sp.pre + sw + sp.suf
	}
	return sw
}

// lineCells returns the cells of the row of a line over several seeds: its mean step and
// progress, and the mean and spread of the metric and of the ratio over its seeds.
func lineCells(t *theme, s *store, v tableView, line int, onCluster bool) []tableCell {
	l := v.lines[line]
	val, ratio, n := seedStats(s, l, v.metric, v.window)
	var frac float64
	var done int
	for _, ji := range l.jobs {
		j := s.Jobs[ji]
		done += j.Step
		if j.Info.Steps > 0 {
			frac += math.Min(1, float64(j.Step)/float64(j.Info.Steps)) / float64(len(l.jobs))
		}
	}
	cells := []tableCell{
		{Text: fmt.Sprintf("%s ×%d", l.Label, len(l.jobs))},
		{Text: fmt.Sprintf("mean of %d", n), Style: &t.Dim},
		{Text: fmt.Sprintf("%d/%d", done/len(l.jobs), s.Jobs[l.jobs[0]].Info.Steps)},
		{Frac: frac},
		{Text: ""}, {Text: ""},
		{Text: formatMetric(val.Mean)},
		spreadCell(t, val, n),
		{Text: formatRatio(ratio)},
	}
	if onCluster {
		cells = append(cells[:2], append([]tableCell{{}}, cells[2:]...)...)
	}
	return cells
}

// jobCells returns the cells of a job's row.
func jobCells(t *theme, s *store, j *job, metric string, window int, onCluster bool) []tableCell {
	st := j.Status()
	frac := 0.0
	if j.Info.Steps > 0 {
		frac = math.Min(1, math.Max(0, float64(j.Step)/float64(j.Info.Steps)))
	}
	rate, eta := "-", "-"
	if r := j.Rate(); r > 0 && !st.Final() && st != folder.Lost {
		rate = formatSI(r)
	}
	if e, ok := j.ETA(); ok {
		eta = formatDur(e)
	}
	cur, best := j.Value(j.Metric(metric), window)
	ratio := "-"
	if ref := s.Reference(j); ref != nil {
		b, _ := ref.Value(ref.Metric(metric), window)
		if !math.IsNaN(cur) && !math.IsNaN(b) && b > 0 {
			ratio = fmt.Sprintf("%.3g", cur/b)
		}
	}
	cells := []tableCell{
		{Text: j.Info.ID},
		{Text: string(st), Style: statusStyle(t, st)},
		{Text: fmt.Sprintf("%d/%d", j.Step, j.Info.Steps)},
		{Frac: frac},
		{Text: rate}, {Text: eta}, {Text: formatMetric(cur)}, {Text: formatMetric(best)}, {Text: ratio},
	}
	if onCluster {
		var cs *lipgloss.Style
		if j.Cluster.State == cluster.Lost {
			cs = &t.Bad
		}
		cells = append(cells[:2], append([]tableCell{{Text: j.Cluster.Short(), Style: cs}}, cells[2:]...)...)
	}
	return cells
}

// fitColumns drops the columns steps/s, ETA and best, in this order, while the fixed
// columns are wider than w (0: no limit), from the columns and every row's cells.
func fitColumns(cols []column, rows []tableRow, w int) ([]column, []tableRow) {
	width := func() int {
		n := 2 - 1
		for _, c := range cols {
			if !c.flexible() {
				n += 1 + c.Width
			}
		}
		return n
	}
	for _, drop := range []string{"steps/s", "ETA", "best"} {
		if w <= 0 || width() <= w {
			break
		}
		i := slices.IndexFunc(cols, func(c column) bool { return c.Title == drop })
		if i < 0 {
			continue
		}
		cols = slices.Delete(slices.Clone(cols), i, i+1)
		for k := range rows {
			if len(rows[k].Cells) > i {
				rows[k].Cells = slices.Delete(rows[k].Cells, i, i+1)
			}
		}
	}
	return cols, rows
}

// formatHalfRange formats half a spread's range: 2 significant digits, or a whole number
// from 10; "-" for none.
// formatSI formats a positive speed with three significant digits and an SI prefix:
// "153", "2.42k", "15.3k", "1.2M" (it printed "2.42e+03").
func formatSI(v float64) string {
	for _, p := range []struct {
		f float64
		s string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= p.f*0.9995 {
			return strconv.FormatFloat(v/p.f, 'g', 3, 64) + p.s
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// spreadCell is the ± cell of a summary row over n seeds with a value: half their range,
// or "(1 seed)" (dim) for one seed, or empty for none (it showed "±0" and "±-").
func spreadCell(t *theme, s summary.Spread, n int) tableCell {
	switch {
	case n == 1:
		return tableCell{Text: "(1 seed)", Style: &t.Dim}
	case n < 1 || math.IsNaN(s.Mean):
		return tableCell{}
	}
	return tableCell{Text: "±" + formatHalfRange(s)}
}

func formatHalfRange(s summary.Spread) string {
	if math.IsNaN(s.Mean) {
		return "-"
	}
	h := (s.Max - s.Min) / 2
	if h >= 10 {
		return fmt.Sprintf("%.0f", h)
	}
	return fmt.Sprintf("%.2g", h)
}

// statusStyle returns the style of a job state in tables: failures red, done green,
// paused yellow; nil (plain) otherwise.
func statusStyle(t *theme, st folder.State) *lipgloss.Style {
	switch st {
	case folder.Diverged, folder.Failed, folder.Lost:
		return &t.Bad
	case folder.Done:
		return &t.Good
	case folder.Paused:
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
