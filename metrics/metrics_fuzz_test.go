package metrics

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// FuzzMetrics feeds metrics.csv files to its two readers: the repair of a resume
// (scanMetrics, with a checkpoint at step keep), which must leave rows in strictly
// increasing steps up to keep and be a fixed point when repeated; the incremental reader
// of watch (Reader), which must return rows in strictly increasing steps, each with
// the run's columns (summary.FuzzCurve feeds the same files to ReadCurve).
func FuzzMetrics(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "folder", "testdata", "seeds", folder.MetricsFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, 10)
	f.Add(seed, -1)
	lines := strings.SplitAfter(string(seed), "\n")
	f.Add([]byte(lines[0]+lines[3]+"garbage\n"+lines[2]+lines[4]+"7,1,2"), 5)
	f.Add([]byte(strings.Join(lines[1:], "")), 100)
	f.Add([]byte("step,wall_s,x_l1,x_l2,y_l1,y_l2,x_l1_low\n1,NaN,1,2,3,4,5\n2,0.1,NaN,+Inf,-Inf,1e309,0\n"), 3)
	names := []string{"x_l1", "x_l2", "y_l1", "y_l2", "x_l1_low"}
	dir := f.TempDir() // one per process: its inputs run one at a time
	os.Mkdir(filepath.Join(dir, "j-seed0"), 0o755)
	f.Fuzz(func(t *testing.T, b []byte, keep int) {
		var out bytes.Buffer
		rep, prefix, err := Scan(bytes.NewReader(b), names, keep, func(l []byte) error { out.Write(l); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if prefix < 0 || prefix > int64(len(b)) {
			t.Fatalf("prefix %d of %d bytes", prefix, len(b))
		}
		if !rep.Rewrote && !bytes.Equal(out.Bytes(), b[:prefix]) {
			t.Fatalf("no rewrite, but the repaired file is not the first %d bytes", prefix)
		}
		again, prefix2, err := Scan(bytes.NewReader(out.Bytes()), names, keep, nil)
		if err != nil || again.Bad != 0 || again.Tail != 0 || again.Header || again.Rewrote || prefix2 != int64(out.Len()) {
			t.Fatalf("the repaired file needs repairing again: %+v, prefix %d of %d", again, prefix2, out.Len())
		}
		if err := os.WriteFile(filepath.Join(dir, "j-seed0", folder.MetricsFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, want := range [][]string{names, nil} {
			rows, err := NewReader(dir, "j-seed0", want).Next(0)
			if err != nil {
				continue
			}
			last := 0
			for _, r := range rows {
				if r.Step <= last || (want != nil && len(r.Metrics) != len(want)) || !folder.FiniteValue(r.Wall) {
					t.Fatalf("row %+v after step %d", r, last)
				}
				last = r.Step
			}
		}
	})
}
