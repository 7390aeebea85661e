package tune

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

// TestTunerRotation tunes two methods of rotation over 3 rates (2 rungs of 3 and 2 rates,
// then 1: 3 rungs) for a few steps: tuned.json has every rung's curve, the best rate is
// one of the last rung's, the budget counts every job's steps, and a second Run over the
// same folder (a resume) trains nothing more and gives the same record.
func TestTunerRotation(t *testing.T) {
	p, err := presets.Lookup("rotation")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "tune")
	plan := Plan{Preset: "rotation", Methods: []string{"sip", "adam"}, Sets: []string{"batch=8"}, Lo: 1e-3, Hi: 1e-2, PerDecade: 2, Steps: 8, Seed: 1, Validation: 16}
	tu := &Tuner{Dir: dir, Plan: plan, Preset: p, Workers: 2}
	rec, err := tu.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Done || len(rec.Grid) != 3 || len(rec.Rungs) != 3 || len(rec.Best) != 2 {
		t.Fatalf("record: done %v, grid %v, %d rungs, best %v", rec.Done, rec.Grid, len(rec.Rungs), rec.Best)
	}
	wantSteps := Schedule(3, 8) // 2, 4, 8
	jobs, steps := 0, 0
	for i, r := range rec.Rungs {
		if r.Steps != wantSteps[i] || len(r.Curves) != 2 {
			t.Errorf("rung %d: %d steps, %d curves; want %d, 2", i, r.Steps, len(r.Curves), wantSteps[i])
		}
		for _, c := range r.Curves {
			jobs += len(c.Rates)
			steps += len(c.Rates) * r.Steps
		}
	}
	if rec.Budget.Jobs != jobs || rec.Budget.Steps != steps || jobs != 2*(3+2+1) {
		t.Errorf("budget %+v; want %d jobs, %d steps", rec.Budget, jobs, steps)
	}
	for _, b := range rec.Best {
		last := rec.Rungs[2].Curves[0]
		if b.Method == "adam" {
			last = rec.Rungs[2].Curves[1]
		}
		if b.LR != last.Rates[0] || math.IsInf(float64(b.Score), 0) || b.Default <= 0 {
			t.Errorf("best %+v; want the last rung's rate %v, a finite score, the preset's rate", b, last.Rates)
		}
	}
	back, err := Read(dir)
	if err != nil || !reflect.DeepEqual(back.Best, rec.Best) || len(back.Rungs) != 3 {
		t.Errorf("Read: %v, %+v", err, back)
	}
	// The rungs are sweeps: show and runs read them.
	if !runner.IsSweep(filepath.Join(dir, "rung-0")) {
		t.Error("rung-0 is not a sweep folder")
	}
	m0, _ := os.ReadFile(filepath.Join(dir, "rung-0", RateDir(1e-3), runner.JobID("sip", 1), "metrics.csv"))
	tu2 := &Tuner{Dir: dir, Plan: plan, Preset: p, Workers: 2}
	rec2, err := tu2.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := os.ReadFile(filepath.Join(dir, "rung-0", RateDir(1e-3), runner.JobID("sip", 1), "metrics.csv"))
	if !reflect.DeepEqual(rec2.Best, rec.Best) || !reflect.DeepEqual(rec2.Rungs, rec.Rungs) || string(m0) != string(m1) || len(m0) == 0 {
		t.Errorf("a resumed search differs or trained again: %+v", rec2.Best)
	}
}
