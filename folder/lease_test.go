//go:build unix

package folder

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLockModes: what holds on each file system: flock where it is global, a lease where
// it is local to a node (Lustre with localflock or noflock, BeeGFS by default).
func TestLockModes(t *testing.T) {
	for _, c := range []struct {
		mnt    Mount
		global bool
		lease  bool
	}{
		{Mount{Type: "nfs4", Options: "rw,relatime,vers=4.2"}, false, false},
		{Mount{Type: "nfs", Options: "rw,vers=3"}, false, false},
		{Mount{Type: "lustre", Options: "rw,flock,lazystatfs"}, false, false},
		{Mount{Type: "lustre", Options: "rw,localflock"}, false, true},
		{Mount{Type: "lustre", Options: "rw,noflock"}, false, true},
		{Mount{Type: "lustre", Options: "rw"}, false, true},
		{Mount{Type: "beegfs", Options: "rw"}, false, true},
		{Mount{Type: "beegfs", Options: "rw"}, true, false},
		{Mount{Type: "gpfs"}, false, false},
		{Mount{Type: "ext4"}, false, false},
	} {
		m := modeFor(c.mnt, func() bool { return c.global })
		if m.Lease != c.lease || m.Why == "" || m.FS != c.mnt.Type {
			t.Errorf("%s (%s, BeeGFS global %v): %+v; want lease %v", c.mnt.Type, c.mnt.Options, c.global, m, c.lease)
		}
	}
	if m := LockModeOf(t.TempDir()); m.Why == "" {
		t.Errorf("LockModeOf(a temporary folder) = %+v", m)
	}
}

// TestHelperLease is not a test: run by TestLease as a child process, it takes the lease
// of job "j" of SIPBENCH_HELPER_LEASE (with SIPBENCH_LOCKS=lease), says "locked", and
// says "lost" once it finds its lease taken over.
func TestHelperLease(t *testing.T) {
	dir := os.Getenv("SIPBENCH_HELPER_LEASE")
	if dir == "" {
		t.Skip("a helper process of TestLease")
	}
	l, err := LockJob(dir, "j", "")
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(3)
	}
	os.Stdout.WriteString("locked\n")
	for l.LeaseLost() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	os.Stdout.WriteString("lost\n")
	os.Exit(0)
}

// TestLease: two processes and a lease (as on a file system whose flock is local to each
// node): while its holder renews it, the lease is not taken; paused (SIGSTOP) for longer
// than LeaseTTL, it is taken over; resumed, the old holder finds that it lost it.
func TestLease(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "j"), 0o755)
	saved := LeaseTTL
	// 3 s, not 1: on a loaded machine (CI's 2 cores under other tests) a holder that
	// renews every TTL/6 can be kept off the CPU for more than a second.
	LeaseTTL = 3 * time.Second
	defer func() { LeaseTTL = saved }()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLease$")
	cmd.Env = append(os.Environ(), "SIPBENCH_HELPER_LEASE="+dir, "SIPBENCH_LOCKS=lease", "SIPBENCH_LEASE_TTL=3s")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "locked" {
		t.Fatalf("helper: %q", lines.Text())
	}
	me := LockOwner{PID: os.Getpid(), Host: "other-node"}
	// Renewed every TTL/6, the lease holds for several TTLs.
	for range 5 {
		var be *BusyError
		if _, err := TakeLease(dir, "j", me); !errors.As(err, &be) || be.Owner.PID != cmd.Process.Pid {
			t.Fatalf("TakeLease while the holder renews it: %v; want busy, held by pid %d", err, cmd.Process.Pid)
		}
		time.Sleep(LeaseTTL / 2)
	}
	// Paused: not renewed, the lease expires and is taken over.
	cmd.Process.Signal(syscall.SIGSTOP)
	paused := time.Now()
	var l *Lease
	for {
		var err error
		if l, err = TakeLease(dir, "j", me); err == nil {
			break
		}
		if time.Since(paused) > 10*time.Second {
			t.Fatalf("the lease of a paused holder was not taken over in 10 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// It expires LeaseTTL after its last renewal, which came at most LeaseTTL/6 before the pause.
	if took := time.Since(paused); took < LeaseTTL-LeaseTTL/6-50*time.Millisecond {
		t.Errorf("the lease was taken over %v after its holder paused; want at least LeaseTTL (%v) after its last renewal", took, LeaseTTL)
	}
	defer l.Release()
	if o := leaseOwner(dir, "j"); o == nil || o.Host != "other-node" {
		t.Errorf("lease owner after the takeover: %+v", o)
	}
	cmd.Process.Signal(syscall.SIGCONT)
	done := make(chan string, 1)
	go func() {
		if lines.Scan() {
			done <- lines.Text()
		}
		close(done)
	}()
	select {
	case s := <-done:
		if s != "lost" {
			t.Errorf("the resumed holder said %q; want lost", s)
		}
	case <-time.After(5 * time.Second):
		t.Error("the resumed holder did not find its lease lost within 5 s")
	}
	if l.Lost() != nil {
		t.Errorf("the new holder lost its lease: %v", l.Lost())
	}
	l.Release()
	if _, err := os.Stat(filepath.Join(dir, "j", leaseFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lease file is still there after Release: %v", err)
	}
}
