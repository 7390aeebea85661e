package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/view"
)

// TestAppTuneView: a tune folder opens on its newest rung, every rate's run compared; once
// the rung is scored its kept points are marked ✓ and the dropped ones drawn faded (in
// the legend too); < shows the rung before, > the newest again, which a new rung then
// replaces as the search goes on; esc leaves the tune folder.
func TestAppTuneView(t *testing.T) {
	t.Chdir(t.TempDir()) // folders relative to it, as the golden shows them
	job := func(m string, floor float64) fixtureJob {
		return fixtureJob{m, 0, folder.Done, 100, 100, 1, 30, floor, false}
	}
	rung := func(r int, lrs ...string) []string {
		var dirs []string
		for i, lr := range lrs {
			dirs = append(dirs, writeFixtureRun(t, filepath.Join("tune", "rung-"+string(rune('0'+r))), "lr="+lr, "poisson", fixtureTime,
				map[string]string{"lr.adam": lr}, job("adam", 0.01*float64(i+1))))
		}
		return dirs
	}
	v := &view.Tune{Preset: "poisson", Metric: "x_l1", Rungs: []view.TuneRung{
		{Rung: 0, Steps: 100, Runs: rung(0, "0.001", "0.01", "0.1"), Kept: map[string]bool{"lr=0.001/adam": true, "lr=0.01/adam": true, "lr=0.1/adam": false}},
		{Rung: 1, Runs: rung(1, "0.001", "0.01")},
	}}
	read := make(chan *view.Tune, 10)
	read <- v
	last := v
	app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever, Refresh: 20 * time.Millisecond}, Tune: "tune",
		Tunes: view.Tunes{Read: func(string) (*view.Tune, error) {
			select {
			case last = <-read:
			default:
			}
			return last, nil
		}}, Poll: 20 * time.Millisecond})
	d := newDriver(t, app, 120, 36)
	d.until("the newest rung", 5*time.Second, func() bool { return app.dash != nil && len(app.watches) == 2 })
	if v := app.View(); !strings.Contains(v, "tune tune · rung 2/2 · training") {
		t.Errorf("the newest rung's title:\n%s", v)
	}
	d.keys("<")
	d.until("the first rung, drawn", 5*time.Second, func() bool {
		return app.dash != nil && len(app.watches) == 3 && strings.Count(app.View(), "100/100") == 3 && !strings.Contains(app.View(), "waiting for")
	})
	v0 := app.View()
	golden(t, "tune_rung_120x36", v0)
	for _, want := range []string{"rung 1/2 (100 steps) · 2 of 3 kept ✓", "adam lr=0.001 ✓", "adam lr=0.01 ✓"} {
		if !strings.Contains(v0, want) {
			t.Errorf("the scored rung lacks %q:\n%s", want, v0)
		}
	}
	faded := 0
	for _, s := range app.dash.chart.series {
		if s.Faded {
			faded++
			if !strings.HasSuffix(s.Name, "lr=0.1") {
				t.Errorf("%s faded; want lr=0.1 alone", s.Name)
			}
		}
	}
	if faded != 1 {
		t.Errorf("%d lines faded; want the dropped lr=0.1", faded)
	}
	// > back to the newest; a third rung starting is then shown by itself.
	d.keys(">")
	d.until("the newest rung again", 5*time.Second, func() bool { return app.dash != nil && len(app.watches) == 2 })
	v2 := *v
	v2.Rungs = append(append([]view.TuneRung(nil), v.Rungs...), view.TuneRung{Rung: 2, Runs: rung(2, "0.01")})
	v2.Rungs[1].Kept = map[string]bool{"lr=0.001/adam": false, "lr=0.01/adam": true}
	read <- &v2
	d.until("the third rung", 5*time.Second, func() bool { return app.dash != nil && len(app.watches) == 1 })
	if v := app.View(); !strings.Contains(v, "rung 3/3") {
		t.Errorf("the new rung's title:\n%s", v)
	}
	d.keys("esc")
	d.until("the runs screen", time.Second, func() bool { return app.screenName() == "runs" })
	if app.tune != nil {
		t.Error("esc: the tune folder is still followed")
	}
}
