package runner

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// FuzzCheckpoint loads mutated checkpoints into a job of exp as a resume does: an error,
// or the job restored with a step within its steps; never a panic.
func FuzzCheckpoint(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "folder", "testdata", "seeds", folder.CheckpointFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("SIPBCKPT"))
	s := spec(f, "exp", []string{"rescaled"}, "steps=20")
	info := folder.JobInfo{ID: "rescaled-seed0", Method: "rescaled", Seed: 0, Steps: 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, _, err := folder.ParseCheckpoint(bufio.NewReader(bytes.NewReader(b)), info.ID); err != nil {
			return // the common case: no need for a trainer
		}
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, info.ID), 0o755)
		os.WriteFile(filepath.Join(dir, info.ID, folder.CheckpointFile), b, 0o644)
		tr, err := newTrainer(s, s.Methods[0], info, filepath.Join(dir, info.ID))
		if err != nil {
			t.Fatal(err)
		}
		ok, err := tr.loadCheckpoint(dir)
		if err != nil {
			if !strings.Contains(err.Error(), "remove it") && !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("error without advice: %v", err)
			}
			return
		}
		if !ok || tr.step < 0 || tr.step > info.Steps {
			t.Fatalf("loaded: %v, step %d", ok, tr.step)
		}
	})
}
