package runner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/presets"
)

func spec(t testing.TB, preset string, methods []string, sets ...string) *presets.Spec {
	t.Helper()
	p, err := presets.Lookup(preset)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Resolve("quick", methods, sets)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// train runs spec to the end in a new folder and returns the folder and final states.
func train(t *testing.T, s *presets.Spec, seeds []int, workers int) (string, map[string]folder.State) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(s, seeds, dir)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), Options{Workers: workers})
	return dir, r.Wait()
}

func readAll(t *testing.T, dir, job string, names []string) []metrics.Row {
	t.Helper()
	rows, _, err := metrics.Read(dir, job, 0, names)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func sameMetrics(a, b []metrics.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Step != b[i].Step || !slices.Equal(a[i].Metrics, b[i].Metrics) {
			return false
		}
	}
	return true
}

// TestDeterministicAcrossWorkerCounts: the same seed gives the same metrics with 1, 2 and 3
// workers. This holds in every build, OpenBLAS's included (README, the openblas tag): every
// matrix product has the same shape whatever the workers, and each implementation gives the
// same bits for the same call (core's TestGemmConcurrent).
func TestDeterministicAcrossWorkerCounts(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"newton", "adam", "rescaled"}, "steps=60")
	d1, st1 := train(t, s, []int{0, 1}, 1)
	d3, st3 := train(t, s, []int{0, 1}, 3)
	info, _ := folder.ReadInfo(d1)
	if len(info.Jobs) != 6 {
		t.Fatalf("%d jobs; want 3 methods × 2 seeds", len(info.Jobs))
	}
	for _, j := range info.Jobs {
		if st1[j.ID] != folder.Done || st3[j.ID] != folder.Done {
			t.Fatalf("%s: states %s, %s; want done", j.ID, st1[j.ID], st3[j.ID])
		}
		a, b := readAll(t, d1, j.ID, info.Metrics), readAll(t, d3, j.ID, info.Metrics)
		if len(a) != 60 || !sameMetrics(a, b) {
			t.Errorf("%s: metrics differ between 1 and 3 workers (%d vs %d rows)", j.ID, len(a), len(b))
		}
	}
	// Jobs of one seed start from the same weights and see the same batches: their
	// first-step metrics (measured before the first update) are identical.
	a := readAll(t, d1, "newton-seed0", info.Metrics)[0]
	b := readAll(t, d1, "adam-seed0", info.Metrics)[0]
	if !slices.Equal(a.Metrics, b.Metrics) {
		t.Errorf("step-1 metrics of two methods of one seed differ: %v vs %v", a.Metrics, b.Metrics)
	}
	c := readAll(t, d1, "newton-seed1", info.Metrics)[0]
	if slices.Equal(a.Metrics, c.Metrics) {
		t.Errorf("seeds 0 and 1 give the same first batch")
	}
}

func TestResumeEqualsUninterruptedRun(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"newton-clipped", "sgd"}, "steps=50", "checkpoint_every=20")
	full, _ := train(t, s, []int{0}, 2)

	// An interrupted run, made deterministic: train the same spec for 33 steps (the final
	// checkpoint is at step 33), then turn the folder into a 50-step run that stopped at
	// 33, with rows past the checkpoint left in metrics.csv as a crash would leave them.
	short := spec(t, "exp", []string{"newton-clipped", "sgd"}, "steps=33", "checkpoint_every=20")
	dir, _ := train(t, short, []int{0}, 2)
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	info.Settings["steps"] = "50"
	for i := range info.Jobs {
		info.Jobs[i].Steps = 50
		id := info.Jobs[i].ID
		if err := folder.WriteStatus(dir, id, folder.Status{State: folder.Cancelled, Step: 33, Total: 50}); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(filepath.Join(dir, id, folder.MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("34,9.9,1,2,3,4,5\n35,9.9,1,2,3,4,5\n36,9.9,1,2") // a torn last line
		f.Close()
	}
	if err := folder.WriteJSON(filepath.Join(dir, folder.RunFile), info); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), Options{Workers: 1})
	for id, st := range r.Wait() {
		if st != folder.Done {
			t.Fatalf("%s: state %s after resume; want done", id, st)
		}
	}
	for _, j := range info.Jobs {
		a, b := readAll(t, full, j.ID, info.Metrics), readAll(t, dir, j.ID, info.Metrics)
		if len(b) != 50 || !sameMetrics(a, b) {
			t.Errorf("%s: resumed run differs from the uninterrupted one (%d vs %d rows)", j.ID, len(b), len(a))
		}
	}
}

