package tui

import (
	"math"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/stats"
	"github.com/sipbench/sipbench/summary"
)

// seedRun is a run of SIP and Adam over three seeds, Adam's learning rate lr.
func seedRun(lr string) folder.Info {
	info := folder.Info{Preset: "poisson", Scale: "quick", Metrics: []string{"x_l1", "loss"}, Metric: "x_l1", Reference: "SIP",
		Methods: []string{"SIP", "Adam"}, Seeds: []int{0, 1, 2}, Settings: map[string]string{"lr.Adam": lr, "lr.SIP": "0.001"}}
	for _, seed := range info.Seeds {
		for _, m := range info.Methods {
			info.Jobs = append(info.Jobs, folder.JobInfo{ID: folder.JobID(m, seed), Method: m, Seed: seed, Steps: 1000})
		}
	}
	return info
}

// seedEvents returns the events of seedRun's jobs: x_l1 falls from 1 to a floor that
// differs by seed, Adam's slower (its time constant tau), SIP's to 1e-3.
func seedEvents(n int, tau float64) []runner.Event {
	var evs []runner.Event
	for seed := range 3 {
		f := 1 + 0.4*float64(seed-1) // the seeds spread by ±40 %
		evs = append(evs, metricEvents(folder.JobID("SIP", seed), n, 1, 60, 1e-3*f)...)
		evs = append(evs, metricEvents(folder.JobID("Adam", seed), n-50*seed, 1, tau, 0.02*f)...)
	}
	return evs
}

// seedDashboard returns the dashboard of one seedRun, fed and sized w×h.
func seedDashboard(w, h int, ascii bool) *dashboard {
	d := newDashboard(seedRun("0.001"), Options{RunDir: "runs/poisson-seeds", Getenv: xtermEnv, ASCII: ascii}, nil)
	feed(d, tea.WindowSizeMsg{Width: w, Height: h}, eventsMsg(seedEvents(600, 300)), tickMsg{})
	return d
}

// compareDashboard returns the dashboard of two seedRuns differing in Adam's learning
// rate, fed and sized w×h.
func compareDashboard(w, h int) *dashboard {
	runs := []dashRun{{info: seedRun("0.001"), dir: "runs/a"}, {info: seedRun("0.0001"), dir: "runs/b"}}
	d := newRunsDashboard(runs, Options{Getenv: xtermEnv}, "2 marked runs")
	feed(d, tea.WindowSizeMsg{Width: w, Height: h},
		runEventsOf{run: 0, events: seedEvents(600, 300)}, runEventsOf{run: 1, events: seedEvents(600, 900)}, tickMsg{})
	return d
}

func TestSeedsAndCompareGolden(t *testing.T) {
	cases := []struct {
		name string
		d    func() *dashboard
		keys []string
	}{
		{"seeds_80x24", func() *dashboard { return seedDashboard(80, 24, false) }, nil},
		{"seeds_200x60", func() *dashboard { return seedDashboard(200, 60, false) }, nil},
		{"seeds_80x24_each", func() *dashboard { return seedDashboard(80, 24, false) }, []string{"e"}},
		{"seeds_80x24_ascii", func() *dashboard { return seedDashboard(80, 24, true) }, nil},
		{"compare_80x24", func() *dashboard { return compareDashboard(80, 24) }, nil},
		{"compare_200x60", func() *dashboard { return compareDashboard(200, 60) }, nil},
	}
	for _, c := range cases {
		d := c.d()
		for _, k := range c.keys {
			feed(d, keyMsg(k))
		}
		v := d.View()
		if n := strings.Count(v, "\n") + 1; n != d.h {
			t.Errorf("%s: %d lines; want %d", c.name, n, d.h)
		}
		golden(t, "dashboard_"+c.name, v)
	}
}

// TestSeedRows checks the table's rows of a run over three seeds: a row per method with
// the mean and half the range of the seeds' running means and of their ratios to SIP, as
// runner.SpreadOf gives them; the selection passes over those rows.
func TestSeedRows(t *testing.T) {
	d := seedDashboard(120, 40, false)
	var vs, rs []float64
	for seed := range 3 {
		a := d.store.Job(folder.JobID("Adam", seed))
		s := d.store.Job(folder.JobID("SIP", seed))
		vs = append(vs, a.Smoothed[0])
		rs = append(rs, a.Smoothed[0]/s.Smoothed[0])
	}
	v, r := summary.SpreadOf(vs), stats.RatioOf(rs)
	frame := ansi.Strip(d.View())
	for _, want := range []string{"Adam ×3", "SIP ×3", formatMetric(v.Mean), "±" + formatHalfRange(v), formatRatio(r)} {
		if !strings.Contains(frame, want) {
			t.Errorf("no %q in the table:\n%s", want, frame)
		}
	}
	for range 10 {
		feed(d, keyMsg("down"))
	}
	if r := d.rows[d.table.Selected()]; r.kind != dashJob || d.store.Jobs[r.job].Info.ID != "Adam-seed2" {
		t.Errorf("down ×10 selects row %+v; want the last job, Adam-seed2", r)
	}
}

