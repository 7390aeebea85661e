package tui

import (
	"fmt"
	"math"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

// recorder is a controller that records the commands it receives.
type recorder struct{ calls []string }

func (r *recorder) Pause(job string)  { r.calls = append(r.calls, "pause "+job) }
func (r *recorder) Resume(job string) { r.calls = append(r.calls, "resume "+job) }
func (r *recorder) Cancel(job string) { r.calls = append(r.calls, "cancel "+job) }

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// feed applies msgs in order, running the commands' messages back in (except ticks).
func feed(d *dashboard, msgs ...tea.Msg) []tea.Msg {
	var out []tea.Msg
	for _, m := range msgs {
		_, cmd := d.Update(m)
		if cmd != nil {
			if _, isKey := m.(tea.KeyMsg); isKey {
				out = append(out, cmd())
			}
		}
	}
	return out
}

// liveDashboard returns a dashboard of SIP, Adam and a diverged SGD with metrics and
// snapshots, sized w×h and refreshed once.
func liveDashboard(w, h int, ctrl controller) *dashboard {
	info := testRun()
	info.Metric = "x_l1"
	d := newDashboard(info, Options{RunDir: "runs/poisson-quick-0001", Getenv: xtermEnv}, ctrl)
	var evs eventsMsg
	evs = append(evs, metricEvents("SIP-seed0", 600, 1, 60, 1e-3)...)
	evs = append(evs, metricEvents("Adam-seed0", 500, 1, 300, 0.02)...)
	evs = append(evs, metricEvents("SGD-seed0", 200, 1, 500, 0.1)...)
	evs = append(evs,
		runner.Event{Job: "SGD-seed0", Kind: runner.EvMetrics, Step: 201, Wall: 2.01, Metrics: []float64{math.NaN(), math.Inf(1)}},
		snapshotEvent("SIP-seed0", 16, 0.01), snapshotEvent("Adam-seed0", 16, 0.3))
	feed(d, tea.WindowSizeMsg{Width: w, Height: h}, evs, tickMsg{}, tickMsg{})
	return d
}

func TestDashboardGolden(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		keys []string
	}{
		{"80x24", 80, 24, nil},
		{"80x24_fields", 80, 24, []string{"tab"}},
		{"80x24_help", 80, 24, []string{"?"}},
		{"200x60", 200, 60, nil},
		{"200x60_linear_time_smooth_loss", 200, 60, []string{"y", "x", "s", "s", "m", "down"}}, // s s: 64 → 256 → off
		{"too_small", 79, 23, nil},
	}
	for _, c := range cases {
		d := liveDashboard(c.w, c.h, nil)
		for _, k := range c.keys {
			feed(d, keyMsg(k))
		}
		feed(d, tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen}) // the heatmaps follow a key on a tick
		v := d.View()
		lines := strings.Split(v, "\n")
		if len(lines) != c.h {
			t.Errorf("%s: %d lines; want %d", c.name, len(lines), c.h)
		}
		golden(t, "dashboard_"+c.name, v)
	}
}

func TestDashboardUpdate(t *testing.T) {
	cases := []struct {
		name      string
		ctrl      bool
		keys      []string
		wantCalls string
		wantSel   int
		wantMsg   string // in the frame
		wantQuit  bool
	}{
		{"pause running SIP", true, []string{"p"}, "pause SIP-seed0", 0, "pause sent to SIP-seed0", false},
		{"cancel Adam", true, []string{"down", "c"}, "cancel Adam-seed0", 1, "cancel sent to Adam-seed0", false},
		{"diverged job refuses", true, []string{"down", "down", "down", "p"}, "", 2, "SGD-seed0 is diverged", false},
		{"no controller", false, []string{"p"}, "", 0, "read-only run", false},
		{"up stops at 0", true, []string{"up", "up"}, "", 0, "", false},
		{"quit", true, []string{"q"}, "", 0, "", true},
		{"help swallows keys", true, []string{"?", "down", "p"}, "", 0, "sipbench dashboard: keys", false},
		{"help closes", true, []string{"?", "esc", "down"}, "", 1, "", false},
	}
	for _, c := range cases {
		rec := &recorder{}
		var ctrl controller
		if c.ctrl {
			ctrl = rec
		}
		d := liveDashboard(100, 30, ctrl)
		var msgs []tea.Msg
		for _, k := range c.keys {
			msgs = append(msgs, keyMsg(k))
		}
		out := feed(d, msgs...)
		quit := false
		for _, m := range out {
			if _, ok := m.(quitRequestMsg); ok {
				quit = true
			}
		}
		if got := strings.Join(rec.calls, ","); got != c.wantCalls {
			t.Errorf("%s: controller calls %q; want %q", c.name, got, c.wantCalls)
		}
		if d.Selected() != c.wantSel || quit != c.wantQuit {
			t.Errorf("%s: selected %d quit %v; want %d %v", c.name, d.Selected(), quit, c.wantSel, c.wantQuit)
		}
		if !strings.Contains(d.View(), c.wantMsg) {
			t.Errorf("%s: frame lacks %q:\n%s", c.name, c.wantMsg, d.View())
		}
	}
}

