package tui

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/cluster/slurmengine"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/slurm"
	"github.com/sipbench/sipbench/summary"
)

// fixtureTime is when the fixture runs start (the first one), in UTC.
var fixtureTime = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// fixtureJob is one job of a fixture run: rows of its metric x_l1 = a·exp(−step/tau) +
// floor, and its status.
type fixtureJob struct {
	method         string
	seed           int
	state          folder.State
	rows, steps    int
	a, tau, floor  float64
	nonFiniteAtEnd bool
}

// writeFixtureRun writes the run folder root/name: run.json (preset, scale, lr settings,
// started at start), and per job config-free folders with metrics.csv and status.json.
func writeFixtureRun(t testing.TB, root, name, preset string, start time.Time, settings map[string]string, jobs ...fixtureJob) string {
	t.Helper()
	dir := filepath.Join(root, name)
	info := folder.Info{Preset: preset, Scale: "quick", Metrics: []string{"x_l1", "loss"}, Metric: "x_l1", Reference: "SIP",
		Settings: settings, Started: start.Format(time.RFC3339), Format: folder.FormatVersion}
	seen := map[string]bool{}
	seeds := map[int]bool{}
	for _, j := range jobs {
		if !seen[j.method] {
			seen[j.method] = true
			info.Methods = append(info.Methods, j.method)
		}
		if !seeds[j.seed] {
			seeds[j.seed] = true
			info.Seeds = append(info.Seeds, j.seed)
		}
		id := folder.JobID(j.method, j.seed)
		info.Jobs = append(info.Jobs, folder.JobInfo{ID: id, Method: j.method, Seed: j.seed, Steps: j.steps, Optimizer: "adam", LR: 1e-3})
		jd := filepath.Join(dir, id)
		if err := os.MkdirAll(jd, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("step,wall_s,x_l1,loss\n")
		for s := 1; s <= j.rows; s++ {
			v := j.a*math.Exp(-float64(s)/j.tau) + j.floor
			v *= 1 + 0.05*math.Sin(float64(s)*0.7+float64(j.seed))
			if j.nonFiniteAtEnd && s == j.rows {
				v = math.NaN()
			}
			fmt.Fprintf(&b, "%d,%.4f,%.8g,%.8g\n", s, float64(s)/20, v, v*v)
		}
		os.WriteFile(filepath.Join(jd, "metrics.csv"), []byte(b.String()), 0o644)
		if j.state != "" {
			st := folder.Status{State: j.state, Step: j.rows, Total: j.steps, Wall: float64(j.rows) / 20,
				Updated: start.Add(time.Duration(j.rows) * 50 * time.Millisecond).Format(time.RFC3339)}
			writeJSONFile(t, filepath.Join(jd, "status.json"), st)
		}
	}
	writeJSONFile(t, filepath.Join(dir, "run.json"), info)
	return dir
}

func writeJSONFile(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runsFixture writes, under root/runs, one run in every state the runs screen tells apart
// (and a sweep and a damaged folder), takes the job locks of the training run (released
// at the end of the test), and returns an index of root/runs whose Slurm is a fake that
// lists the queued run's tasks as pending. The runs are written relative to root, so
// that goldens name them alike on every machine; the caller changes to root.
func runsFixture(t *testing.T, root string) *summary.Index {
	t.Helper()
	runs := filepath.Join(root, "runs")
	at := func(h int) time.Time { return fixtureTime.Add(time.Duration(h) * time.Hour) }
	lr := func(v string) map[string]string { return map[string]string{"lr.Adam": v, "grid": "32"} }
	ok := func(m string, seed int, a, floor float64) fixtureJob {
		return fixtureJob{m, seed, folder.Done, 2000, 2000, a, 300, floor, false}
	}
	writeFixtureRun(t, runs, "20250301-090000-poisson", "poisson", at(0), lr("0.001"),
		ok("SIP", 0, 1, 0.002), ok("Adam", 0, 1, 0.02), ok("SGD", 0, 1, 0.08))
	writeFixtureRun(t, runs, "20250301-100000-poisson", "poisson", at(1), lr("0.001"),
		ok("SIP", 0, 1, 0.002), ok("Adam", 0, 1, 0.02), ok("SIP", 1, 1.1, 0.0025), ok("Adam", 1, 0.9, 0.015),
		ok("SIP", 2, 0.9, 0.0018), ok("Adam", 2, 1.2, 0.025))
	writeFixtureRun(t, runs, "20250301-110000-heat", "heat", at(2), lr("0.001"),
		fixtureJob{"SIP", 0, folder.Cancelled, 800, 2000, 1, 300, 0.01, false},
		fixtureJob{"Adam", 0, folder.Cancelled, 760, 2000, 1, 300, 0.03, false})
	writeFixtureRun(t, runs, "20250301-120000-rotation", "rotation", at(3), lr("0.001"),
		ok("SIP", 0, 1, 0.01), fixtureJob{"Adam", 0, folder.Diverged, 140, 2000, 1, 300, 0.1, true})
	writeFixtureRun(t, runs, "20250301-130000-exp", "exp", at(4), lr("0.001"),
		ok("SIP", 0, 1, 0.01), fixtureJob{"Adam", 0, folder.Failed, 10, 2000, 1, 300, 0.1, false})
	lost := writeFixtureRun(t, runs, "20250301-140000-fluid", "fluid", at(5), lr("0.001"),
		fixtureJob{"SIP", 0, folder.Running, 500, 2000, 1, 300, 0.01, false},
		fixtureJob{"Adam", 0, folder.Running, 480, 2000, 1, 300, 0.05, false})
	training := writeFixtureRun(t, runs, "20250301-150000-poisson", "poisson", at(6), lr("0.0001"),
		fixtureJob{"SIP", 0, folder.Running, 1200, 2000, 1, 300, 0.002, false},
		fixtureJob{"Adam", 0, folder.Running, 1150, 2000, 1, 300, 0.04, false})
	queued := writeFixtureRun(t, runs, "20250301-160000-poisson", "poisson", at(7), lr("0.001"),
		fixtureJob{"SIP", 0, folder.Queued, 0, 2000, 1, 300, 0, false},
		fixtureJob{"Adam", 0, folder.Queued, 0, 2000, 1, 300, 0, false})
	sweep := filepath.Join(runs, "20250301-080000-sweep-poisson")
	writeFixtureRun(t, sweep, "lr.Adam=0.001", "poisson", at(-1), lr("0.001"), ok("SIP", 0, 1, 0.002), ok("Adam", 0, 1, 0.02))
	writeFixtureRun(t, sweep, "lr.Adam=0.0001", "poisson", at(-1).Add(time.Minute), lr("0.0001"), ok("SIP", 0, 1, 0.002), ok("Adam", 0, 1, 0.06))
	writeJSONFile(t, filepath.Join(sweep, "sweep.json"), folder.SweepInfo{Preset: "poisson", Scale: "quick", Keys: []string{"lr.Adam"},
		Methods: []string{"SIP", "Adam"}, Runs: []folder.SweepRun{{Dir: "lr.Adam=0.001", Values: map[string]string{"lr.Adam": "0.001"}},
			{Dir: "lr.Adam=0.0001", Values: map[string]string{"lr.Adam": "0.0001"}}}})
	bad := filepath.Join(runs, "20250301-050000-damaged")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "run.json"), []byte("{\"preset\": "), 0o644)
	os.Chtimes(filepath.Join(bad, "run.json"), at(-4), at(-4))

	// The lost run: its trainer was killed; its lock files name a process that is gone.
	// Both jobs had written a checkpoint (its contents do not matter to the list).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	for _, j := range []string{"SIP-seed0", "Adam-seed0"} {
		writeJSONFile(t, filepath.Join(lost, j, "lock"), folder.LockOwner{PID: cmd.Process.Pid, Host: "box", Started: at(5).Format(time.RFC3339)})
		os.WriteFile(filepath.Join(lost, j, "checkpoint.bin"), []byte("ckpt"), 0o644)
	}
	// The training run: this test process holds its locks, as a live trainer does.
	for _, j := range []string{"SIP-seed0", "Adam-seed0"} {
		l, err := folder.LockJob(training, j, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Release)
	}
	// The queued run: submitted to Slurm, its tasks pending.
	if err := cluster.WriteRecord(queued, &cluster.Record{Array: "4242", Script: slurm.ScriptFile,
		Tasks: []cluster.TaskJob{{Task: 0, Job: "SIP-seed0"}, {Task: 1, Job: "Adam-seed0"}}}); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "squeue"), []byte("#!/bin/sh\necho '4242|0|PENDING|Priority||0|'\necho '4242|1|PENDING|Priority||0|'\n"), 0o755)

	x := summary.NewIndex("runs")
	x.Engine = slurmengine.New(slurm.Client{Bin: bin})
	x.Now = func() time.Time { return at(12) }
	return x
}

