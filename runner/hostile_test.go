package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

var (
	hostileBaseOnce sync.Once
	hostileBase     string
)

// hostileFolder returns a copy of a run of exp (method rescaled, seed 0) stopped at step
// 10 of 20, with the files of testdata/hostile/name copied over it, in a folder of its own
// inside a fresh parent (so that nothing may appear beside it).
func hostileFolder(t *testing.T, name string) (parent, dir string) {
	t.Helper()
	hostileBaseOnce.Do(func() {
		base, err := os.MkdirTemp("", "sipbench-hostile-base")
		if err != nil {
			t.Fatal(err)
		}
		s := spec(t, "exp", []string{"rescaled"}, "steps=10", "checkpoint_every=5")
		r, err := Create(s, []int{0}, filepath.Join(base, "run"))
		if err != nil {
			t.Fatal(err)
		}
		r.Start(context.Background(), Options{Workers: 1})
		r.Wait()
		dir := filepath.Join(base, "run")
		info, _ := folder.ReadInfo(dir)
		info.Settings["steps"], info.Jobs[0].Steps = "20", 20
		folder.WriteJSON(filepath.Join(dir, folder.RunFile), info)
		folder.WriteStatus(dir, "rescaled-seed0", folder.Status{State: folder.Cancelled, Step: 10, Total: 20})
		hostileBase = dir
	})
	if hostileBase == "" {
		t.Fatal("no base folder")
	}
	parent = t.TempDir()
	dir = filepath.Join(parent, "run")
	if err := os.CopyFS(dir, os.DirFS(hostileBase)); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "folder", "testdata", "hostile", name)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return parent, dir
}

// entriesBeside lists the parent folder: only the run folder may be there.
func checkNothingBeside(t *testing.T, parent string) {
	t.Helper()
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.Name() != "run" {
			t.Errorf("%s appeared beside the run folder", e.Name())
		}
	}
	if _, err := os.Lstat("/tmp/victimdir"); err == nil {
		t.Errorf("/tmp/victimdir was made")
	}
}

