package tui

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/figures"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/view"
)

// TestFigureKeys: f writes the chart and F the fields pane as PNGs into the run folder,
// without blocking Update (the drawing is a command), and the footer gives the path.
func TestFigureKeys(t *testing.T) {
	p, _ := presets.Lookup("exp")
	spec, err := p.Resolve("quick", []string{"rescaled", "adam"}, []string{"steps=40", "snapshot_every=10"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	r, err := runner.Create(spec, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), runner.Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	r.Wait()
	// f names the chart's file after what it shows (it wrote curves.png whatever the
	// smoothing): the metric, the X axis and the smoothing.
	m := r.Info.Metric // the metric the chart opens on
	for _, tc := range []struct{ keys, file string }{{"xf", "curves-" + m + "-wall-smoothed.png"}, {"ssf", "curves-" + m + "-raw.png"}, {"sf", "curves-" + m + "-mean256.png"}, {"xF", "scatter.png"}} {
		d := newDashboard(r.Info, Options{RunDir: dir}, nil)
		d.draw = figures.Draw
		feed(d, tea.WindowSizeMsg{Width: 240, Height: 50})
		key := tc.keys[len(tc.keys)-1:]
		for _, k := range tc.keys[:len(tc.keys)-2] {
			feed(d, keyMsg(string(k)))
		}
		// x: the chart against training time; s s: 64 → 256 → no smoothing. x answers at
		// once; the figure comes back as a message.
		msgs := feed(d, keyMsg(tc.keys[len(tc.keys)-2:len(tc.keys)-1]), keyMsg(key))
		if len(msgs) != 1 {
			t.Fatalf("%s: %d messages", key, len(msgs))
		}
		if !strings.Contains(d.View(), "figure: drawing") {
			t.Errorf("%s: the footer does not say that it is drawing", key)
		}
		feed(d, msgs[0])
		want := filepath.Join(dir, "figures", tc.file)
		if !strings.Contains(d.View(), "figure written: "+want) {
			t.Errorf("%s: the footer does not give the path %s:\n%s", key, want, d.View())
		}
		b, err := os.ReadFile(want)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}
	d := newDashboard(r.Info, Options{}, nil)
	if msgs := feed(d, keyMsg("f")); len(msgs) != 0 || !strings.Contains(d.View(), "no folder") {
		t.Errorf("no run folder: %d messages, footer %q", len(msgs), d.View())
	}
}

// TestWithoutInjections: an app given no way to draw figures or to read check folders
// says so on the key that needs it, instead of reaching for the packages itself.
func TestWithoutInjections(t *testing.T) {
	p, _ := presets.Lookup("exp")
	spec, err := p.Resolve("quick", []string{"adam"}, []string{"steps=5"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	r, err := runner.Create(spec, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	d := newDashboard(r.Info, Options{RunDir: dir}, nil) // no draw
	feed(d, tea.WindowSizeMsg{Width: 200, Height: 50})
	if msgs := feed(d, keyMsg("f")); len(msgs) != 0 || !strings.Contains(d.View(), "this app cannot draw figures") {
		t.Errorf("f without a FigureFunc: %d messages, view:\n%s", len(msgs), d.View())
	}
	c := newCheckScreen(newTheme(resolveProfile(ColorNever, xtermEnv), false), view.Checks{}, nil, nil, t.TempDir(), dir)
	c.SetSize(100, 30)
	c.Update(c.Activate()())
	if v := c.View(); !strings.Contains(v, "this app cannot read paper checks") {
		t.Errorf("a check screen without Checks:\n%s", v)
	}
}
