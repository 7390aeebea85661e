package folder

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sipbench/sipbench/sanitize"
)

// Locks. Each job has its own lock, OUT/<job>/lock, held (flock, exclusive) by the one
// process that trains the job, so that many processes (the tasks of a cluster's array, a
// local resume) can train the jobs of one run folder side by side and no job is ever
// trained twice into the same files. The kernel drops a lock when its process ends,
// however it ends, so a job whose status is not final and whose lock is free has no live
// trainer. The lock file is opened inside the job's folder without following links. Its
// content (LockOwner) says who holds it; it is informational (for signalling and for
// reports) and may be stale or torn: the flock, not the content, is the lock.
//
// The run-level lock OUT/lock is held only while run.json is created or rewritten.

// LockOwner is the content of a job's lock file: the process that trains the job. Task
// keeps the key slurm_task of the releases that knew Slurm alone, so that lock files of
// every release read alike.
type LockOwner struct {
	PID     int    `json:"pid"`
	Host    string `json:"host"`
	Started string `json:"started"`              // RFC 3339, when it took the lock
	Task    string `json:"slurm_task,omitempty"` // the cluster task that holds it, "ARRAY_INDEX"; "" outside one
}

// BusyError says that another process holds a job's lock.
type BusyError struct {
	Dir, Job string
	Owner    LockOwner // as read from the lock file; zero if unreadable
}

func (e *BusyError) Error() string {
	who := ""
	if e.Owner.PID > 0 {
		who = fmt.Sprintf(" (pid %d on %s since %s)", e.Owner.PID, e.Owner.Host, e.Owner.Started)
	}
	return fmt.Sprintf("runner: job %s of %s is being trained by another process%s", e.Job, e.Dir, who)
}

// ErrJobDone says that a job asked to be trained has already reached a final state.
var ErrJobDone = errors.New("nothing to train")

// JobLock is a held job lock; Release gives it up.
type JobLock struct {
	f     *os.File
	lease *Lease // on a file system whose flock is not global (LockModeOf): the lease too
}

// LeaseLost returns why the job's lease was lost (a holder paused past LeaseTTL, taken
// over), nil while it holds or where there is no lease.
func (l *JobLock) LeaseLost() error {
	if l == nil {
		return nil
	}
	return l.lease.Lost()
}

// LockJob takes the lock of job in the run folder dir and records the caller as its owner,
// creating the job's folder if it is missing; task is the cluster task the caller runs in
// ("ARRAY_INDEX", as its engine's environment says: cluster.EnvTask.ID), "" outside one. It
// fails with a *BusyError if another process holds it, and with an error if the job's
// folder or lock file is a link.
func LockJob(dir, job, task string) (*JobLock, error) {
	if !PlainName(job) {
		return nil, fmt.Errorf("runner: %q is not a job's name", job)
	}
	jd := filepath.Join(dir, job)
	if err := os.Mkdir(jd, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	if foreignLock(jd) != nil {
		// Another run's lock linked here: unlink this name (the other run's stays) and
		// make the job's own, so that locking this job never locks the other's.
		if err := os.Remove(filepath.Join(jd, LockFile)); err != nil {
			return nil, err
		}
	}
	var f *os.File
	var err error
	// A reader probing the lock (JobLockOwner) holds it for a moment: try again a few times
	// before calling the job busy.
	for try := 0; try < 5; try++ {
		if try > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		f, err = LockFileIn(jd, LockFile, true)
		if !errors.Is(err, errLocked) {
			break
		}
	}
	mode := LockModeOf(dir)
	if err != nil && mode.Lease && !errors.Is(err, errLocked) && isNoFlock(err) {
		f, err = openAt(jd, LockFile, true) // Lustre with noflock: the lease alone holds
	}
	if errors.Is(err, errLocked) {
		owner, _ := readLockOwner(dir, job)
		return nil, &BusyError{Dir: dir, Job: job, Owner: owner}
	}
	if err != nil {
		return nil, fmt.Errorf("runner: locking %s: %v", filepath.Join(jd, LockFile), err)
	}
	host, _ := os.Hostname()
	owner := LockOwner{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Format(time.RFC3339), Task: task}
	var lease *Lease
	if mode.Lease {
		if lease, err = TakeLease(dir, job, owner); err != nil {
			UnlockFile(f)
			f.Close()
			return nil, err
		}
	}
	b, _ := json.Marshal(owner)
	if err := f.Truncate(0); err == nil {
		f.WriteAt(append(b, '\n'), 0) // informational: a failure here does not matter
	}
	return &JobLock{f: f, lease: lease}, nil
}

// Release gives the lock up. It is safe to call more than once.
func (l *JobLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	l.lease.Release()
	UnlockFile(l.f)
	l.f.Close()
	l.f = nil
}

// JobLockOwner reports who holds the lock of job in dir: nil if nobody does (the job has no
// live trainer), or the owner as its lock file says (zero if unreadable). It takes the lock
// in shared mode for a moment to find out.
func JobLockOwner(dir, job string) (*LockOwner, error) {
	if !PlainName(job) {
		return nil, fmt.Errorf("runner: %q is not a job's name", job)
	}
	if err := foreignLock(filepath.Join(dir, job)); err != nil {
		return nil, err // whoever holds it trains another run's job
	}
	f, err := LockFileIn(filepath.Join(dir, job), LockFile, false)
	if errors.Is(err, errLocked) {
		owner, _ := readLockOwner(dir, job)
		return &owner, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil && !(isNoFlock(err) && LockModeOf(dir).Lease) {
		return nil, err
	}
	if f != nil {
		UnlockFile(f)
		f.Close()
	}
	if LockModeOf(dir).Lease { // a holder on another node: its lease says so
		return leaseOwner(dir, job), nil
	}
	return nil, nil
}

// readLockOwner reads a job's lock file without following links.
func readLockOwner(dir, job string) (LockOwner, error) {
	var o LockOwner
	f, err := openNoFollow(filepath.Join(dir, job), LockFile)
	if err != nil {
		return o, err
	}
	defer f.Close()
	b := make([]byte, 4096)
	n, _ := f.Read(b)
	err = json.Unmarshal(b[:n], &o)
	o.Host, o.Started = sanitize.String(o.Host), sanitize.String(o.Started) // shown as they are
	return o, err
}

// errLocked says that a lock is held by another open file (another process).
var errLocked = errors.New("runner: locked")

// plainName reports whether s names an entry of a folder: not empty, not . or .., no
// separator.
func PlainName(s string) bool {
	return s != "" && s != "." && s != ".." && filepath.Base(s) == s && filepath.IsLocal(s)
}
