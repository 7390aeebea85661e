package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
)

// hostileName is a run folder's name that, drawn raw, retitles the terminal (OSC 0),
// clears the screen, writes the clipboard (OSC 52) and sets red with an 8-bit CSI.
const hostileName = "\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]52;c;cHduZWQ=\x07\u009b31mrun"

// noControls fails unless the screen s holds none of the hostile sequences (OSC, BEL,
// a screen clear, a cursor move home, an 8-bit CSI) and, once the app's own styling is
// stripped, is UTF-8 without a control character but newlines.
func noControls(t *testing.T, what, s string) {
	t.Helper()
	for _, seq := range []string{"\x1b]", "\x07", "\x1b[2J", "\x1b[H", "\u009b"} {
		if strings.Contains(s, seq) {
			t.Errorf("%s: %q reaches the screen", what, seq)
		}
	}
	s = ansi.Strip(s)
	if !utf8.ValidString(s) {
		t.Errorf("%s: not UTF-8: %q", what, s)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f {
			t.Errorf("%s: control %U reaches the screen:\n%q", what, r, s)
			return
		}
	}
}

// TestRunsScreenEscapes reproduces issue 26's third defect in the runs screen: a folder's
// name with escape sequences (and a job's status message, a lock's host, a damaged
// run.json's preset) was drawn raw, so that the tmux pane was renamed "pwned". Every such
// string is now shown with its escapes visible.
func TestRunsScreenEscapes(t *testing.T) {
	root := t.TempDir()
	spec, err := mustPreset(t, "exp").Resolve("", []string{"rescaled"}, []string{"steps=5"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, hostileName)
	r, err := runner.Create(spec, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), runner.Options{Workers: 1})
	r.Wait()
	os.WriteFile(filepath.Join(dir, "rescaled-seed0", "status.json"),
		[]byte(`{"state":"cancelled","step":3,"total":5,"wall_s":0.1,"message":"\u001b]0;pwned\u0007 \u009b2J"}`), 0o644)
	bad := filepath.Join(root, "bad\x1b[2J")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "run.json"), []byte(`{"preset":"exp\u001b]0;pwned\u0007","methods":["a\u009b2J"]}`), 0o644)

	th := newTheme(resolveProfile(ColorNever, xtermEnv), false)
	rs := newRunsScreen(th, summary.NewIndex(root), nil)
	rs.loc = time.UTC
	rs.SetSize(200, 40)
	rs.Update(scanNow(rs.Activate()))
	for _, keys := range [][]string{nil, {"down"}, {"up", "R"}, {"d"}} {
		pressRuns(rs, keys...)
		v := rs.View()
		noControls(t, strings.Join(keys, " "), v)
		if !strings.Contains(v, `\x1b]0;pwned\x07`) {
			t.Errorf("%v: the folder's name is not shown escaped:\n%s", keys, v)
		}
		pressRuns(rs, "esc")
	}
}

// TestRunsSweepResumesWhole reproduces issue 26's sixth defect in the runs screen: R on a
// sweep with a combination not started resumed its begun runs only, and the sweep was
// then called finished. A sweep with a combination not started is interrupted, and R
// resumes the sweep folder itself (sipbench resume SWEEP continues every combination).
func TestRunsSweepResumesWhole(t *testing.T) {
	r, resumed := newFixtureRuns(t, 120, 30, false)
	selectRun(t, r, "20250301-080000-sweep-poisson")
	sweep := r.Selected().Dir
	info, err := folder.ReadSweep(sweep)
	if err != nil {
		t.Fatal(err)
	}
	info.Runs = append(info.Runs, folder.SweepRun{Dir: "lr.Adam=1e-5", Values: map[string]string{"lr.Adam": "1e-5"}})
	writeJSONFile(t, filepath.Join(sweep, "sweep.json"), info)
	r.Update(scanNow(r.scan()))
	selectRun(t, r, "20250301-080000-sweep-poisson")
	if s := r.Selected(); s.State != summary.RunInterrupted || !strings.Contains(s.StateText(), "1 of 3 runs not started") {
		t.Fatalf("a sweep with a combination not started: %s (%s)", s.State, s.StateText())
	}
	for _, m := range pressRuns(r, "R") {
		r.Update(m)
	}
	if len(*resumed) != 1 || (*resumed)[0] != sweep {
		t.Errorf("R on the sweep resumed %v; want the sweep folder %s", *resumed, sweep)
	}
}
