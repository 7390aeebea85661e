package folder

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fuzz tests feed every parser of a run folder's files with mutations of real files
// (testdata/seeds, from a run of exp and a sweep of it) and of the damaged fixtures
// (testdata/hostile). The property is always the same: an error or a valid value, never a
// panic, and nothing that would lead a reader or writer out of the folder (every name
// that becomes a path is one plain name). CI runs each for a bounded time:
//
//	go test -run '^$' -fuzz '^FuzzRunInfo$' -fuzztime 5s ./runner

// addSeeds adds the seed file name and the hostile fixtures' files of that name.
func addSeeds(f *testing.F, name string, extra ...string) {
	f.Helper()
	if b, err := os.ReadFile(filepath.Join("testdata", "seeds", name)); err == nil {
		f.Add(b)
	} else {
		f.Fatal(err)
	}
	filepath.Walk(filepath.Join("testdata", "hostile"), func(path string, fi os.FileInfo, err error) error {
		if err == nil && fi.Name() == name {
			if b, err := os.ReadFile(path); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func FuzzRunInfo(f *testing.F) {
	addSeeds(f, RunFile, "", "null", "{}", "[]", `{"preset":"exp","metrics":["a"],"methods":["m"],"jobs":[{"id":"m-seed0","method":"m","seed":0,"steps":1}]}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := parseRunInfo(b)
		if err != nil {
			return
		}
		if info.Preset == "" || len(info.Metrics) == 0 || len(info.Jobs) == 0 || info.Format > FormatVersion {
			t.Fatalf("accepted %+v", info)
		}
		seen := map[string]bool{}
		for _, j := range info.Jobs {
			if !PlainName(j.ID) || j.ID != JobID(j.Method, j.Seed) || seen[j.ID] || j.Steps < 1 {
				t.Fatalf("accepted job %+v", j)
			}
			seen[j.ID] = true
		}
		for _, m := range info.Metrics {
			if !columnName(m) {
				t.Fatalf("accepted metric %q", m)
			}
		}
	})
}

func FuzzJobConfig(f *testing.F) {
	addSeeds(f, ConfigFile, "", "null", `{"job":{"id":"a-seed0","method":"a"},"method":{"name":"a"}}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseJobConfig(b)
		if err != nil {
			return
		}
		if !PlainName(c.Job.ID) || c.Job.ID != JobID(c.Job.Method, c.Job.Seed) || c.Method.Name != c.Job.Method || c.Format > FormatVersion {
			t.Fatalf("accepted %+v", c)
		}
		if c.Network != nil {
			c.Network.Validate() // must not panic either
		}
	})
}

func FuzzStatus(f *testing.F) {
	addSeeds(f, StatusFile, "", "null", `{"state":"running","step":3,"total":9,"wall_s":1e308}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseStatus(b)
		if err != nil {
			return
		}
		if s.Step < 0 || s.Total < 0 || !finiteValue(s.Wall) || s.Wall < 0 || !slices.Contains([]State{Queued, Running, Paused, Done, Diverged, Failed, Cancelled}, s.State) {
			t.Fatalf("accepted %+v", s)
		}
	})
}

func FuzzSnapshot(f *testing.F) {
	addSeeds(f, SnapshotFile, "", "null",
		`{"step":1,"fields":[{"name":"loss","shape":[2,3],"data":[1,2,3,4,5,6],"extent":[0,1,-1,1]}]}`,
		`{"step":1,"fields":[{"name":"x","shape":[2,1,2],"data":[1,2,3,4]}]}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSnapshot(b)
		if err != nil {
			return
		}
		for _, fd := range s.Fields {
			n := 1
			for _, d := range fd.Shape {
				n *= d
			}
			if n != len(fd.Data) || len(fd.Shape) == 0 || len(fd.Shape) > maxFieldRank {
				t.Fatalf("accepted field %q of shape %v with %d values", fd.Name, fd.Shape, len(fd.Data))
			}
			if fd.Grid() { // what the dashboard does with a grid: must not panic
				for _, p := range [][2]float64{{0, 0}, {math.Inf(1), -1}, {math.NaN(), 1e300}} {
					fd.At(p[0], p[1])
				}
			}
		}
	})
}

func FuzzControl(f *testing.F) {
	for _, s := range []string{"pause\n", "resume", " cancel \n", "", "pause\nresume\n", "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseControl(b)
		if err == nil && a != "pause" && a != "resume" && a != "cancel" {
			t.Fatalf("accepted %q as %q", b, a)
		}
	})
}

func FuzzSweep(f *testing.F) {
	addSeeds(f, SweepFile, "", "null", `{"preset":"exp","runs":[{"dir":".."}]}`, `{"preset":"exp","runs":[{"dir":"a/../../b"}]}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := parseSweep(b)
		if err != nil {
			return
		}
		for _, r := range info.Runs {
			if !PlainName(r.Dir) {
				t.Fatalf("accepted run folder %q", r.Dir)
			}
		}
	})
}

// FuzzMetrics feeds metrics.csv files to its two readers: the repair of a resume
// (scanMetrics, with a checkpoint at step keep), which must leave rows in strictly
// increasing steps up to keep and be a fixed point when repeated; the incremental reader
// of watch (MetricsReader), which must return rows in strictly increasing steps, each with
// the run's columns (summary.FuzzCurve feeds the same files to ReadCurve).
func FuzzMetrics(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "seeds", MetricsFile))
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
		rep, prefix, err := scanMetrics(bytes.NewReader(b), names, keep, func(l []byte) error { out.Write(l); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if prefix < 0 || prefix > int64(len(b)) {
			t.Fatalf("prefix %d of %d bytes", prefix, len(b))
		}
		if !rep.Rewrote && !bytes.Equal(out.Bytes(), b[:prefix]) {
			t.Fatalf("no rewrite, but the repaired file is not the first %d bytes", prefix)
		}
		again, prefix2, err := scanMetrics(bytes.NewReader(out.Bytes()), names, keep, nil)
		if err != nil || again.Bad != 0 || again.Tail != 0 || again.Header || again.Rewrote || prefix2 != int64(out.Len()) {
			t.Fatalf("the repaired file needs repairing again: %+v, prefix %d of %d", again, prefix2, out.Len())
		}
		if err := os.WriteFile(filepath.Join(dir, "j-seed0", MetricsFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, want := range [][]string{names, nil} {
			rows, err := NewMetricsReader(dir, "j-seed0", want).Next(0)
			if err != nil {
				continue
			}
			last := 0
			for _, r := range rows {
				if r.Step <= last || (want != nil && len(r.Metrics) != len(want)) || !finiteValue(r.Wall) {
					t.Fatalf("row %+v after step %d", r, last)
				}
				last = r.Step
			}
		}
	})
}
