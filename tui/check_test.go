package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/view"
)

// checkFixture writes the check folder root/check: a quick check of the poisson claims
// over seeds 0 and 1 whose poisson run has finished (SIP's error falls fastest, Adam's
// and AdaHessian's level off higher), and returns its path relative to root.
func checkFixture(t *testing.T, root string) string {
	t.Helper()
	pl, err := check.NewPlan(check.Quick, []int{0, 1}, []string{"poisson"})
	if err != nil {
		t.Fatal(err)
	}
	pl.Created = fixtureTime.Format(time.RFC3339)
	dir := filepath.Join(root, "check")
	if err := check.Create(dir, pl); err != nil {
		t.Fatal(err)
	}
	job := func(m string, seed int, tau, floor float64) fixtureJob {
		return fixtureJob{m, seed, folder.Done, 100, 100, 1, tau, floor, false}
	}
	writeFixtureRun(t, dir, "poisson", "poisson", fixtureTime, map[string]string{"grid": "32"},
		job("sip", 0, 30, 0.05), job("adam", 0, 60, 0.3), job("sip", 1, 25, 0.05), job("adam", 1, 50, 0.25))
	writeFixtureRun(t, dir, "poisson-2nd", "poisson", fixtureTime, map[string]string{"grid": "32"},
		job("adahessian", 0, 100, 0.6), job("adahessian", 1, 90, 0.5))
	return "check"
}

// TestAppCheckScreen walks from the preset list to the paper check (its last entry), sets
// it up (paper scale, 4 seeds), starts it, sees the claims measured from the folder,
// opens the run behind a row (enter), comes back (esc) and goes to the list (esc).
func TestAppCheckScreen(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	dir := checkFixture(t, root)
	var scale string
	var seeds []int
	start := func(sc string, s []int) (string, error) { scale, seeds = sc, s; return dir, nil }
	stopped := make(chan string, 10)
	app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever, Refresh: 20 * time.Millisecond},
		Checks: check.Viewer(), StartCheck: start, Stop: func(d string) { stopped <- d }, Poll: 20 * time.Millisecond})
	d := newDriver(t, app, 120, 40)
	for range len(app.cfg.Presets) + 2 { // past the last preset: the list stops at the check
		d.keys("j")
	}
	if v := app.View(); !strings.Contains(v, "› paper check") || !strings.Contains(v, "paper check · sipbench check") {
		t.Fatalf("the list's last entry is not the paper check:\n%s", v)
	}
	d.keys("enter")
	d.until("the check's set-up", time.Second, func() bool { return app.screenName() == "check" })
	d.keys("o") // no check folder under runs/ yet
	d.until("o's answer", time.Second, func() bool { return strings.Contains(app.View(), "no check folder in runs yet") })
	d.keys("l", "+", "enter")
	d.until("the check's table", 5*time.Second, func() bool { return app.check.result != nil })
	if scale != check.Paper || !slices.Equal(seeds, []int{0, 1, 2, 3}) {
		t.Errorf("started %q with seeds %v; want paper and 0–3", scale, seeds)
	}
	rows := app.check.result.Rows
	if len(rows) != 4 || rows[0].ID != "fig6b-60" || rows[0].Tone == view.Dim || rows[1].Verdict != "not measured" {
		t.Fatalf("rows %+v; want poisson's 4 claims, the first judged, 5k not measured", rows)
	}
	v := app.View()
	for _, want := range []string{"paper check · quick scale · 2 seeds · check", "Figure 6b", "step 60", "not measured",
		"“its relative performance difference compared to Adam", "runs: check/poisson (enter opens it)"} {
		if !strings.Contains(v, want) {
			t.Errorf("check screen lacks %q:\n%s", want, v)
		}
	}
	d.keys("enter")
	d.until("the dashboard", 5*time.Second, func() bool { return app.screenName() == "dashboard" })
	if app.watch.Dir != filepath.Join(dir, "poisson") {
		t.Errorf("opened %s; want the poisson run", app.watch.Dir)
	}
	if v := app.View(); !strings.Contains(v, "fig6b-60 at step 60") || app.dash.chart.markStep != 60 {
		t.Errorf("the claim's run opens with no mark at its step 60:\n%s", v)
	}
	d.keys("esc")
	d.until("the check again", time.Second, func() bool { return app.screenName() == "check" })
	d.keys("s") // stops every experiment's trainers
	d.until("the stop", time.Second, func() bool { return strings.Contains(app.View(), "asked the check to stop") })
	for _, want := range []string{"poisson", "poisson-2nd"} {
		if got := <-stopped; got != filepath.Join(dir, want) {
			t.Errorf("s stopped %s; want the %s run", got, want)
		}
	}
	d.keys("j", "j") // AdaHessian's claim: its runs and SIP's, in one dashboard
	if app.check.Selected().ID != "fig6b-adahessian" {
		t.Errorf("selected %s after j j", app.check.Selected().ID)
	}
	d.keys("enter")
	d.until("the comparison", 5*time.Second, func() bool { return app.screenName() == "dashboard" })
	if len(app.watches) != 2 {
		t.Errorf("opened %d runs; want poisson and poisson-2nd", len(app.watches))
	}
	d.keys("esc")
	d.until("the check again", time.Second, func() bool { return app.screenName() == "check" })
	d.keys("esc")
	d.until("the list", time.Second, func() bool { return app.screenName() == "list" })
	d.keys("ctrl+c")
	d.until("quit", time.Second, func() bool { return d.quit })
}

