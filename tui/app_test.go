package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

// driver runs an App as Bubble Tea would, but in the test's goroutine: Update and View
// run only here, and commands run in goroutines that hand their messages back over a
// channel (so the race detector sees what the real program does).
type driver struct {
	t    *testing.T
	app  *App
	msgs chan tea.Msg
	done chan struct{}
	quit bool
}

func newDriver(t *testing.T, app *App, w, h int) *driver {
	d := &driver{t: t, app: app, msgs: make(chan tea.Msg), done: make(chan struct{})}
	t.Cleanup(func() { close(d.done) })
	d.spawn(app.Init())
	d.handle(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

func (d *driver) spawn(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		if m := cmd(); m != nil {
			select {
			case d.msgs <- m:
			case <-d.done:
			}
		}
	}()
}

func (d *driver) handle(m tea.Msg) {
	switch m := m.(type) {
	case tea.BatchMsg:
		for _, c := range m {
			d.spawn(c)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	}
	_, cmd := d.app.Update(m)
	d.spawn(cmd)
	d.app.View()
}

// keys sends key presses (names as appKey).
func (d *driver) keys(ks ...string) {
	for _, k := range ks {
		d.handle(appKey(k))
	}
}

// until handles messages until cond holds, failing after timeout.
func (d *driver) until(what string, timeout time.Duration, cond func() bool) {
	d.t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case m := <-d.msgs:
			d.handle(m)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s (screen %s)", what, d.app.screenName())
		}
	}
}

func allFinal(a *App) bool {
	if a.dash == nil {
		return false
	}
	for _, j := range a.dash.store.Jobs {
		if !j.State.Final() {
			return false
		}
	}
	return true
}

// TestAppSmoke walks the whole app: list → rotation's set-up → a run trained in
// another goroutine (as the background process would) and read back from its folder
// through a Watch → the dashboard fills → q quits at once since nothing trains.
func TestAppSmoke(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := t.TempDir()
	var wg sync.WaitGroup
	defer wg.Wait()
	start := func(spec *presets.Spec, seeds []int) (string, error) {
		dir := filepath.Join(root, "run")
		r, err := runner.Create(spec, seeds, dir)
		if err != nil {
			return "", err
		}
		r.Start(ctx, runner.Options{Workers: 2, FlushEvery: 20 * time.Millisecond})
		wg.Add(1)
		go func() { defer wg.Done(); r.Wait() }()
		return dir, nil
	}
	app := NewApp(ctx, AppConfig{Options: Options{Color: ColorNever, Refresh: 20 * time.Millisecond}, Start: start, Poll: 20 * time.Millisecond})
	d := newDriver(t, app, 100, 30)
	if app.screenName() != "list" {
		t.Fatalf("starts on %s, want list", app.screenName())
	}
	for app.list.Selected().Name != "rotation" {
		d.keys("j")
	}
	d.keys("enter")
	d.until("the set-up screen", time.Second, func() bool { return app.screenName() == "setup" })
	if p := app.setup.Preset(); p.Name != "rotation" {
		t.Fatalf("set-up of %s, want rotation", p.Name)
	}
	// Two methods (the first two defaults), 40 steps.
	for i := 2; i < len(app.setup.checked); i++ {
		if !app.setup.checked[i] {
			continue
		}
		app.setup.focus = i
		d.keys("space")
	}
	focusKey(t, app.setup, "steps")
	d.keys("backspace", "backspace", "backspace", "backspace", "4", "0", "enter")
	d.until("the dashboard", 5*time.Second, func() bool { return app.screenName() == "dashboard" })
	d.until("every job to finish", 60*time.Second, func() bool { return allFinal(app) })
	jobs := app.dash.store.Jobs
	if len(jobs) != 2 || jobs[0].Step != 40 || jobs[1].Step != 40 {
		t.Fatalf("jobs %d, steps %d and %d; want 2 jobs at step 40", len(jobs), jobs[0].Step, jobs[len(jobs)-1].Step)
	}
	d.until("a redraw", time.Second, func() bool { return strings.Contains(app.View(), "done") })
	d.keys("q")
	d.until("quit", time.Second, func() bool { return d.quit })
	if dirs, o := app.Result(); o != OutcomeFinished || len(dirs) != 1 || dirs[0] != filepath.Join(root, "run") {
		t.Errorf("result %q %v, want the run folder and OutcomeFinished", dirs, o)
	}
}

