//go:build unix

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/runner"
)

// TestInterruptKeepsFolderReadable builds the binary, interrupts a run with SIGINT, and
// checks the graceful stop: exit code 130, every job cancelled with a checkpoint, readable
// metrics; then resume finishes the run.
func TestInterruptKeepsFolderReadable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "sipbench")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "run")
	cmd := exec.Command(bin, "run", "exp", "--headless", "--steps", "1000000", "--methods", "rescaled,adam",
		"--out", dir, "--print-every", "1h")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until both jobs have logged rows, then interrupt.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		rows, _, _ := metrics.Read(dir, "adam-seed0", 0, nil)
		if len(rows) > 50 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit after SIGINT: %v; want code 130", err)
	}
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range info.Jobs {
		st, err := folder.ReadStatus(dir, j.ID)
		if err != nil || st.State != folder.Cancelled {
			t.Errorf("%s: status %+v, %v; want cancelled", j.ID, st, err)
		}
		rows, _, err := metrics.Read(dir, j.ID, 0, info.Metrics)
		if err != nil || len(rows) == 0 || rows[len(rows)-1].Step != st.Step {
			t.Errorf("%s: %d rows, %v; want rows up to step %d", j.ID, len(rows), err, st.Step)
		}
		if _, err := os.Stat(filepath.Join(dir, j.ID, "checkpoint.bin")); err != nil {
			t.Errorf("%s: no checkpoint after a graceful stop", j.ID)
		}
	}
	// Resume with a smaller step budget is not possible (steps are part of the run), so
	// only check that the folder opens for resuming.
	if _, err := runner.Open(dir); err != nil {
		t.Errorf("runner.Open after the interrupt: %v", err)
	}
	if out, _ := exec.Command(bin, "show", dir).CombinedOutput(); !strings.Contains(string(out), "cancelled") {
		t.Errorf("show after the interrupt:\n%s", out)
	}

	// A kill while a run of 2,000 jobs is being created leaves no folder at --out, and
	// run --out makes the run there again (issue 26: a half-made folder that only rm -rf
	// cleared).
	big := filepath.Join(tmp, "big")
	cmd = exec.Command(bin, "run", "exp", "--headless", "--steps", "5", "--methods", "rescaled,adam", "--seeds", "1000",
		"--out", big, "--print-every", "1h")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(tmp, ".big.creating-*", "*-seed*")); len(m) > 0 {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(big); err == nil {
		if _, err := folder.ReadInfo(big); err != nil {
			t.Errorf("a kill during creation left %s, not a run: %v", big, err)
		}
	} else if out, err := exec.Command(bin, "run", "exp", "--headless", "--steps", "5", "--methods", "rescaled", "--out", big).CombinedOutput(); err != nil {
		t.Errorf("run --out after a kill during creation: %v\n%s", err, out)
	}
}
