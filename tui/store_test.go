package tui

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/muesli/termenv"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

func TestStoreApply(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name       string
		events     []runner.Event
		wantStatus folder.State
		wantStep   int
		wantPoints int
		wantBest   float64
		wantLatest float64
		wantNonFin int
	}{
		{"queued", nil, folder.Queued, 0, 0, nan, nan, 0},
		{"running", metricEvents("SIP-seed0", 10, 1, 5, 0), folder.Running, 10, 10, math.Exp(-2), math.Exp(-2), 0},
		{"metrics before state", []runner.Event{{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: 3, Wall: 1, Metrics: []float64{0.5, 0.25}}}, folder.Running, 3, 1, 0.5, 0.5, 0},
		{"nan diverges", []runner.Event{
			{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: 1, Wall: 1, Metrics: []float64{0.5, 0.25}},
			{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: 2, Wall: 2, Metrics: []float64{nan, inf}},
		}, folder.Diverged, 2, 1, 0.5, 0.5, 2},
		{"done stays done after nan", []runner.Event{
			{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: 1, Wall: 1, Metrics: []float64{math.Inf(-1), 1}},
			{Job: "SIP-seed0", Kind: runner.EvState, State: folder.Done},
		}, folder.Done, 1, 0, nan, nan, 1},
		{"best is the minimum", []runner.Event{
			{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: 1, Wall: 1, Metrics: []float64{0.5, 0}},
			{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: 2, Wall: 2, Metrics: []float64{0.1, 0}},
			{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: 3, Wall: 3, Metrics: []float64{0.3, 0}},
		}, folder.Running, 3, 3, 0.1, 0.3, 0},
		{"failed", []runner.Event{{Job: "SIP-seed0", Kind: runner.EvState, State: folder.Failed, Message: "boom"}}, folder.Failed, 0, 0, nan, nan, 0},
	}
	same := func(a, b float64) bool { return (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-12 }
	for _, c := range cases {
		s := newStore(testRun(), 0)
		for _, ev := range c.events {
			if !s.Apply(ev) {
				t.Fatalf("%s: Apply(%+v) = false", c.name, ev)
			}
		}
		j := s.Job("SIP-seed0")
		if j.Status() != c.wantStatus || j.Step != c.wantStep || len(j.Series[0].Points) != c.wantPoints ||
			!same(j.Best[0], c.wantBest) || !same(j.Latest[0], c.wantLatest) || j.NonFinite != c.wantNonFin {
			t.Errorf("%s: status %s step %d points %d best %g latest %g nonfinite %d; want %s %d %d %g %g %d", c.name,
				j.Status(), j.Step, len(j.Series[0].Points), j.Best[0], j.Latest[0], j.NonFinite,
				c.wantStatus, c.wantStep, c.wantPoints, c.wantBest, c.wantLatest, c.wantNonFin)
		}
		for _, p := range j.Series[1].Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				t.Errorf("%s: non-finite value %v stored", c.name, p.Value)
			}
		}
	}
}

func TestStoreRejects(t *testing.T) {
	s := newStore(testRun(), 0)
	for _, ev := range []runner.Event{
		{Job: "nobody", Kind: runner.EvMetrics, Step: 1},
		{Job: "SIP-seed0", Kind: runner.EvSnapshot},
		{Job: "SIP-seed0", Kind: runner.EventKind(99)},
		// A shape larger than the data (the panels index the data by the shape).
		{Job: "SIP-seed0", Kind: runner.EvSnapshot, Snapshot: &folder.Snapshot{Fields: []folder.Field{{Name: "x", Shape: []int{100, 2}, Data: []float32{1, 2}}}}},
	} {
		if s.Apply(ev) {
			t.Errorf("Apply(%+v) = true; want false", ev)
		}
	}
	if s.Version != 0 {
		t.Errorf("Version = %d after rejected events; want 0", s.Version)
	}
}

// TestSeriesBounded checks the decimation contract: fewer than Cap points at any length,
// a power-of-two stride, the latest step kept, and the mean of the values preserved.
func TestSeriesBounded(t *testing.T) {
	for _, c := range []struct{ cap, n int }{{8, 7}, {8, 8}, {8, 100}, {64, 10000}, {4096, 100000}, {3, 1001}} {
		s := newSeries(c.cap)
		sum := 0.0
		for i := 1; i <= c.n; i++ {
			v := float64(i%7) + 1
			sum += v
			s.add(i, float64(i), v)
			if len(s.Points) >= s.Cap {
				t.Fatalf("cap %d n %d: %d points after %d adds", c.cap, c.n, len(s.Points), i)
			}
		}
		if s.Stride&(s.Stride-1) != 0 {
			t.Errorf("cap %d n %d: stride %d not a power of two", c.cap, c.n, s.Stride)
		}
		covered := s.pendN
		wsum := s.pendSum
		// Every stored point stands for a power-of-two number of values; recompute the
		// total by walking the steps (each point's bucket ends at its step).
		prev := 0
		for _, p := range s.Points {
			k := p.Step - prev
			if k != p.N {
				t.Errorf("cap %d n %d: point at step %d holds %d values; its bucket has %d", c.cap, c.n, p.Step, p.N, k)
			}
			covered += k
			wsum += p.Value * float64(k)
			prev = p.Step
		}
		if covered != c.n || math.Abs(wsum-sum) > 1e-6*sum {
			t.Errorf("cap %d n %d: points cover %d values summing to %g; want %d and %g", c.cap, c.n, covered, wsum, c.n, sum)
		}
	}
}

