package showcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/cli/internal/clitest"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
)

// capture runs `sipbench show` with args (args[0] is "show") and returns its exit code,
// stdout and stderr.
func capture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return clitest.Capture(t, func() int { return cmdline.ExitCode(Show(args[1:])) })
}

// TestShowSaysDamagedEnd: show of a run whose metrics.csv ends in a sparse hole of 8 MB
// (over the size it reads whole, so read by seeking) gives the rows before the hole and
// says that the end holds no complete row, in its table's notes and in --json (issue 26:
// show read a 2 GB hole through, 38.6 s).
func TestShowSaysDamagedEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "testdata", "compat", "format1-exp"))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "adam-seed0", "metrics.csv")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()+8<<20); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := capture(t, "show", dir)
	if code != 0 || !strings.Contains(out, "adam-seed0: metrics.csv: no complete row in its last 1024 KB") {
		t.Errorf("show: exit %d, %s\n%s; want the note", code, out, errOut)
	}
	code, out, _ = capture(t, "show", "--json", dir)
	var js []struct {
		Jobs []struct {
			ID   string `json:"id"`
			Done int    `json:"steps_done"`
			Note string `json:"note"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 || len(js) != 1 {
		t.Fatalf("show --json: exit %d, %v:\n%s", code, err, out)
	}
	for _, j := range js[0].Jobs {
		if (j.ID == "adam-seed0") != (j.Note != "") || j.Done == 0 {
			t.Errorf("show --json: %+v; want a note for adam-seed0 only, and its steps before the hole", j)
		}
	}
}
