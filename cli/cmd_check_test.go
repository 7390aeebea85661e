package cli

import (
	"encoding/json"
	"math"
	"os"

	"github.com/sipbench/sipbench/check"

	"path/filepath"
	"strings"
	"testing"
)

func TestCheckUsageErrors(t *testing.T) {
	dir := t.TempDir()
	made := filepath.Join(dir, "made")
	if code, _, stderr := capture(t, "check", "--only", "trajectories", "--seeds", "1", "--out", filepath.Join(dir, "c")); code != 0 {
		t.Fatalf("check --only trajectories: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"check", "--scale", "huge", "--out", made}, "--scale must be one of quick, paper"},
		{[]string{"check", "--seeds", "0", "--out", made}, "--seeds must be ≥ 1"},
		{[]string{"check", "--seed", "-1", "--out", made}, "--seed ≥ 0"},
		{[]string{"check", "--workers", "-2", "--out", made}, "--workers must be ≥ 0"},
		{[]string{"check", "--only", "exp,nosuch", "--out", made}, `--only: check: no preset or claim "nosuch" (presets: trajectories, exp, rotation`},
		{[]string{"check", "--nosuchflag"}, "flag provided but not defined"},
		{[]string{"check", "--scale", "paper", dir}, "--scale plans new runs; it does not go with run folders to read"},
		{[]string{"check", "--out", made, dir}, "--out plans new runs"},
		// Continuing a check folder with other settings than it was planned with.
		{[]string{"check", "--scale", "paper", "--out", filepath.Join(dir, "c")}, "holds a check at the quick scale with seeds [0]"},
		{[]string{"check", "--seeds", "3", "--out", filepath.Join(dir, "c")}, "leave out --scale, --seeds, --seed and --only"},
	} {
		code, _, stderr := capture(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
		if _, err := os.Lstat(made); err == nil {
			t.Fatalf("sipbench %s: a usage error created its --out folder", strings.Join(c.args, " "))
		}
	}
	for _, args := range [][]string{
		{"check", filepath.Join(dir, "missing")},
		{"check", made + "-file"},
	} {
		os.WriteFile(made+"-file", []byte("x"), 0o644)
		if code, _, stderr := capture(t, args...); code != 1 || strings.Contains(stderr, "goroutine") {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit 1 and one line", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestCheckEndToEnd trains the check of Figure 1 (iterative solvers, instant) and, outside
// the race detector, of Figure 2 (exp, 5000 steps of a small MLP), prints the rows as
// they come, and prints the same table again from the folder.
func TestCheckEndToEnd(t *testing.T) {
	only := "trajectories"
	if !raceDetector && !testing.Short() {
		only += ",exp"
	}
	dir := filepath.Join(t.TempDir(), "check")
	code, out, stderr := capture(t, "check", "--only", only, "--seeds", "2", "--out", dir)
	if code != 0 {
		t.Fatalf("check: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"sipbench check: quick scale, seeds 0–1, ",
		"training trajectories (pi, newton, gd; trajectories) …",
		"Figure 1   end, step 100",
		"Gradient descent prescribes small updates",
		"measured (fig1): loss gd ÷ max(pi, newton)",
		"again, without training: sipbench check " + dir,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Figure 1's row comes as soon as its runs have finished, before exp trains.
	if i, j := strings.Index(out, "Figure 1 "), strings.Index(out, "training exp"); strings.Contains(only, "exp") && (i < 0 || j < i) {
		t.Errorf("Figure 1's row at %d, exp's training at %d; want the row first:\n%s", i, j, out)
	}
	code, again, stderr := capture(t, "check", dir)
	if code != 0 {
		t.Fatalf("check DIR: exit %d: %s", code, stderr)
	}
	rowLine := func(s, where string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, where) {
				return l
			}
		}
		return ""
	}
	for _, where := range []string{"Figure 1 ", "Figure 2 "} {
		if a, b := rowLine(out, where), rowLine(again, where); a != b {
			t.Errorf("%s row trained %q, read again %q", where, a, b)
		}
	}
	if !strings.Contains(again, "(quick scale)") || strings.Contains(again, "training") {
		t.Errorf("check DIR trained or lost the scale:\n%s", again)
	}
	// watch on a check folder, headless, prints the same table.
	if code, watched, stderr := capture(t, "watch", dir, "--headless"); code != 0 || rowLine(watched, "Figure 1 ") != rowLine(out, "Figure 1 ") {
		t.Errorf("watch DIR --headless: exit %d, %s\n%s", code, stderr, watched)
	}
}

// TestCheckFixtures: check DIR on the fixture folders testdata/check: a Poisson run of two
// seeds to step 5000 measures the 5k claim; one whose jobs are still training shows the
// claim's ratio at the latest step every job of both seeds has logged, marked provisional
// and not counted as a verdict.
func TestCheckFixtures(t *testing.T) {
	code, out, stderr := capture(t, "check", "--only", "fig6b-60,fig6b-5k", filepath.Join("testdata", "check", "poisson5k"))
	if code != 0 {
		t.Fatalf("check poisson5k: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Figure 6b  step 60           1.77× [1.23–2.31×] p=0.25 (n<5: wide) 2 seeds  paper 3×               SHORT OF THE PAPER: 1.77× of 3×: three fifths\n",
		"Figure 6b  step 5000         6.66× [2.73–10.6×] p=0.25 (n<5: wide) 2 seeds  paper 10×              SHORT OF THE PAPER: 6.66× of 10×: two thirds\n",
		"2 claims: 2 short of the paper\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check poisson5k lacks %q:\n%s", want, out)
		}
	}
	code, out, stderr = capture(t, "check", "--only", "fig6b-60,fig6b-5k", filepath.Join("testdata", "check", "poisson-unfinished"))
	if code != 0 {
		t.Fatalf("check poisson-unfinished: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"SHORT OF THE PAPER: 1.77× of 3×: three fifths\n", // step 60 is behind every job: final
		"Figure 6b  step 5000         –                                              paper 10×              PENDING (at step 2,300 of 5,000: 2.84× (2.74–2.94×), provisional)\n",
		"measured (fig6b-5k): x_l1 adam ÷ sip; 2 of 2 seeds still training\n",
		"2 claims: 1 short of the paper, 1 pending (1 with a provisional ratio so far, not a verdict)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check poisson-unfinished lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckDryRun: --dry-run prints the full scale's plan (each experiment's methods,
// steps, seeds and CPU time from the cached step costs of this machine) and makes no
// folder; the full scale refuses a single seed.
func TestCheckDryRun(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	work := t.TempDir()
	t.Chdir(work)
	pl, err := check.NewPlan(check.Full, []int{0, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	costs := map[string]stepCost{}
	for _, e := range pl.Experiments {
		spec, err := e.Spec(pl.Scale)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range spec.Methods {
			costs[costKey(spec, m.Name)] = stepCost{CPU: 0.5, Steps: 3, Measured: "2026-12-06T10:00:00Z"}
		}
	}
	path, err := costCacheFile()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeCostCache(path, costs); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := capture(t, "check", "--scale", "full", "--dry-run")
	if code != 0 {
		t.Fatalf("check --scale full --dry-run: exit %d: %s", code, stderr)
	}
	lines := strings.Split(out, "\n")
	row := func(exp, method string) []string {
		for i, l := range lines {
			f := strings.Fields(l)
			if len(f) > 1 && f[0] == exp {
				for _, l2 := range lines[i:] {
					if g := strings.Fields(l2); len(g) > 2 && (g[0] == method || g[1] == method) {
						return g
					}
				}
			}
		}
		return nil
	}
	for _, c := range []struct {
		exp, method, steps, hours string
	}{
		{"poisson", "sip", "5,000", "1.39"}, // 0.5 s × 5000 steps × 2 seeds
		{"poisson", "adam", "5,000", "1.39"},
		{"heat", "sip", "10,000", "2.78"},
		{"fluid", "sip", "20,000", "5.56"},
		{"fluid", "gd", "20,000", "5.56"},
		{"exp", "rescaled", "100,000", "27.8"},
		{"rotation-xi32-phi45", "sip", "100,000", "27.8"},
		{"poisson-2nd", "hf", "60", "1"}, // 1 min
		{"heat-2nd", "adahessian", "100", "2"},
		{"oscillators", "hig", "10,000,000", "2 h (time limit)"}, // the paper scale's 3600 s per job ends it first
	} {
		got := strings.Join(row(c.exp, c.method), " ")
		if !strings.Contains(got, c.method+" "+c.steps+" 2 500 ms "+c.hours) || !strings.Contains(got, "cached 2026-12-06") {
			t.Errorf("%s %s: %q; want %s steps, 2 seeds, 500 ms per step, %s (h or min), cached", c.exp, c.method, got, c.steps, c.hours)
		}
	}
	for _, want := range []string{"sipbench check --scale full --dry-run: the plan; nothing trains, no folder is made",
		"seeds: 0–1 (2; the paper's figures show one run per method", "claims measured: 19 (fig1, ", "trajectories"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	if stderr != "" {
		t.Errorf("measured step costs although all were cached: %s", stderr)
	}
	if strings.Contains(out, "warning:") {
		t.Errorf("a warning for costs timed at no known load:\n%s", out)
	}
	// Costs timed on a busy machine (load above the cores) are flagged, with the load.
	for _, spec := range []string{"poisson", "heat"} {
		for k, c := range costs {
			if strings.HasPrefix(k, spec+" paper sip ") {
				c.Load, c.CPUs = 40, 2
				costs[k] = c
			}
		}
	}
	if err := writeCostCache(path, costs); err != nil {
		t.Fatal(err)
	}
	_, out, _ = capture(t, "check", "--scale", "full", "--dry-run")
	lines = strings.Split(out, "\n")
	if got := strings.Join(row("poisson", "sip"), " "); !strings.Contains(got, "cached 2026-12-06, load 40") {
		t.Errorf("poisson sip: %q; want its load", got)
	}
	if !strings.Contains(out, "warning: 2 of ") || !strings.Contains(out, " step costs were timed at load 40 on 2 cores") ||
		!strings.Contains(out, "--remeasure on a quiet machine") {
		t.Errorf("no warning of costs timed at load 40:\n%s", out)
	}
	// --json: the same plan as data.
	code, out, stderr = capture(t, "check", "--scale", "full", "--dry-run", "--json")
	var pj planJSON
	if err := json.Unmarshal([]byte(out), &pj); code != 0 || err != nil {
		t.Fatalf("check --scale full --dry-run --json: exit %d, %v, %s:\n%s", code, err, stderr, out)
	}
	var sum float64
	for _, l := range pj.Lines {
		sum += l.CPUHours
		if l.Experiment == "poisson" && l.Method == "sip" && (l.Steps != 5000 || l.Seeds != 2 || l.Cost.CPU != 0.5 || math.Abs(l.CPUHours-0.5*5000*2/3600) > 1e-9) {
			t.Errorf("poisson sip: %+v", l)
		}
	}
	if pj.Scale != "full" || len(pj.Seeds) != 2 || math.Abs(sum-pj.CPUHours) > 1e-9 || pj.CPUHours <= 0 {
		t.Errorf("plan JSON: scale %s, seeds %v, %v CPU hours (lines sum to %v)", pj.Scale, pj.Seeds, pj.CPUHours, sum)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("--dry-run made %v", entries)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--scale", "full", "--seeds", "1", "--dry-run"}, "the full scale takes at least 2"},
		{[]string{"check", "--dry-run", work}, "--dry-run and --slurm plan a new check"},
		{[]string{"check", "--partition", "x"}, "--partition only apply with --slurm"},
		{[]string{"check", "--remeasure", "--out", filepath.Join(work, "x")}, "--remeasure goes with --dry-run"},
	} {
		if code, _, stderr := capture(t, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, %q; want 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("the usage errors made %v", entries)
	}
}