// newFixtureRuns changes to a fresh folder holding the fixture runs and returns a runs
// screen of them, sized w×h and loaded.
func newFixtureRuns(t *testing.T, w, h int, ascii bool) (*runsScreen, *[]string) {
	t.Helper()
	return newFixtureRunsTheme(t, w, h, newTheme(resolveProfile(ColorAuto, xtermEnv), ascii))
}

// newFixtureRunsTheme is newFixtureRuns drawn in theme th.
func newFixtureRunsTheme(t *testing.T, w, h int, th *theme) (*runsScreen, *[]string) {
	t.Helper()
	root := t.TempDir()
	t.Chdir(root)
	x := runsFixture(t, root)
	var resumed []string
	r := newRunsScreen(th, x, func(dir string) error { resumed = append(resumed, dir); return nil })
	r.loc = time.UTC
	r.SetSize(w, h)
	r.Update(scanNow(r.Activate()))
	return r, &resumed
}

// scanNow runs a scan command and returns its message.
func scanNow(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

// pressRuns sends keys to the runs screen and returns the messages of the commands they
// return (run at once; ticks are not).
func pressRuns(r *runsScreen, keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		var m tea.KeyMsg
		switch k {
		case "enter":
			m = tea.KeyMsg{Type: tea.KeyEnter}
		case "space":
			m = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		case "backspace":
			m = tea.KeyMsg{Type: tea.KeyBackspace}
		case "home":
			m = tea.KeyMsg{Type: tea.KeyHome}
		default:
			m = keyMsg(k)
		}
		_, cmd := r.Update(m)
		if cmd != nil {
			msg := cmd()
			out = append(out, msg)
			if _, ok := msg.(runsDoneMsg); ok { // the action's end rescans
				_, scan := r.Update(msg)
				r.Update(scanNow(scan))
			}
		}
	}
	return out
}