// queuedRun creates a run folder of rotation whose jobs stay queued (nothing trains
// it) and returns a Watch on it.
func queuedRun(t *testing.T) *runner.Watch {
	t.Helper()
	spec, err := mustPreset(t, "rotation").Resolve("", []string{"sip", "adam"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // a relative folder, as the user types it (and stable goldens)
	dir := filepath.Join("runs", "20260101-000000-rotation")
	if _, err := runner.Create(spec, []int{0}, dir); err != nil {
		t.Fatal(err)
	}
	w, err := runner.OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestAppQuitDialog(t *testing.T) {
	var dialog string // compared after the sub-test, which changes the working directory
	for _, c := range []struct {
		key     string
		want    Outcome
		control bool // each job cancelled, Stop called
	}{
		{"l", OutcomeLeft, false},
		{"ctrl+c", OutcomeLeft, false},
		{"s", OutcomeStopped, true},
	} {
		t.Run(c.key, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := queuedRun(t)
			var stopped []string
			app := NewApp(ctx, AppConfig{Options: Options{Color: ColorNever}, Watch: w, Poll: 10 * time.Millisecond,
				Stop: func(dir string) { stopped = append(stopped, dir) }})
			d := newDriver(t, app, 80, 24)
			d.until("the jobs", time.Second, func() bool {
				return app.dash.store.Jobs[0].State == folder.Queued
			})
			d.keys("q")
			d.until("the dialog", time.Second, func() bool { return app.screenName() == "dashboard+quit" })
			if c.key == "l" {
				dialog = app.View()
				d.keys("esc")
				if app.screenName() != "dashboard" {
					t.Fatalf("esc: screen %s, want dashboard", app.screenName())
				}
				d.keys("ctrl+c") // ctrl+c acts as q
				d.until("the dialog again", time.Second, func() bool { return app.screenName() == "dashboard+quit" })
			}
			d.keys(c.key)
			d.until("quit", 2*time.Second, func() bool { return d.quit })
			if _, o := app.Result(); o != c.want {
				t.Errorf("outcome %v, want %v", o, c.want)
			}
			// Nobody trains the queued run: stopping marks its jobs cancelled rather than
			// leaving control files that a later trainer would obey.
			for _, id := range []string{"sip-seed0", "adam-seed0"} {
				if b, err := os.ReadFile(filepath.Join(w.Dir, id, "control")); err == nil {
					t.Errorf("%s control: %q written, want none", id, b)
				}
				st, err := folder.ReadStatus(w.Dir, id)
				if want := map[bool]folder.State{true: folder.Cancelled, false: folder.Queued}[c.control]; err != nil || st.State != want {
					t.Errorf("%s: status %s (%v), want %s", id, st.State, err, want)
				}
			}
			if c.control != (len(stopped) == 1) {
				t.Errorf("Stop called for %v, want %v", stopped, c.control)
			}
		})
	}
	golden(t, "quit_dialog_80x24", dialog)
}

func TestAppBackFromSetup(t *testing.T) {
	app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever}})
	d := newDriver(t, app, 80, 24)
	d.keys("enter")
	d.until("set-up", time.Second, func() bool { return app.screenName() == "setup" })
	d.keys("esc")
	d.until("list", time.Second, func() bool { return app.screenName() == "list" })
	d.keys("enter")
	d.until("set-up", time.Second, func() bool { return app.screenName() == "setup" })
	d.keys("enter") // no Start: the error is shown on the set-up screen
	d.until("the start error", time.Second, func() bool { return strings.Contains(app.View(), "cannot start runs") })
	d.keys("ctrl+c")
	d.until("quit", time.Second, func() bool { return d.quit })
	if _, o := app.Result(); o != OutcomeNone {
		t.Errorf("outcome %v, want OutcomeNone", o)
	}
}

// TestAppLostJob checks what the dashboard does when no process trains the unfinished jobs
// (their trainer was killed): the jobs show as lost with the command that resumes them,
// p does not send a control that nobody would read, and q quits at once, saying so.
func TestAppLostJob(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := queuedRun(t)
	w.LostAfter = 20 * time.Millisecond
	app := NewApp(ctx, AppConfig{Options: Options{Color: ColorNever}, Watch: w, Poll: 10 * time.Millisecond})
	d := newDriver(t, app, 100, 30)
	d.until("the jobs lost", 5*time.Second, func() bool {
		for _, j := range app.dash.store.Jobs {
			if j.State != folder.Lost {
				return false
			}
		}
		return true
	})
	app.dash.redraw(true)
	if v := app.View(); !strings.Contains(v, "lost") || !strings.Contains(v, "sipbench resume "+w.Dir) {
		t.Errorf("dashboard of lost jobs lacks the state or the resume command:\n%s", v)
	}
	d.keys("p")
	if v := app.View(); !strings.Contains(v, "sip-seed0: its trainer has ended") {
		t.Errorf("p on a lost job: no word of it in the footer:\n%s", v)
	}
	if _, err := os.Stat(filepath.Join(w.Dir, "sip-seed0", "control")); err == nil {
		t.Error("p on a lost job wrote a control file")
	}
	d.keys("q")
	d.until("quit", time.Second, func() bool { return d.quit })
	if _, o := app.Result(); o != OutcomeLost {
		t.Errorf("outcome %v; want OutcomeLost", o)
	}
}

