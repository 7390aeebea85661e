package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/tune"
)

// tuneRotation tunes methods (a,b) of rotation over the rates 1e-3 and 1e-2, 8 steps a
// job, into root/tune; it fails the test unless the search finishes and its output holds
// each of wants, and returns the tune folder and its record.
func tuneRotation(t *testing.T, root, methods string, wants ...string) (string, *tune.Record) {
	t.Helper()
	dir := filepath.Join(root, "tune")
	code, out, errOut := capture(t, "tune", "rotation", "--methods", methods, "--lr", "1e-3:1e-2", "--per-decade", "1",
		"--steps", "8", "--validation", "16", "--set", "batch=8", "--out", dir)
	if code != 0 {
		t.Fatalf("tune: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("tune: no %q in:\n%s", w, out)
		}
	}
	rec, err := tune.Read(dir)
	if err != nil || !rec.Done {
		t.Fatalf("tuned.json: %v, %+v", err, rec)
	}
	return dir, rec
}

// TestTuneThenRunTuned tunes two methods of rotation over two rates (two rungs) for a few
// steps, then trains at the tuned rates: run.json records them as tuned, and show says so.
func TestTuneThenRunTuned(t *testing.T) {
	root := t.TempDir()
	dir, rec := tuneRotation(t, root, "sip,adam", "TUNED LR", "budget: 6 jobs")
	if len(rec.Best) != 2 || len(rec.Rungs) != 2 {
		t.Fatalf("tuned.json: %+v", rec)
	}
	run := filepath.Join(root, "run")
	if code, _, errOut := capture(t, "run", "rotation", "--methods", "sip,adam", "--tuned", dir, "--steps", "4", "--headless", "--out", run); code != 0 {
		t.Fatalf("run --tuned: exit %d: %s", code, errOut)
	}
	info, err := folder.ReadInfo(run)
	if err != nil || info.Tuned == nil || info.Tuned.Rates["adam"] != rec.Best[1].LR {
		t.Fatalf("run.json: %v, tuned %+v; want adam at %v", err, info.Tuned, rec.Best[1].LR)
	}
	for _, b := range rec.Best {
		if got, ok := info.Rate(b.Method); !ok || got != b.LR {
			t.Errorf("%s trains at lr %g (%v); want the tuned %g", b.Method, got, ok, b.LR)
		}
		if _, ok := info.Settings["lr."+b.Method]; ok {
			t.Errorf("run.json's settings record lr.%s: a method's rate is recorded with the method", b.Method)
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

// TestTuneMomentum tunes SGD's momentum with its rate (2 rates × 4 momenta, 4 rungs) and
// SIP's rate alone (2 points) on rotation for a few steps: tuned.json records SGD's best
// momentum beside the preset's, a run at the tuned point trains with it (run.json's
// momentum.sgd, the job's method), and --lr-only searches the rates alone.
func TestTuneMomentum(t *testing.T) {
	root := t.TempDir()
	dir, rec := tuneRotation(t, root, "sip,sgd", "crossed with sgd's momentum 0 to 0.99", "OTHER (PRESET'S)")
	if len(rec.Rungs) != tune.Rungs(8) {
		t.Fatalf("tuned.json: %+v", rec)
	}
	first := rec.Rungs[0].Curves
	if len(first[0].Rates) != 2 || len(first[0].Hypers) != 0 || len(first[1].Rates) != 8 || len(first[1].Hypers) != 8 ||
		first[1].Hypers[1][0] != (tune.HyperValue{Name: "momentum", Value: 0.5}) {
		t.Fatalf("rung 0: sip %v, sgd %v %v", first[0].Rates, first[1].Rates, first[1].Hypers)
	}
	sgd := rec.Best[1]
	if sgd.Method != "sgd" || len(sgd.Hypers) != 1 || sgd.Hypers[0].Name != "momentum" || len(sgd.DefaultHypers) != 1 {
		t.Fatalf("sgd's best: %+v", sgd)
	}
	if _, err := os.Stat(filepath.Join(dir, "rung-0", sgd.Point().Dir(), folder.JobID("sgd", 0), "metrics.csv")); err != nil {
		t.Errorf("the best point's run folder: %v", err)
	}
	run := filepath.Join(root, "run")
	if code, _, errOut := capture(t, "run", "rotation", "--methods", "sip,sgd", "--tuned", dir, "--steps", "4", "--headless", "--out", run); code != 0 {
		t.Fatalf("run --tuned: exit %d: %s", code, errOut)
	}
	info, err := folder.ReadInfo(run)
	if err != nil {
		t.Fatal(err)
	}
	mu := strconv.FormatFloat(sgd.Hypers[0].Value, 'g', -1, 64)
	if info.Tuned == nil || info.Tuned.Other["momentum.sgd"] != mu {
		t.Errorf("run.json's tuned: %+v; want momentum.sgd %s among the other tuned settings", info.Tuned, mu)
	}
	if code, out, _ := capture(t, "show", run); code != 0 || !strings.Contains(out, "also tuned: momentum.sgd="+mu) {
		t.Errorf("show of a run at a tuned momentum: exit %d:\n%s", code, out)
	}
	if v, ok := info.Settings["momentum.sgd"]; ok { // the method records it (config.json), in one place
		t.Errorf("run.json's settings copy momentum.sgd=%s", v)
	}
	if c, err := folder.ReadJobConfig(run, folder.JobID("sgd", 0)); err != nil || c.Method.Momentum != sgd.Hypers[0].Value {
		t.Errorf("sgd's job config: %v, %+v; want momentum %v", err, c, sgd.Hypers[0].Value)
	}
	if code, _, errOut := capture(t, "run", "rotation", "--methods", "sgd", "--tuned", dir, "--set", "momentum.sgd=0.1", "--out", filepath.Join(root, "x")); code != 2 ||
		!strings.Contains(errOut, "both give momentum.sgd") {
		t.Errorf("run --tuned with --set momentum.sgd: exit %d, %s", code, errOut)
	}
	if code, _, errOut := capture(t, "tune", "rotation", "--methods", "sgd", "--set", "momentum.sgd=0.1", "--out", filepath.Join(root, "y")); code != 2 ||
		!strings.Contains(errOut, "tune searches sgd's momentum") {
		t.Errorf("tune --set momentum.sgd: exit %d, %s", code, errOut)
	}
	lr := filepath.Join(root, "lronly")
	code, out, errOut := capture(t, "tune", "rotation", "--methods", "sgd", "--lr-only", "--lr", "1e-3:1e-2", "--per-decade", "1",
		"--steps", "4", "--validation", "16", "--set", "batch=8", "--set", "momentum.sgd=0.5", "--out", lr)
	if rec, err := tune.Read(lr); code != 0 || err != nil || len(rec.Rungs) != 2 || len(rec.Best[0].Hypers) != 0 {
		t.Errorf("tune --lr-only: exit %d, %s, %v:\n%s", code, errOut, err, out)
	}
}