// TestDashboardRefreshOnTick checks that events are drawn on the next tick, not when
// they arrive, that a stale tick chain is ignored, and that heatmaps wait for their
// slower refresh.
func TestDashboardRefreshOnTick(t *testing.T) {
	d := newDashboard(testRun(), Options{Getenv: xtermEnv}, nil)
	d.Init()
	feed(d, tea.WindowSizeMsg{Width: 200, Height: 60})
	before := d.View()
	feed(d, eventsMsg(metricEvents("SIP-seed0", 50, 1, 10, 0)))
	if d.View() != before {
		t.Fatalf("frame changed on EventsMsg; want the change at the next tick")
	}
	if _, cmd := d.Update(tickMsg{Gen: d.gen + 1}); cmd != nil || d.View() != before {
		t.Errorf("a stale tick redrew or re-armed")
	}
	if _, cmd := d.Update(tickMsg{Gen: d.gen}); cmd == nil {
		t.Errorf("tick did not re-arm")
	}
	if !strings.Contains(d.View(), "50/1000") {
		t.Errorf("frame after tick lacks the step 50/1000")
	}
	// The resize drew the (empty) fields one tick ago, so this tick may draw them.
	feed(d, eventsMsg{snapshotEvent("SIP-seed0", 16, 0.1)}, tickMsg{Gen: d.gen})
	if !strings.Contains(d.View(), "x* SIP s0@100") {
		t.Errorf("heatmaps not drawn %d ticks after the last redraw:\n%s", d.opts.heatEvery(), d.View())
	}
	key := d.heatKey
	feed(d, eventsMsg{snapshotEvent("SIP-seed0", 16, 0.2)}, tickMsg{Gen: d.gen})
	if d.heatKey != key {
		t.Errorf("heatmaps redrawn on the tick after their last redraw; want every %d ticks", d.opts.heatEvery())
	}
	feed(d, tickMsg{Gen: d.gen})
	if d.heatKey == key {
		t.Errorf("new snapshot not drawn after %d ticks", d.opts.heatEvery())
	}
}

func TestDashboardScatter(t *testing.T) {
	info := testRun("SIP", "Adam")
	d := newDashboard(info, Options{Getenv: xtermEnv}, nil)
	truth := folder.Field{Name: "x*", Shape: []int{32}}
	pred := folder.Field{Name: "x", Shape: []int{32}}
	for i := range 32 {
		x := float32(i)/16 - 1
		truth.Data = append(truth.Data, x)
		pred.Data = append(pred.Data, x*x)
	}
	snap := &folder.Snapshot{Fields: []folder.Field{truth, pred}}
	feed(d, tea.WindowSizeMsg{Width: 200, Height: 40}, eventsMsg{{Job: "SIP-seed0", Kind: runner.EvSnapshot, Snapshot: snap}}, tickMsg{}, tickMsg{})
	golden(t, "dashboard_scatter_200x40", d.View())
	if !strings.Contains(d.View(), "x vs x*") {
		t.Errorf("scalar snapshot not drawn as a scatter plot")
	}
}

func TestResolveProfile(t *testing.T) {
	cases := []struct {
		mode ColorMode
		env  map[string]string
		want string
	}{
		{ColorAuto, map[string]string{"TERM": "xterm-256color"}, "ANSI256"},
		{ColorAuto, map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, "Ascii"},
		{ColorAlways, map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, "ANSI256"},
		{ColorAuto, map[string]string{"TERM": "xterm", "COLORTERM": "truecolor"}, "TrueColor"},
		{ColorAuto, map[string]string{"TERM": "screen", "COLORTERM": "truecolor"}, "ANSI256"},
		{ColorAuto, map[string]string{"TERM": "linux"}, "ANSI"},
		{ColorAuto, map[string]string{}, "Ascii"},
		{ColorAlways, map[string]string{}, "ANSI256"},
		{ColorNever, map[string]string{"TERM": "xterm-256color"}, "Ascii"},
		{Color16, map[string]string{}, "ANSI"},
	}
	names := []string{"TrueColor", "ANSI256", "ANSI", "Ascii"}
	for _, c := range cases {
		got := names[resolveProfile(c.mode, func(k string) string { return c.env[k] })]
		if got != c.want {
			t.Errorf("ResolveProfile(%d, %v) = %s; want %s", c.mode, c.env, got, c.want)
		}
	}
	for _, s := range []string{"auto", "always", "never", "none", "truecolor", "256", "16"} {
		if _, err := ParseColorMode(s); err != nil {
			t.Errorf("ParseColorMode(%q): %v", s, err)
		}
	}
	if _, err := ParseColorMode("rainbow"); err == nil {
		t.Errorf("ParseColorMode(rainbow) succeeded")
	}
}