func TestRunsScreenGolden(t *testing.T) {
	cases := []struct {
		name  string
		w, h  int
		ascii bool
		keys  []string
	}{
		{"80x24", 80, 24, false, nil},
		{"200x60", 200, 60, false, nil},
		{"80x24_lost", 80, 24, false, []string{"down", "down"}},
		{"80x24_ascii_marked", 80, 24, true, []string{"space", "down", "space"}},
		{"80x24_filter", 80, 24, false, []string{"/", "p", "o", "i"}},
		{"80x24_filter_none", 80, 24, false, []string{"/", "z", "z", "z"}},
		{"80x24_delete", 80, 24, false, []string{"down", "down", "down", "down", "down", "d"}},
		{"80x24_help", 80, 24, false, []string{"?"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := newFixtureRuns(t, c.w, c.h, c.ascii)
			pressRuns(r, c.keys...)
			v := r.View()
			if n := strings.Count(v, "\n") + 1; n != c.h {
				t.Errorf("%d lines, want %d", n, c.h)
			}
			for i, l := range strings.Split(v, "\n") {
				if w := ansi.StringWidth(l); w > c.w {
					t.Errorf("line %d is %d cells wide, want ≤ %d", i, w, c.w)
				}
			}
			golden(t, "runs_"+c.name, v)
		})
	}
}

