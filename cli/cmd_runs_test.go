package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/cli/showcmd"
)

// TestRunsCommand trains a short run, interrupts nothing, and lists it: as a table and as
// JSON, finished, with its headline ratio; an empty folder and a missing one are told.
func TestRunsCommand(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "exp-short")
	if code, _, errOut := capture(t, "run", "exp", "--headless", "--steps", "150", "--methods", "rescaled,adam", "--out", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	code, out, errOut := capture(t, "runs", root)
	if code != 0 || !strings.Contains(out, "finished") || !strings.Contains(out, "150/150") || !strings.Contains(out, "adam ") || !strings.Contains(out, dir) {
		t.Errorf("runs: exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
	code, out, _ = capture(t, "runs", root, "--json")
	var rs []showcmd.RunJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil || code != 0 || len(rs) != 1 {
		t.Fatalf("runs --json: exit %d, %v:\n%s", code, err, out)
	}
	r := rs[0]
	if r.State != "finished" || r.Jobs["done"] != 2 || r.Headline == nil || r.Headline.Method != "adam" || r.Headline.Ratio <= 0 || len(r.JobList) != 2 || r.JobList[0].Value == nil ||
		r.Headline.Stat.N != 1 || r.Headline.Stat.Mean != r.Headline.Ratio {
		t.Errorf("runs --json: %+v", r)
	}
	empty := t.TempDir()
	if code, out, _ := capture(t, "runs", empty); code != 0 || !strings.Contains(out, "no runs yet") {
		t.Errorf("runs of an empty folder: exit %d, %q", code, out)
	}
	if code, _, errOut := capture(t, "runs", filepath.Join(empty, "missing")); code != 1 || !strings.Contains(errOut, "no runs folder") {
		t.Errorf("runs of a missing folder: exit %d, %q", code, errOut)
	}
	os.RemoveAll(root)
}

// TestShowCompare shows two runs that differ in Adam's learning rate: one group per run,
// named by the setting, with a row per method over its two seeds; the CSV names each
// row's run.
func TestShowCompare(t *testing.T) {
	root := t.TempDir()
	var dirs []string
	for _, lr := range []string{"0.01", "0.001"} {
		dir := filepath.Join(root, "lr"+lr)
		if code, _, errOut := capture(t, "run", "exp", "--headless", "--steps", "100", "--seeds", "2", "--methods", "rescaled,adam",
			"--set", "lr.adam="+lr, "--out", dir); code != 0 {
			t.Fatalf("run: exit %d: %s", code, errOut)
		}
		dirs = append(dirs, dir)
	}
	code, out, errOut := capture(t, "show", dirs[0], dirs[1])
	for _, want := range []string{"2 runs of exp", "── lr.adam=0.01 · " + dirs[0], "── lr.adam=0.001 · " + dirs[1], "adam (2 seeds)", "mean±",
		" n=2 p=", "with 2 seeds (fewer than 5) the interval is Student's t or wider"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show DIR1 DIR2: exit %d, stderr %q, no %q in:\n%s", code, errOut, want, out)
		}
	}
	// plot's caption: the ratio over the seeds with its interval.
	if code, out, errOut := capture(t, "plot", dirs[0], "--out", filepath.Join(root, "c.png")); code != 0 ||
		!strings.Contains(out, "caption: "+dirs[0]+", ") || !strings.Contains(out, "÷ rescaled at the end: adam ") || !strings.Contains(out, " n=2 p=") {
		t.Errorf("plot's caption: exit %d, %s:\n%s", code, errOut, out)
	}
	code, out, _ = capture(t, "show", dirs[0], dirs[1], "--csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 1+2*4 || !strings.HasPrefix(lines[0], "run,label,job") || !strings.HasPrefix(lines[1], dirs[0]+",lr.adam=0.01,") {
		t.Errorf("show --csv of two runs: exit %d:\n%s", code, out)
	}
}
