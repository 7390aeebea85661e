package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

// compatRun is a run folder of format 1 as sipbench wrote it before runs had an id
// (b6110f2: `sipbench run exp --methods rescaled,adam --steps 500 --set checkpoint_every=100
// --headless`, stopped by Ctrl-C after about 150 steps). Folders of this format must keep
// opening, resuming and plotting whatever the format becomes.
const compatRun = "testdata/compat/format1-exp"

func TestCompatFormat1(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dir, os.DirFS(compatRun)); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := capture(t, "show", dir)
	if code != 0 || !strings.Contains(out, "rescaled-seed0  cancelled    155") || !strings.Contains(out, "adam-seed0  cancelled    186") {
		t.Fatalf("show: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, stderr = capture(t, "runs", filepath.Dir(dir))
	if code != 0 || !strings.Contains(out, "interrupted") {
		t.Errorf("runs: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	before := map[string][]metrics.Row{}
	for _, job := range []string{"rescaled-seed0", "adam-seed0"} {
		before[job], _, _ = metrics.Read(dir, job, 0, nil)
	}
	code, _, stderr = capture(t, "resume", dir, "--headless", "--print-every", "1h")
	if code != 0 {
		t.Fatalf("resume: exit %d, stderr %q", code, stderr)
	}
	for _, job := range []string{"rescaled-seed0", "adam-seed0"} {
		st, err := folder.ReadStatus(dir, job)
		if err != nil || st.State != folder.Done || st.Step != 500 {
			t.Errorf("%s after resume: %+v, %v; want done at step 500", job, st, err)
		}
		rows, _, err := metrics.Read(dir, job, 0, nil)
		if err != nil || len(rows) != 500 || rows[0].Step != 1 || rows[499].Step != 500 {
			t.Errorf("%s: %d rows after resume, %v; want steps 1…500 once each", job, len(rows), err)
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
