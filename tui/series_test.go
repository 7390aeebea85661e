package tui

import (
	"fmt"
	"math"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

// lrSweep returns the dashboard of n runs of Adam alone that differ in its learning rate
// (1e-4 × 10^(i/8)), one seed each, as a learning-rate sweep opens, fed and sized w×h.
// Each run's x_l1 falls to a floor that is lowest near lr = 3e-3, so that the final
// value against the rate is a valley (Figure 5 d/e's shape).
func lrSweep(n, w, h int) *dashboard {
	runs := make([]dashRun, n)
	var evs [][]runner.Event
	for i := range n {
		lr := 1e-4 * math.Pow(10, float64(i)/8)
		info := folder.Info{Preset: "poisson", Scale: "quick", Metrics: []string{"x_l1", "loss"}, Metric: "x_l1",
			Methods: []string{"Adam"}, Seeds: []int{0}, Settings: map[string]string{"lr.Adam": fmt.Sprintf("%.3g", lr)}}
		info.Jobs = []folder.JobInfo{{ID: folder.JobID("Adam", 0), Method: "Adam", Seed: 0, Steps: 400}}
		runs[i] = dashRun{info: info, dir: fmt.Sprintf("runs/sweep/lr=%.3g", lr)}
		d := math.Log10(lr) + 2.5
		evs = append(evs, metricEvents(folder.JobID("Adam", 0), 400, 1, 40+float64(i), 0.01*(1+d*d)))
	}
	d := newRunsDashboard(runs, Options{Getenv: xtermEnv}, "sweep runs/sweep")
	feed(d, tea.WindowSizeMsg{Width: w, Height: h})
	for i, e := range evs {
		feed(d, runEventsOf{run: i, events: e})
	}
	feed(d, tickMsg{})
	return d
}

// legendText returns the chart's legend: the lines after its x axis's labels.
func legendText(d *dashboard) string {
	v := ansi.Strip(d.chart.View())
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		if strings.Contains(l, "└") {
			return strings.Join(lines[i+2:], "\n")
		}
	}
	return ""
}

// TestManyLinesLegendPages: a comparison of 24 runs at 120×36 lists every line's entry in
// its legend, over pages that ] turns (it showed 14 of 18 and dropped the rest), and its
// 24 lines take 24 distinct pairs of colour and line style (18 lines shared 7 colours).
func TestManyLinesLegendPages(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} { // the sizes, and its 120×36 below
		golden(t, fmt.Sprintf("dashboard_sweep24_%dx%d", sz[0], sz[1]), lrSweep(24, sz[0], sz[1]).View())
	}
	d := lrSweep(24, 120, 36)
	golden(t, "dashboard_sweep24_120x36", d.View())
	pairs := map[[2]int]string{}
	for _, l := range d.lines {
		p := [2]int{l.Color % len(okabeIto), lineStyle(l.Color)}
		if other, dup := pairs[p]; dup {
			t.Errorf("%s and %s share colour %d and style %d", l.Label, other, p[0], p[1])
		}
		pairs[p] = l.Label
	}
	_, pages := d.chart.LegendPage()
	if pages < 2 {
		t.Fatalf("legend of 24 lines at 120×36: %d page(s); want several", pages)
	}
	seen := map[string]bool{}
	for p := range pages {
		if page, _ := d.chart.LegendPage(); page != p {
			t.Fatalf("legend on page %d; want %d", page, p)
		}
		leg := legendText(d)
		if want := fmt.Sprintf("[%d/%d]", p+1, pages); !strings.Contains(leg, want) {
			t.Errorf("page %d's legend lacks %s:\n%s", p, want, leg)
		}
		for _, l := range d.lines {
			if strings.Contains(leg, l.Label+" ") || strings.HasSuffix(strings.TrimSpace(leg), l.Label) || strings.Contains(leg, l.Label+"\n") {
				seen[l.Label] = true
			}
		}
		feed(d, keyMsg("]"))
	}
	for _, l := range d.lines {
		if !seen[l.Label] {
			t.Errorf("%q on no page of the legend", l.Label)
		}
	}
	if page, _ := d.chart.LegendPage(); page != 0 {
		t.Errorf("] past the last page: page %d; want 0", page)
	}
	// Moving the selection shows its line's page again.
	for range 23 {
		feed(d, keyMsg("down"))
	}
	if page, _ := d.chart.LegendPage(); page != pages-1 {
		t.Errorf("the last line selected: legend page %d; want %d", page, pages-1)
	}
}