// TestHostileFolders opens each damaged folder of testdata/hostile as resume and watch do.
// Each must give an error that says what is wrong, or go on without the damaged file (a
// snapshot, a status), and never panic or touch anything outside the folder. A resume that
// opens trains the job to its end, or fails it saying why.
func TestHostileFolders(t *testing.T) {
	for _, c := range []struct {
		name    string
		open    string // Open's and OpenWatch's error, "" if it opens
		failed  string // the job's message when it fails on resume, "" if it finishes
		snapBad bool   // the snapshot is refused: Watch shows none
		watchOK bool   // OpenWatch opens it (it does not read the damaged file)
	}{
		{name: "run-null", open: "run.json: not a run's record: not a JSON object"},
		{name: "run-empty", open: "run.json: not a run's record: it names no preset"},
		{name: "run-array", open: "run.json: not a run's record: not a JSON object"},
		{name: "run-truncated", open: "run.json: not a run's record: unexpected EOF"},
		{name: "run-traversal", open: `job id "../victimdir" is not a plain folder name`},
		{name: "run-traversal-method", open: `job id "../../victimdir-seed0" is not a plain folder name`},
		{name: "run-absolute", open: `job id "/tmp/victimdir" is not a plain folder name`},
		{name: "run-newer", open: "written by a newer sipbench (run format 99"},
		{name: "run-duplicate-job", open: "job rescaled-seed0 is listed twice"},
		{name: "run-no-metrics", open: "the run records no metrics"},
		{name: "run-negative-steps", open: "job rescaled-seed0 has -5 steps"},
		{name: "config-garbage", open: "config.json: not a JSON object", watchOK: true},
		{name: "snapshot-shape", snapBad: true},
		{name: "snapshot-huge-shape", snapBad: true},
		{name: "snapshot-extent", snapBad: true},
		{name: "snapshot-null", snapBad: true},
		{name: "status-unknown"},
		{name: "status-negative"},
		{name: "checkpoint-garbage", failed: "checkpoint.bin: core: checkpoint: "},
		{name: "metrics-header"},
		{name: "run-escape-reference", open: `run.json: the run's record holds "rescaled\x1b]0;pwned\a\x1b[2J`},
		{name: "status-escape-message"},
		{name: "lock-escape-host"},
		{name: "sweep-escape-values"},
	} {
		t.Run(c.name, func(t *testing.T) {
			parent, dir := hostileFolder(t, c.name)
			defer checkNothingBeside(t, parent)
			w, werr := OpenWatch(dir)
			r, err := Open(dir)
			if c.open != "" {
				errs := []error{err, werr}
				if c.watchOK {
					errs = errs[:1]
				}
				for _, e := range errs {
					if e == nil || !strings.Contains(e.Error(), c.open) {
						t.Errorf("Open, OpenWatch: %v; want an error with %q", e, c.open)
					}
				}
				return
			}
			if err != nil || werr != nil {
				t.Fatalf("Open: %v, OpenWatch: %v", err, werr)
			}
			sub := w.Subscribe()
			w.Poll()
			for _, e := range sub.Drain() {
				if e.Kind == EvSnapshot && c.snapBad {
					t.Errorf("Watch passed on a damaged snapshot: %+v", e.Snapshot.Fields[0].Shape)
				}
			}
			if err := r.Start(context.Background(), Options{Workers: 1, RetryFailed: true}); err != nil {
				t.Fatal(err)
			}
			st := r.Wait()["rescaled-seed0"]
			status, _ := folder.ReadStatus(dir, "rescaled-seed0")
			switch {
			case c.failed == "" && st != folder.Done:
				t.Errorf("resume: %s (%s); want done", st, status.Message)
			case c.failed != "" && (st != folder.Failed || !strings.Contains(status.Message, c.failed) || !strings.Contains(status.Message, "remove it")):
				t.Errorf("resume: %s (%q); want failed with %q and what to do", st, status.Message, c.failed)
			}
			if _, err := folder.ReadSnapshot(dir, "rescaled-seed0"); err != nil && c.failed == "" {
				t.Errorf("snapshot after the resume: %v", err)
			}
		})
	}
}

// TestLinksAreNotFollowed replaces the files of a job's folder, and the folder itself, by
// links to files and folders outside the run, then resumes, watches, pauses and reads it:
// no file outside may be read, written or made.
func TestLinksAreNotFollowed(t *testing.T) {
	outsideFile := func(t *testing.T) string {
		p := filepath.Join(t.TempDir(), "victim")
		os.WriteFile(p, []byte("precious\n"), 0o644)
		return p
	}
	const job = "rescaled-seed0"
	for _, c := range []struct {
		name   string
		link   string // the entry of the job's folder made a link ("" for the folder)
		target string // "file", "missing" (a path that does not exist) or "dir"
		fails  string // the resume's error or the job's message, "" if it finishes
	}{
		{"lock to a missing file", folder.LockFile, "missing", "lock"},
		{"lock to a file", folder.LockFile, "file", "lock"},
		{"control to a file", folder.ControlFile, "file", ""},
		{"metrics.csv to a file", folder.MetricsFile, "file", "is a link"},
		{"status.json to a file", folder.StatusFile, "file", ""},
		{"snapshot.json to a file", folder.SnapshotFile, "file", ""},
		{"checkpoint.bin to a file", folder.CheckpointFile, "file", "is a link"},
		{"config.json to a file", folder.ConfigFile, "file", "is a link"},
		{"the job's folder", "", "dir", "link"},
	} {
		t.Run(c.name, func(t *testing.T) {
			parent, dir := hostileFolder(t, "none")
			defer checkNothingBeside(t, parent)
			target := outsideFile(t)
			switch c.target {
			case "missing":
				target = filepath.Join(t.TempDir(), "made-by-sipbench")
			case "dir":
				target = filepath.Join(t.TempDir(), "victimdir")
				if err := os.CopyFS(target, os.DirFS(filepath.Join(dir, job))); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshotTree(t, filepath.Dir(target))
			link := filepath.Join(dir, job, c.link)
			os.RemoveAll(link)
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			// What watch and the dashboard do.
			if w, err := OpenWatch(dir); err == nil {
				w.Poll()
				w.Pause(job)
				w.Resume(job)
			}
			metrics.Read(dir, job, 0, nil)
			folder.ReadSnapshot(dir, job)
			folder.ReadStatus(dir, job)
			folder.WriteControl(dir, job, "pause")
			// What resume does.
			r, err := Open(dir)
			var msg string
			if err == nil {
				if err = r.Start(context.Background(), Options{Workers: 1, RetryFailed: true}); err == nil {
					if st := r.Wait()[job]; st != folder.Done {
						s, _ := folder.ReadStatus(dir, job)
						msg = string(st) + ": " + s.Message
					}
				}
			}
			if err != nil {
				msg = err.Error()
			}
			if c.fails == "" && msg != "" || c.fails != "" && !strings.Contains(msg, c.fails) {
				t.Errorf("resume: %q; want %q", msg, c.fails)
			}
			if after := snapshotTree(t, filepath.Dir(target)); after != before {
				t.Errorf("outside the run folder, %s changed:\n%s\nto\n%s", filepath.Dir(target), before, after)
			}
		})
	}
}

// snapshotTree describes the files under root (names, sizes, contents), for comparison.
func snapshotTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				b.WriteString(err.Error())
			}
			return nil
		}
		b.WriteString(path + "\n")
		if !d.IsDir() {
			c, _ := os.ReadFile(path)
			b.Write(c)
		}
		return nil
	})
	return b.String()
}