// BenchmarkDashboardFrame measures one full frame (every panel redrawn) with 6 jobs ×
// 10k points and 6 snapshots of 64×64 fields at 200×60 and 256 colours.
func BenchmarkDashboardFrame(b *testing.B) {
	methods := []string{"SIP", "Adam", "SGD", "AdaHessian", "HF", "Supervised"}
	info := testRun(methods...)
	for i := range info.Jobs {
		info.Jobs[i].Steps = 20000
	}
	d := newDashboard(info, Options{Color: Color256}, nil)
	var evs eventsMsg
	for k, m := range methods {
		evs = append(evs, metricEvents(m+"-seed0", 10000, 1, 1000*float64(k+1), 1e-3)...)
		evs = append(evs, snapshotEvent(m+"-seed0", 64, 0.1*float64(k)))
	}
	feed(d, tea.WindowSizeMsg{Width: 200, Height: 60}, evs)
	bytes := 0
	for b.Loop() {
		d.chartKey, d.heatKey = "", "" // force every panel
		d.redraw(true)
		bytes = len(d.View())
	}
	b.ReportMetric(float64(bytes), "bytes/frame")
	if !strings.Contains(d.View(), "Supervised") {
		b.Fatal(fmt.Sprintf("frame lacks a job:\n%s", d.View()))
	}
}

// TestDashboardCluster: a cluster run's table has Slurm's view of each job, and the footer
// gives the command that resumes a selected job that Slurm lost.
func TestDashboardCluster(t *testing.T) {
	d := newDashboard(testRun(), Options{}, nil)
	d.Init()
	feed(d, tea.WindowSizeMsg{Width: 200, Height: 60})
	pending := cluster.View{State: cluster.Pending, Task: "7_1", Reason: "Priority"}
	lost := cluster.View{State: cluster.Lost, Task: "7_0", Resume: "sipbench resume runs/r --job SIP-seed0"}
	feed(d, eventsMsg{
		{Job: "SIP-seed0", Kind: runner.EvCluster, Cluster: &lost},
		{Job: "Adam-seed0", Kind: runner.EvCluster, Cluster: &pending},
	}, tickMsg{Gen: d.gen})
	v := ansi.Strip(d.View())
	for _, want := range []string{"slurm", "pending (Priority)", "SIP-seed0 lost: sipbench resume runs/r --job SIP-seed0"} {
		if !strings.Contains(v, want) {
			t.Errorf("frame lacks %q:\n%s", want, v)
		}
	}
}

// BenchmarkDashboardKey times what a keypress costs the app on the dashboard of 16 jobs
// (4 methods × 4 seeds, 10k logged steps and a 64×64 snapshot each) at 200×60, 256
// colours: Update with the key (↓ or ↑, which moves the selection and so redraws every
// panel: the table, the chart with its seed bands, the fields) and View. Run it while a
// run trains on every core to see the answer under load.
func BenchmarkDashboardKey(b *testing.B) {
	methods := []string{"SIP", "Adam", "SGD", "AdaHessian"}
	info := folder.Info{Preset: "poisson", Scale: "quick", Metrics: []string{"x_l1", "loss"}, Metric: "x_l1", Reference: "SIP", Methods: methods}
	for seed := range 4 {
		for _, m := range methods {
			info.Jobs = append(info.Jobs, folder.JobInfo{ID: folder.JobID(m, seed), Method: m, Seed: seed, Steps: 20000})
		}
	}
	d := newDashboard(info, Options{Color: Color256}, nil)
	var evs eventsMsg
	for seed := range 4 {
		for k, m := range methods {
			id := folder.JobID(m, seed)
			evs = append(evs, metricEvents(id, 10000, 1, 1000*float64(k+1), 1e-3*float64(seed+1))...)
			evs = append(evs, snapshotEvent(id, 64, 0.1*float64(k)))
		}
	}
	feed(d, tea.WindowSizeMsg{Width: 200, Height: 60}, evs, tickMsg{})
	keys := []tea.Msg{keyMsg("down"), keyMsg("up")}
	i := 0
	for b.Loop() {
		d.Update(keys[i%2])
		_ = d.View()
		i++
	}
	if !strings.Contains(d.View(), "AdaHessian ×4") {
		b.Fatalf("frame lacks the seed rows:\n%s", d.View())
	}
}

