//go:build unix

package summary

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/trainers"
)

// TestHardLinkedLockNotTrusted reproduces issue 26's fourth defect: run B's lock file
// hard-linked into run A's folder (cp -al, a common backup, does it) made B's trainer A's
// owner, so that stopping A signalled B. A lock file with more than one link is now not
// trusted: A's job has no owner, listing A does not call it training, and training A
// makes A's own lock without touching B's.
func TestHardLinkedLockNotTrusted(t *testing.T) {
	root := t.TempDir()
	a := listRun(t, root, "a", time.Now(), listJob{"SIP", 0, folder.Cancelled, 10, 1, 0.01})
	b := listRun(t, root, "b", time.Now(), listJob{"SIP", 0, folder.Running, 10, 1, 0.01})
	const job = "SIP-seed0"
	lb, err := folder.LockJob(b, job, "") // B's trainer
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Release()
	if err := os.Link(filepath.Join(b, job, folder.LockFile), filepath.Join(a, job, folder.LockFile)); err != nil {
		t.Skip("no hard links here:", err)
	}
	if o, err := folder.JobLockOwner(a, job); o != nil || err == nil || !strings.Contains(err.Error(), "2 links") {
		t.Errorf("JobLockOwner(A) = %+v, %v; want no owner and an error naming the links", o, err)
	}
	if pids := trainers.List(a); len(pids) != 0 {
		t.Errorf("Trainers(A) = %v; want none", pids)
	}
	rs, _ := NewIndex(root).Status(a)
	if rs.Jobs[0].Kind == JobTraining || rs.Jobs[0].Owner != nil {
		t.Errorf("A's job listed as %s, owner %+v; want nobody training it", rs.Jobs[0].Kind, rs.Jobs[0].Owner)
	}
	la, err := folder.LockJob(a, job, "")
	if err != nil {
		t.Fatalf("LockJob(A): %v", err)
	}
	defer la.Release()
	if o, err := folder.JobLockOwner(b, job); err != nil || o == nil {
		t.Errorf("B's lock after A was locked: %+v, %v; want still held", o, err)
	}
	if same, _ := sameFile(filepath.Join(a, job, folder.LockFile), filepath.Join(b, job, folder.LockFile)); same {
		t.Errorf("A's lock is still B's file")
	}
}

func sameFile(p, q string) (bool, error) {
	a, err := os.Stat(p)
	if err != nil {
		return false, err
	}
	b, err := os.Stat(q)
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}