// TestWatchReportsLostJob checks that a Watch reports a job whose status says running but
// whose lock nobody holds (its trainer was killed) as Lost, with the command that resumes
// it, once the lock has been free for LostAfter; that Follow then ends; and that the job
// is no longer lost when a process locks it again.
func TestWatchReportsLostJob(t *testing.T) {
	dir := created(t, spec(t, "exp", []string{"rescaled"}, "steps=100"))
	const job = "rescaled-seed0"
	l, err := folder.LockJob(dir, job, "") // a live trainer
	if err != nil {
		t.Fatal(err)
	}
	folder.WriteStatus(dir, job, folder.Status{State: folder.Running, Step: 7, Total: 100})
	w, err := OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.LostAfter = 50 * time.Millisecond
	sub := w.Subscribe()
	lastState := func() (folder.State, string) {
		var st folder.State
		var msg string
		for _, e := range sub.Drain() {
			if e.Kind == EvState {
				st, msg = e.State, e.Message
			}
		}
		return st, msg
	}
	w.Poll()
	time.Sleep(100 * time.Millisecond)
	if final, _ := w.Poll(); final || len(w.Lost()) > 0 {
		t.Fatalf("a job whose trainer holds its lock: final %v, lost %v", final, w.Lost())
	}
	lastState()
	l.Release() // the trainer dies
	w.Poll()
	time.Sleep(100 * time.Millisecond)
	final, _ := w.Poll()
	st, msg := lastState()
	if !final || st != folder.Lost || !strings.Contains(msg, "sipbench resume "+dir) || len(w.Lost()) != 1 {
		t.Fatalf("after the trainer died: final %v, state %s %q, lost %v; want lost with the resume command", final, st, msg, w.Lost())
	}
	l, err = folder.LockJob(dir, job, "") // trained again
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if final, _ := w.Poll(); final || len(w.Lost()) != 0 {
		t.Errorf("locked again: final %v, lost %v", final, w.Lost())
	}
	if st, _ := lastState(); st != folder.Running {
		t.Errorf("locked again: state %s; want running", st)
	}
	// Follow ends by itself once every job is final or lost.
	l.Release()
	done := make(chan error)
	go func() { done <- w.Follow(context.Background(), 10*time.Millisecond, true) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not end with the job lost")
	}
}

