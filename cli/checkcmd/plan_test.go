package checkcmd

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cli/internal/clitest"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

// noCluster is a cmdline.Cluster without flags: the jobs never go to a cluster.
func noCluster(*flag.FlagSet) cmdline.ClusterFlags { return localOnly{} }

type localOnly struct{}

func (localOnly) On() bool                  { return false }
func (localOnly) DryRun() bool              { return false }
func (localOnly) Check(*flag.FlagSet) error { return nil }
func (localOnly) Submit(string, string, []runner.ArrayRun) error {
	return errors.New("no cluster")
}

// capture runs `sipbench check` with args (args[0] is "check"), without the cluster's
// flags, and returns its exit code, stdout and stderr.
func capture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return clitest.Capture(t, func() int { return cmdline.ExitCode(Run(args[1:], noCluster)) })
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
		"seeds: 0–1 (2; the paper's figures show one run per method", "claims measured: 19 (fig1, ", "trajectories",
		"per seed: ", " of CPU time; here, one job a core on ", "of wall time training, its longest job 13.9 h"} {
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
	var pj PlanJSON
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

// TestWarmSteps: about a second of CPU of warm steps, 2 to 200, one for a very slow step.
func TestWarmSteps(t *testing.T) {
	for _, c := range []struct {
		first time.Duration
		want  int
	}{{0, 200}, {time.Millisecond, 200}, {20 * time.Millisecond, 50}, {400 * time.Millisecond, 2},
		{3 * time.Second, 2}, {20 * time.Second, 2}, {21 * time.Second, 1}} {
		if got := warmSteps(c.first); got != c.want {
			t.Errorf("warmSteps(%v) = %d, want %d", c.first, got, c.want)
		}
	}
}

// TestMakespan: jobs longest first, each on the core that frees first, against schedules
// worked by hand; solver lines (no cost) take no core.
func TestMakespan(t *testing.T) {
	line := func(cpu float64, steps int) planLine {
		return planLine{spec: &presets.Spec{Common: presets.Common{Steps: steps}}, cost: stepCost{CPU: cpu}}
	}
	// one seed: jobs of 5, 4, 3, 3 and 3 hours (and a solver)
	lines := []planLine{line(1, 3*3600), line(1, 5*3600), line(0, 100), line(1, 4*3600), line(1, 3*3600), line(1, 3*3600)}
	for _, c := range []struct {
		seeds, cores int
		want         float64
	}{
		{1, 1, 18}, // everything in a row
		{1, 2, 10}, // 5 | 4, then 5 | 7, 8 | 7, 8 | 10
		{1, 5, 5},  // one job a core: the longest
		{1, 16, 5}, // more cores than jobs
		{2, 2, 18}, // twice the jobs, half the cores' share each
		{2, 0, 36}, // no cores reported: one
	} {
		if got := makespan(lines, c.seeds, c.cores); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("makespan(seeds %d, cores %d) = %v h, want %v", c.seeds, c.cores, got, c.want)
		}
	}
	if got := longestJob(lines, 2); got != 5 {
		t.Errorf("longestJob = %v, want 5", got)
	}
	if got := longestJob(nil, 2); got != 0 {
		t.Errorf("longestJob of no lines = %v, want 0", got)
	}
}
