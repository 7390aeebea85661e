package runner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// TestCreateAtomic: a run folder appears whole or not at all. While Create makes 300 jobs,
// the folder, whenever it exists, holds run.json and every job (it was made in place, so
// a SIGTERM during creation left a folder that was neither a run nor reusable: issue 26).
// A creation killed before its rename (a hidden .NAME.creating-ID folder, with a run.json)
// is not listed as a run, and the next Create of NAME removes it once its lock is free
// and it is a minute old; a fresh one, or one whose lock is held, is left alone.
func TestCreateAtomic(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "run")
	seeds := make([]int, 300)
	for i := range seeds {
		seeds[i] = i
	}
	s := spec(t, "exp", []string{"rescaled"}, "steps=10")
	done := make(chan error)
	go func() {
		_, err := Create(s, seeds, dir)
		done <- err
	}()
	seen := 0
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		default:
		}
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		seen++
		entries, _ := os.ReadDir(dir)
		if _, err := os.Stat(filepath.Join(dir, folder.RunFile)); err != nil || len(entries) != len(seeds)+2 { // jobs, run.json, lock
			t.Fatalf("the folder exists with %d entries, run.json: %v; want the whole run", len(entries), err)
		}
	}
	if seen == 0 {
		t.Fatal("no folder after Create")
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("%d entries beside the run; want none", len(entries)-1)
	}

	// A killed creation's folder, a fresh one and one being made (its lock held).
	stale, fresh, held := filepath.Join(root, ".new.creating-dead"), filepath.Join(root, ".new.creating-young"), filepath.Join(root, ".new.creating-held")
	for _, d := range []string{stale, fresh, held} {
		os.Mkdir(d, 0o755)
		os.WriteFile(filepath.Join(d, folder.RunFile), []byte(`{}`), 0o644)
		os.WriteFile(filepath.Join(d, folder.LockFile), nil, 0o644)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	os.Chtimes(held, old, old)
	release, err := folder.LockRun(held)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	runs, _ := folder.ListRuns(root)
	st, _ := summary.NewIndex(root).Scan()
	if len(runs) != 1 || len(st) != 1 {
		t.Errorf("ListRuns %v, Scan %d runs; want the run only", runs, len(st))
	}
	if _, err := Create(s, []int{0}, filepath.Join(root, "new")); err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			left = append(left, e.Name())
		}
	}
	if want := []string{".new.creating-held", ".new.creating-young"}; !slices.Equal(left, want) {
		t.Errorf("left %v; want %v", left, want)
	}
}
