package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepAndCheckRefuseFoldersNotTheirs reproduces issue 26's fifth defect: sweep --out
// and check --out wrote into a run folder (after which show and runs took the run for a
// sweep) and into any folder. They now refuse as run --out does, and write nothing.
func TestSweepAndCheckRefuseFoldersNotTheirs(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "run")
	if code, _, stderr := capture(t, "run", "exp", "--headless", "--steps", "5", "--methods", "adam", "--out", run, "--print-every", "1h"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	other := filepath.Join(root, "photos")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "cat.jpg"), []byte("meow"), 0o644)
	for _, c := range []struct {
		dir, want string
	}{
		{run, "is a run folder, not a "},
		{other, `is not empty (it holds "cat.jpg") and is not a `},
	} {
		before, _ := os.ReadDir(c.dir)
		for _, args := range [][]string{
			{"sweep", "exp", "--set", "lr.adam=0.001,0.002", "--steps", "5", "--methods", "adam", "--out", c.dir},
			{"check", "--only", "exp", "--seeds", "1", "--out", c.dir},
		} {
			code, _, stderr := capture(t, args...)
			if code != 1 || !strings.Contains(stderr, c.want+args[0]) {
				t.Errorf("sipbench %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(args, " "), code, stderr, c.want+args[0])
			}
			if after, _ := os.ReadDir(c.dir); len(after) != len(before) {
				t.Errorf("sipbench %s wrote into %s: %d entries, were %d", args[0], c.dir, len(after), len(before))
			}
		}
	}
}

// TestRunsOfARunFolder: `sipbench runs RUNFOLDER` said "no runs yet"; it lists the run.
// And a .run.json.tmp* planted at the run folder's root is cleaned by resume.
func TestRunsOfARunFolder(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := capture(t, "run", "exp", "--headless", "--steps", "5", "--methods", "adam", "--out", run, "--print-every", "1h"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	code, out, stderr := capture(t, "runs", run)
	if code != 0 || strings.Contains(out, "no runs yet") || !strings.Contains(out, "finished") || !strings.Contains(out, run) {
		t.Errorf("runs RUNFOLDER: exit %d, %q, %q; want the run listed", code, out, stderr)
	}
	planted := filepath.Join(run, ".run.json.tmp12345")
	os.WriteFile(planted, []byte("junk"), 0o644)
	if code, _, stderr := capture(t, "resume", run, "--headless", "--print-every", "1h"); code != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	if _, err := os.Lstat(planted); err == nil {
		t.Errorf("resume left %s", planted)
	}
}

// TestLongErrorCut: an error that quotes a folder's content (here run.json's preset, 100
// KB long) was one line of about 100 KB; each line of an error is now cut, and escaped.
func TestLongErrorCut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "run.json"), []byte(`{"preset":"`+strings.Repeat("a", 100<<10)+`\u001b[2J","metrics":["m"],"jobs":[{"id":"x-seed0","method":"x","steps":1}],"methods":["x"]}`), 0o644)
	code, _, stderr := capture(t, "show", dir)
	if code != 1 || len(stderr) > 2000 || strings.ContainsRune(stderr, 0x1b) {
		t.Errorf("show: exit %d, a %d-byte error: %.300q", code, len(stderr), stderr)
	}
}
