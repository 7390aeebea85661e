package check

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// fakeJob is a job of a constructed run folder: its metric is value(step) at each step
// 1…steps, and its status state.
type fakeJob struct {
	method string
	seed   int
	steps  int
	state  folder.State
	value  func(step int) float64
}

// constant returns a value function that is v at every step.
func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

// fakeRun writes a run folder of preset at dir with the jobs, as a run would have left
// it: run.json, and per job metrics.csv (the one metric) and status.json.
func fakeRun(t *testing.T, dir, preset, scale, metric string, settings map[string]string, jobs []fakeJob) {
	t.Helper()
	info := folder.Info{Preset: preset, Scale: scale, Settings: settings, Metrics: []string{metric}, Metric: metric,
		Reference: "sip", Version: folder.Version, Format: folder.FormatVersion}
	for _, j := range jobs {
		if !slices.Contains(info.Methods, j.method) {
			info.Methods = append(info.Methods, j.method)
		}
		if !slices.Contains(info.Seeds, j.seed) {
			info.Seeds = append(info.Seeds, j.seed)
		}
		id := folder.JobID(j.method, j.seed)
		plan := j.steps
		if !j.state.Final() {
			plan = 1 << 20 // a job that trains on has far to go
		}
		info.Jobs = append(info.Jobs, folder.JobInfo{ID: id, Method: j.method, Seed: j.seed, Steps: plan})
		if err := os.MkdirAll(filepath.Join(dir, id), 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "step,wall_s,%s\n", metric)
		for s := 1; s <= j.steps; s++ {
			fmt.Fprintf(&b, "%d,%.3f,%g\n", s, float64(s)/100, j.value(s))
		}
		write(t, filepath.Join(dir, id, "metrics.csv"), b.String())
		writeJSONFile(t, filepath.Join(dir, id, "status.json"), folder.Status{State: j.state, Step: j.steps, Total: j.steps})
	}
	writeJSONFile(t, filepath.Join(dir, "run.json"), info)
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(b))
}

// jobs returns a job per method and seed with the state, each method's value per seed
// from values (by method, one per seed).
func jobs(steps int, state folder.State, values map[string][]float64) []fakeJob {
	var out []fakeJob
	for m, vs := range values {
		for seed, v := range vs {
			out = append(out, fakeJob{m, seed, steps, state, constant(v)})
		}
	}
	return out
}

// rowOf returns the row of the claim id.
func rowOf(t *testing.T, tb *Table, id string) Row {
	t.Helper()
	for _, r := range tb.Rows {
		if r.Claim.ID == id {
			return r
		}
	}
	t.Fatalf("no row %s", id)
	return Row{}
}

// wantRow checks a row's verdict, and its mean, min and max where want is not NaN.
func wantRow(t *testing.T, tb *Table, id string, v Verdict, mean, lo, hi float64) Row {
	t.Helper()
	r := rowOf(t, tb, id)
	if r.Verdict != v {
		t.Errorf("%s: verdict %q (%s); want %q", id, r.Verdict, r.Note, v)
	}
	near := func(a, b float64) bool { return math.IsNaN(b) || math.Abs(a-b) <= 1e-9*math.Abs(b) }
	if !near(r.Stats.Mean, mean) || !near(r.Stats.Min, lo) || !near(r.Stats.Max, hi) {
		t.Errorf("%s: mean %g (%g–%g); want %g (%g–%g)", id, r.Stats.Mean, r.Stats.Min, r.Stats.Max, mean, lo, hi)
	}
	return r
}

var nan = math.NaN()