func TestCancelStopsWithCheckpoint(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"rescaled"}, "steps=1000000")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(s, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := r.Subscribe()
	r.Start(ctx, Options{Workers: 1})
	for range sub.C {
		for _, e := range sub.Drain() {
			if e.Kind == EvMetrics && e.Step == 40 {
				cancel()
			}
		}
	}
	if st := r.Wait()["rescaled-seed0"]; st != folder.Cancelled {
		t.Fatalf("state %s after the context was cancelled; want cancelled", st)
	}
	status, _ := folder.ReadStatus(dir, "rescaled-seed0")
	rows := readAll(t, dir, "rescaled-seed0", r.Info.Metrics)
	if status.Step < 40 || len(rows) != status.Step {
		t.Errorf("status step %d, %d rows; want ≥ 40 and equal", status.Step, len(rows))
	}
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := newTrainer(r2.spec, r2.spec.Methods[0], r2.Info.Jobs[0], filepath.Join(dir, "rescaled-seed0"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := tr.loadCheckpoint(dir); !ok || err != nil || tr.step != status.Step {
		t.Errorf("checkpoint: %v, %v, step %d; want the cancelled step %d", ok, err, tr.step, status.Step)
	}
}

func TestDivergedJobStopsOthersFinish(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"newton", "sgd"}, "steps=200", "lr.sgd=1e38")
	dir, st := train(t, s, []int{0}, 2)
	if st["sgd-seed0"] != folder.Diverged {
		t.Errorf("sgd with lr 1e38: state %s; want diverged", st["sgd-seed0"])
	}
	if st["newton-seed0"] != folder.Done {
		t.Errorf("newton: state %s; want done", st["newton-seed0"])
	}
	status, err := folder.ReadStatus(dir, "sgd-seed0")
	if err != nil || status.State != folder.Diverged || !strings.Contains(status.Message, "non-finite") {
		t.Errorf("status.json = %+v, %v; want diverged with a message", status, err)
	}
}

func TestPanickingJobIsFailed(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"newton", "adam"}, "steps=20")
	s.Methods[0].Update = "no-such-update" // the problem panics on an unknown update
	dir, st := train(t, s, []int{0}, 2)
	if st["newton-seed0"] != folder.Failed {
		t.Errorf("state %s; want failed", st["newton-seed0"])
	}
	if st["adam-seed0"] != folder.Done {
		t.Errorf("the other job: state %s; want done", st["adam-seed0"])
	}
	status, _ := folder.ReadStatus(dir, "newton-seed0")
	if !strings.Contains(status.Message, "panic") {
		t.Errorf("message %q; want the panic's message", status.Message)
	}
}

func TestRunFolderFiles(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"newton"}, "steps=30", "snapshot_every=10", "checkpoint_every=10")
	dir, _ := train(t, s, []int{3}, 1)
	for _, f := range []string{folder.RunFile, "newton-seed3/" + folder.ConfigFile, "newton-seed3/" + folder.MetricsFile,
		"newton-seed3/" + folder.StatusFile, "newton-seed3/" + folder.SnapshotFile, "newton-seed3/" + folder.CheckpointFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	snap, err := folder.ReadSnapshot(dir, "newton-seed3")
	if err != nil || snap == nil || snap.Step != 30 || len(snap.Fields) != 4 {
		t.Fatalf("snapshot = %+v, %v; want step 30 with 4 fields", snap, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "newton-seed3", folder.MetricsFile))
	if !strings.HasPrefix(string(b), "step,wall_s,x_l1,") {
		t.Errorf("metrics.csv header: %q", strings.SplitN(string(b), "\n", 2)[0])
	}
	if _, err := Create(s, []int{3}, dir); err == nil {
		t.Error("Create over an existing run succeeded")
	}
}

func TestWatchReplaysFolder(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"newton", "adam"}, "steps=25")
	dir, _ := train(t, s, []int{0}, 2)
	w, err := OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Follow(context.Background(), 1, true); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	states := map[string]folder.State{}
	for _, e := range w.Subscribe().Drain() {
		if e.Kind == EvMetrics {
			counts[e.Job]++
		}
		if e.Kind == EvState {
			states[e.Job] = e.State
		}
	}
	for _, j := range w.Info.Jobs {
		if counts[j.ID] != 25 || states[j.ID] != folder.Done {
			t.Errorf("%s: %d metric events, state %s; want 25, done", j.ID, counts[j.ID], states[j.ID])
		}
	}
}

