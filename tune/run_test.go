package tune

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
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
	if !folder.IsSweep(filepath.Join(dir, "rung-0")) {
		t.Error("rung-0 is not a sweep folder")
	}
	// The app's view: every rung's run folders, and each point kept or dropped as recorded.
	v, err := ReadView(dir)
	if err != nil || !IsFolder(dir) || !v.Done || len(v.Rungs) != 3 || len(v.Best) != 2 {
		t.Fatalf("ReadView: %v, %+v", err, v)
	}
	for i, vr := range v.Rungs {
		kept, dropped := 0, 0
		for _, k := range vr.Kept {
			if k {
				kept++
			} else {
				dropped++
			}
		}
		want := []int{3, 2, 1}[i] // points per method; a run per rate alive for either method
		if len(vr.Runs) < want || len(vr.Runs) > 3 || kept+dropped != 2*want || vr.Steps != wantSteps[i] || i < 2 && kept != 2*[]int{2, 1}[i] {
			t.Errorf("view rung %d: %d runs, %d kept, %d dropped, %d steps; want %d points per method at %d steps", i, len(vr.Runs), kept, dropped, vr.Steps, want, wantSteps[i])
		}
	}
	m0, _ := os.ReadFile(filepath.Join(dir, "rung-0", RateDir(1e-3), folder.JobID("sip", 1), "metrics.csv"))
	tu2 := &Tuner{Dir: dir, Plan: plan, Preset: p, Workers: 2}
	rec2, err := tu2.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := os.ReadFile(filepath.Join(dir, "rung-0", RateDir(1e-3), folder.JobID("sip", 1), "metrics.csv"))
	if !reflect.DeepEqual(rec2.Best, rec.Best) || !reflect.DeepEqual(rec2.Rungs, rec.Rungs) || string(m0) != string(m1) || len(m0) == 0 {
		t.Errorf("a resumed search differs or trained again: %+v", rec2.Best)
	}
}

// TestTunerHypers: with Plan.Hypers, each method's candidates cross the rates with the
// values its optimizer declares (HIG's and Gauss–Newton's τ, SGD's momentum; Adam none),
// without it the rates alone; a point's spec trains with its values.
func TestTunerHypers(t *testing.T) {
	p, err := presets.Lookup("rotation")
	if err != nil {
		t.Fatal(err)
	}
	grid := Grid(1e-3, 1e-1, 1)
	tu := &Tuner{Plan: Plan{Preset: "rotation", Methods: []string{"hig", "gn", "sgd", "adam"}, Hypers: true}, Preset: p}
	c := tu.Candidates(grid)
	if len(c["hig"]) != 12 || len(c["gn"]) != 12 || len(c["sgd"]) != 12 || len(c["adam"]) != 3 || c["hig"][1].Hypers[0] != (HyperValue{Name: "tau", Value: 1e-6}) {
		t.Fatalf("candidates: hig %d, gn %d, sgd %d, adam %d: %v", len(c["hig"]), len(c["gn"]), len(c["sgd"]), len(c["adam"]), c["hig"][:2])
	}
	tu.Plan.Hypers = false
	if c := tu.Candidates(grid); len(c["hig"]) != 3 || len(c["sgd"]) != 3 {
		t.Errorf("without Hypers: hig %d, sgd %d candidates; want the 3 rates", len(c["hig"]), len(c["sgd"]))
	}
	pt := Point{LR: 0.5, Hypers: []HyperValue{{Name: "tau", Value: 1e-4}}}
	spec, err := tu.Spec([]string{"hig", "gn"}, pt, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range spec.Methods {
		if m.LR != 0.5 || m.Tau != 1e-4 || spec.Common.Steps != 5 {
			t.Errorf("%s at %s: lr %v, τ %v, %d steps", m.Name, pt.Dir(), m.LR, m.Tau, spec.Common.Steps)
		}
	}
	if spec.Methods[0].Kappa == spec.Methods[1].Kappa {
		t.Errorf("hig and gn share κ %v: κ names the method and is not tuned", spec.Methods[0].Kappa)
	}
}

// TestEdges: a best value that is the lowest or highest its search tried is named (the
// best may lie beyond it), except a value of 0, the least there is; inner values are not.
func TestEdges(t *testing.T) {
	grid := Grid(1e-5, 1e-1, 2)
	mom := []optimizers.Hyper{{Name: "momentum", Values: []float64{0, 0.5, 0.9, 0.99}}}
	tau := []optimizers.Hyper{{Name: "tau", Values: []float64{1e-8, 1e-6, 1e-4, 1e-2}}}
	for _, c := range []struct {
		p    Point
		hs   []optimizers.Hyper
		want string
	}{
		{Point{LR: 1e-5, Hypers: []HyperValue{{"momentum", 0}}}, mom, "lr 1e-05, the lowest tried"},
		{Point{LR: 0.1, Hypers: []HyperValue{{"momentum", 0.99}}}, mom, "lr 0.1, the highest tried|momentum 0.99, the highest tried"},
		{Point{LR: 1e-3, Hypers: []HyperValue{{"tau", 1e-8}}}, tau, "tau 1e-08, the lowest tried"},
		{Point{LR: 1e-3, Hypers: []HyperValue{{"momentum", 0.5}}}, mom, ""},
		{Point{LR: 3.16e-4}, nil, ""},
	} {
		if got := strings.Join(edges(c.p, grid, c.hs), "|"); got != c.want {
			t.Errorf("edges(%s) = %q; want %q", c.p, got, c.want)
		}
	}
}