// TestKeyLeavesHeatmapsToTick checks that a key answers with the table and chart at once
// and leaves the heatmaps (the costly panel) to the next refresh ticks.
func TestKeyLeavesHeatmapsToTick(t *testing.T) {
	d := liveDashboard(200, 60, nil)
	heat, chart := d.heatKey, d.chartKey
	feed(d, keyMsg("down"))
	if d.chartKey == chart || d.heatKey != heat {
		t.Fatalf("after ↓: chart redrawn %v, heatmaps redrawn %v; want the chart only", d.chartKey != chart, d.heatKey != heat)
	}
	feed(d, tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen})
	if d.heatKey == heat {
		t.Error("the heatmaps did not follow the selection within two ticks")
	}
}

// TestTickPausesWhenIdle checks that the refresh tick stops once nothing is left to draw
// (an idle dashboard wakes for nothing) and that events and keys re-arm it.
func TestTickPausesWhenIdle(t *testing.T) {
	d := liveDashboard(120, 40, nil)
	var cmd tea.Cmd
	for i := 0; i < 5; i++ {
		if _, cmd = d.Update(tickMsg{Gen: d.gen}); cmd == nil {
			break
		}
	}
	if cmd != nil || d.ticking {
		t.Fatal("the tick chain runs on with nothing to draw")
	}
	if _, cmd = d.Update(eventsMsg(metricEvents("SIP-seed0", 1, 1, 10, 0))); cmd == nil || !d.ticking {
		t.Error("events did not re-arm the tick")
	}
	before := d.View()
	if d.Update(tickMsg{Gen: d.gen}); d.View() == before {
		t.Error("the tick after events did not draw them")
	}
}

// TestFooterKeys: at 120 columns the footer was cut before p, c and q; at every width
// from 80 it shows help, pause, cancel and quit.
func TestFooterKeys(t *testing.T) {
	for _, w := range []int{80, 100, 120, 160, 200} {
		d := liveDashboard(w, 24, nil)
		lines := strings.Split(ansi.Strip(d.View()), "\n")
		footer := lines[len(lines)-1]
		for _, want := range []string{"? help", "p pause", "c cancel", "q quit"} {
			if !strings.Contains(footer, want) {
				t.Errorf("%d columns: the footer %q lacks %q", w, footer, want)
			}
		}
	}
}

// TestTableScrollHint: a 24-job table at 80×24 showed 4 rows with no hint that more
// exist; now a line counts the rows above and below, at 80×24 and at 200×60.
func TestTableScrollHint(t *testing.T) {
	var methods []string
	for i := range 24 {
		methods = append(methods, fmt.Sprintf("M%02d", i))
	}
	for _, c := range []struct {
		w, h int
		hint bool
	}{{80, 24, true}, {200, 60, true}} {
		d := newDashboard(testRun(methods...), Options{Getenv: xtermEnv}, nil)
		feed(d, tea.WindowSizeMsg{Width: c.w, Height: c.h}, tickMsg{Gen: d.gen})
		v := ansi.Strip(d.View())
		if got := strings.Contains(v, "more (↑/↓ scroll)"); got != c.hint {
			t.Errorf("%dx%d: scroll hint %v, want %v:\n%s", c.w, c.h, got, c.hint, v)
		}
		shown := strings.Count(v, "-seed0 ")
		if want := fmt.Sprintf("↓ %d more", 24-shown); shown == 0 || !strings.Contains(v, want) {
			t.Errorf("%dx%d: want %s below the %d rows shown:\n%s", c.w, c.h, want, shown, v)
		}
		for range 15 {
			feed(d, keyMsg("down"))
		}
		feed(d, tickMsg{Gen: d.gen})
		if v := ansi.Strip(d.View()); c.hint && !strings.Contains(v, "↑ ") {
			t.Errorf("%dx%d: after scrolling, no count of the rows above:\n%s", c.w, c.h, v)
		}
	}
}

// TestSelectedBarNotReversed: the selected row is drawn in reverse video, which turned its
// progress bar's full blocks into the background colour (a black bar); the bar is now
// drawn out of the reverse, at 80×24 (no bar column) and 200×60.
func TestSelectedBarNotReversed(t *testing.T) {
	d := liveDashboard(200, 60, nil)
	v := d.View()
	var sel string
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "SIP-seed0") && strings.Contains(l, "\x1b[7m") {
			sel = l
		}
	}
	if sel == "" {
		t.Fatalf("no selected row in reverse video:\n%q", v)
	}
	i, j := strings.Index(sel, "\x1b[27m"), strings.Index(sel, "█")
	if i < 0 || j < i || strings.LastIndex(sel, "█") > strings.LastIndex(sel, "\x1b[7m") {
		t.Errorf("the selected row's bar is drawn in reverse video: %q", sel)
	}
	d = liveDashboard(80, 24, nil)
	if strings.Contains(d.View(), "\x1b[27m") && !strings.Contains(d.View(), "█") {
		t.Errorf("80x24: a bar's escape without a bar")
	}
}
