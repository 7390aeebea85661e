//go:build linux

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

// TestDiskFull trains into a tmpfs of 512 KB until the disk is full: the run must end with a
// clear error (exit 1, "no space left on device" and what to do), every unfinished job
// recorded as failed (not left running) in a folder that opens for resuming; once the
// tmpfs has room again, a resume must finish the run with metrics equal to an uninterrupted
// run's (wall_s aside) and no temporary file left. It mounts the tmpfs itself, so it runs
// only as root and with SIPBENCH_DISKFULL=1 (CI's disk-full step).
func TestDiskFull(t *testing.T) {
	if os.Getenv("SIPBENCH_DISKFULL") == "" {
		t.Skip("mounts a tmpfs: run as root with SIPBENCH_DISKFULL=1")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	bin := sipbenchBinary(t)
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=512k"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
	})
	args := func(out string) []string {
		return []string{"run", "exp", "--methods", "rescaled,adam", "--steps", "8000", "--set", "checkpoint_every=400",
			"--headless", "--print-every", "1h", "--out", out}
	}
	ref := filepath.Join(t.TempDir(), "ref")
	if out, err := exec.Command(bin, args(ref)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	dir := filepath.Join(mnt, "run")
	out, err := exec.Command(bin, args(dir)...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("run on a full disk: %v; want exit 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "no space left on device") || !strings.Contains(string(out), "sipbench resume "+dir) {
		t.Errorf("run on a full disk does not say so, or what to do:\n%s", out)
	}
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range info.Jobs {
		st, err := folder.ReadStatus(dir, j.ID)
		if err != nil || st.State != folder.Failed && st.State != folder.Done {
			t.Errorf("%s after the disk filled: %+v, %v; want failed (or done)", j.ID, st, err)
		}
	}
	if _, err := runner.Open(dir); err != nil {
		t.Fatalf("the folder does not open for resuming: %v", err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT, "size=64m"); err != nil {
		t.Fatalf("growing the tmpfs: %v", err)
	}
	if out, err := exec.Command(bin, "resume", dir, "--headless", "--print-every", "1h").CombinedOutput(); err != nil {
		t.Fatalf("resume once space is back: %v\n%s", err, out)
	}
	for _, j := range info.Jobs {
		want, got := rowsWithoutWall(t, ref, j.ID), rowsWithoutWall(t, dir, j.ID)
		if len(got) != len(want) {
			t.Errorf("%s: %d rows after the resume; want %d", j.ID, len(got)-1, len(want)-1)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: row %d is %q; want %q", j.ID, i, got[i], want[i])
				break
			}
		}
	}
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && strings.Contains(fi.Name(), ".tmp") {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}
