package checkcmd

import (
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
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
			c := stepCost{CPU: 0.5, Steps: 3, Measured: "2026-12-06T10:00:00Z"}
			if m.Name == "hf" {
				c.CGIters, c.CGMax = 50, 250
			}
			costs[costKey(spec, m.Name)] = c
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
		"per seed: ", " of CPU time; here, one job a core on ", "of wall time training, its longest job 13.9 h; one seed alone: about ",
		// hf: 60 and 100 steps × 0.5 s = 80 s (1 min) per seed; at 250 CG iterations 5× that: 320 s more.
		"Hessian-free: timed at poisson-2nd 50, heat-2nd 50 CG iterations a step, 1 min per seed; were every step to run to its limit of 250, at most 5 min more per seed"} {
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
	if got := strings.Join(row("heat-2nd", "hf"), " "); !strings.Contains(got, "cached 2026-12-06, 50 CG iterations a step") {
		t.Errorf("heat-2nd hf: %q; want its CG iterations", got)
	}
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

// TestMeasureStepCost follows measureStepCost's choices with a fake bench: a first step
// then warm steps; a first step too slow for costTimeout, then one warm step with the long
// timeout (a Hessian-free step: its CG iterations kept); warm steps that run out of time
// (the first step's cost, an upper bound); and nothing in time (half the CPU time used, a
// lower bound).
func TestMeasureStepCost(t *testing.T) {
	p, err := presets.Lookup("poisson")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := p.Resolve("paper", []string{"hf"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	type call struct {
		warmup, steps int
		timeout       time.Duration
	}
	fake := func(first, warm benchResult, calls *[]call) benchFunc {
		return func(_ *presets.Spec, _ string, warmup, steps int, timeout time.Duration) (benchResult, error) {
			*calls = append(*calls, call{warmup, steps, timeout})
			if warmup == 0 {
				return first, nil
			}
			return warm, nil
		}
	}
	ok := func(cpu time.Duration, cg float64) benchResult {
		r := benchResult{wall: 2 * cpu, cpu: cpu, ok: true, cgIters: cg}
		if cg > 0 {
			r.cgMax = 250
		}
		return r
	}
	late := func(used time.Duration) benchResult { return benchResult{used: used} }
	for _, c := range []struct {
		name        string
		first, warm benchResult
		calls       []call
		want        stepCost
	}{
		{"fast", ok(400*time.Millisecond, 0), ok(300*time.Millisecond, 0),
			[]call{{0, 1, costTimeout}, {1, 2, longCostTimeout}}, stepCost{CPU: 0.3, Steps: 2}},
		{"hf, first in time", ok(30*time.Second, 31), ok(45*time.Second, 50),
			[]call{{0, 1, costTimeout}, {1, 1, longCostTimeout}}, stepCost{CPU: 45, Steps: 1, CGIters: 50, CGMax: 250}},
		{"hf, first late", late(80 * time.Second), ok(60*time.Second, 80),
			[]call{{0, 1, costTimeout}, {1, 1, longCostTimeout}}, stepCost{CPU: 60, Steps: 1, CGIters: 80, CGMax: 250}},
		{"warm late", ok(30*time.Second, 0), late(1000 * time.Second),
			[]call{{0, 1, costTimeout}, {1, 1, longCostTimeout}}, stepCost{CPU: 30, Steps: 1, Cold: true}},
		{"none in time", late(80 * time.Second), late(1000 * time.Second),
			[]call{{0, 1, costTimeout}, {1, 1, longCostTimeout}}, stepCost{CPU: 500, Steps: 1, AtLeast: true}},
	} {
		var calls []call
		got, err := measureStepCost(spec, "hf", fake(c.first, c.warm, &calls))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(calls, c.calls) {
			t.Errorf("%s: bench calls %v; want %v", c.name, calls, c.calls)
		}
		got.Measured, got.Load, got.CPUs = "", 0, 0
		if math.Abs(got.CPU-c.want.CPU) > 1e-9 {
			t.Errorf("%s: CPU %v; want %v", c.name, got.CPU, c.want.CPU)
		}
		got.CPU = c.want.CPU
		if got != c.want {
			t.Errorf("%s: %+v; want %+v", c.name, got, c.want)
		}
	}
	_, err = measureStepCost(spec, "hf", func(*presets.Spec, string, int, int, time.Duration) (benchResult, error) {
		return benchResult{}, errors.New("boom")
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("a failing bench: %v; want its error", err)
	}
}

// TestParseBench reads bench lines, with and without CPU time and CG iterations, and
// refuses one without ms_per_step.
func TestParseBench(t *testing.T) {
	r, err := parseBench([]byte("impl=sipbench preset=poisson method=hf ms_per_step=120.5 ms_min=100 cg_iters=50 cg_max=250 kernels=avx512 cpu_ms_per_step=60.25 peak_rss_mib=1300\n"))
	if err != nil || !r.ok || r.wall != 120500*time.Microsecond || r.cpu != 60250*time.Microsecond || r.cgIters != 50 || r.cgMax != 250 {
		t.Errorf("hf line: %+v, %v", r, err)
	}
	r, err = parseBench([]byte("impl=sipbench ms_per_step=7 ms_min=6\n"))
	if err != nil || r.cpu != 7*time.Millisecond || r.cgIters != 0 {
		t.Errorf("a line without CPU time: %+v, %v; want the wall time as the CPU time", r, err)
	}
	for _, bad := range []string{"", "ms_per_step=x", "ms_per_step=-1", "cpu_ms_per_step=3"} {
		if _, err := parseBench([]byte(bad)); err == nil {
			t.Errorf("parseBench(%q): no error", bad)
		}
	}
}

// TestCGLimit: a Hessian-free line's cost at its CG limit scales with CGMax/CGIters, and
// the plan says how much more its lines would take per seed.
func TestCGLimit(t *testing.T) {
	c := stepCost{CPU: 20, CGIters: 50, CGMax: 250}
	if got := c.maxCPU(); got != 100 {
		t.Errorf("maxCPU = %v; want 20 × 250/50 = 100", got)
	}
	if got := (stepCost{CPU: 2}).maxCPU(); got != 2 {
		t.Errorf("maxCPU without CG = %v; want the cost", got)
	}
	hf := planLine{exp: check.Experiment{Name: "heat-2nd"}, spec: &presets.Spec{Common: presets.Common{Steps: 180}}, cost: c}
	other := planLine{exp: check.Experiment{Name: "heat"}, spec: &presets.Spec{Common: presets.Common{Steps: 1000}}, cost: stepCost{CPU: 1}}
	got := cgLimitText([]planLine{other, hf}, 1)
	// 180 steps × 20 s = 1 h; at the limit 5 h: 4 h more.
	for _, want := range []string{"heat-2nd 50 CG iterations", "1 h per seed", "limit of 250", "at most 4 h more per seed"} {
		if !strings.Contains(got, want) {
			t.Errorf("cgLimitText = %q; lacks %q", got, want)
		}
	}
	if got := cgLimitText([]planLine{other}, 1); got != "" {
		t.Errorf("cgLimitText without Hessian-free lines = %q; want none", got)
	}
}