// TestLineToggles: space hides the selected job's line (hollow in the legend and the
// table, not drawn), o shows it alone, / filters lines by a regular expression, a shows
// them all again; the selected line is drawn last, on top.
func TestLineToggles(t *testing.T) {
	d := lrSweep(4, 120, 36)
	drawn := func() []string { // the curves drawn, in drawing order
		var out []string
		for _, s := range d.chart.series {
			if !s.Hidden {
				out = append(out, s.Name)
			}
		}
		return out
	}
	labels := make([]string, len(d.lines))
	for i, l := range d.lines {
		labels[i] = l.Label
	}
	if got := drawn(); len(got) != 4 || got[3] != labels[0] {
		t.Fatalf("drawn %q; want 4 lines, the selected %q last", got, labels[0])
	}
	feed(d, keyMsg(" "))
	if got := drawn(); len(got) != 3 || strings.Contains(strings.Join(got, ","), labels[0]+",") {
		t.Errorf("after space: drawn %q; want the 3 others", got)
	}
	if leg := legendText(d); !strings.Contains(leg, "□ "+labels[0]) {
		t.Errorf("a hidden line's legend entry is not hollow:\n%s", leg)
	}
	if tb := ansi.Strip(d.table.View()); !strings.Contains(tb, "□ ") {
		t.Errorf("a hidden line's table swatch is not hollow:\n%s", tb)
	}
	feed(d, keyMsg(" "), keyMsg("down"), keyMsg("o"))
	if got := drawn(); len(got) != 1 || got[0] != labels[1] {
		t.Errorf("after o on the second line: drawn %q; want %q alone", got, labels[1])
	}
	feed(d, keyMsg("o"))
	if got := drawn(); len(got) != 4 || got[3] != labels[1] {
		t.Errorf("after o again: drawn %q; want all 4, the selected %q last", got, labels[1])
	}
	// "/" then a regular expression: the two lines of rate 1e-4 and 1.33e-4.
	feed(d, keyMsg("/"))
	if !d.Typing() || !strings.Contains(ansi.Strip(d.View()), "filter lines: /") {
		t.Fatalf("/ opens no filter line:\n%s", ansi.Strip(d.View()))
	}
	for _, r := range `lr=0\.000(1|133)$` {
		feed(d, keyMsg(string(r)))
	}
	feed(d, tea.KeyMsg{Type: tea.KeyEnter})
	if got := drawn(); len(got) != 2 {
		t.Errorf("filter lr=0\\.000(1|133)$ over %q: drawn %q; want 2", labels, got)
	}
	if v := ansi.Strip(d.View()); !strings.Contains(v, "2 of 4 lines") {
		t.Errorf("the filter does not say what it matched:\n%s", v)
	}
	feed(d, keyMsg("/"), keyMsg("("), tea.KeyMsg{Type: tea.KeyEnter})
	if !d.Typing() || !strings.Contains(ansi.Strip(d.View()), "not a regular expression") {
		t.Errorf("an invalid filter is accepted or silent:\n%s", ansi.Strip(d.View()))
	}
	feed(d, keyMsg("esc"), keyMsg("a"))
	if got := drawn(); len(got) != 4 {
		t.Errorf("after a: drawn %q; want all 4", got)
	}
}

// TestSettingView: g on a learning-rate sweep draws the final metric against the rate
// (Figure 5 d/e in the app), on a log X axis labelled in rates, with the valley's lowest
// point at the rate whose run ends lowest.
func TestSettingView(t *testing.T) {
	d := lrSweep(24, 120, 36)
	feed(d, keyMsg("g"))
	v := ansi.Strip(d.View())
	if !strings.Contains(v, "at the end, vs lr") {
		t.Fatalf("g draws no final value against lr:\n%s", v)
	}
	golden(t, "dashboard_sweep24_setting_120x36", d.View())
	var cs []curve
	for _, s := range d.chart.series {
		if !s.Hidden {
			cs = append(cs, s)
		}
	}
	if len(cs) != 1 || len(cs[0].Points) != 24 {
		t.Fatalf("setting view: %d curves; want 1 of 24 points", len(cs))
	}
	best := cs[0].Points[0]
	for _, p := range cs[0].Points {
		if p.Value < best.Value {
			best = p
		}
	}
	if lr := math.Pow(10, best.Wall); lr < 2e-3 || lr > 5e-3 {
		t.Errorf("the lowest final value at lr %.3g; want near 3.2e-3", lr)
	}
	// One run alone has no setting to vary: g says so.
	one := newDashboard(testRun(), Options{Getenv: xtermEnv}, nil)
	feed(one, tea.WindowSizeMsg{Width: 120, Height: 36}, keyMsg("g"))
	if !strings.Contains(ansi.Strip(one.View()), "differ in no setting") {
		t.Errorf("g on one run:\n%s", ansi.Strip(one.View()))
	}
}