// TestRunsScreenNoColour checks that the selected run shows without colour (NO_COLOR,
// --color=never), where no reverse video can: a pointer beside it, after its mark.
func TestRunsScreenNoColour(t *testing.T) {
	for _, ascii := range []bool{false, true} {
		r, _ := newFixtureRunsTheme(t, 80, 24, newTheme(resolveProfile(ColorNever, xtermEnv), ascii))
		pressRuns(r, "down", "space", "down") // marks the training run, selects the failed one
		v := r.View()
		if ansi.Strip(v) != v {
			t.Fatalf("escapes drawn without colour:\n%q", v)
		}
		if !ascii {
			golden(t, "runs_80x24_nocolor", v)
		}
		want := map[bool][]string{false: {"● 03-01 15:00 poisson", "› 03-01 13:00 exp"}, true: {"* 03-01 15:00 poisson", "> 03-01 13:00 exp"}}[ascii]
		for _, w := range want {
			if !strings.Contains(v, w) {
				t.Errorf("ascii %v: no %q in\n%s", ascii, w, v)
			}
		}
		if n := strings.Count(v, map[bool]string{false: "›", true: ">"}[ascii]); n != 1 {
			t.Errorf("ascii %v: %d pointers, want 1:\n%s", ascii, n, v)
		}
	}
}

// TestRunsScreenStates checks that every state of the fixture is listed, with the
// training run trained by this process and the lost run's owner gone.
func TestRunsScreenStates(t *testing.T) {
	r, _ := newFixtureRuns(t, 200, 60, false)
	got := map[string]string{}
	for _, rs := range r.all {
		got[rs.Name()] = rs.StateText()
	}
	want := map[string]string{
		"20250301-090000-poisson": "finished", "20250301-100000-poisson": "finished", "20250301-110000-heat": "interrupted",
		"20250301-120000-rotation": "diverged 1/2", "20250301-130000-exp": "failed 1/2", "20250301-140000-fluid": "lost 2/2",
		"20250301-150000-poisson": "training", "20250301-160000-poisson": "queued (Slurm)", "20250301-080000-sweep-poisson": "finished",
		"20250301-050000-damaged": "unreadable",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("listed %v", got)
	}
}

