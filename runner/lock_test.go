//go:build unix

package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// TestJobLock: a job's lock is exclusive, says who holds it, and is free again after
// Release. (flock locks belong to open files, so one process shows what two would.)
func TestJobLock(t *testing.T) {
	dir := t.TempDir()
	if o, err := folder.JobLockOwner(dir, "a"); o != nil || err != nil {
		t.Errorf("JobLockOwner before any lock = %v, %v; want nil, nil", o, err)
	}
	l, err := folder.LockJob(dir, "a", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = folder.LockJob(dir, "a", "")
	var be *folder.BusyError
	if !errors.As(err, &be) || be.Owner.PID != os.Getpid() || be.Owner.Host == "" || be.Owner.Started == "" {
		t.Fatalf("second LockJob: %v (%+v); want a BusyError naming this process", err, be)
	}
	if !strings.Contains(err.Error(), "job a of "+dir+" is being trained by another process") {
		t.Errorf("busy message: %v", err)
	}
	if o, err := folder.JobLockOwner(dir, "a"); err != nil || o == nil || o.PID != os.Getpid() {
		t.Errorf("JobLockOwner while held = %+v, %v; want this process", o, err)
	}
	l2, err := folder.LockJob(dir, "b", "") // another job of the same folder
	if err != nil {
		t.Errorf("LockJob of another job: %v", err)
	}
	l2.Release()
	l.Release()
	l.Release() // harmless
	if o, err := folder.JobLockOwner(dir, "a"); o != nil || err != nil {
		t.Errorf("JobLockOwner after Release = %+v, %v; want nil", o, err)
	}
	l, err = folder.LockJob(dir, "a", "")
	if err != nil {
		t.Errorf("LockJob after Release: %v", err)
	}
	l.Release()
	// A cluster task's lock names it, under the key of the releases that knew Slurm alone.
	l, err = folder.LockJob(dir, "c", "12_3")
	if err != nil {
		t.Fatal(err)
	}
	if o, err := folder.JobLockOwner(dir, "c"); err != nil || o == nil || o.Task != "12_3" {
		t.Errorf("JobLockOwner of a task's lock = %+v, %v; want task 12_3", o, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "c", folder.LockFile)); !strings.Contains(string(b), `"slurm_task":"12_3"`) {
		t.Errorf("a task's lock file: %s; want slurm_task 12_3", b)
	}
	l.Release()
	for _, bad := range []string{"", ".", "..", "../x", "a/b"} {
		if _, err := folder.LockJob(dir, bad, ""); err == nil {
			t.Errorf("LockJob(%q) accepted it", bad)
		}
	}
}

// TestJobLockFollowsNoLink: a job folder or a lock file that is a symbolic link (a run
// folder is untrusted input) is refused, and the link's target is left untouched.
func TestJobLockFollowsNoLink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	target := filepath.Join(outside, "precious")
	os.WriteFile(target, []byte("keep\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "a"), 0o755)
	os.Symlink(target, filepath.Join(dir, "a", "lock"))
	os.Symlink(outside, filepath.Join(dir, "b"))
	for _, job := range []string{"a", "b"} {
		if l, err := folder.LockJob(dir, job, ""); err == nil {
			l.Release()
			t.Errorf("LockJob(%s) followed a link", job)
		}
		if _, err := folder.JobLockOwner(dir, job); err == nil {
			t.Errorf("JobLockOwner(%s) followed a link", job)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "keep\n" {
		t.Errorf("the link's target was changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(outside, "lock")); err == nil {
		t.Errorf("a lock file was created through the linked job folder")
	}
}

// TestJobsTrainSideBySide: two Runs of one folder (two array tasks in real use) each train
// one job under its own lock, and end with the metrics of one Run training both.
func TestJobsTrainSideBySide(t *testing.T) {
	s := spec(t, "exp", []string{"newton", "adam"}, "steps=80")
	ref, _ := train(t, s, []int{0}, 2)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Create(s, []int{0}, dir); err != nil {
		t.Fatal(err)
	}
	var runs []*Run
	for _, id := range []string{"newton-seed0", "adam-seed0"} {
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(context.Background(), Options{Workers: 1, Jobs: []string{id}}); err != nil {
			t.Fatalf("Start(%s): %v", id, err)
		}
		runs = append(runs, r)
	}
	for i, r := range runs {
		states := r.Wait()
		id := []string{"newton-seed0", "adam-seed0"}[i]
		if states[id] != folder.Done {
			t.Errorf("%s: %s; want done", id, states[id])
		}
	}
	info, _ := folder.ReadInfo(dir)
	for _, j := range info.Jobs {
		if a, b := readAll(t, ref, j.ID, info.Metrics), readAll(t, dir, j.ID, info.Metrics); len(a) != 80 || !sameMetrics(a, b) {
			t.Errorf("%s: metrics trained side by side differ from one Run's (%d vs %d rows)", j.ID, len(a), len(b))
		}
	}
	// A finished job is refused, never trained again into the same files.
	r, _ := Open(dir)
	err := r.Start(context.Background(), Options{Jobs: []string{"adam-seed0"}})
	if !errors.Is(err, folder.ErrJobDone) || !strings.Contains(err.Error(), "adam-seed0") {
		t.Errorf("Start of a done job: %v; want ErrJobDone naming it", err)
	}
	r, _ = Open(dir)
	if err := r.Start(context.Background(), Options{Jobs: []string{"nope"}}); err == nil {
		t.Error("Start of an unknown job succeeded")
	}
}

// TestBusyJobIsLeftToItsTrainer: resuming a whole run while another process trains one of
// its jobs trains the others and leaves that one alone; asking for that job fails.
func TestBusyJobIsLeftToItsTrainer(t *testing.T) {
	s := spec(t, "exp", []string{"newton", "adam"}, "steps=30")
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Create(s, []int{0}, dir); err != nil {
		t.Fatal(err)
	}
	held, err := folder.LockJob(dir, "adam-seed0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	r, _ := Open(dir)
	err = r.Start(context.Background(), Options{Jobs: []string{"adam-seed0"}})
	var be *folder.BusyError
	if !errors.As(err, &be) {
		t.Errorf("Start of a busy job: %v; want a BusyError", err)
	}
	r, _ = Open(dir)
	if err := r.Start(context.Background(), Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	states := r.Wait()
	if states["newton-seed0"] != folder.Done || states["adam-seed0"] != folder.Queued {
		t.Errorf("states %v; want newton done, adam left queued", states)
	}
	if len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0], "adam-seed0") {
		t.Errorf("Skipped = %q; want the busy job", r.Skipped)
	}
	if st, _ := folder.ReadStatus(dir, "adam-seed0"); st.State != folder.Queued {
		t.Errorf("busy job's status was written: %+v", st)
	}
}