// TestLineCurve checks the chart's line over seeds against runner.AggregateSeeds: its
// points are the seeds' mean where all of them have reached, its band their min and max.
func TestLineCurve(t *testing.T) {
	d := seedDashboard(120, 40, false)
	l := d.lines[d.lineOf[1]] // Adam's
	c, ok := lineCurve(d.store, l, "x_l1", smoothWindow)
	if !ok || l.Method != "Adam" || c.Name != "Adam ×3" {
		t.Fatalf("Adam's curve: %v %q", ok, c.Name)
	}
	// Seed 2 logged 500 steps, seed 1 550, seed 0 600: the mean stops at 500.
	if last := c.Points[len(c.Points)-1]; last.Step != 500 || last.N != 3 {
		t.Errorf("last point %+v; want step 500 over 3 seeds", last)
	}
	for i, p := range c.Points {
		var lo, hi, sum float64 = math.Inf(1), math.Inf(-1), 0
		for seed := range 3 {
			j := d.store.Job(folder.JobID("Adam", seed))
			v := j.Series[0].Points[p.Step-1].Mean // every step is stored: 600 < the capacity
			lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
		}
		if math.Abs(p.Value-sum/3) > 1e-12 || c.Lo[i] != lo || c.Hi[i] != hi {
			t.Fatalf("step %d: mean %g in [%g, %g]; want %g in [%g, %g]", p.Step, p.Value, c.Lo[i], c.Hi[i], sum/3, lo, hi)
		}
	}
}

// TestCompareLabels checks that compared runs are labelled by the setting in which they
// differ, in the chart's legend and in the table's headings, and that each run's ratios
// are to its own SIP.
func TestCompareLabels(t *testing.T) {
	d := compareDashboard(200, 60)
	frame := ansi.Strip(d.View())
	for _, want := range []string{"Adam lr=0.001 ×3", "Adam lr=0.0001 ×3", "── lr.Adam=0.001 · runs/a", "── lr.Adam=0.0001 · runs/b",
		"compare 2 runs of poisson · 2 marked runs"} {
		if !strings.Contains(frame, want) {
			t.Errorf("no %q in:\n%s", want, frame)
		}
	}
	a := d.store.byID[1]["Adam-seed0"]
	if ref := d.store.Reference(a); ref == nil || ref.Run != 1 {
		t.Errorf("run 1's Adam is compared with %+v; want run 1's SIP", ref)
	}
}

// TestCompareOneRunTitle checks the title of a sweep opened while one of its runs has
// started: the sweep, and the folder of the run shown.
func TestCompareOneRunTitle(t *testing.T) {
	runs := []dashRun{{info: seedRun("0.001"), dir: "runs/s/lr.Adam=0.001"}}
	d := newRunsDashboard(runs, Options{Getenv: xtermEnv}, "sweep s (1 of 2 runs started)")
	feed(d, tea.WindowSizeMsg{Width: 120, Height: 30}, runEventsOf{run: 0, events: seedEvents(100, 300)}, tickMsg{})
	title := ansi.Strip(strings.SplitN(d.View(), "\n", 2)[0])
	want := "sipbench · poisson · scale quick · sweep s (1 of 2 runs started) · runs/s/lr.Adam=0.001"
	if strings.TrimSpace(title) != want {
		t.Errorf("title %q, want %q", title, want)
	}
}

// TestSeedRowsOneSeed: with only seed 0 logged, the summary rows showed "±0" and "1±0"
// (a spread of one value); now "(1 seed)" and the value alone, at 80×24 and 200×60.
func TestSeedRowsOneSeed(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		d := newDashboard(seedRun("0.001"), Options{RunDir: "runs/poisson-seeds", Getenv: xtermEnv}, nil)
		evs := append(metricEvents(folder.JobID("SIP", 0), 300, 1, 60, 1e-3), metricEvents(folder.JobID("Adam", 0), 300, 1, 300, 0.02)...)
		feed(d, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]}, eventsMsg(evs), tickMsg{})
		frame := ansi.Strip(d.View())
		if !strings.Contains(frame, " (1 seed) ") || strings.Contains(frame, "±0 ") || strings.Contains(frame, "1±0") || strings.Contains(frame, "±-") {
			t.Errorf("%dx%d: one seed of three logged:\n%s", sz[0], sz[1], frame)
		}
	}
}