func TestPauseResume(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"newton"}, "steps=400")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(s, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := r.Subscribe()
	r.Pause("newton-seed0")
	r.Start(context.Background(), Options{Workers: 1})
	var sawPaused bool
	for range sub.C {
		for _, e := range sub.Drain() {
			if e.Kind == EvState && e.State == folder.Paused {
				sawPaused = true
				r.Resume("newton-seed0")
			}
		}
	}
	if st := r.Wait()["newton-seed0"]; !sawPaused || st != folder.Done {
		t.Errorf("paused %v, final %s; want a pause then done", sawPaused, st)
	}
}

// TestControlFile pauses and resumes a job through its control file, as another process
// (the dashboard of `sipbench watch`) does.
func TestControlFile(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"rescaled"}, "steps=100000")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(s, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := r.Subscribe()
	r.Start(context.Background(), Options{Workers: 1, FlushEvery: 5 * time.Millisecond})
	if err := folder.WriteControl(dir, "rescaled-seed0", "pause"); err != nil {
		t.Fatal(err)
	}
	var seq []folder.State
	for range sub.C {
		for _, e := range sub.Drain() {
			if e.Kind != EvState {
				continue
			}
			seq = append(seq, e.State)
			switch e.State {
			case folder.Paused:
				folder.WriteControl(dir, "rescaled-seed0", "resume")
			case folder.Running:
				if slices.Contains(seq, folder.Paused) {
					folder.WriteControl(dir, "rescaled-seed0", "cancel")
				}
			}
		}
	}
	want := []folder.State{folder.Running, folder.Paused, folder.Running, folder.Cancelled}
	if !slices.Equal(seq, want) {
		t.Errorf("states %v; want %v", seq, want)
	}
	if err := folder.WriteControl(dir, "rescaled-seed0", "explode"); err == nil {
		t.Error("writeControl accepted an unknown action")
	}
}

// TestDeterministicUNetAcrossThreads trains a small U-Net preset with 1 worker (both cores
// for the job's ops) and with 2 workers (one each): the metrics must be identical, in every
// build (see TestDeterministicAcrossWorkerCounts).
func TestDeterministicUNetAcrossThreads(t *testing.T) {
	t.Parallel()
	s := spec(t, "heat", []string{"sip", "adam"}, "steps=4", "grid=16", "batch=3")
	info := func(dir string) folder.Info { i, _ := folder.ReadInfo(dir); return i }
	for _, threads := range []int{1, 3} {
		d1 := filepath.Join(t.TempDir(), "a")
		r, err := Create(s, []int{0}, d1)
		if err != nil {
			t.Fatal(err)
		}
		r.Start(context.Background(), Options{Workers: 1, Threads: threads})
		r.Wait()
		d2, _ := train(t, s, []int{0}, 2)
		for _, j := range info(d1).Jobs {
			a, b := readAll(t, d1, j.ID, info(d1).Metrics), readAll(t, d2, j.ID, info(d1).Metrics)
			if len(a) != 4 || !sameMetrics(a, b) {
				t.Errorf("%s: metrics with %d threads differ from 2 workers × 1 thread", j.ID, threads)
			}
		}
	}
}

// TestOneTrainerPerFolder: while a run trains, a second Start on the same folder (another
// process in real use; the lock is per open file, so one process shows it too) fails.
func TestOneTrainerPerFolder(t *testing.T) {
	t.Parallel()
	s := spec(t, "exp", []string{"rescaled"}, "steps=1000000")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(s, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = r2.Start(context.Background(), Options{Workers: 1})
	if err == nil || !strings.Contains(err.Error(), "being trained by another process") {
		t.Errorf("second Start: %v; want the folder-in-use error", err)
	}
	r.Cancel("rescaled-seed0")
	r.Wait()
	r3, _ := Open(dir)
	if err := r3.Start(context.Background(), Options{Workers: 1}); err != nil {
		t.Errorf("Start after the first run ended: %v", err)
	}
	r3.Cancel("rescaled-seed0")
	r3.Wait()
}
