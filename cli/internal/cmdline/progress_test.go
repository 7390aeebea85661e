package cmdline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
)

// TestMeter: on a file a progress line each; on a terminal one line redrawn in place with
// a bar, cleared before any other output written through Above, and Maybe keeps to one
// redraw per Every.
func TestMeter(t *testing.T) {
	var b bytes.Buffer
	m := &Meter{w: &b, start: time.Now()}
	m.Show(0.5, "half")
	m.Show(math.NaN(), "no fraction")
	if got := b.String(); got != "[0:00] half\n[0:00] no fraction\n" {
		t.Errorf("file: %q", got)
	}
	b.Reset()
	m = &Meter{w: &b, tty: true, start: time.Now()}
	m.Show(0.5, "half")
	fmt.Fprintln(m.Above(&b), "a row")
	m.Clear() // nothing shown: writes nothing
	want := "\r\x1b[K[" + strings.Repeat("█", 10) + strings.Repeat("·", 10) + "] [0:00] half" + "\r\x1b[K" + "a row\n"
	if got := b.String(); got != want {
		t.Errorf("terminal: %q; want %q", got, want)
	}
	b.Reset()
	m.last = time.Time{} // the last Show long ago
	m.Maybe(1, "first")
	m.Maybe(1, "too soon")
	if got := b.String(); !strings.Contains(got, "first") || strings.Contains(got, "too soon") {
		t.Errorf("Maybe twice within %v: %q", m.Every(), got)
	}
}

// TestRunProgress: the check's progress line sums its jobs' steps from their status files.
func TestRunProgress(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	info := folder.Info{Preset: "poisson", Scale: "quick", Metrics: []string{"x_l1"}, Metric: "x_l1", Methods: []string{"sip", "adam"},
		Seeds: []int{0}, Version: folder.Version, Format: folder.FormatVersion,
		Jobs: []folder.JobInfo{{ID: "sip-seed0", Method: "sip", Steps: 100}, {ID: "adam-seed0", Method: "adam", Steps: 100}}}
	write := func(path string, v any) {
		b, _ := json.Marshal(v)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "run.json"), info)
	write(filepath.Join(dir, "sip-seed0", "status.json"), folder.Status{State: folder.Done, Step: 100, Total: 100})
	write(filepath.Join(dir, "adam-seed0", "status.json"), folder.Status{State: folder.Running, Step: 30, Total: 100})
	done, total, training, jobs, ok := RunProgress(dir)
	if !ok || done != 130 || total != 200 || training != 1 || jobs != 2 {
		t.Errorf("runProgress: %d of %d, %d training, %d jobs, %v; want 130 of 200, 1, 2, true", done, total, training, jobs, ok)
	}
	if _, _, _, _, ok := RunProgress(filepath.Join(dir, "none")); ok {
		t.Error("runProgress of no folder: ok")
	}
}

// TestEndNotes: the jobs not done, in the order of their IDs, and whether one failed.
func TestEndNotes(t *testing.T) {
	for _, c := range []struct {
		states map[string]folder.State
		want   string
		failed bool
	}{
		{nil, "", false},
		{map[string]folder.State{"a": folder.Done, "b": folder.Done}, "", false},
		{map[string]folder.State{"sgd-seed1": folder.Diverged, "adam-seed0": folder.Failed, "sip-seed0": folder.Done, "adam-seed1": folder.Cancelled},
			"adam-seed0 failed, adam-seed1 cancelled, sgd-seed1 diverged", true},
	} {
		if got, failed := EndNotes(c.states); got != c.want || failed != c.failed {
			t.Errorf("EndNotes(%v) = %q, %v; want %q, %v", c.states, got, failed, c.want, c.failed)
		}
	}
}