// TestWatchLostAtOnce checks a negative LostAfter: a job whose status says running and
// whose lock nobody holds is reported Lost by the first Poll, with no grace.
func TestWatchLostAtOnce(t *testing.T) {
	dir := created(t, spec(t, "exp", []string{"rescaled"}, "steps=100"))
	const job = "rescaled-seed0"
	folder.WriteStatus(dir, job, folder.Status{State: folder.Running, Step: 7, Total: 100})
	w, err := OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.LostAfter = -1
	sub := w.Subscribe()
	if final, _ := w.Poll(); !final || len(w.Lost()) != 1 {
		t.Fatalf("first poll: final %v, lost %v; want the job lost", final, w.Lost())
	}
	var st folder.State
	for _, e := range sub.Drain() {
		if e.Kind == EvState {
			st = e.State
		}
	}
	if st != folder.Lost {
		t.Errorf("last state published %s, want lost", st)
	}
}

// TestWatchBoundedMemory follows a folder of long jobs whose rows are all on disk already
// (a long run opened late): the subscriber that was there from the start receives every
// row once, in order, while its undrained backlog stays bounded (Follow reads as fast as it
// drains); a subscriber that comes later is replayed a bounded summary ending at the last
// row and the final state.
func TestWatchBoundedMemory(t *testing.T) {
	dir := created(t, spec(t, "exp", []string{"rescaled", "adam"}, "steps=40000"))
	info, _ := folder.ReadInfo(dir)
	const n = 40000 // 2 × 40000 rows: several pieces, and more than the backlog allowed
	for _, j := range info.Jobs {
		var b strings.Builder
		b.WriteString(metrics.Header(info.Metrics) + "\n")
		for s := 1; s <= n; s++ {
			fmt.Fprintf(&b, "%d,%d.5,1,2,3,4,%d\n", s, s, s)
		}
		os.WriteFile(filepath.Join(dir, j.ID, folder.MetricsFile), []byte(b.String()), 0o644)
		folder.WriteStatus(dir, j.ID, folder.Status{State: folder.Done, Step: n, Total: n})
	}
	w, err := OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := w.Subscribe()
	done := make(chan error, 1)
	go func() { done <- w.Follow(context.Background(), time.Hour, true) }()
	last := map[string]int{}
	maxBatch := 0
	for range sub.C {
		batch := sub.Drain()
		maxBatch = max(maxBatch, len(batch))
		for _, e := range batch {
			if e.Kind != EvMetrics {
				continue
			}
			if e.Step != last[e.Job]+1 {
				t.Fatalf("%s: step %d after %d", e.Job, e.Step, last[e.Job])
			}
			last[e.Job] = e.Step
		}
		time.Sleep(time.Millisecond) // a subscriber slower than the reader
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, j := range info.Jobs {
		if last[j.ID] != n {
			t.Errorf("%s: rows up to %d; want %d", j.ID, last[j.ID], n)
		}
	}
	if limit := watchBacklog + len(info.Jobs)*watchChunk + 16; maxBatch > limit {
		t.Errorf("a subscriber was left %d events at once; want at most %d", maxBatch, limit)
	}
	late := w.Subscribe().Drain()
	if len(late) > len(info.Jobs)*(ReplayRows+4) {
		t.Errorf("a late subscriber is replayed %d events; want at most %d", len(late), len(info.Jobs)*(ReplayRows+4))
	}
	lastRow, lastState := map[string]int{}, map[string]folder.State{}
	for _, e := range late {
		switch e.Kind {
		case EvMetrics:
			lastRow[e.Job] = e.Step
		case EvState:
			lastState[e.Job] = e.State
		}
	}
	for _, j := range info.Jobs {
		if lastRow[j.ID] != n || lastState[j.ID] != folder.Done {
			t.Errorf("%s: replay ends at row %d, state %s; want %d, done", j.ID, lastRow[j.ID], lastState[j.ID], n)
		}
	}
}