// TestEvaluateVerdicts measures constructed runs whose ratios are known: each verdict,
// the step a claim at the end is measured at, and claims whose runs end too early.
func TestEvaluateVerdicts(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	grid32 := map[string]string{"grid": "32", "batch": "16", "steps": "100"}
	fakeRun(t, filepath.Join(root, "poisson"), "poisson", "quick", "x_l1", grid32, jobs(100, folder.Done, map[string][]float64{
		"sip":        {0.1, 0.2, 0.1},
		"adam":       {0.4, 0.7, 0.5},  // 4, 3.5, 5 × SIP: holds (3×)
		"adahessian": {0.2, 0.16, 0.2}, // 2, 0.8, 2 × SIP: the mean behind SIP, a seed ahead
	}))
	// A poisson run on another grid with one seed: not comparable, and fewer seeds.
	fakeRun(t, filepath.Join(root, "poisson64"), "poisson", "paper", "x_l1", map[string]string{"grid": "64", "batch": "128"},
		jobs(100, folder.Done, map[string][]float64{"sip": {1}, "adam": {1}}))
	fakeRun(t, filepath.Join(root, "heat"), "heat", "quick", "x_l1", grid32, jobs(150, folder.Done, map[string][]float64{
		"sip": {1, 1}, "adam": {1.2, 1.25}, // 1.2, 1.25: right direction, below 1.34
	}))
	fakeRun(t, filepath.Join(root, "fluid"), "fluid", "quick", "x_l1", grid32, jobs(250, folder.Done, map[string][]float64{
		"sip": {1, 1}, "gd": {0.9, 0.8}, // SIP behind: does not hold
	}))
	// exp: Adam's error grows with the step, and its job ended (diverged) at step 4000:
	// the claim at the end compares all three methods at step 4000.
	fakeRun(t, filepath.Join(root, "exp"), "exp", "quick", "x_l1_low", nil, []fakeJob{
		{"rescaled", 0, 5000, folder.Done, constant(1)},
		{"adam", 0, 4000, folder.Diverged, func(s int) float64 { return float64(s) / 1000 }},
		{"sgd", 0, 5000, folder.Done, constant(10)},
	})
	tb, err := Evaluate(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != len(Claims()) {
		t.Fatalf("%d rows; want one per claim (%d)", len(tb.Rows), len(Claims()))
	}
	r := wantRow(t, tb, "fig6b-60", Holds, (4+3.5+5)/3.0, 3.5, 5)
	if !slices.Equal(r.Seeds, []int{0, 1, 2}) || r.Step != 60 || len(r.Runs) != 1 || r.Runs[0] != filepath.Join(root, "poisson") {
		t.Errorf("fig6b-60: seeds %v step %d runs %v; want the grid-32 run's 3 seeds at step 60", r.Seeds, r.Step, r.Runs)
	}
	wantRow(t, tb, "fig6b-adahessian", Short, 1.6, 0.8, 2)
	r = wantRow(t, tb, "fig6b-5k", NotMeasured, nan, nan, nan)
	if !strings.Contains(r.Note, "needs step 5000; the runs end at step 100") {
		t.Errorf("fig6b-5k note %q", r.Note)
	}
	wantRow(t, tb, "fig6b-hf", NoRuns, nan, nan, nan)
	wantRow(t, tb, "fig6d-100", Short, 1.225, 1.2, 1.25)
	wantRow(t, tb, "fig6d-10k", NotMeasured, nan, nan, nan)
	wantRow(t, tb, "fig7-200", Fails, 0.85, 0.8, 0.9)
	// At step 4000 Adam's running mean over 64 steps is (3937…4000)/1000 on average.
	r = wantRow(t, tb, "fig2", Holds, 3.9685, 3.9685, 3.9685)
	if r.Step != 4000 || r.StepText() != "end, step 4000" {
		t.Errorf("fig2 at step %d (%q); want the end of the shortest job, 4000", r.Step, r.StepText())
	}
	wantRow(t, tb, "fig1", NoRuns, nan, nan, nan)
	wantRow(t, tb, "table1", NoRuns, nan, nan, nan)
}

// TestEvaluatePending: a claim at a fixed step is measured as soon as every job has
// passed it, even while they train on; before that, and for a claim at the end while a
// job trains, it is pending.
func TestEvaluatePending(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	fakeRun(t, filepath.Join(root, "fluid"), "fluid", "quick", "x_l1", nil, []fakeJob{
		{"sip", 0, 150, folder.Running, constant(1)},
		{"gd", 0, 250, folder.Running, constant(3)},
	})
	tb, err := Evaluate(root)
	if err != nil {
		t.Fatal(err)
	}
	wantRow(t, tb, "fig7-200", Pending, nan, nan, nan)
	fakeRun(t, filepath.Join(root, "fluid2"), "fluid", "quick", "x_l1", nil, []fakeJob{
		{"sip", 0, 210, folder.Running, constant(1)},
		{"gd", 0, 250, folder.Running, constant(3)},
	})
	if tb, err = Evaluate(filepath.Join(root, "fluid2")); err != nil {
		t.Fatal(err)
	}
	wantRow(t, tb, "fig7-200", Holds, 3, 3, 3)
	fakeRun(t, filepath.Join(root, "exp"), "exp", "quick", "x_l1_low", nil, []fakeJob{
		{"rescaled", 0, 5000, folder.Done, constant(1)},
		{"adam", 0, 4000, folder.Running, constant(3)},
		{"sgd", 0, 5000, folder.Done, constant(3)},
	})
	if tb, err = Evaluate(filepath.Join(root, "exp")); err != nil {
		t.Fatal(err)
	}
	wantRow(t, tb, "fig2", Pending, nan, nan, nan)
}

// TestEvaluateNeverReached: a claim whose step lies beyond the steps the training jobs
// plan is not measured at once, with the step the runs will end at; it showed pending
// until they ended.
func TestEvaluateNeverReached(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "fluid")
	fakeRun(t, dir, "fluid", "quick", "x_l1", nil, []fakeJob{
		{"sip", 0, 50, folder.Running, constant(1)},
		{"gd", 0, 50, folder.Running, constant(3)},
	})
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range info.Jobs {
		info.Jobs[i].Steps = 150 // the scale's runs end before fig7-200's step
	}
	writeJSONFile(t, filepath.Join(dir, "run.json"), info)
	tb, err := Evaluate(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := wantRow(t, tb, "fig7-200", NotMeasured, nan, nan, nan)
	if !strings.Contains(r.Note, "end at step 150") {
		t.Errorf("fig7-200's note %q; want the runs' end, step 150", r.Note)
	}
}

// TestEvaluateSettings: Figure 5's claims combine runs with the settings their terms pin
// (ξ and φ of rotation).
func TestEvaluateSettings(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	rot := func(name, xi, phi string, adam, sip float64) {
		fakeRun(t, filepath.Join(root, name), "rotation", "quick", "x_dist", map[string]string{"xi": xi, "phi": phi, "batch": "100"},
			jobs(2000, folder.Done, map[string][]float64{"sip": {sip}, "adam": {adam}}))
	}
	rot("a", "1", "0", 0.001, 0.001)
	rot("b", "32", "0", 0.1, 0.0012)
	rot("c", "32", "45", 0.4, 0.0015)
	tb, err := Evaluate(root)
	if err != nil {
		t.Fatal(err)
	}
	wantRow(t, tb, "fig5d", Holds, (0.1/0.001)/(0.0012/0.001), nan, nan)
	wantRow(t, tb, "fig5e", Holds, (0.4/0.1)/(0.0015/0.0012), nan, nan)
	wantRow(t, tb, "fig5c-ahead", Holds, 0.4/0.0015, nan, nan)
	wantRow(t, tb, "fig5c-only", NoRuns, nan, nan, nan) // no run of the other optimizers
}

// TestEvaluateTable1: the Table 1 claim reads each seed's evaluation of the reference
// network; a solver that never reaches the network's error makes the ratio infinite.
func TestEvaluateTable1(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "fluid")
	fakeRun(t, dir, "fluid", "paper", "x_l1", nil, jobs(250, folder.Done, map[string][]float64{"sip": {1, 1}, "gd": {2, 2}}))
	rec := func(job string, solverSeconds float64, reached int) summary.Table1Result {
		return summary.Table1Result{Job: job, Step: 250, Rows: []summary.Table1Row{
			{Name: "network", Network: true, Seconds: 1e-3, N: 16},
			{Name: "iterative solver", Iters: 2, Seconds: solverSeconds, Reached: reached, N: 16, Limit: 50},
		}}
	}
	if err := summary.WriteJobTable1(dir, rec("sip-seed0", 20, 16)); err != nil {
		t.Fatal(err)
	}
	tb, err := Evaluate(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := wantRow(t, tb, "table1", Holds, 2e4, 2e4, 2e4)
	if !slices.Equal(r.Seeds, []int{0}) || r.Step != 250 || !strings.Contains(r.Note, "2.0 iterations") {
		t.Errorf("table1: seeds %v step %d note %q", r.Seeds, r.Step, r.Note)
	}
	// The run's own table1.json (sipbench table1) counts for the job it names.
	if err := summary.WriteTable1(dir, rec("sip-seed1", 0, 0)); err != nil {
		t.Fatal(err)
	}
	if tb, err = Evaluate(dir); err != nil {
		t.Fatal(err)
	}
	r = rowOf(t, tb, "table1")
	if r.Verdict != Holds || len(r.Seeds) != 2 || !math.IsInf(r.Stats.Max, 1) || !strings.Contains(r.Note, "did not reach") {
		t.Errorf("table1 with a solver that did not reach: %+v", r)
	}
	// At the quick scale the same records are measured but not judged: the solver there
	// needs about one iteration, so the ratio is another race than the paper's.
	quick := filepath.Join(root, "fluid-quick")
	fakeRun(t, quick, "fluid", "quick", "x_l1", nil, jobs(250, folder.Done, map[string][]float64{"sip": {0}, "gd": {2}}))
	if err := summary.WriteJobTable1(quick, rec("sip-seed0", 20, 16)); err != nil {
		t.Fatal(err)
	}
	if tb, err = Evaluate(quick); err != nil {
		t.Fatal(err)
	}
	r = wantRow(t, tb, "table1", NotComparable, 2e4, 2e4, 2e4)
	if !strings.Contains(r.Note, "about one iteration where the paper's needs 7") {
		t.Errorf("table1 at the quick scale: note %q", r.Note)
	}
}

// TestEvaluateCheckFolder: a check folder's claims are pending until its runs have
// finished; a claim the scale plans nothing for is not measured, with the reason.
func TestEvaluateCheckFolder(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "check")
	pl, err := NewPlan(Quick, []int{0, 1}, []string{"poisson"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Create(dir, pl); err != nil {
		t.Fatal(err)
	}
	tb, err := Evaluate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Scale != Quick || len(tb.Rows) != 4 {
		t.Fatalf("scale %q, %d rows; want quick and poisson's 4 claims", tb.Scale, len(tb.Rows))
	}
	for _, r := range tb.Rows {
		if r.Verdict != Pending {
			t.Errorf("%s: %q before any run; want pending", r.Claim.ID, r.Verdict)
		}
	}
	fakeRun(t, filepath.Join(dir, "poisson"), "poisson", "quick", "x_l1", nil, jobs(100, folder.Done, map[string][]float64{
		"sip": {1, 1}, "adam": {4, 4}}))
	if tb, err = Evaluate(dir); err != nil {
		t.Fatal(err)
	}
	// Measured with every planned seed: final while the other poisson run has yet to train.
	wantRow(t, tb, "fig6b-60", Holds, 4, 4, 4)
	wantRow(t, tb, "fig6b-5k", Pending, nan, nan, nan)
	fakeRun(t, filepath.Join(dir, "poisson-2nd"), "poisson", "quick", "x_l1", nil, jobs(60, folder.Done, map[string][]float64{
		"adahessian": {2, 2}}))
	if tb, err = Evaluate(dir); err != nil {
		t.Fatal(err)
	}
	wantRow(t, tb, "fig6b-adahessian", Holds, 2, 2, 2)
	wantRow(t, tb, "fig6b-5k", NotMeasured, nan, nan, nan)
	if r := wantRow(t, tb, "fig6b-hf", NotMeasured, nan, nan, nan); !strings.Contains(r.Note, "--scale paper") {
		t.Errorf("fig6b-hf note %q; want why the quick check skips it", r.Note)
	}
	if err := Create(dir, pl); err == nil {
		t.Error("Create over a check folder succeeded")
	}
}

// TestUntrustedFolders: folders that point out of themselves are refused with an error.
func TestUntrustedFolders(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	bad := filepath.Join(root, "bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	writeJSONFile(t, filepath.Join(bad, PlanFile), Plan{Scale: Quick, Seeds: []int{0},
		Experiments: []Experiment{{Name: "../outside", Preset: "exp"}}})
	if _, err := Evaluate(bad); err == nil || !strings.Contains(err.Error(), "not a plain folder name") {
		t.Errorf("check.json with ../outside: %v", err)
	}
	run := filepath.Join(root, "run")
	fakeRun(t, run, "exp", "quick", "x_l1_low", nil, jobs(10, folder.Done, map[string][]float64{"adam": {1}}))
	info, _ := folder.ReadInfo(run)
	info.Jobs[0].ID = "../../etc"
	writeJSONFile(t, filepath.Join(run, "run.json"), info)
	if _, err := Evaluate(run); err == nil {
		t.Error("run.json naming a job ../../etc was read")
	}
	if _, err := Evaluate(filepath.Join(root, "missing")); err == nil {
		t.Error("a missing folder was read")
	}
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := Evaluate(empty); err == nil || !strings.Contains(err.Error(), "not a check, run or sweep folder") {
		t.Errorf("an empty folder: %v", err)
	}
}

// TestTrainStreamsRows trains a small check and records what Train reports: each claim's
// row once, as soon as its experiment has finished and before the next one starts; a
// second Train on the finished folder trains nothing and reports the same rows.
func TestTrainStreamsRows(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "check")
	pl := &Plan{Scale: Quick, Seeds: []int{0, 1}, Only: []string{"trajectories", "exp"}, Experiments: []Experiment{
		{Name: "trajectories", Preset: "trajectories", Methods: []string{"pi", "newton", "gd"}},
		{Name: "exp", Preset: "exp", Methods: []string{"rescaled", "adam", "sgd"}, Sets: []string{"steps=30"}},
	}}
	if err := Create(dir, pl); err != nil {
		t.Fatal(err)
	}
	var events []string
	o := TrainOptions{
		Workers: 2,
		Started: func(e Experiment, _ string) { events = append(events, "start "+e.Name) },
		Finished: func(e Experiment, _ string, _ map[string]folder.State, _ time.Duration) {
			events = append(events, "end "+e.Name)
		},
		Row: func(r Row) { events = append(events, "row "+r.Claim.ID+" "+string(r.Verdict)) },
	}
	tb, err := Train(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	fig2 := rowOf(t, tb, "fig2")
	want := []string{"start trajectories", "end trajectories", "row fig1 holds", "start exp", "end exp", "row fig2 " + string(fig2.Verdict)}
	if !slices.Equal(events, want) {
		t.Errorf("events %q; want %q", events, want)
	}
	if fig2.Step != 30 || len(fig2.Seeds) != 2 || !fig2.Verdict.Judged() {
		t.Errorf("fig2 %+v; want judged at step 30 over 2 seeds", fig2)
	}
	events = nil
	if _, err := Train(context.Background(), dir, o); err != nil {
		t.Fatal(err)
	}
	want = []string{"row fig1 holds", "row fig2 " + string(fig2.Verdict), "start trajectories", "end trajectories", "start exp", "end exp"}
	if !slices.Equal(events, want) {
		t.Errorf("again: events %q; want %q", events, want)
	}
}

// stepwise returns a value function that is a for the first 64 steps and b after: its
// running mean is a at step 64 and b at the end of a long run.
func stepwise(a, b float64) func(int) float64 {
	return func(s int) float64 {
		if s <= 64 {
			return a
		}
		return b
	}
}

// TestQuickScaleRows fills a whole quick check folder (seeds 0 and 1) with runs whose
// ratios are known and checks every claim's row: its verdict, the ratio shown and, where
// it falls short, how much of the paper's factor it reached.
func TestQuickScaleRows(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "check")
	pl, err := NewPlan(Quick, []int{0, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Create(dir, pl); err != nil {
		t.Fatal(err)
	}
	both := func(m string, steps int, v func(int) float64) []fakeJob {
		return []fakeJob{{m, 0, steps, folder.Done, v}, {m, 1, steps, folder.Done, v}}
	}
	run := func(name, preset, metric string, settings map[string]string, js ...[]fakeJob) {
		var all []fakeJob
		for _, j := range js {
			all = append(all, j...)
		}
		fakeRun(t, filepath.Join(dir, name), preset, Quick, metric, settings, all)
	}
	run("trajectories", "trajectories", "loss", nil,
		both("gd", 100, constant(1)), both("pi", 100, constant(0.01)), both("newton", 100, constant(0.05)))
	run("exp", "exp", "x_l1_low", nil,
		both("rescaled", 500, constant(1)), both("adam", 500, constant(3)), both("sgd", 500, constant(2.5)))
	var others [][]fakeJob
	for _, m := range rotationOthers {
		others = append(others, both(m, 200, stepwise(1, 0.5)))
	}
	run("rotation-xi32-phi45", "rotation", "x_dist", rot("32", "45"),
		append(others, both("sip", 200, stepwise(1, 0.005)), both("adam", 200, stepwise(1, 0.1)))...)
	run("rotation-xi1-phi0", "rotation", "x_dist", rot("1", "0"), both("sip", 200, constant(0.001)), both("adam", 200, constant(0.01)))
	run("rotation-xi32-phi0", "rotation", "x_dist", rot("32", "0"), both("sip", 200, constant(0.0012)), both("adam", 200, constant(0.1)))
	run("poisson", "poisson", "x_l1", nil, both("sip", 100, constant(0.1)), both("adam", 100, constant(0.15)))
	run("poisson-2nd", "poisson", "x_l1", nil, both("adahessian", 60, constant(0.3)))
	run("heat", "heat", "x_l1", nil, both("sip", 150, constant(1)), both("adam", 150, constant(1.2)))
	run("heat-2nd", "heat", "x_l1", nil, both("adahessian", 100, constant(2)))
	run("fluid", "fluid", "x_l1", nil, both("sip", 250, constant(1)), both("gd", 250, constant(2.5)))
	for seed, solver := range []float64{6e-3, 7e-3} {
		rec := summary.Table1Result{Job: folder.JobID("sip", seed), Step: 250, Rows: []summary.Table1Row{
			{Name: "network", Network: true, Seconds: 1e-3, N: 16},
			{Name: "iterative solver", Iters: 1.1, Seconds: solver, Reached: 16, N: 16, Limit: 50}}}
		if err := summary.WriteJobTable1(filepath.Join(dir, "fluid"), rec); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := Evaluate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id       string
		v        Verdict
		measured string
		reached  string // Reached, for a short row
		note     string // in the note
	}{
		{"fig1", Holds, "20×", "", ""},
		{"fig2", Holds, "2.5×", "", ""},
		{"fig5c-only", Holds, "5×", "", ""}, // progress min(200, 10) ÷ the others' 2
		{"fig5c-ahead", Holds, "20×", "", ""},
		{"fig5d", Holds, "8.33×", "", ""},
		{"fig5e", Fails, "0.24×", "", ""},
		{"fig6b-60", Short, "1.5×", "1.5× of 3×: half", ""},
		{"fig6b-5k", NotMeasured, "–", "", "needs step 5000; the runs end at step 100"},
		{"fig6b-adahessian", Holds, "3×", "", ""},
		{"fig6b-hf", NotMeasured, "–", "", "do not fit the quick check"},
		{"fig6d-100", Short, "1.2×", "1.2× of 1.34×: nine tenths", ""},
		{"fig6d-10k", NotMeasured, "–", "", "needs step 10000; the runs end at step 150"},
		{"fig6d-adahessian", Holds, "2×", "", ""},
		{"fig6d-hf", NotMeasured, "–", "", "do not fit the quick check"},
		{"fig7-200", Holds, "2.5×", "", ""},
		{"fig7-20k", NotMeasured, "–", "", "needs step 20000; the runs end at step 250"},
		// ratios 6 and 7: 2 seeds, so Student's interval 6.5 ± 12.706·0.5 = [0.147, 12.9]
		{"table1", NotComparable, "6.5× [0.147–12.9×]", "", "about one iteration where the paper's needs 7"},
	} {
		r := rowOf(t, tb, c.id)
		if r.Verdict != c.v || r.Measured() != c.measured || r.Reached() != c.reached || !strings.Contains(r.Note, c.note) {
			t.Errorf("%s: %q, measured %q, reached %q, note %q; want %q, %q, %q, a note with %q",
				c.id, r.Verdict, r.Measured(), r.Reached(), r.Note, c.v, c.measured, c.reached, c.note)
		}
	}
	if len(tb.Rows) != len(Claims()) {
		t.Errorf("%d rows; want every claim's (%d)", len(tb.Rows), len(Claims()))
	}
	n := tb.Count()
	if n[Holds] != 8 || n[Short] != 2 || n[Fails] != 1 || n[NotComparable] != 1 || n[NotMeasured] != 5 {
		t.Errorf("counts %v", n)
	}
}

// TestFullScaleVerdicts fills a full check folder (Poisson, heat and fluid; seeds 0 and
// 1) with runs to the steps the paper names and checks each verdict the full scale gives:
// holds, short of the paper (with the fraction reached, or the seed against), does not
// hold, not measured (jobs that diverged before the claim's step), and Table 1 judged, not
// set aside as at the quick scale.
func TestFullScaleVerdicts(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "check")
	pl, err := NewPlan(Full, []int{0, 1}, []string{"poisson", "heat", "fluid"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Create(dir, pl); err != nil {
		t.Fatal(err)
	}
	perSeed := func(m string, steps int, state folder.State, v0, v1 float64) []fakeJob {
		return []fakeJob{{m, 0, steps, state, constant(v0)}, {m, 1, steps, state, constant(v1)}}
	}
	run := func(name, preset string, js ...[]fakeJob) {
		var all []fakeJob
		for _, j := range js {
			all = append(all, j...)
		}
		fakeRun(t, filepath.Join(dir, name), preset, Paper, "x_l1", map[string]string{"grid": "64"}, all)
	}
	run("poisson", "poisson", perSeed("sip", 5000, folder.Done, 0.01, 0.01), perSeed("adam", 5000, folder.Done, 0.12, 0.11))
	run("poisson-2nd", "poisson", perSeed("adahessian", 60, folder.Done, 0.02, 0.02), perSeed("hf", 60, folder.Done, 0.009, 0.009))
	run("heat", "heat", perSeed("sip", 10000, folder.Done, 1, 1), perSeed("adam", 10000, folder.Done, 2, 1.6))
	run("heat-2nd", "heat", perSeed("adahessian", 100, folder.Done, 1.5, 1.5), perSeed("hf", 100, folder.Done, 1.2, 0.9))
	run("fluid", "fluid", perSeed("sip", 20000, folder.Done, 1, 1), perSeed("gd", 15000, folder.Diverged, 3, 3))
	for seed := range 2 {
		rec := summary.Table1Result{Job: folder.JobID("sip", seed), Step: 20000, Rows: []summary.Table1Row{
			{Name: "network", Network: true, Seconds: 1e-4, N: 64},
			{Name: "iterative solver", Iters: 7, Seconds: 2.2, Reached: 64, N: 64, Limit: 200}}}
		if err := summary.WriteJobTable1(filepath.Join(dir, "fluid"), rec); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := Evaluate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Scale != Full {
		t.Errorf("scale %q; want full", tb.Scale)
	}
	for _, c := range []struct {
		id       string
		v        Verdict
		measured string
		reached  string
		note     string
	}{
		// two seeds each: Student's interval, mean ± 12.706·|r₁ − r₂|/2 (11, 12: ± 6.35)
		{"fig6b-60", Holds, "11.5× [5.15–17.9×]", "", ""},
		{"fig6b-5k", Holds, "11.5× [5.15–17.9×]", "", ""},
		{"fig6b-adahessian", Holds, "2×", "", ""},
		{"fig6b-hf", Fails, "0.9×", "", ""},
		{"fig6d-100", Holds, "1.8× [-0.741–4.34×]", "", ""},
		{"fig6d-10k", Short, "1.8× [-0.741–4.34×]", "1.8× of 2.3×: about four fifths (78 %)", ""},
		{"fig6d-adahessian", Holds, "1.5×", "", ""},
		{"fig6d-hf", Short, "1.05× [-0.856–2.96×]", "1.05× of 1×, but seed 1 points the other way (0.9×)", ""},
		{"fig7-200", Holds, "3×", "", ""},
		{"fig7-20k", NotMeasured, "–", "", "needs step 20000; the runs end at step 15000"},
		{"table1", Holds, "22,000×", "", "the solver needs 7.0 iterations"},
	} {
		r := rowOf(t, tb, c.id)
		if r.Verdict != c.v || r.Measured() != c.measured || r.Reached() != c.reached || !strings.Contains(r.Note, c.note) {
			t.Errorf("%s: %q, measured %q, reached %q, note %q; want %q, %q, %q, a note with %q",
				c.id, r.Verdict, r.Measured(), r.Reached(), r.Note, c.v, c.measured, c.reached, c.note)
		}
		if r.Provisional != nil {
			t.Errorf("%s: a provisional ratio on a finished row", c.id)
		}
	}
	n := tb.Count()
	if n[Holds] != 7 || n[Short] != 2 || n[Fails] != 1 || n[NotMeasured] != 1 || len(tb.Rows) != 11 {
		t.Errorf("counts %v over %d rows", n, len(tb.Rows))
	}
}

// TestProvisional: while the jobs train, a long claim's row is pending with its ratio at
// the latest step every job of every seed has logged; once they pass the claim's step the
// row is final and has none.
func TestProvisional(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// SIP's error falls as 1/step, Adam's as 1/√step: the ratio at step s is √s.
	sip := func(s int) float64 { return 1 / float64(s) }
	adam := func(s int) float64 { return 1 / math.Sqrt(float64(s)) }
	fakeRun(t, filepath.Join(root, "heat"), "heat", Paper, "x_l1", nil, []fakeJob{
		{"sip", 0, 2300, folder.Running, sip}, {"adam", 0, 2400, folder.Running, adam},
		{"sip", 1, 2500, folder.Running, sip}, {"adam", 1, 2350, folder.Queued, adam},
	})
	tb, err := Evaluate(root)
	if err != nil {
		t.Fatal(err)
	}
	r := wantRow(t, tb, "fig6d-10k", Pending, nan, nan, nan)
	p := r.Provisional
	if p == nil || p.Step != 2300 || p.Of != 10000 || !slices.Equal(p.Seeds, []int{0, 1}) {
		t.Fatalf("provisional %+v; want step 2300 of 10000 over seeds 0 and 1", p)
	}
	// The running mean over 64 logged steps of each value at step 2300.
	var a, b float64
	for s := 2237; s <= 2300; s++ {
		a += adam(s)
		b += sip(s)
	}
	if want := a / b; math.Abs(p.Stats.Mean-want) > 1e-9*want || p.Stats.Min != p.Stats.Max {
		t.Errorf("provisional ratio %+v; want %g on both seeds", p.Stats, want)
	}
	if got, want := r.ProvisionalText(), "at step 2,300 of 10,000: "+FormatFactor(a/b)+", provisional"; got != want {
		t.Errorf("ProvisionalText %q; want %q", got, want)
	}
	if n := tb.Count(); n[Holds]+n[Short]+n[Fails] != 1 { // fig6d-100 only: the provisional row counts as pending
		t.Errorf("counts %v", n)
	}
	// The claim at step 100 is final, with no provisional ratio.
	if r := rowOf(t, tb, "fig6d-100"); !r.Verdict.Judged() || r.Provisional != nil {
		t.Errorf("fig6d-100: %q, provisional %+v", r.Verdict, r.Provisional)
	}
	// Nothing logged by a job yet: no provisional ratio.
	fakeRun(t, filepath.Join(root, "heat2"), "heat", Paper, "x_l1", nil, []fakeJob{
		{"sip", 0, 2300, folder.Running, sip}, {"adam", 0, 10, folder.Queued, adam}})
	write(t, filepath.Join(root, "heat2", "adam-seed0", "metrics.csv"), "step,wall_s,x_l1\n")
	if tb, err = Evaluate(filepath.Join(root, "heat2")); err != nil {
		t.Fatal(err)
	}
	if r := wantRow(t, tb, "fig6d-10k", Pending, nan, nan, nan); r.Provisional != nil {
		t.Errorf("a provisional ratio before every job has logged a step: %+v", r.Provisional)
	}
}

// TestGroupKey: runs that differ in learning rates, SGD's momentum (recorded or not: runs
// from before it was a setting have none), bookkeeping or pinned settings group together;
// runs that differ in another setting do not.
func TestGroupKey(t *testing.T) {
	pinned := map[string]bool{"xi": true}
	a := map[string]string{"xi": "1", "phi": "0", "lr.adam": "0.001", "steps": "100"}
	b := map[string]string{"xi": "32", "phi": "0", "lr.adam": "0.01", "momentum.sgd": "0.9", "steps": "200"}
	c := map[string]string{"xi": "32", "phi": "45", "momentum.sgd": "0"}
	if groupKey(a, pinned) != groupKey(b, pinned) {
		t.Errorf("groupKey(%v) = %q, groupKey(%v) = %q; want the same", a, groupKey(a, pinned), b, groupKey(b, pinned))
	}
	if groupKey(a, pinned) == groupKey(c, pinned) {
		t.Errorf("runs at φ = 0 and 45 share the group %q", groupKey(a, pinned))
	}
}
