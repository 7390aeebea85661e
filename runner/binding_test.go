package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// TestForeignCheckpointRefused reproduces issue 26's second defect: a checkpoint.bin of
// the same preset and job id copied from another run (there: ξ = 1 into ξ = 32) resumed
// silently, cutting metrics.csv back to the foreign step. Each checkpoint now records its
// run's id and a hash of the job's settings; a mismatch is refused naming both, the job is
// recorded failed at the step it had reached, and not a row is cut.
func TestForeignCheckpointRefused(t *testing.T) {
	t.Parallel()
	const job = "rescaled-seed0"
	other, _ := train(t, spec(t, "exp", []string{"rescaled"}, "steps=40", "checkpoint_every=10", "lr.rescaled=0.002"), []int{0}, 1)
	foreign, _ := os.ReadFile(filepath.Join(other, job, folder.CheckpointFile))
	old, err := os.ReadFile(filepath.Join("..", "cli", "testdata", "compat", "format1-exp", job, folder.CheckpointFile)) // no run id
	if err != nil {
		t.Fatal(err)
	}
	otherInfo, _ := folder.ReadInfo(other)
	for _, c := range []struct {
		name   string
		ckpt   []byte
		noID   bool     // the target run.json has no id (a folder from before run ids)
		want   []string // in the refusal
		accept bool
	}{
		{"another run's", foreign, false, []string{"belongs to another run (run id " + otherInfo.ID, "this run is run id "}, false},
		{"another run's, into a folder without run ids", foreign, true, []string{"belongs to another run (run id " + otherInfo.ID, "this run is run id none"}, false},
		{"one from before run ids, into a run with an id", old, false, []string{"belongs to another run (run id none (written before run ids), settings hash none)"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, st := train(t, spec(t, "exp", []string{"rescaled"}, "steps=60", "checkpoint_every=10"), []int{0}, 1)
			if st[job] != folder.Done {
				t.Fatalf("state %s", st[job])
			}
			if c.noID {
				var m map[string]any
				b, _ := os.ReadFile(filepath.Join(dir, folder.RunFile))
				json.Unmarshal(b, &m)
				delete(m, "id")
				b, _ = json.Marshal(m)
				os.WriteFile(filepath.Join(dir, folder.RunFile), b, 0o644)
			}
			if err := folder.SetJobState(dir, job, folder.Cancelled, ""); err != nil { // resumable
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, job, folder.CheckpointFile), c.ckpt, 0o644)
			rowsBefore, _ := os.ReadFile(filepath.Join(dir, job, folder.MetricsFile))
			r, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Start(context.Background(), Options{Workers: 1}); err != nil {
				t.Fatal(err)
			}
			if st := r.Wait()[job]; st != folder.Failed {
				t.Fatalf("state %s; want failed", st)
			}
			s, _ := folder.ReadStatus(dir, job)
			for _, w := range append(c.want, "refused", "remove it to train the job from its start") {
				if !strings.Contains(s.Message, w) {
					t.Errorf("message %q; want %q", s.Message, w)
				}
			}
			if s.Step != 60 {
				t.Errorf("recorded failed at step %d; want 60, the step it had reached", s.Step)
			}
			if rowsAfter, _ := os.ReadFile(filepath.Join(dir, job, folder.MetricsFile)); !bytes.Equal(rowsBefore, rowsAfter) {
				t.Errorf("metrics.csv changed from %d to %d bytes though the checkpoint was refused", len(rowsBefore), len(rowsAfter))
			}
		})
	}
}

// TestRunIDWrittenAndChecked: a new run's run.json has a random id, and its checkpoints
// carry it and the settings hash; a run.json whose id is not hexadecimal is refused.
func TestRunIDWrittenAndChecked(t *testing.T) {
	t.Parallel()
	dir, _ := train(t, spec(t, "exp", []string{"rescaled"}, "steps=10"), []int{0}, 1)
	info, err := folder.ReadInfo(dir)
	if err != nil || len(info.ID) != 16 {
		t.Fatalf("run id %q, %v", info.ID, err)
	}
	_, meta, err := folder.ReadCheckpoint(dir, "rescaled-seed0")
	if err != nil || meta.Run != info.ID || meta.Settings != settingsHash(info, info.Jobs[0]) || meta.Settings == "" {
		t.Errorf("checkpoint binds run %q settings %q, %v; want %q", meta.Run, meta.Settings, err, info.ID)
	}
	b, _ := os.ReadFile(filepath.Join(dir, folder.RunFile))
	os.WriteFile(filepath.Join(dir, folder.RunFile), bytes.Replace(b, []byte(info.ID), []byte(`\u001b]0;pwned\u0007`), 1), 0o644)
	if _, err := folder.ReadInfo(dir); err == nil || !strings.Contains(err.Error(), "is not hexadecimal digits") {
		t.Errorf("a run id of escapes: %v", err)
	}
}
