package summary

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// FuzzCurve feeds metrics.csv files to ReadCurve (plot), with the seeds of
// folder.FuzzMetrics: an error or a curve of at most MaxPoints+1 points, never a panic.
func FuzzCurve(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "folder", "testdata", "seeds", folder.MetricsFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	lines := strings.SplitAfter(string(seed), "\n")
	f.Add([]byte(lines[0] + lines[3] + "garbage\n" + lines[2] + lines[4] + "7,1,2"))
	f.Add([]byte(strings.Join(lines[1:], "")))
	f.Add([]byte("step,wall_s,x_l1,x_l2,y_l1,y_l2,x_l1_low\n1,NaN,1,2,3,4,5\n2,0.1,NaN,+Inf,-Inf,1e309,0\n"))
	dir := f.TempDir() // one per process: its inputs run one at a time
	os.Mkdir(filepath.Join(dir, "j-seed0"), 0o755)
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, "j-seed0", folder.MetricsFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if c, err := ReadCurve(dir, "j-seed0", "x_l1", CurveOptions{MaxPoints: 8}); err == nil && c.Raw.Len() > 9 {
			t.Fatalf("curve of %d points; want at most 9", c.Raw.Len())
		}
	})
}