func TestRateETAReference(t *testing.T) {
	s := newStore(testRun("Adam", "SIP"), 0)
	for _, ev := range metricEvents("Adam-seed0", 100, 1, 50, 0) {
		s.Apply(ev)
	}
	j := s.Job("Adam-seed0")
	if r := j.Rate(); math.Abs(r-100) > 1e-9 {
		t.Errorf("Rate = %g; want 100 (events are 0.01 s apart)", r)
	}
	if e, ok := j.ETA(); !ok || math.Abs(e-9) > 1e-9 {
		t.Errorf("ETA = %g, %v; want 9 s (900 steps at 100/s)", e, ok)
	}
	if ref := s.Reference(j); ref == nil || ref.Info.Method != "SIP" {
		t.Errorf("Reference(Adam) = %v; want the SIP job", ref)
	}
	if got := s.Methods(); len(got) != 2 || got[0] != "Adam" {
		t.Errorf("Methods = %v; want [Adam SIP]", got)
	}
	if _, ok := s.Job("SIP-seed0").ETA(); ok {
		t.Errorf("ETA of a job without metrics is known")
	}
}

// TestClusterColumn: a run on a Slurm cluster gets a "slurm" column with each job's view
// from EvCluster events; a local run has none.
func TestClusterColumn(t *testing.T) {
	s := newStore(testRun("SIP", "Adam"), 0)
	th := newTheme(termenv.Ascii, true)
	cols, _ := jobTable(th, s, tableOf(s))
	for _, c := range cols {
		if c.Title == "slurm" {
			t.Fatal("a local run has a slurm column")
		}
	}
	views := []cluster.View{
		{State: cluster.Pending, Task: "7_0", Reason: "Resources"},
		{State: cluster.Lost, Task: "7_1", Resume: "sipbench resume r --job Adam-seed0"},
	}
	for i, id := range []string{"SIP-seed0", "Adam-seed0"} {
		if !s.Apply(runner.Event{Job: id, Kind: runner.EvCluster, Cluster: &views[i]}) {
			t.Fatalf("EvCluster for %s not applied", id)
		}
	}
	cols, rows := jobTable(th, s, tableOf(s))
	if len(cols) < 3 || cols[2].Title != "slurm" {
		t.Fatalf("columns %v; want slurm third", cols)
	}
	if got := rows[0].Cells[2].Text; got != "pending (Resources)" {
		t.Errorf("SIP's slurm cell %q; want pending (Resources)", got)
	}
	if got := rows[1].Cells[2].Text; got != "lost" {
		t.Errorf("Adam's slurm cell %q; want lost (the resume command is too long for the column)", got)
	}
}

// tableOf returns the run table's view of s: its lines and rows, its first metric, raw.
func tableOf(s *store) tableView {
	lines, lineOf := dashLines(s, nil)
	return tableView{rows: dashRows(s, lines), lines: lines, lineOf: lineOf, metric: s.Info.Metrics[0]}
}

// TestRateSteady: steps/s swung from 153 to 5e3 with metric events a few milliseconds
// apart and a wall clock of 0.1 ms resolution, and the ETA jittered. The running mean
// holds 100 steps/s within 1 % through a jittery clock, and the ETA only falls.
func TestRateSteady(t *testing.T) {
	s := newStore(testRun("SIP"), 0)
	rng := rand.New(rand.NewPCG(3, 4))
	wall, prevETA := 0.0, math.Inf(1)
	for step := 1; step <= 3000; step++ {
		wall += 0.01 * (0.2 + 1.6*rng.Float64()) // 100 steps/s on average, each step 2–18 ms
		w := math.Round(wall*1e4) / 1e4          // metrics.csv's %.4f
		s.Apply(runner.Event{Job: "SIP-seed0", Kind: runner.EvMetrics, Step: step, Wall: w, Metrics: []float64{1, 1}})
		j := s.Job("SIP-seed0")
		if step < 1000 { // the mean covers 10 s
			continue
		}
		if r := j.Rate(); math.Abs(r-100) > 5 {
			t.Fatalf("step %d: %.4g steps/s, want 100 ± 5", step, r)
		}
		e, ok := j.ETA()
		if !ok || e > prevETA+0.05 {
			t.Fatalf("step %d: ETA %.3g s after %.3g s", step, e, prevETA)
		}
		prevETA = e
	}
	for _, c := range []struct {
		v    float64
		want string
	}{{153, "153"}, {2420, "2.42k"}, {15300, "15.3k"}, {1.2e6, "1.2M"}, {999.9, "1k"}, {2.5, "2.5"}} {
		if got := formatSI(c.v); got != c.want {
			t.Errorf("formatSI(%g) = %q, want %q", c.v, got, c.want)
		}
	}
}
