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

	"github.com/sipbench/sipbench/runner"
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
	rs := newRunsScreen(th, runner.NewRunIndex(root), nil)
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
