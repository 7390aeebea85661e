package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/view"
)

// figureMsg reports a figure written by the f and F keys: its path, or why not.
type figureMsg struct {
	path string
	err  error
}

// figure returns the command that draws the chart (fields false: the learning curves of
// the metric shown, with the chart's X axis and smoothing) or the fields pane (the
// preset's own figure) as a PNG into the run folder's figures/, through the app's
// view.FigureFunc (the command line's is figures.Draw). It draws in a command, so that
// the dashboard keeps answering meanwhile; the footer says where the figure went. With
// several runs compared, the chart's figure compares them too and goes into the first
// run's folder; the fields are the selected job's run's.
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
	if d.draw == nil {
		d.status = "figure: this app cannot draw figures"
		return nil
	}
	f := view.Figure{Dirs: dirs, Fields: fields}
	what := "fields"
	if fields {
		f.Dirs = []string{d.runs[d.store.Jobs[d.Selected()].Run].dir}
	} else {
		// The chart's file is named after what it shows: curves-METRIC[-wall]-smoothed|raw.png.
		if ms := d.store.Info.Metrics; d.metric < len(ms) {
			f.Metric = ms[d.metric]
		}
		mode := d.chart.Mode()
		f.Wall, f.Raw, f.Window = mode.XWall, !mode.Smooth, mode.window()
		f.Name = "curves-" + fileWord(f.Metric)
		if f.Wall {
			f.Name += "-wall"
		}
		switch w := mode.window(); {
		case f.Raw:
			f.Name += "-raw.png"
		case w == smoothWindow:
			f.Name += "-smoothed.png"
		default:
			f.Name += fmt.Sprintf("-mean%d.png", w)
		}
		what = "curves"
	}
	d.status = "figure: drawing " + what + "…"
	draw := d.draw
	return func() tea.Msg {
		path, err := draw(f)
		return figureMsg{path: path, err: err}
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