// TestRunsScreenKeys checks enter, mark and compare, resume, filter, delete and back.
func TestRunsScreenKeys(t *testing.T) {
	r, resumed := newFixtureRuns(t, 120, 40, false)
	sel := func() string { return r.Selected().Name() }
	if sel() != "20250301-160000-poisson" {
		t.Fatalf("first row %s, want the newest run", sel())
	}
	if m := pressRuns(r, "enter"); len(m) != 1 || m[0] != (openRunMsg{Dir: filepath.Join("runs", "20250301-160000-poisson")}) {
		t.Errorf("enter: %v", m)
	}
	// R on a finished run says why not; on the interrupted one resumes it.
	pressRuns(r, "down", "down", "down", "down", "down", "down", "R")
	if sel() != "20250301-100000-poisson" || !strings.Contains(r.status, "nothing to resume") || len(*resumed) != 0 {
		t.Errorf("R on %s: status %q, resumed %v", sel(), r.status, *resumed)
	}
	pressRuns(r, "up", "R")
	if sel() != "20250301-110000-heat" || len(*resumed) != 1 || (*resumed)[0] != filepath.Join("runs", "20250301-110000-heat") {
		t.Errorf("R on %s: resumed %v, status %q", sel(), *resumed, r.status)
	}
	pressRuns(r, "up", "up", "up", "R") // the lost run resumes too
	if len(*resumed) != 2 || !strings.HasSuffix((*resumed)[1], "fluid") {
		t.Errorf("R on the lost run: resumed %v", *resumed)
	}
	// Space marks and moves down; c compares the marked runs, in the order listed.
	selectRun(t, r, "20250301-100000-poisson")
	pressRuns(r, "space", "space")
	m := pressRuns(r, "c")
	cm, ok := m[0].(compareRunsMsg)
	if !ok || len(cm.Dirs) != 2 || !strings.HasSuffix(cm.Dirs[0], "100000-poisson") || !strings.HasSuffix(cm.Dirs[1], "090000-poisson") {
		t.Errorf("c: %v", m)
	}
	if strings.Contains(cm.Title, "different presets") {
		t.Errorf("c on two poisson runs warns: %q", cm.Title)
	}
	// Runs of different presets: compared, with a warning (there was none).
	pressRuns(r, "space", "space") // unmark
	selectRun(t, r, "20250301-110000-heat")
	pressRuns(r, "space")
	selectRun(t, r, "20250301-100000-poisson")
	pressRuns(r, "space")
	if m := pressRuns(r, "c"); len(m) != 1 || !strings.Contains(m[0].(compareRunsMsg).Title, "different presets (heat, poisson): not comparable") {
		t.Errorf("c on a heat and a poisson run: %v", m)
	}
	// enter on a sweep compares its runs.
	selectRun(t, r, "20250301-080000-sweep-poisson")
	if m := pressRuns(r, "enter"); len(m) != 1 || len(m[0].(compareRunsMsg).Dirs) != 2 {
		t.Errorf("enter on a sweep: %v", m)
	}
	// esc clears the marks, then goes back.
	pressRuns(r, "esc")
	if len(r.marked) != 0 {
		t.Errorf("esc kept marks %v", r.marked)
	}
	if m := pressRuns(r, "esc"); len(m) != 1 || m[0] != (runsBackMsg{}) {
		t.Errorf("esc: %v", m)
	}
	// The filter: typed text narrows the list; esc clears it.
	pressRuns(r, "/", "h", "e", "a", "t", "enter")
	if len(r.shown) != 1 || sel() != "20250301-110000-heat" {
		t.Errorf("filter heat: %d shown, selected %s", len(r.shown), sel())
	}
	pressRuns(r, "/", "backspace", "backspace", "backspace", "backspace", "l", "o", "s", "t", "enter")
	if len(r.shown) != 1 || sel() != "20250301-140000-fluid" {
		t.Errorf("filter lost: %d shown, selected %s", len(r.shown), sel())
	}
	pressRuns(r, "esc")
	if len(r.shown) != len(r.all) {
		t.Errorf("esc: %d of %d shown", len(r.shown), len(r.all))
	}
	// d asks, naming the run; n keeps it; y deletes it; a training run is refused.
	selectRun(t, r, "20250301-130000-exp")
	pressRuns(r, "d")
	if r.confirm == nil || !strings.Contains(ansi.Strip(r.View()), "runs/20250301-130000-exp") {
		t.Fatalf("d: no question naming the run:\n%s", ansi.Strip(r.View()))
	}
	pressRuns(r, "n")
	if _, err := os.Stat(filepath.Join("runs", "20250301-130000-exp")); err != nil {
		t.Errorf("n deleted the run: %v", err)
	}
	pressRuns(r, "d", "y")
	if _, err := os.Stat(filepath.Join("runs", "20250301-130000-exp")); !os.IsNotExist(err) {
		t.Errorf("y kept the run: %v", err)
	}
	if r.find(filepath.Join("runs", "20250301-130000-exp")) != nil || !strings.Contains(r.status, "deleted") {
		t.Errorf("after delete: status %q, still listed", r.status)
	}
	selectRun(t, r, "20250301-150000-poisson")
	pressRuns(r, "d")
	if r.confirm != nil || !strings.Contains(r.status, "is training") {
		t.Errorf("d on a training run: confirm %v, status %q", r.confirm != nil, r.status)
	}
}

// selectRun moves the selection with the arrow keys to the run folder called name.
func selectRun(t *testing.T, r *runsScreen, name string) {
	t.Helper()
	for range len(r.all) {
		pressRuns(r, "up")
	}
	for range len(r.all) {
		if r.Selected() != nil && r.Selected().Name() == name {
			return
		}
		pressRuns(r, "down")
	}
	t.Fatalf("no run %s among the rows shown", name)
}

// TestSparkline checks the trend glyphs: falling values fall, non-finite and
// non-positive values are dropped, and the width is kept.
func TestSparkline(t *testing.T) {
	cases := []struct {
		vals  []float64
		w     int
		ascii bool
		want  string
	}{
		{[]float64{1, 0.1, 0.01, 0.001}, 6, false, "  █▆▃▁"},
		{[]float64{1, math.NaN(), 0.1, math.Inf(1), 0, -1, 0.01}, 4, false, " █▅▁"},
		{[]float64{1, 0.1, 0.01, 0.001}, 4, true, "#=-_"},
		{[]float64{3, 3}, 3, false, " ▅▅"},
		{nil, 3, false, "   "},
		{[]float64{1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125}, 4, false, "█▆▃▁"},
	}
	for i, c := range cases {
		if got := sparklineOf(c.vals, c.w, c.ascii); got != c.want {
			t.Errorf("case %d: %q, want %q", i, got, c.want)
		}
	}
}