// TestAppRunsScreen walks from the preset list to the runs screen (r), opens a finished
// run's dashboard (enter), goes back to the runs (esc) and to the list (esc).
func TestAppRunsScreen(t *testing.T) {
	app, d := openFromRuns(t, Options{Color: ColorNever, Refresh: 20 * time.Millisecond}, "20250301-090000-poisson")
	d.until("its jobs", 5*time.Second, func() bool { return allFinal(app) && app.dash.store.Jobs[0].Step == 2000 })
	d.until("a redraw", time.Second, func() bool { return strings.Contains(app.View(), "SGD-seed0") })
	d.keys("esc")
	if app.screenName() != "runs" || app.dash != nil || app.runs.Selected().Name() != "20250301-090000-poisson" {
		t.Fatalf("esc on the dashboard: screen %s, selected %s", app.screenName(), app.runs.Selected().Name())
	}
	d.keys("esc")
	d.until("the list", time.Second, func() bool { return app.screenName() == "list" })
	d.keys("ctrl+c")
	d.until("quit", time.Second, func() bool { return d.quit })
}

// TestAppOpensOnRuns checks the app that `sipbench watch` opens when no run trains.
func TestAppOpensOnRuns(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	x := runsFixture(t, root)
	app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever}, Runs: true, Index: x})
	d := newDriver(t, app, 80, 24)
	d.until("the runs", 5*time.Second, func() bool { return app.screenName() == "runs" && app.runs.loaded })
	d.keys("esc")
	d.until("the list", time.Second, func() bool { return app.screenName() == "list" })
	d.keys("r")
	d.until("the runs again", time.Second, func() bool { return app.screenName() == "runs" })
}

// TestAppCompare marks two runs on the runs screen and compares them (c): one dashboard
// follows both folders, its chart labelled by what differs; esc goes back.
func TestAppCompare(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	x := runsFixture(t, root)
	app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever, Refresh: 20 * time.Millisecond}, Runs: true, Index: x, Poll: 20 * time.Millisecond})
	d := newDriver(t, app, 200, 60)
	d.until("the runs", 5*time.Second, func() bool { return app.screenName() == "runs" && app.runs.loaded })
	for app.runs.Selected().Name() != "20250301-100000-poisson" {
		d.keys("j")
	}
	d.keys("space", "space", "c") // marks it and the next, 090000-poisson
	d.until("the comparison", 5*time.Second, func() bool { return app.screenName() == "dashboard" && len(app.dash.runs) == 2 })
	d.until("both runs' jobs", 5*time.Second, func() bool {
		for _, j := range app.dash.store.Jobs {
			if j.Step != 2000 {
				return false
			}
		}
		return true
	})
	app.dash.redraw(true)
	v := app.View()
	for _, want := range []string{"compare 2 runs of poisson", "SGD", "Adam (20250301-100000-poisson) ×3", "── 20250301-090000-poisson · runs/20250301-090000-poisson"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in the comparison:\n%s", want, v)
		}
	}
	d.keys("esc")
	if app.screenName() != "runs" {
		t.Fatalf("esc: %s", app.screenName())
	}
}

// TestAppKeysInOneRead checks keys that arrive in one read, as Bubble Tea v1 reports them
// (one message "jj"): each acts as its own press, on the list and in the runs filter.
func TestAppKeysInOneRead(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	x := runsFixture(t, root)
	app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever}, Index: x})
	d := newDriver(t, app, 80, 24)
	d.handle(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	if app.list.selected != 2 {
		t.Fatalf(`"jj" on the list: preset %d selected, want 2`, app.list.selected)
	}
	d.handle(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("kr")})
	d.until("the runs", 5*time.Second, func() bool { return app.screenName() == "runs" && app.runs.loaded })
	if app.list.selected != 1 {
		t.Errorf(`"kr" on the list: preset %d selected, want 1`, app.list.selected)
	}
	d.keys("/")
	d.handle(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("heat")})
	if got := app.runs.filter.Value(); got != "heat" {
		t.Errorf(`"heat" typed into the filter in one read: %q`, got)
	}
	d.handle(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("qq"), Paste: true})
	if got := app.runs.filter.Value(); got != "heatqq" {
		t.Errorf("a paste into the filter: %q, want heatqq", got)
	}
}

