package tui

import (
	"regexp"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

// seedsDashboard is poisson with two seeds of sip whose snapshots show different examples
// at different steps (a snapshot is example 0 of the batch at its step), at w×h, with the
// fields pane shown.
func seedsDashboard(w, h int) *dashboard {
	info := folder.Info{Preset: "poisson", Scale: "quick", Metrics: []string{"x_l1"}}
	for s := range 2 {
		info.Jobs = append(info.Jobs, folder.JobInfo{ID: "sip-seed" + string(rune('0'+s)), Method: "sip", Seed: s, Steps: 1000})
	}
	d := newDashboard(info, Options{Getenv: xtermEnv}, nil)
	a, b := snapshotEvent("sip-seed0", 16, 0.01), snapshotEvent("sip-seed1", 16, 0.3)
	b.Snapshot.Step = 300
	other := testField("x*", 16, -1, 0.5) // seed 1's example: another x*
	b.Snapshot.Fields[0] = other
	evs := eventsMsg{a, b}
	evs = append(evs, metricEvents("sip-seed0", 100, 1, 60, 1e-3)...)
	evs = append(evs, metricEvents("sip-seed1", 300, 1, 60, 1e-3)...)
	feed(d, tea.WindowSizeMsg{Width: w, Height: h}, evs, tickMsg{Gen: d.gen}, keyMsg("tab"), tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen})
	return d
}

// TestFieldsSeeds: the fields grid showed the selected job's x* and y* beside another
// seed's prediction of another example. Now every tile names its method, seed and step,
// and a job whose x* differs has its own x* beside its prediction.
func TestFieldsSeeds(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		d := seedsDashboard(sz[0], sz[1])
		p := d.fieldsPane().(*fields)
		var titles []string
		for _, tl := range p.tiles {
			titles = append(titles, tl.Title)
		}
		want := []string{"x* sip s0@100", "y* sip s0@100", "x sip s0@100", "x-x* sip s0@100", "x* sip s1@300", "x sip s1@300", "x-x* sip s1@300"}
		if strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Errorf("%dx%d: tiles %q, want %q", sz[0], sz[1], titles, want)
		}
		if p.tiles[4].Field.Data[0] != testField("x*", 16, -1, 0.5).Data[0] {
			t.Errorf("seed 1's x* tile does not show seed 1's example")
		}
		if sz[0] == 200 && !strings.Contains(d.View(), "x* sip s1@300") {
			t.Errorf("200x60: the screen lacks seed 1's own x*:\n%s", d.View())
		}
		feed(d, keyMsg("down"), tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen})
		p = d.fieldsPane().(*fields)
		if got := p.tiles[0].Title; got != "x* sip s1@300" {
			t.Errorf("%dx%d: seed 1 selected: first tile %q, want x* sip s1@300", sz[0], sz[1], got)
		}
	}
}

// TestFieldsChannels: fluid's fields showed channel 0 only, labelled [ch 0/2], with no key
// to switch. Now the tiles name the channel (v_x, v_y of the velocity; m_0, m_T of the
// marker) and v cycles it.
func TestFieldsChannels(t *testing.T) {
	info := folder.Info{Preset: "fluid", Scale: "quick", Metrics: []string{"x_l1"},
		Jobs: []folder.JobInfo{{ID: "sip-seed0", Method: "sip", Steps: 100}}}
	two := func(name string, scale float64) folder.Field {
		a, b := testField(name, 12, scale, 0), testField(name, 12, -scale, 1)
		return folder.Field{Name: name, Shape: []int{2, 12, 12}, Data: append(a.Data, b.Data...)}
	}
	snap := runner.Event{Job: "sip-seed0", Kind: runner.EvSnapshot, Snapshot: &folder.Snapshot{Step: 40,
		Fields: []folder.Field{two("x*", 1), two("y*", 2), two("x", 1.1), two("x-x*", 0.1)}}}
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		d := newDashboard(info, Options{Getenv: xtermEnv}, nil)
		feed(d, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]}, eventsMsg{snap}, keyMsg("tab"), tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen})
		p := d.fieldsPane().(*fields)
		if got := p.tiles[0].Title + "|" + p.tiles[1].Title; got != "x* v_x sip s0@40|y* m_0 sip s0@40" {
			t.Errorf("%dx%d: channel 1: %q", sz[0], sz[1], got)
		}
		first := p.tiles[0].Field.Data[0]
		feed(d, keyMsg("v"), tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen}, tickMsg{Gen: d.gen})
		p = d.fieldsPane().(*fields)
		if got := p.tiles[0].Title + "|" + p.tiles[1].Title; got != "x* v_y sip s0@40|y* m_T sip s0@40" {
			t.Errorf("%dx%d: after v: %q", sz[0], sz[1], got)
		}
		if p.tiles[0].Field.Data[0] == first || len(p.tiles[0].Field.Data) != 144 {
			t.Errorf("after v the tile still shows channel 1")
		}
		if v := d.View(); !regexp.MustCompile(`x\* v_y`).MatchString(v) {
			t.Errorf("%dx%d: the screen lacks the channel's name:\n%s", sz[0], sz[1], v)
		}
		feed(d, keyMsg("v"))
		if d.channel != 0 {
			t.Errorf("v does not cycle back to channel 1")
		}
	}
}

// TestFieldsInvalidSnapshot: a job whose snapshot.json exists but is invalid (the Watch's
// note) is said to have an invalid snapshot, with the reason, escaped, and not "no
// snapshot yet" (issue 26); a valid snapshot afterwards is shown.
func TestFieldsInvalidSnapshot(t *testing.T) {
	info := folder.Info{Preset: "poisson", Scale: "quick", Metrics: []string{"x_l1"},
		Jobs: []folder.JobInfo{{ID: "sip-seed0", Method: "sip", Steps: 100}}}
	d := newDashboard(info, Options{Getenv: xtermEnv}, nil)
	note := runner.Event{Job: "sip-seed0", Kind: runner.EvNote, Message: runner.InvalidSnapshotNote + "field \"x\": shape [3] holds 1 value \x1b]0;pwned\x07"}
	feed(d, tea.WindowSizeMsg{Width: 160, Height: 50}, eventsMsg{note}, tickMsg{Gen: d.gen}, keyMsg("tab"), tickMsg{Gen: d.gen})
	view := d.fieldsPane().View()
	if !strings.Contains(view, "is invalid") || !strings.Contains(view, "holds 1 value") || strings.Contains(view, "no snapshot yet") {
		t.Errorf("fields pane:\n%s\nwant the snapshot said invalid, with why", view)
	}
	if strings.ContainsAny(view, "\x07") || strings.Contains(view, "\x1b]0") {
		t.Errorf("the note reached the screen raw: %q", view)
	}
	feed(d, eventsMsg{snapshotEvent("sip-seed0", 16, 0.01)}, tickMsg{Gen: d.gen})
	if p := d.fieldsPane().(*fields); len(p.tiles) == 0 {
		t.Errorf("a valid snapshot after the invalid one is not shown")
	}
}
