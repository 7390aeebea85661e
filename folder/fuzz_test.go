package folder

import (
	"math"
	"os"
	"path/filepath"
	"slices"
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
		if s.Step < 0 || s.Total < 0 || !FiniteValue(s.Wall) || s.Wall < 0 || !slices.Contains([]State{Queued, Running, Paused, Done, Diverged, Failed, Cancelled}, s.State) {
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