// TestQuitDialogRuns checks the quit dialog of a comparison: every run is named in the
// command that comes back, and those with unfinished jobs in those that continue them.
func TestQuitDialogRuns(t *testing.T) {
	th := newTheme(resolveProfile(ColorNever, xtermEnv), false)
	v := quitDialog{dirs: []string{"runs/a", "runs/b", "runs/c"}, unfinished: []string{"runs/a", "runs/b"}, running: 4, lost: 1}.view(th, newDialogStyle(th), 100)
	if strings.Contains(v, "resume runs/c") {
		t.Errorf("a finished run to resume in\n%s", v)
	}
	for _, want := range []string{"(sipbench watch runs/a runs/b runs/c to come back)",
		"(checkpoints are kept; sipbench resume runs/a, sipbench resume runs/b", "(sipbench resume runs/a, sipbench resume runs/b continue them)"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
}

// TestAppOpensLostRun opens, from the runs screen, a run it lists as lost: the dashboard
// says lost within a poll or two, not after the watch's grace for a trainer that is
// starting (runner.DefaultLostAfter), the jobs shown running until then.
func TestAppOpensLostRun(t *testing.T) {
	app, d := openFromRuns(t, Options{Color: ColorNever}, "20250301-140000-fluid")
	d.until("its jobs lost", runner.DefaultLostAfter/2, func() bool {
		for _, j := range app.dash.store.Jobs {
			if j.State != folder.Lost {
				return false
			}
		}
		return len(app.dash.store.Jobs) > 0
	})
}

// TestAppASCII walks the screens with --ascii: the preset list, a set-up (its
// description holds ∇), the runs, a dashboard of three seeds with its help, and checks
// that every frame is ASCII only, of the window's size.
func TestAppASCII(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	x := runsFixture(t, root)
	app := NewApp(context.Background(), AppConfig{Options: Options{Color: ColorNever, ASCII: true}, Index: x, Poll: 20 * time.Millisecond})
	d := newDriver(t, app, 80, 24)
	check := func(where string) {
		t.Helper()
		v := app.View()
		for i, r := range v {
			if r >= 0x80 {
				t.Fatalf("%s: %q at byte %d is not ASCII:\n%s", where, r, i, v)
			}
		}
		if n := strings.Count(v, "\n") + 1; n != 24 {
			t.Errorf("%s: %d lines", where, n)
		}
	}
	check("the list")
	d.keys("j", "j", "enter")
	d.until("the set-up", time.Second, func() bool { return app.screenName() == "setup" })
	check("poisson's set-up")
	d.keys("esc")
	d.until("the list", time.Second, func() bool { return app.screenName() == "list" })
	d.keys("r")
	d.until("the runs", 5*time.Second, func() bool { return app.screenName() == "runs" && app.runs.loaded })
	check("the runs")
	for app.runs.Selected().Name() != "20250301-100000-poisson" {
		d.keys("j")
	}
	check("the runs, 3 seeds selected")
	d.keys("enter")
	d.until("the dashboard", 5*time.Second, func() bool { return app.screenName() == "dashboard" })
	d.until("its jobs", 5*time.Second, func() bool { return allFinal(app) })
	d.until("a redraw", time.Second, func() bool { return strings.Contains(app.View(), "mean of") })
	check("the dashboard")
	d.keys("?")
	check("the dashboard's help")
}

// openFromRuns starts the app with opts on the runs fixture (runsFixture, in a temporary
// working folder), opens the runs screen (r), selects the run folder name and opens it
// (enter), and returns the app and its driver once the dashboard shows.
func openFromRuns(t *testing.T, opts Options, name string) (*App, *driver) {
	t.Helper()
	root := t.TempDir()
	t.Chdir(root)
	x := runsFixture(t, root)
	app := NewApp(context.Background(), AppConfig{Options: opts, Index: x, Poll: 20 * time.Millisecond})
	d := newDriver(t, app, 100, 30)
	d.keys("r")
	d.until("the runs", 5*time.Second, func() bool { return app.screenName() == "runs" && app.runs.loaded })
	for app.runs.Selected().Name() != name {
		d.keys("j")
	}
	d.keys("enter")
	d.until("the dashboard", 5*time.Second, func() bool { return app.screenName() == "dashboard" })
	return app, d
}

// TestAppQuitAfterClusterLoss: once Slurm has lost a cluster run's jobs (its array
// cancelled, its node gone), q does not ask about jobs still training: nothing trains them.
// It quits at once, saying that jobs are lost.
func TestAppQuitAfterClusterLoss(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := queuedRun(t)
	app := NewApp(ctx, AppConfig{Options: Options{Color: ColorNever}, Watch: w, Poll: 10 * time.Millisecond})
	d := newDriver(t, app, 80, 24)
	d.until("the jobs", time.Second, func() bool { return app.dash.store.Jobs[0].State == folder.Queued })
	for i := range app.dash.store.Jobs {
		app.dash.store.Jobs[i].Cluster = cluster.View{State: cluster.Lost, Reason: "CANCELLED"}
	}
	d.keys("q")
	d.until("quit", 2*time.Second, func() bool { return d.quit })
	if _, o := app.Result(); o != OutcomeLost {
		t.Errorf("outcome %v, want lost", o)
	}
}
