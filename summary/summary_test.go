package summary

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

// fakeRun writes a run folder of two methods × two seeds whose metric "m" is, at step s,
// base(job)·s, for steps 1..n(job); "other" is its negative. It returns the folder and
// its RunInfo.
func fakeRun(t *testing.T, n map[string]int, base map[string]float64) (string, folder.Info) {
	t.Helper()
	dir := t.TempDir()
	info := folder.Info{Preset: "fake", Metrics: []string{"other", "m"}, Metric: "m", Reference: "sip",
		Methods: []string{"sip", "adam"}, Seeds: []int{0, 1}}
	for _, seed := range info.Seeds {
		for _, m := range info.Methods {
			id := folder.JobID(m, seed)
			info.Jobs = append(info.Jobs, folder.JobInfo{ID: id, Method: m, Seed: seed, Steps: 100})
			var b strings.Builder
			b.WriteString("step,wall_s,other,m\n")
			for s := 1; s <= n[id]; s++ {
				v := base[id] * float64(s)
				fmt.Fprintf(&b, "%d,%g,%g,%g\n", s, float64(s)/10, -v, v)
			}
			os.MkdirAll(filepath.Join(dir, id), 0o755)
			if err := os.WriteFile(filepath.Join(dir, id, folder.MetricsFile), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			folder.WriteStatus(dir, id, folder.Status{State: folder.Done, Step: n[id], Total: 100})
		}
	}
	if err := folder.WriteJSON(filepath.Join(dir, folder.RunFile), info); err != nil {
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
	s, err := Summarize(dir, info, Options{At: []int{4, 8}, Window: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Metric != "m" || len(s.Steps) != 3 || s.Steps[2] != End || s.Window != 3 {
		t.Fatalf("summary %+v", s)
	}
	// The running mean of base·s with a full window of 3: at step 4 over min(3, ⌈4/2⌉) = 2
	// steps (3 and 4): 3.5·base; at 8 over 3 (6, 7, 8): 7·base; at the end (10): 9·base;
	// adam-seed1 ends at 6 (over 4, 5, 6: 5·4 = 20) and has no step 8.
	want := map[string][3]float64{"sip-seed0": {3.5, 7, 9}, "adam-seed0": {10.5, 21, 27}, "sip-seed1": {7, 14, 18}, "adam-seed1": {14, math.NaN(), 20}}
	for _, js := range s.Jobs {
		w := want[js.Job.ID]
		for k := range w {
			if got := js.Values[k]; got != w[k] && !(math.IsNaN(got) && math.IsNaN(w[k])) {
				t.Errorf("%s at %d: %g, want %g", js.Job.ID, s.Steps[k], got, w[k])
			}
		}
		ref := want[folder.JobID("sip", js.Job.Seed)]
		if r := js.Ratios[0]; r != w[0]/ref[0] {
			t.Errorf("%s: ratio %g, want %g", js.Job.ID, r, w[0]/ref[0])
		}
		if js.State != folder.Done || js.Done != n[js.Job.ID] {
			t.Errorf("%s: state %s, done %d", js.Job.ID, js.State, js.Done)
		}
	}
	by := s.ByMethod(0)
	if len(by) != 2 || by[0].Method != "sip" || by[0].Mean != 5.25 || by[0].Min != 3.5 || by[0].Max != 7 || by[1].Seeds != 2 {
		t.Errorf("ByMethod(step 4) = %+v; want sip 5.25 in [3.5, 7]", by)
	}
	// adam ÷ sip per seed at step 4: 10.5/3.5 = 3 and 14/7 = 2.
	if r := by[1].Ratio; r.Mean != 2.5 || r.Min != 2 || r.Max != 3 {
		t.Errorf("ByMethod(step 4) adam's ratio = %+v; want 2.5 in [2, 3]", r)
	}
	if adam := s.ByMethod(1)[1]; !math.IsNaN(adam.Mean) || !math.IsNaN(adam.Min) {
		t.Errorf("ByMethod(step 8) adam = %+v; want NaN, a seed has no value", adam)
	}
	o, err := Summarize(dir, info, Options{Metric: "other", Window: 1})
	if err != nil || o.Jobs[0].Values[0] != -10 || o.Window != 1 {
		t.Errorf("metric other, window 1: %v, %+v", err, o)
	}
	if _, err := Summarize(dir, info, Options{Metric: "nope"}); err == nil || !strings.Contains(err.Error(), `no metric "nope"`) {
		t.Errorf("unknown metric: %v", err)
	}
	if d, _ := Summarize(dir, info, Options{}); d.Window != metrics.DefaultWindow {
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
		folder.WriteJSON(filepath.Join(d, folder.RunFile), folder.Info{})
		ts := now.Add(time.Duration(i) * time.Minute)
		os.Chtimes(filepath.Join(d, folder.RunFile), ts, ts)
	}
	os.MkdirAll(filepath.Join(root, "sweep"), 0o755)
	os.WriteFile(filepath.Join(root, "file"), nil, 0o644)
	got, err := folder.ListRuns(root)
	if err != nil || strings.Join(got, " ") != strings.Join([]string{filepath.Join(root, "c"), filepath.Join(root, "a"), filepath.Join(root, "b")}, " ") {
		t.Errorf("ListRuns = %v, %v; want c, a, b", got, err)
	}
	if _, err := folder.ListRuns(filepath.Join(root, "missing")); err == nil {
		t.Error("ListRuns of a missing folder: no error")
	}
}

// TestSummaryAgreesWithCurve checks that `show`'s values (Summarize) and the figures'
// curves (ReadCurve) are one smoothing: at every step, also in the first 2·window steps
// where the window still grows, the summary's value is the curve's running mean.
func TestSummaryAgreesWithCurve(t *testing.T) {
	for _, n := range []int{1, 2, 5, 63, 127, 128, 129, 300} {
		dir := t.TempDir()
		info := folder.Info{Metrics: []string{"m"}, Metric: "m", Reference: "sip", Methods: []string{"sip"}, Jobs: []folder.JobInfo{{ID: "sip-seed0", Method: "sip"}}}
		var b strings.Builder
		b.WriteString("step,wall_s,m\n")
		for s := 1; s <= n; s++ {
			fmt.Fprintf(&b, "%d,%g,%g\n", s, float64(s), math.Exp(-float64(s)/40)+0.1*math.Sin(float64(s)))
		}
		os.MkdirAll(filepath.Join(dir, "sip-seed0"), 0o755)
		os.WriteFile(filepath.Join(dir, "sip-seed0", folder.MetricsFile), []byte(b.String()), 0o644)
		at := []int{1, n / 2, n}
		s, err := Summarize(dir, info, Options{At: at})
		if err != nil {
			t.Fatal(err)
		}
		c, err := ReadCurve(dir, "sip-seed0", "m", CurveOptions{MaxPoints: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		for k, step := range s.Steps {
			i := c.Mean.Len() - 1
			if step != End {
				i = step - 1
			}
			if i < 0 {
				continue
			}
			if got, want := s.Jobs[0].Values[k], c.Mean.Values[i]; math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Errorf("%d rows, step %d: Summarize %g, ReadCurve's mean %g", n, step, got, want)
			}
		}
	}
}
