package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

// The compat folders are run folders as earlier sipbench versions wrote them, each a run
// of exp with the methods rescaled and adam, stopped by Ctrl-C midway: folders of these
// formats must keep opening, resuming and plotting whatever the format becomes.
//
// compatRun is of format 1 as sipbench wrote it before runs had an id (b6110f2:
// `sipbench run exp --methods rescaled,adam --steps 500 --set checkpoint_every=100
// --headless`, stopped after about 150 steps). compatToday is of format 1 as sipbench
// writes it at 77f6a84: a run id, checkpoints bound to the run by its id and a hash of its
// settings, no per-method learning rates among the settings (`sipbench run exp --methods
// rescaled,adam --steps 400 --set checkpoint_every=100 --headless`, stopped at steps 300
// and 248). When the format changes, keep both and add a folder of the new one.
const (
	compatRun   = "testdata/compat/format1-exp"
	compatToday = "testdata/compat/format1-runid-exp"
)

func TestCompatFormat1(t *testing.T) {
	testCompat(t, compatRun, 500, map[string]int{"rescaled-seed0": 155, "adam-seed0": 186})
}

func TestCompatToday(t *testing.T) {
	testCompat(t, compatToday, 400, map[string]int{"rescaled-seed0": 300, "adam-seed0": 248})
}

// testCompat checks that a copy of the run folder src, whose jobs were cancelled at the
// steps stopped of their steps steps, shows as such, resumes from its checkpoints to
// the end (the rows before them kept as they were), and plots.
func testCompat(t *testing.T, src string, steps int, stopped map[string]int) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := capture(t, "show", dir)
	for job, step := range stopped {
		if want := fmt.Sprintf("%s  cancelled    %d", job, step); code != 0 || !strings.Contains(out, want) {
			t.Fatalf("show: exit %d, stdout %q, stderr %q; want %q", code, out, stderr, want)
		}
	}
	code, out, stderr = capture(t, "runs", filepath.Dir(dir))
	if code != 0 || !strings.Contains(out, "interrupted") {
		t.Errorf("runs: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	before := map[string][]metrics.Row{}
	for job := range stopped {
		before[job], _, _ = metrics.Read(dir, job, 0, nil)
	}
	code, _, stderr = capture(t, "resume", dir, "--headless", "--print-every", "1h")
	if code != 0 {
		t.Fatalf("resume: exit %d, stderr %q", code, stderr)
	}
	for job := range stopped {
		st, err := folder.ReadStatus(dir, job)
		if err != nil || st.State != folder.Done || st.Step != steps {
			t.Errorf("%s after resume: %+v, %v; want done at step %d", job, st, err, steps)
		}
		rows, _, err := metrics.Read(dir, job, 0, nil)
		if err != nil || len(rows) != steps || rows[0].Step != 1 || rows[steps-1].Step != steps {
			t.Errorf("%s: %d rows after resume, %v; want steps 1…%d once each", job, len(rows), err, steps)
			continue
		}
		// It continued from the checkpoint: the rows up to it are kept as they were.
		for i, r := range before[job] {
			if r.Step != rows[i].Step || r.Wall != rows[i].Wall {
				t.Errorf("%s: row %d was %+v, is %+v after resume", job, i, r, rows[i])
				break
			}
		}
	}
	code, out, stderr = capture(t, "plot", dir)
	if code != 0 || !strings.Contains(out, "curves.png") {
		t.Errorf("plot: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
