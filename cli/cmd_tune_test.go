package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/tune"
)

// TestTuneThenRunTuned tunes two methods of rotation over two rates (two rungs) for a few
// steps, then trains at the tuned rates: run.json records them as tuned, and show says so.
func TestTuneThenRunTuned(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "tune")
	code, out, errOut := capture(t, "tune", "rotation", "--methods", "sip,adam", "--lr", "1e-3:1e-2", "--per-decade", "1",
		"--steps", "8", "--validation", "16", "--set", "batch=8", "--out", dir)
	if code != 0 || !strings.Contains(out, "TUNED LR") || !strings.Contains(out, "budget: 6 jobs") {
		t.Fatalf("tune: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	rec, err := tune.Read(dir)
	if err != nil || !rec.Done || len(rec.Best) != 2 || len(rec.Rungs) != 2 {
		t.Fatalf("tuned.json: %v, %+v", err, rec)
	}
	run := filepath.Join(root, "run")
	if code, _, errOut := capture(t, "run", "rotation", "--methods", "sip,adam", "--tuned", dir, "--steps", "4", "--headless", "--out", run); code != 0 {
		t.Fatalf("run --tuned: exit %d: %s", code, errOut)
	}
	info, err := runner.ReadRunInfo(run)
	if err != nil || info.Tuned == nil || info.Tuned.Rates["adam"] != rec.Best[1].LR {
		t.Fatalf("run.json: %v, tuned %+v; want adam at %v", err, info.Tuned, rec.Best[1].LR)
	}
	for _, b := range rec.Best {
		if got := info.Settings["lr."+b.Method]; got != strings.TrimSpace(got) || got == "" {
			t.Errorf("lr.%s = %q", b.Method, got)
		}
	}
	if code, out, _ := capture(t, "show", run); code != 0 || !strings.Contains(out, "learning rates tuned by "+dir) {
		t.Errorf("show of a tuned run: exit %d:\n%s", code, out)
	}
	// A rung is a sweep: its performance profile, as a table and a figure.
	rung := filepath.Join(dir, "rung-0")
	if code, out, errOut := capture(t, "show", "--profile", rung); code != 0 || !strings.Contains(out, "performance profile over 2 problems") ||
		!strings.Contains(out, "SOLVED") || !strings.Contains(out, "adam") {
		t.Errorf("show --profile: exit %d, %s:\n%s", code, errOut, out)
	}
	png := filepath.Join(root, "profile.png")
	if code, _, errOut := capture(t, "plot", rung, "--kind", "profile", "--out", png); code != 0 {
		t.Errorf("plot --kind profile: exit %d: %s", code, errOut)
	} else if fi, err := os.Stat(png); err != nil || fi.Size() < 1000 {
		t.Errorf("profile.png: %v", err)
	}
	// Resuming a finished search trains nothing and gives the same rates.
	if code, out, _ := capture(t, "tune", "--out", dir); code != 0 || !strings.Contains(out, "resuming the search") {
		t.Errorf("tune --out DIR: exit %d:\n%s", code, out)
	}
	for _, c := range [][]string{
		{"tune", "rotation", "--lr", "1:0.1"},
		{"tune", "rotation", "--lr", "x"},
		{"tune", "rotation", "--steps", "10", "--budget", "100"},
		{"tune", "rotation", "--set", "lr.adam=1"},
		{"tune", "trajectories"},
		{"run", "rotation", "--tuned", dir, "--set", "lr.adam=1"},
		{"run", "poisson", "--tuned", dir},
		{"run", "rotation", "--tuned", root},
	} {
		if code, _, _ := capture(t, c...); code != 2 {
			t.Errorf("%v: exit %d; want 2", c, code)
		}
	}
}
