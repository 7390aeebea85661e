package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// TestSweepContinues reproduces issue 26's sixth defect: an interrupted sweep could not
// be continued (sweep --out SAME and resume refused), and its state counted only the runs
// begun. Now both continue every combination, and a sweep with a combination not started
// is interrupted, not finished.
func TestSweepContinues(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sweep")
	args := []string{"sweep", "exp", "--set", "lr.adam=0.001,0.002,0.004", "--methods", "adam", "--steps", "20", "--out", dir}
	if code, _, stderr := capture(t, args...); code != 0 {
		t.Fatalf("sweep: exit %d, %s", code, stderr)
	}
	combos := []string{"lr.adam=0.001", "lr.adam=0.002", "lr.adam=0.004"}
	interrupt := func() { // as a Ctrl-C during the first combination leaves it
		for _, c := range combos[1:] {
			os.RemoveAll(filepath.Join(dir, c))
		}
		if err := folder.SetJobState(filepath.Join(dir, combos[0]), "adam-seed0", folder.Cancelled, ""); err != nil {
			t.Fatal(err)
		}
		rs, err := summary.NewIndex(filepath.Dir(dir)).Status(dir)
		if err != nil || rs.State != summary.RunInterrupted || rs.Unstarted != 2 || !strings.Contains(rs.StateText(), "2 of 3 runs not started") {
			t.Fatalf("interrupted sweep: state %s (%s), %d not started, %v", rs.State, rs.StateText(), rs.Unstarted, err)
		}
	}
	finished := func(how string) {
		t.Helper()
		rs, _ := summary.NewIndex(filepath.Dir(dir)).Status(dir)
		if rs.State != summary.RunFinished || len(rs.Runs) != 3 || rs.Unstarted != 0 {
			t.Errorf("after %s: state %s, %d runs, %d not started; want finished, 3, 0", how, rs.State, len(rs.Runs), rs.Unstarted)
		}
		for _, c := range combos {
			if st, err := folder.ReadStatus(filepath.Join(dir, c), "adam-seed0"); err != nil || st.State != folder.Done || st.Step != 20 {
				t.Errorf("after %s: %s: %+v, %v", how, c, st, err)
			}
		}
	}
	interrupt()
	if code, _, stderr := capture(t, args...); code != 0 {
		t.Fatalf("sweep --out SAME: exit %d, %s", code, stderr)
	}
	finished("sweep --out SAME")
	interrupt()
	if code, _, stderr := capture(t, "resume", dir, "--headless"); code != 0 {
		t.Fatalf("resume SWEEP: exit %d, %s", code, stderr)
	}
	finished("resume")
	code, _, stderr := capture(t, "sweep", "exp", "--set", "lr.adam=0.1,0.2", "--methods", "adam", "--steps", "20", "--out", dir)
	if code != 1 || !strings.Contains(stderr, "holds another sweep") {
		t.Errorf("sweep --out with other flags: exit %d, %q; want it refused", code, stderr)
	}
}