// TestCheckScreenGoldens draws the check screen of the fixture folder (what `sipbench
// watch DIR` opens on a check folder) at two sizes, and its set-up.
func TestCheckScreenGoldens(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	dir := checkFixture(t, root)
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 40}} {
		app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever}, Check: dir, Checks: check.Viewer()})
		d := newDriver(t, app, sz.w, sz.h)
		d.until("the table", 5*time.Second, func() bool { return app.check.result != nil })
		golden(t, fmt.Sprintf("check_%dx%d", sz.w, sz.h), app.View())
	}
	c := newCheckScreen(newTheme(resolveProfile(ColorNever, xtermEnv), false), check.Viewer(), nil, nil, "runs", "")
	c.SetSize(80, 24)
	golden(t, "check_setup_80x24", c.View())
}

// TestCheckScreenOpensNewest: o on the set-up opens the newest check folder under the
// runs folder.
func TestCheckScreenOpensNewest(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	checkFixture(t, root)
	c := newCheckScreen(newTheme(resolveProfile(ColorNever, xtermEnv), false), check.Viewer(), nil, nil, root, "")
	_, cmd := c.Update(appKey("o"))
	if c.dir != "" || cmd == nil {
		t.Fatalf("o: folder %q, command %v; want the folders read in a command", c.dir, cmd != nil)
	}
	_, cmd = c.Update(cmd())
	if c.dir != filepath.Join(root, "check") || cmd == nil {
		t.Fatalf("o: folder %q, command %v; want the fixture's check folder read", c.dir, cmd != nil)
	}
	c.Update(cmd())
	if c.result == nil || len(c.result.Rows) != 4 {
		t.Fatalf("o: read %+v", c.result)
	}
}

// TestCheckScreenProvisional: on runs still training, the check screen shows a long
// claim's ratio at the latest step every job has logged, marked provisional, in the table
// and in the selected claim's detail.
func TestCheckScreenProvisional(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	job := func(m string, seed, rows int, tau, floor float64) fixtureJob {
		return fixtureJob{m, seed, folder.Running, rows, 5000, 1, tau, floor, false}
	}
	writeFixtureRun(t, root, "poisson", "poisson", fixtureTime, map[string]string{"grid": "64"},
		job("sip", 0, 2300, 30, 0.05), job("adam", 0, 2400, 60, 0.3), job("sip", 1, 2500, 25, 0.05), job("adam", 1, 2350, 50, 0.25))
	c := newCheckScreen(newTheme(resolveProfile(ColorNever, xtermEnv), false), check.Viewer(), nil, nil, root, "poisson")
	c.SetSize(160, 40)
	c.Update(c.Activate()())
	if c.result == nil {
		t.Fatal("the folder was not read")
	}
	for i := 0; i < 20 && c.Selected() != nil && c.Selected().ID != "fig6b-5k"; i++ {
		c.table.Update(appKey("j"))
	}
	if r := c.Selected(); r == nil || r.ID != "fig6b-5k" || r.Verdict != "provisional" || !strings.HasSuffix(r.Measured, " @2,300") {
		t.Fatalf("selected %+v; want fig6b-5k with a provisional ratio at step 2300", r)
	}
	v := ansi.Strip(c.View())
	for _, want := range []string{"≈5.5× (5–6×) @2,300", " provisional ", "· pending · at step 2,300 of 5,000: 5.5× (5–6×), provisional (not a verdict)", "1 pending"} {
		if !strings.Contains(v, want) {
			t.Errorf("check screen lacks %q:\n%s", want, v)
		}
	}
	golden(t, "check_provisional_160x40", v)
}
