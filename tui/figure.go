package tui

import (
	"path/filepath"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/figures"
)

// figureMsg reports a figure written by the f and F keys: its path, or why not.
type figureMsg struct {
	path string
	err  error
}

// figure returns the command that draws the chart (fields false: the learning curves of
// the metric shown, with the chart's X axis and smoothing) or the fields pane (the
// preset's own figure) as a PNG into the run folder's figures/ (figures.DefaultPath). It
// draws in a command, so that the dashboard keeps answering meanwhile; the footer says
// where the figure went. With several runs compared, the chart's figure compares them
// too and goes into the first run's folder; the fields are the selected job's run's.
func (d *dashboard) figure(fields bool) tea.Cmd {
	var dirs []string
	for _, r := range d.runs {
		if r.dir != "" {
			dirs = append(dirs, r.dir)
		}
	}
	if len(dirs) != len(d.runs) {
		d.status = "figure: this run has no folder to write into"
		return nil
	}
	dir := dirs[0]
	if fields {
		dir = d.runs[d.store.Jobs[d.Selected()].Run].dir
		dirs = []string{dir}
	}
	o := figures.Options{Kind: figures.Curves}
	name := "" // the chart's file is named after what it shows: curves-METRIC[-wall]-smoothed|raw.png
	if fields {
		kinds, err := figures.DefaultKinds(dir)
		if err != nil {
			d.status = "figure: " + err.Error()
			return nil
		}
		kinds = slices.DeleteFunc(kinds, func(k figures.Kind) bool { return k == figures.Curves || k == figures.Table1 })
		if len(kinds) == 0 {
			d.status = "figure: no fields to draw yet (no snapshot)"
			return nil
		}
		o.Kind = kinds[0]
	} else {
		if ms := d.store.Info.Metrics; d.metric < len(ms) {
			o.Metric = ms[d.metric]
		}
		mode := d.chart.Mode()
		o.Wall = mode.XWall
		name = "curves-" + fileWord(o.Metric)
		if o.Wall {
			name += "-wall"
		}
		if mode.Smooth {
			name += "-smoothed.png"
		} else {
			o.Window = 1
			name += "-raw.png"
		}
	}
	d.status = "figure: drawing " + string(o.Kind) + "…"
	return func() tea.Msg {
		f, err := figures.New(dirs, o)
		if err != nil {
			return figureMsg{err: err}
		}
		path, err := figures.DefaultPath(dir, o.Kind)
		if err != nil {
			return figureMsg{err: err}
		}
		if name != "" {
			path = filepath.Join(filepath.Dir(path), name)
		}
		if err := f.Save(path); err != nil {
			return figureMsg{err: err}
		}
		return figureMsg{path: path}
	}
}

// fileWord is s as a part of a file name: letters, digits, '.', '_' and '-' kept, any
// other character '_' (a metric's name comes from run.json, which is untrusted).
func fileWord(s string) string {
	if s == "" {
		return "metric"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return r
		}
		return '_'
	}, strings.TrimLeft(s, "."))
}