// TestRunsSweepHint checks what the runs screen says of a sweep: one sentence on what
// enter does, and, while some of its runs have not started, that the chart shows those
// started, in the hint and the comparison's title.
func TestRunsSweepHint(t *testing.T) {
	r, _ := newFixtureRuns(t, 120, 30, false)
	selectRun(t, r, "20250301-080000-sweep-poisson")
	hint := ansi.Strip(r.hint(r.Selected()))
	if n := strings.Count(hint, "enter"); n != 1 || !strings.Contains(hint, "enter compares its runs in one chart") {
		t.Errorf("finished sweep's hint says enter %d times: %q", n, hint)
	}
	sweep := r.Selected().Dir
	info, err := folder.ReadSweep(sweep)
	if err != nil {
		t.Fatal(err)
	}
	info.Runs = append(info.Runs, folder.SweepRun{Dir: "lr.Adam=1e-5", Values: map[string]string{"lr.Adam": "1e-5"}})
	writeJSONFile(t, filepath.Join(sweep, "sweep.json"), info)
	r.Update(scanNow(r.scan()))
	selectRun(t, r, "20250301-080000-sweep-poisson")
	hint = strings.Join(strings.Fields(ansi.Strip(r.hint(r.Selected()))), " ") // wrapped
	if !strings.Contains(hint, "2 of its 3 runs have started") || strings.Count(hint, "enter") != 1 {
		t.Errorf("hint of a sweep with a run to start: %q", hint)
	}
	m := pressRuns(r, "enter")
	if cm, ok := m[0].(compareRunsMsg); !ok || len(cm.Dirs) != 2 || !strings.HasSuffix(cm.Title, "(2 of 3 runs started)") {
		t.Errorf("enter on a sweep with a run to start: %#v", m)
	}
}

// TestRunsClusterHint checks that the hints of a run on a cluster name its engine, in its
// words: Slurm's for a record that names none or "slurm", another engine's own.
func TestRunsClusterHint(t *testing.T) {
	r, _ := newFixtureRuns(t, 200, 30, false)
	for _, c := range []struct {
		state  summary.State
		engine string
		want   string
	}{
		{summary.RunQueued, "", "Waiting in Slurm's queue: enter opens its dashboard."},
		{summary.RunQueued, "pbs", "Waiting in Pbs's queue: enter opens its dashboard."},
		{summary.RunUnknown, "slurm", "Slurm does not answer (squeue failed), so nobody can say whether its jobs still run"},
		{summary.RunUnknown, "pbs", "Pbs does not answer (pbs failed), so nobody can say whether its jobs still run"},
	} {
		rs := &summary.Status{State: c.state, Cluster: true, Engine: c.engine}
		if got := strings.Join(strings.Fields(ansi.Strip(r.hint(rs))), " "); !strings.HasPrefix(got, c.want) {
			t.Errorf("hint of a %s run on engine %q: %q; want it to begin %q", c.state, c.engine, got, c.want)
		}
	}
}

// TestRunsLostCheckpoints checks what the hint of a lost run says R does: resume from the
// checkpoints, or train again from step 0 the jobs that have none yet (killed before
// their first checkpoint).
func TestRunsLostCheckpoints(t *testing.T) {
	r, _ := newFixtureRuns(t, 200, 30, false)
	selectRun(t, r, "20250301-140000-fluid")
	dir := r.Selected().Dir
	cases := []struct {
		remove []string
		want   string
	}{
		{nil, "R resumes them in the background from their checkpoints."},
		{[]string{"Adam-seed0"}, "R resumes them from their checkpoints, 1 without one from step 0."},
		{[]string{"SIP-seed0"}, "and no checkpoint yet: R trains them again from step 0."},
	}
	for _, c := range cases {
		for _, j := range c.remove {
			if err := os.Remove(filepath.Join(dir, j, "checkpoint.bin")); err != nil {
				t.Fatal(err)
			}
		}
		r.Update(scanNow(r.scan()))
		selectRun(t, r, "20250301-140000-fluid")
		hint := ansi.Strip(r.hint(r.Selected()))
		if !strings.HasSuffix(strings.ReplaceAll(hint, "\n", " "), c.want) {
			t.Errorf("without the checkpoints of %v: %q, want it to end %q", c.remove, hint, c.want)
		}
		// At 80 cells the hint and the run's line fit the detail's 4 lines with the jobs.
		r.SetSize(80, 24)
		if d := strings.Split(ansi.Strip(r.detail()), "\n"); len(d) > r.detailH() || !strings.HasSuffix(strings.TrimSpace(d[len(d)-1]), c.want[len(c.want)-20:]) {
			t.Errorf("without the checkpoints of %v, at 80×24 the detail is cut:\n%s", c.remove, strings.Join(d, "\n"))
		}
		r.SetSize(200, 30)
	}
}

