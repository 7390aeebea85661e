package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/cli/checkcmd"
	"github.com/sipbench/sipbench/cli/showcmd"
)

// TestCheckJSON: check --json on the fixture folders gives each row's verdict, seeds'
// ratios and interval as the text table does, and the provisional ratio of a pending row
// apart from the counts.
func TestCheckJSON(t *testing.T) {
	var got checkcmd.JSON
	code, out, stderr := capture(t, "check", "--json", "--only", "fig6b-60,fig6b-5k", filepath.Join("testdata", "check", "poisson5k"))
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("check --json poisson5k: exit %d, %s, %v:\n%s", code, stderr, err, out)
	}
	if len(got.Rows) != 2 || got.Counts["short of the paper"] != 2 || got.Counts["holds"] != 0 {
		t.Fatalf("rows %d, counts %v; want 2 rows, 2 short of the paper", len(got.Rows), got.Counts)
	}
	r := got.Rows[1]
	if r.ID != "fig6b-5k" || r.Step == nil || *r.Step != 5000 || r.Factor != 10 || r.Verdict != "short of the paper" ||
		r.Reached != "6.66× of 10×: two thirds" || len(r.Seeds) != 2 || len(r.Ratios) != 2 || r.Stat == nil || r.Stat.N != 2 ||
		math.Abs(r.Stat.Mean-6.66) > 0.01 || !(r.Stat.Lo < r.Stat.Mean && r.Stat.Mean < r.Stat.Hi) || r.Text != "6.66× [2.73–10.6×]" {
		t.Errorf("fig6b-5k row: %+v (stat %+v)", r, r.Stat)
	}
	// By the interval's lower end (2.73× for fig6b-5k, above 1, below 10): short; fig6b-60's
	// interval [1.23, 2.31] stays above 1: short as well.
	if r.LowerEnd != "short of the paper" || got.Rows[0].LowerEnd != "short of the paper" {
		t.Errorf("lower-end verdicts %q, %q", got.Rows[0].LowerEnd, r.LowerEnd)
	}
	// The mean of the seeds' ratios is the stat's mean.
	if m := (*r.Ratios[0] + *r.Ratios[1]) / 2; math.Abs(m-r.Stat.Mean) > 1e-9 {
		t.Errorf("seeds' ratios %v, %v: mean %v; stat mean %v", *r.Ratios[0], *r.Ratios[1], m, r.Stat.Mean)
	}
	got = checkcmd.JSON{}
	code, out, stderr = capture(t, "check", "--json", "--only", "fig6b-5k", filepath.Join("testdata", "check", "poisson-unfinished"))
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Rows) != 1 {
		t.Fatalf("check --json poisson-unfinished: exit %d, %s:\n%s", code, stderr, out)
	}
	if r := got.Rows[0]; r.Verdict != "pending" || r.Stat != nil || r.Provisional == nil || r.Provisional.Step != 2300 ||
		r.Provisional.Of != 5000 || r.Provisional.Mean == nil || math.Abs(*r.Provisional.Mean-2.84) > 0.01 || got.Counts["pending"] != 1 {
		t.Errorf("pending row: %+v, counts %v", r, got.Counts)
	}
}

// TestCheckJSONTrains: a check that trains with --json prints its progress on stderr and
// only the JSON table on stdout; with --slurm, --json is a usage error.
func TestCheckJSONTrains(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "check")
	code, out, stderr := capture(t, "check", "--json", "--only", "trajectories", "--seeds", "2", "--out", dir)
	var got checkcmd.JSON
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("check --json: exit %d, %v, stdout:\n%s\nstderr:\n%s", code, err, out, stderr)
	}
	if len(got.Rows) != 1 || got.Rows[0].ID != "fig1" || got.Rows[0].Verdict != "holds" || len(got.Rows[0].Seeds) != 2 ||
		!strings.Contains(stderr, "training trajectories") || got.Folders[0] != dir {
		t.Errorf("check --json: %+v; stderr:\n%s", got, stderr)
	}
	for _, flag := range []string{"--json", "--tuned"} {
		x := filepath.Join(t.TempDir(), "x")
		if code, _, stderr := capture(t, "check", flag, "--slurm", "--out", x); code != 2 || !strings.Contains(stderr, "--slurm") {
			t.Errorf("check %s --slurm: exit %d, %s", flag, code, stderr)
		}
		if _, err := os.Stat(x); err == nil {
			t.Errorf("check %s --slurm made its folder", flag)
		}
	}
}

// TestShowJSON: show --json of a two-seed run gives every job's values and ratios and,
// per method, the ratio's mean, interval and p-values, the same as the text's.
func TestShowJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, errOut := capture(t, "run", "exp", "--headless", "--steps", "60", "--seeds", "2", "--methods", "rescaled,adam",
		"--out", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	code, out, errOut := capture(t, "show", "--json", "--at", "30", dir)
	var got []showcmd.JSON
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 1 {
		t.Fatalf("show --json: exit %d, %s:\n%s", code, errOut, out)
	}
	s := got[0]
	if s.Preset != "exp" || s.Reference != "rescaled" || strings.Join(s.Steps, ",") != "30,end" || len(s.Jobs) != 4 || len(s.Methods) != 2 {
		t.Fatalf("show --json: %+v", s)
	}
	adam := s.Methods[1]
	if adam.Method != "adam" || adam.Seeds != 2 || len(adam.Ratio) != 2 || adam.Ratio[1] == nil || adam.Ratio[1].N != 2 || s.Methods[0].Ratio[1] != nil {
		t.Fatalf("methods: %+v", s.Methods)
	}
	// The method's ratio is the mean of its jobs' ratios at the end.
	var sum float64
	for _, j := range s.Jobs {
		if j.Method == "adam" {
			sum += *j.Ratios[1]
		}
	}
	if math.Abs(sum/2-adam.Ratio[1].Mean) > 1e-9*math.Abs(sum) {
		t.Errorf("adam's jobs' ratios average %v; its ratio's mean %v", sum/2, adam.Ratio[1].Mean)
	}
	if code, _, errOut := capture(t, "show", "--json", "--csv", dir); code != 2 || !strings.Contains(errOut, "not both") {
		t.Errorf("show --json --csv: exit %d, %s", code, errOut)
	}
}
