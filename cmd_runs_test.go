package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	var rs []runJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil || code != 0 || len(rs) != 1 {
		t.Fatalf("runs --json: exit %d, %v:\n%s", code, err, out)
	}
	r := rs[0]
	if r.State != "finished" || r.Jobs["done"] != 2 || r.Headline == nil || r.Headline.Method != "adam" || r.Headline.Ratio <= 0 || len(r.JobList) != 2 || r.JobList[0].Value == nil {
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
