package runner

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeRun writes a run folder of two methods × two seeds whose metric "m" is, at step s,
// base(job)·s, for steps 1..n(job); "other" is its negative. It returns the folder and
// its RunInfo.
func fakeRun(t *testing.T, n map[string]int, base map[string]float64) (string, RunInfo) {
	t.Helper()
	dir := t.TempDir()
	info := RunInfo{Preset: "fake", Metrics: []string{"other", "m"}, Metric: "m", Reference: "sip",
		Methods: []string{"sip", "adam"}, Seeds: []int{0, 1}}
	for _, seed := range info.Seeds {
		for _, m := range info.Methods {
			id := JobID(m, seed)
			info.Jobs = append(info.Jobs, JobInfo{ID: id, Method: m, Seed: seed, Steps: 100})
			var b strings.Builder
			b.WriteString("step,wall_s,other,m\n")
			for s := 1; s <= n[id]; s++ {
				v := base[id] * float64(s)
				fmt.Fprintf(&b, "%d,%g,%g,%g\n", s, float64(s)/10, -v, v)
			}
			os.MkdirAll(filepath.Join(dir, id), 0o755)
			if err := os.WriteFile(filepath.Join(dir, id, metricsFile), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			writeStatus(dir, id, Status{State: Done, Step: n[id], Total: 100})
		}
	}
	if err := writeJSON(filepath.Join(dir, runFile), info); err != nil {
		t.Fatal(err)
	}
	return dir, info
}

// TestSummarize checks the window means at given steps and at the end, the steps not
// reached, the ratios to the reference of the same seed, and the statistics by method.
func TestSummarize(t *testing.T) {
	n := map[string]int{"sip-seed0": 10, "adam-seed0": 10, "sip-seed1": 10, "adam-seed1": 6}
	base := map[string]float64{"sip-seed0": 1, "adam-seed0": 3, "sip-seed1": 2, "adam-seed1": 4}
	dir, info := fakeRun(t, n, base)
	s, err := Summarize(dir, info, SummaryOptions{At: []int{4, 8}, Window: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Metric != "m" || len(s.Steps) != 3 || s.Steps[2] != End || s.Window != 3 {
		t.Fatalf("summary %+v", s)
	}
	// Mean of base·s over the 3 steps ending at 4 (3, 4 and 2): 3·base; at 8: 7·base; at
	// the end (10): 9·base; adam-seed1 ends at 6 (5·4 = 20) and has no step 8.
	want := map[string][3]float64{"sip-seed0": {3, 7, 9}, "adam-seed0": {9, 21, 27}, "sip-seed1": {6, 14, 18}, "adam-seed1": {12, math.NaN(), 20}}
	for _, js := range s.Jobs {
		w := want[js.Job.ID]
		for k := range w {
			if got := js.Values[k]; got != w[k] && !(math.IsNaN(got) && math.IsNaN(w[k])) {
				t.Errorf("%s at %d: %g, want %g", js.Job.ID, s.Steps[k], got, w[k])
			}
		}
		ref := want[JobID("sip", js.Job.Seed)]
		if r := js.Ratios[0]; r != w[0]/ref[0] {
			t.Errorf("%s: ratio %g, want %g", js.Job.ID, r, w[0]/ref[0])
		}
		if js.State != Done || js.Done != n[js.Job.ID] {
			t.Errorf("%s: state %s, done %d", js.Job.ID, js.State, js.Done)
		}
	}
	by := s.ByMethod(0)
	if len(by) != 2 || by[0].Method != "sip" || by[0].Mean != 4.5 || by[0].Min != 3 || by[0].Max != 6 || by[1].Seeds != 2 {
		t.Errorf("ByMethod(step 4) = %+v; want sip 4.5 in [3, 6]", by)
	}
	if adam := s.ByMethod(1)[1]; !math.IsNaN(adam.Mean) || !math.IsNaN(adam.Min) {
		t.Errorf("ByMethod(step 8) adam = %+v; want NaN, a seed has no value", adam)
	}
	o, err := Summarize(dir, info, SummaryOptions{Metric: "other", Window: 1})
	if err != nil || o.Jobs[0].Values[0] != -10 || o.Window != 1 {
		t.Errorf("metric other, window 1: %v, %+v", err, o)
	}
	if _, err := Summarize(dir, info, SummaryOptions{Metric: "nope"}); err == nil || !strings.Contains(err.Error(), `no metric "nope"`) {
		t.Errorf("unknown metric: %v", err)
	}
	if d, _ := Summarize(dir, info, SummaryOptions{}); d.Window != DefaultWindow {
		t.Errorf("default window %d", d.Window)
	}
}

// TestListRuns checks that run folders are listed newest first and other folders not.
func TestListRuns(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	for i, name := range []string{"b", "a", "c"} {
		d := filepath.Join(root, name)
		os.MkdirAll(d, 0o755)
		writeJSON(filepath.Join(d, runFile), RunInfo{})
		ts := now.Add(time.Duration(i) * time.Minute)
		os.Chtimes(filepath.Join(d, runFile), ts, ts)
	}
	os.MkdirAll(filepath.Join(root, "sweep"), 0o755)
	os.WriteFile(filepath.Join(root, "file"), nil, 0o644)
	got, err := ListRuns(root)
	if err != nil || strings.Join(got, " ") != strings.Join([]string{filepath.Join(root, "c"), filepath.Join(root, "a"), filepath.Join(root, "b")}, " ") {
		t.Errorf("ListRuns = %v, %v; want c, a, b", got, err)
	}
	if _, err := ListRuns(filepath.Join(root, "missing")); err == nil {
		t.Error("ListRuns of a missing folder: no error")
	}
}
