package profile

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// profileRun writes a run of methods sip and adam over seeds 0 and 1 whose metric m
// takes the values vals[job] at steps 1, 2, …, and returns its folder.
func profileRun(t *testing.T, vals map[string][]float64) string {
	t.Helper()
	dir := t.TempDir()
	info := folder.Info{Preset: "fake", Metrics: []string{"m"}, Metric: "m", Reference: "sip", Methods: []string{"sip", "adam"}, Seeds: []int{0, 1}}
	for _, seed := range info.Seeds {
		for _, m := range info.Methods {
			id := folder.JobID(m, seed)
			info.Jobs = append(info.Jobs, folder.JobInfo{ID: id, Method: m, Seed: seed, Steps: 5})
			var b strings.Builder
			b.WriteString("step,wall_s,m\n")
			for i, v := range vals[id] {
				fmt.Fprintf(&b, "%d,%g,%g\n", i+1, 0.5*float64(i+1), v)
			}
			os.MkdirAll(filepath.Join(dir, id), 0o755)
			if err := os.WriteFile(filepath.Join(dir, id, folder.MetricsFile), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := folder.WriteJSON(filepath.Join(dir, folder.RunFile), info); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestProfile checks a performance profile worked by hand. Every job starts at 1 (log f_0 =
// 0); the fast curve falls tenfold per step to 1e-4, the slow one to 1e-2. Tolerance 0.5:
// the target is 1e-4^0.5 = 1e-2, which the fast curve reaches at step 3 and the slow one at
// step 5: ratios 1 and 5/3. Tolerance 0.1: the target is 1e-4^0.9 ≈ 2.5e-4, reached at
// step 5 by the fast curve only. Seed 0 has SIP fast, seed 1 Adam.
func TestProfile(t *testing.T) {
	fast, slow := []float64{1, 0.1, 0.01, 0.001, 0.0001}, []float64{1, 0.5, 0.1, 0.05, 0.01}
	dir := profileRun(t, map[string][]float64{"sip-seed0": fast, "adam-seed0": slow, "sip-seed1": slow, "adam-seed1": fast})
	p, err := Of([]string{dir}, Options{Tolerance: 0.5, Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Methods, []string{"sip", "adam"}) || len(p.Problems) != 2 {
		t.Fatalf("methods %v, problems %v", p.Methods, p.Problems)
	}
	if !slices.Equal(p.Ratios[0], []float64{1, 5.0 / 3}) || !slices.Equal(p.Ratios[1], []float64{5.0 / 3, 1}) {
		t.Errorf("ratios %v; want [1 5/3] [5/3 1]", p.Ratios)
	}
	for m := range 2 {
		if a, b, c := p.At(m, 1), p.At(m, 1.6), p.At(m, 5.0/3); a != 0.5 || b != 0.5 || c != 1 {
			t.Errorf("ρ_%s at 1, 1.6, 5/3 = %v, %v, %v; want 0.5, 0.5, 1", p.Methods[m], a, b, c)
		}
	}
	if s := p.Steps(0); !slices.Equal(s, []float64{1, 5.0 / 3}) {
		t.Errorf("Steps = %v", s)
	}
	p, err = Of([]string{dir}, Options{Tolerance: 0.1, Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Ratios[0], []float64{1, math.Inf(1)}) || p.At(0, math.Inf(1)) != 0.5 || p.At(1, math.Inf(1)) != 0.5 {
		t.Errorf("tolerance 0.1: ratios %v, ρ_sip(∞) = %v; want [1 +Inf], 0.5", p.Ratios, p.At(0, 1e9))
	}
	// By training time: the same steps at 0.5 s each, the same ratios.
	if p, err := Of([]string{dir}, Options{Tolerance: 0.5, Window: 1, Wall: true}); err != nil || !slices.Equal(p.Ratios[0], []float64{1, 5.0 / 3}) {
		t.Errorf("wall: %v, %v", p, err)
	}
	if _, err := Of([]string{dir}, Options{Tolerance: 1}); err == nil {
		t.Error("tolerance 1 is no error")
	}
	if ds, err := Dirs([]string{filepath.Dir(dir)}); err != nil || !slices.Contains(ds, dir) {
		t.Errorf("ProfileDirs of the parent: %v, %v", ds, err)
	}
}