// TestRunsScreenColumns checks which columns each width keeps: at 120 cells the methods
// (the folder, named in the detail, gives way), at 200 both, at 80 neither.
func TestRunsScreenColumns(t *testing.T) {
	for _, c := range []struct {
		w             int
		methods, fold bool
	}{{80, false, false}, {120, true, false}, {200, true, true}} {
		r, _ := newFixtureRuns(t, c.w, 30, false)
		cols, _ := r.tableRows()
		var titles []string
		for _, col := range cols {
			titles = append(titles, col.Title)
		}
		if slices.Contains(titles, "methods") != c.methods || slices.Contains(titles, "folder") != c.fold {
			t.Errorf("%d cells: columns %v; want methods %v, folder %v", c.w, titles, c.methods, c.fold)
		}
		head := ansi.Strip(strings.Split(r.View(), "\n")[1])
		if c.methods && !strings.Contains(ansi.Strip(r.View()), " SIP,Adam ") {
			t.Errorf("%d cells: no methods in the rows under %q", c.w, head)
		}
	}
}

// TestRunsDetailKeepsHint checks that at 80×24 a run with more jobs than the detail's
// lines hold keeps its hint whole: the jobs' line is cut short instead, with an ellipsis.
func TestRunsDetailKeepsHint(t *testing.T) {
	r, _ := newFixtureRuns(t, 80, 24, false)
	selectRun(t, r, "20250301-100000-poisson") // 6 jobs: two lines of them at 80 cells
	d := strings.Split(ansi.Strip(r.detail()), "\n")
	if len(d) != r.detailH() || !strings.HasSuffix(strings.TrimSpace(d[len(d)-1]), "ahead).") || !strings.HasSuffix(d[1], "…") {
		t.Errorf("detail of 6 jobs at 80 cells:\n%s", strings.Join(d, "\n"))
	}
}

// TestRunsScreenNoFolder checks the runs screen of a new user, before any run: no runs
// folder yet is said as no runs yet, with what to do, not as an error to read.
func TestRunsScreenNoFolder(t *testing.T) {
	th := newTheme(resolveProfile(ColorNever, xtermEnv), false)
	r := newRunsScreen(th, summary.NewIndex(filepath.Join(t.TempDir(), "runs")), nil)
	r.SetSize(80, 24)
	r.Update(scanNow(r.Activate()))
	v := r.View()
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "yet: esc shows the presets; choose one to start a run") || strings.Contains(v, "cannot read") {
		t.Errorf("runs screen without a runs folder:\n%s", v)
	}
}

// TestHeadlineOf: the headline fits its column by cutting the method's name, never the
// ratio (a long name such as newton-clipped used to push the ratio out of the cell).
func TestHeadlineOf(t *testing.T) {
	for _, c := range []struct {
		method string
		ratio  float64
		want   string
	}{
		{"adam", 3.124, "adam 3.12"},
		{"newton-clipped", 0.9967, "newt… 0.997"},
		{"adahessian", 12.5, "adahe… 12.5"},
		{"sgd", math.NaN(), "-"},
	} {
		rs := &summary.Status{Headline: summary.Headline{Method: c.method, Ratio: c.ratio}}
		got := headlineOf(rs, 11)
		if got != c.want || ansi.StringWidth(got) > 11 {
			t.Errorf("headlineOf(%s %g) = %q (%d cells); want %q", c.method, c.ratio, got, ansi.StringWidth(got), c.want)
		}
	}
}

