package runner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// TestLoadModel trains a tiny poisson run and checks that LoadModel gives the weights and
// BatchNorm statistics that the job's own resume path (loadCheckpoint) restores, and
// evaluation-mode predictions equal to the trainer's network's on an eval tape.
func TestLoadModel(t *testing.T) {
	t.Parallel()
	s := spec(t, "poisson", []string{"sip", "adam"}, "steps=3", "batch=2", "grid=16")
	dir, st := train(t, s, []int{0}, 2)
	if st["sip-seed0"] != folder.Done {
		t.Fatalf("states %v", st)
	}
	m, err := summary.LoadModel(dir, "sip-seed0")
	if err != nil {
		t.Fatal(err)
	}
	if m.Step != 3 || m.Job.Method != "sip" || m.Spec.Preset.Name != "poisson" {
		t.Fatalf("model at step %d of %s/%s; want step 3 of poisson/sip", m.Step, m.Spec.Preset.Name, m.Job.Method)
	}
	tr, err := newTrainer(s, s.Methods[0], m.Job, filepath.Join(dir, "sip-seed0"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := tr.loadCheckpoint(dir); !ok || err != nil {
		t.Fatalf("loadCheckpoint: %v %v", ok, err)
	}
	for i, p := range tr.net.Params() {
		if !slices.Equal(p.Value.Data, m.Net.Params()[i].Value.Data) {
			t.Fatalf("param %d (%s) differs", i, p.Name)
		}
	}
	for i, b := range tr.net.Buffers() {
		if !slices.Equal(b.Data, m.Net.Buffers()[i].Data) {
			t.Fatalf("buffer %d differs", i)
		}
	}
	prob := s.NewProblem()
	_, y := prob.Sample(tr.rng, 3)
	tape := core.NewTape()
	tape.Training = false
	want := tr.net.Forward(tape.Const(y)).Value
	got := m.Predict(prob, y, 1)
	again := m.Predict(prob, y, 2)
	if !slices.Equal(got.Data, want.Data) || !slices.Equal(again.Data, want.Data) {
		t.Errorf("Predict differs from the trainer's network in evaluation mode")
	}
}

func TestLoadModelErrors(t *testing.T) {
	t.Parallel()
	s := spec(t, "poisson", []string{"sip"}, "steps=1", "batch=1", "grid=16")
	dir, _ := train(t, s, []int{0}, 1)
	os.Remove(filepath.Join(dir, "sip-seed0", folder.CheckpointFile))
	sol := spec(t, "trajectories", []string{"gd"}, "steps=3")
	sdir, _ := train(t, sol, []int{0}, 1)
	for _, c := range []struct{ dir, job, want string }{
		{t.TempDir(), "sip-seed0", "not a run folder"},
		{dir, "adam-seed0", "no job \"adam-seed0\" (jobs: sip-seed0)"},
		{dir, "sip-seed0", "no checkpoint"},
		{sdir, "gd-seed0", "trains no network"},
	} {
		if _, err := summary.LoadModel(c.dir, c.job); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadModel(%s, %s): error %v; want %q", c.dir, c.job, err, c.want)
		}
	}
}
