package folder

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Leases. A job's flock (lock.go) keeps a job from being trained twice only where the
// file system makes flock coherent across the nodes that share it: the kernel of one node
// cannot see another node's flock on Lustre mounted with localflock, or on BeeGFS with its
// default node-local locks, and on Lustre mounted with noflock flock fails outright. On
// such file systems (LockMode) the flock is kept, for the processes of one node, and a
// lease adds what holds across nodes: OUT/<job>/lease, created with O_EXCL (which these
// file systems make atomic on their metadata server), holding the holder's host, pid and
// array task, and renewed (rewritten) by the holder every LeaseTTL/6. A lease not renewed
// for LeaseTTL is expired: its holder is gone (or paused), and another process may take it
// over. A holder that finds its lease taken over at a renewal has lost the job: Lost
// reports it, and the trainer stops the job.

// LeaseTTL is how long a lease lives without renewal. SIPBENCH_LEASE_TTL (a Go duration)
// overrides it, for tests.
var LeaseTTL = leaseTTLFromEnv(30 * time.Second)

func leaseTTLFromEnv(def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv("SIPBENCH_LEASE_TTL")); err == nil && d >= 100*time.Millisecond {
		return d
	}
	return def
}

// leaseFile is a job's lease, beside its lock file.
const leaseFile = "lease"

// leaseContent is what a lease file holds.
type leaseContent struct {
	LockOwner
	Token   string `json:"token"`   // unique to this holding: the holder checks it at each renewal
	Renewed string `json:"renewed"` // RFC 3339 with nanoseconds
}

// Lease is a held job lease; Release gives it up.
type Lease struct {
	path  string
	token string
	c     leaseContent
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	lost  error
}

// TakeLease takes the lease of the job folder jd for owner: it creates jd/lease with
// O_EXCL, or takes over a lease that has not been renewed for LeaseTTL. It fails with
// *BusyError (dir, job) while another holder's lease is alive. The lease is renewed in the
// background until Release.
func TakeLease(dir, job string, owner LockOwner) (*Lease, error) {
	jd := filepath.Join(dir, job)
	path := filepath.Join(jd, leaseFile)
	token := fmt.Sprintf("%s-%d-%d", owner.Host, owner.PID, time.Now().UnixNano())
	l := &Lease{path: path, token: token, c: leaseContent{LockOwner: owner, Token: token}, stop: make(chan struct{}), done: make(chan struct{})}
	for try := 0; ; try++ {
		err := l.create()
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || try >= 2 {
			return nil, err
		}
		cur, age, err := readLease(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) && age < LeaseTTL {
			return nil, &BusyError{Dir: dir, Job: job} // torn by a writer this moment
		}
		if err == nil && age < LeaseTTL {
			return nil, &BusyError{Dir: dir, Job: job, Owner: cur.LockOwner}
		}
		// Expired (or unreadable and old): take it over. Renaming it aside is atomic, so of
		// two processes taking over at once one renames it and both then race on O_EXCL.
		aside := path + ".expired." + token
		if err := os.Rename(path, aside); err == nil {
			os.Remove(aside)
		}
	}
	// Two takers may both have found it expired: the one whose content is there holds it.
	time.Sleep(min(LeaseTTL/20, 200*time.Millisecond))
	if cur, _, err := readLease(path); err != nil || cur.Token != token {
		return nil, &BusyError{Dir: dir, Job: job, Owner: cur.LockOwner}
	}
	go l.renew()
	return l, nil
}

// create writes the lease with O_EXCL: it fails with os.ErrExist if one is there.
func (l *Lease) create() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	l.c.Renewed = time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(l.c)
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(l.path)
	}
	return err
}

// readLease reads a lease and returns how long ago it was renewed (by the later of its
// content's time and the file's modification time).
func readLease(path string) (leaseContent, time.Duration, error) {
	var c leaseContent
	fi, err := os.Lstat(path)
	if err != nil {
		return c, 0, err
	}
	if !fi.Mode().IsRegular() {
		return c, time.Since(fi.ModTime()), fmt.Errorf("runner: %s is not a regular file", path)
	}
	age := time.Since(fi.ModTime())
	f, err := os.Open(path)
	if err != nil {
		return c, age, err
	}
	defer f.Close()
	b := make([]byte, 4096)
	n, _ := f.Read(b)
	if err := json.Unmarshal(b[:n], &c); err != nil {
		return c, age, err
	}
	if t, err := time.Parse(time.RFC3339Nano, c.Renewed); err == nil && time.Since(t) < age {
		age = time.Since(t)
	}
	return c, max(age, 0), nil
}

// renew rewrites the lease every LeaseTTL/6 until Release, first checking that it is still
// this holder's: one taken over is lost.
func (l *Lease) renew() {
	defer close(l.done)
	tick := time.NewTicker(LeaseTTL / 6)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		}
		cur, _, err := readLease(l.path)
		if err != nil || cur.Token != l.token {
			l.mu.Lock()
			l.lost = fmt.Errorf("runner: the lease %s was taken over by pid %d on %s (this process was paused longer than %v)",
				l.path, cur.PID, cur.Host, LeaseTTL)
			l.mu.Unlock()
			return
		}
		l.c.Renewed = time.Now().UTC().Format(time.RFC3339Nano)
		b, _ := json.Marshal(l.c)
		tmp := l.path + ".renew." + strconv.Itoa(os.Getpid())
		if os.WriteFile(tmp, append(b, '\n'), 0o644) == nil {
			os.Rename(tmp, l.path) // atomic: a reader sees the old or the new lease, whole
		}
	}
}

// Lost returns why the lease was lost (taken over after it expired), nil while it holds.
func (l *Lease) Lost() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Release stops the renewal and removes the lease if it is still this holder's. It is
// safe to call more than once.
func (l *Lease) Release() {
	if l == nil {
		return
	}
	select {
	case <-l.stop:
		return
	default:
	}
	close(l.stop)
	<-l.done
	if cur, _, err := readLease(l.path); err == nil && cur.Token == l.token {
		os.Remove(l.path)
	}
}

// leaseOwner returns the holder of the job's lease if it is alive (renewed within
// LeaseTTL), else nil.
func leaseOwner(dir, job string) *LockOwner {
	c, age, err := readLease(filepath.Join(dir, job, leaseFile))
	if err != nil || age >= LeaseTTL {
		return nil
	}
	return &c.LockOwner
}
