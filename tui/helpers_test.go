package tui

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testdata is the package's testdata folder, found before any test changes directory.
var testdata, _ = filepath.Abs("testdata")

// golden compares got (ANSI stripped) with testdata/name.golden, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = ansi.Strip(got)
	path := filepath.Join(testdata, name+".golden")
	if *update {
		if err := os.MkdirAll(testdata, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run go test ./tui -update to accept):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// xtermEnv is the environment of a plain xterm (16 colours: braille charts, glyph-ramp
// heatmaps), in which the goldens were made; tests pass it so that they do not depend on
// the TERM of the shell or CI machine running them.
func xtermEnv(k string) string {
	if k == "TERM" {
		return "xterm"
	}
	return ""
}

// testRun is a run of three methods on one seed, with two metrics.
func testRun(methods ...string) folder.Info {
	if len(methods) == 0 {
		methods = []string{"SIP", "Adam", "SGD"}
	}
	info := folder.Info{Preset: "poisson", Scale: "quick", Metrics: []string{"x_l1", "loss"}}
	for _, m := range methods {
		info.Jobs = append(info.Jobs, folder.JobInfo{ID: m + "-seed0", Method: m, Steps: 1000, Optimizer: "adam", LR: 1e-3})
	}
	return info
}

// metricEvents returns steps 1..n of job id: x_l1 = a·exp(−step/tau) + floor and
// loss = its square, logged every step at 100 steps per second.
func metricEvents(id string, n int, a, tau, floor float64) []runner.Event {
	evs := []runner.Event{{Job: id, Kind: runner.EvState, State: folder.Running}}
	for s := 1; s <= n; s++ {
		v := a*math.Exp(-float64(s)/tau) + floor
		evs = append(evs, runner.Event{Job: id, Kind: runner.EvMetrics, Step: s, Wall: float64(s) / 100, Metrics: []float64{v, v * v}})
	}
	return evs
}

// testField returns a deterministic field of shape [1, n, n] (a smooth bump times scale,
// plus shift).
func testField(name string, n int, scale, shift float64) folder.Field {
	f := folder.Field{Name: name, Shape: []int{1, n, n}, Data: make([]float32, n*n)}
	for i := range n {
		for j := range n {
			x, y := float64(j)/float64(n-1)-0.5, float64(i)/float64(n-1)-0.5
			f.Data[i*n+j] = float32(scale*math.Exp(-8*(x*x+y*y)) + shift + 0.3*x)
		}
	}
	return f
}

// snapshotEvent returns a snapshot of job id with truth, observation, a prediction off by
// errScale and its error.
func snapshotEvent(id string, n int, errScale float64) runner.Event {
	truth := testField("x*", n, 1, 0)
	pred := testField("x", n, 1+errScale, 0)
	e := folder.Field{Name: "x-x*", Shape: truth.Shape, Data: make([]float32, len(truth.Data))}
	for i := range e.Data {
		e.Data[i] = pred.Data[i] - truth.Data[i]
	}
	return runner.Event{Job: id, Kind: runner.EvSnapshot, Snapshot: &folder.Snapshot{
		Step: 100, Fields: []folder.Field{truth, testField("y*", n, -2, 1), pred, e}}}
}
