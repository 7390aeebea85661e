package runner

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/summary"
)

func TestParseGrid(t *testing.T) {
	g, err := folder.ParseGrid([]string{"xi=1, 32", " phi =0"})
	if err != nil || strings.Join(g.Keys, ",") != "xi,phi" || strings.Join(g.Values["xi"], ",") != "1,32" || len(g.Values["phi"]) != 1 {
		t.Errorf("ParseGrid = %+v, %v", g, err)
	}
	for _, c := range []struct{ set, want string }{
		{"xi", "want key=v1,v2"}, {"xi=", "want key=v1,v2"}, {"xi=,", "want key=v1,v2"}, {"=1", "want key=v1,v2"},
	} {
		if _, err := folder.ParseGrid([]string{c.set}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseGrid(%q): %v; want %q", c.set, err, c.want)
		}
	}
	if _, err := folder.ParseGrid([]string{"xi=1", "xi=2"}); err == nil || !strings.Contains(err.Error(), "xi given twice") {
		t.Errorf("key twice: %v", err)
	}
}

// TestSweep plans a 2×1×2 grid of rotation, trains it, and checks the record, the
// folders' names and the table.
func TestSweep(t *testing.T) {
	p, err := presets.Lookup("rotation")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := folder.ParseGrid([]string{"xi=1,32", "batch=10", "phi=0,45.0"})
	info, specs, err := folder.PlanSweep(p, "", []string{"sip", "adam"}, g, []string{"steps=4"})
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{"xi=1_phi=0", "xi=1_phi=45.0", "xi=32_phi=0", "xi=32_phi=45.0"}
	if len(specs) != 4 || strings.Join(info.Keys, " ") != "xi phi" || strings.Join(info.Methods, ",") != "sip,adam" || info.Scale != "quick" {
		t.Fatalf("plan %+v (%d specs)", info, len(specs))
	}
	for i, r := range info.Runs {
		if r.Dir != dirs[i] || r.Values["batch"] != "10" || specs[i].Common.Steps != 4 || specs[i].Common.Batch != 10 {
			t.Errorf("run %d: %+v, steps %d", i, r, specs[i].Common.Steps)
		}
	}
	if _, _, err := folder.PlanSweep(p, "", nil, folder.Grid{Keys: []string{"xi"}, Values: map[string][]string{"xi": {"abc"}}}, nil); err == nil {
		t.Error("a refused value planned")
	}
	dir := filepath.Join(t.TempDir(), "sw")
	if err := folder.CreateSweep(dir, info); err != nil || !folder.IsSweep(dir) {
		t.Fatalf("CreateSweep: %v", err)
	}
	if err := folder.CreateSweep(dir, info); err == nil {
		t.Error("CreateSweep over a sweep: no error")
	}
	for i, s := range specs[:3] { // the last combination is left unstarted
		r, err := Create(s, []int{0, 1}, filepath.Join(dir, info.Runs[i].Dir))
		if err != nil {
			t.Fatal(err)
		}
		r.Start(context.Background(), Options{Workers: 2})
		r.Wait()
	}
	sum, err := summary.SummarizeSweep(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Metric != "x_dist" || len(sum.Rows) != 4 || sum.Rows[3].Started || sum.Rows[1].Label != "1 45.0" {
		t.Fatalf("sweep summary %+v", sum)
	}
	for _, row := range sum.Rows[:3] {
		sub := filepath.Join(dir, row.Run.Dir)
		ri, _ := folder.ReadInfo(sub)
		s, _ := summary.Summarize(sub, ri, summary.Options{})
		for k, st := range s.ByMethod(0) {
			if len(row.Values) != 2 || row.Values[k] != st.Mean || math.IsNaN(st.Mean) {
				t.Errorf("%s: %v, want the means over seeds %+v", row.Label, row.Values, s.ByMethod(0))
			}
		}
	}
}