// TestRunsStatusExpires: the footer's "resumed … in the background" gives way to the keys
// after a few reads of the folder (it stayed until the next key, long after the run had
// finished).
func TestRunsStatusExpires(t *testing.T) {
	r, _ := newFixtureRuns(t, 120, 40, false)
	selectRun(t, r, "20250301-110000-heat")
	pressRuns(r, "R")
	if !strings.Contains(r.status, "resumed") {
		t.Fatalf("R: status %q; want resumed", r.status)
	}
	all := r.all
	for range statusScans - 1 {
		r.Update(runsScannedMsg{runs: all})
	}
	if !strings.Contains(ansi.Strip(r.View()), "resumed") {
		t.Errorf("the message is gone after %d reads:\n%s", statusScans, ansi.Strip(r.View()))
	}
	r.Update(runsScannedMsg{runs: all})
	if v := ansi.Strip(r.View()); strings.Contains(v, "resumed") {
		t.Errorf("after %d reads the footer still says resumed:\n%s", statusScans+1, v)
	}
}

// TestRunsLogView: l shows the selected run's train.log from its end and, on tab, its
// run.json indented, each line escaped (a folder's bytes never reach the terminal raw);
// esc comes back to the list.
func TestRunsLogView(t *testing.T) {
	r, _ := newFixtureRuns(t, 80, 24, false)
	selectRun(t, r, "20250301-110000-heat")
	var log strings.Builder
	for i := range 40 {
		fmt.Fprintf(&log, "line %d of the trainer\n", i+1)
	}
	log.WriteString("an escape \x1b[31mred\x1b[0m and the end\n")
	if err := os.WriteFile(filepath.Join(r.Selected().Dir, folder.TrainLogFile), []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m := pressRuns(r, "l")
	if len(m) != 1 {
		t.Fatalf("l: %v", m)
	}
	r.Update(m[0])
	v := r.View()
	golden(t, "runs_80x24_log", v)
	if !strings.Contains(v, `an escape \x1b[31mred\x1b[0m and the end`) || strings.Contains(v, "line 1 of") || !strings.Contains(v, "20–41 of 41") {
		t.Errorf("train.log from its end, escaped:\n%s", v)
	}
	pressRuns(r, "home")
	if v := r.View(); !strings.Contains(v, "line 1 of the trainer") {
		t.Errorf("home: the first line not shown:\n%s", v)
	}
	pressRuns(r, "tab")
	if v := r.View(); !strings.Contains(v, `"preset": "heat"`) {
		t.Errorf("tab: run.json not shown, indented:\n%s", v)
	}
	pressRuns(r, "esc")
	if r.log != nil || !strings.Contains(r.View(), "20250301-110000-heat") {
		t.Errorf("esc: still in the log view:\n%s", r.View())
	}
}

// TestRunsSort: o sorts the runs by state (what needs you first), preset, training time
// and headline ratio, the title says by what, the selection stays on its run, and a fifth
// o lists them newest first again.
func TestRunsSort(t *testing.T) {
	r, _ := newFixtureRuns(t, 120, 40, false)
	selectRun(t, r, "20250301-110000-heat")
	listed := slices.Clone(r.shown)
	for k := 1; k < len(runSorts); k++ {
		pressRuns(r, "o")
		if k == 1 {
			golden(t, "runs_120x40_by_state", r.View())
		}
		by := runSorts[k]
		if !strings.Contains(r.title(), "by "+by.name) {
			t.Errorf("o ×%d: title %q lacks 'by %s'", k, r.title(), by.name)
		}
		for i := 1; i < len(r.shown); i++ {
			if by.cmp(&r.all[r.shown[i-1]], &r.all[r.shown[i]]) > 0 {
				t.Errorf("by %s: %s before %s", by.name, r.all[r.shown[i-1]].Name(), r.all[r.shown[i]].Name())
			}
		}
		if r.Selected().Name() != "20250301-110000-heat" {
			t.Errorf("by %s: the selection moved to %s", by.name, r.Selected().Name())
		}
	}
	pressRuns(r, "o")
	if !slices.Equal(r.shown, listed) || strings.Contains(r.title(), " · by ") {
		t.Errorf("the fifth o: order %v, title %q; want the listed order %v", r.shown, r.title(), listed)
	}
}
