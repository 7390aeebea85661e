package checkcmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/presets"
)

// A stepCost is the CPU time of one training step of a job (one thread), as `sipbench
// bench --preset` measures it (runner.StepTimes and the process's CPU time), and where it
// comes from.
type stepCost struct {
	CPU      float64 `json:"cpu_s_per_step"` // 0 for a solver preset (no training step)
	Steps    int     `json:"steps_timed"`
	AtLeast  bool    `json:"at_least,omitempty"` // the step did not end within costTimeout: CPU is a lower bound
	Cold     bool    `json:"cold,omitempty"`     // only the first step (set-up included) ended in time: CPU is an upper bound
	Measured string  `json:"measured"`           // RFC 3339
	Load     float64 `json:"load,omitempty"`     // the 1-minute load average when it was measured (Linux): the higher of before and after
	CPUs     int     `json:"cpus,omitempty"`     // the machine's logical CPUs then
	// CGIters is, for a Hessian-free step, the CG iterations of the steps timed (its cost is
	// about proportional to them; they vary from step to step), and CGMax their limit.
	CGIters float64 `json:"cg_iterations,omitempty"`
	CGMax   int     `json:"cg_max,omitempty"`
	Source  string  `json:"-"` // "measured now" or "cached <date>", with the load
}

// maxCPU is, for a Hessian-free step, its cost at the limit of CG iterations: the cost
// timed scaled by CGMax/CGIters (an upper bound, as a step's other work is scaled too);
// for other steps the cost.
func (c stepCost) maxCPU() float64 {
	if c.CGIters > 0 && c.CGMax > 0 && c.CGIters < float64(c.CGMax) {
		return c.CPU * float64(c.CGMax) / c.CGIters
	}
	return c.CPU
}

// loadAverage returns the 1-minute load average, 0 where the system does not say.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	x, err := strconv.ParseFloat(f[0], 64)
	if err != nil || x < 0 || x > 1e6 {
		return 0
	}
	return x
}

// source says where a cost comes from: "measured now" or "cached 2026-12-06", and the
// load average then ("at load 2.1"): CPU time per step grows on a busy machine.
func (c stepCost) source(now bool) string {
	s := "measured now"
	if !now {
		s = "cached " + strings.SplitN(c.Measured, "T", 2)[0]
		if len(s) > 30 { // a cache is input
			s = "cached"
		}
	}
	if c.Load > 0 {
		s += fmt.Sprintf(", load %.3g", c.Load)
	}
	if c.Cold {
		s += ", a first step"
	}
	if c.CGIters > 0 {
		s += fmt.Sprintf(", %.3g CG iterations a step", c.CGIters)
	}
	return s
}

// costCacheFile is the cache of step costs measured on this machine, under the user's
// cache folder ($XDG_CACHE_HOME or ~/.cache on Linux).
func costCacheFile() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "sipbench", "step-costs.json"), nil
}

// maxCostCache bounds the cache file that is read.
const maxCostCache = 1 << 20

// readCostCache reads the cache; a missing or damaged one is empty.
func readCostCache(path string) map[string]stepCost {
	m := map[string]stepCost{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCostCache+1))
	if err != nil || len(b) > maxCostCache || json.Unmarshal(b, &m) != nil {
		return map[string]stepCost{}
	}
	for k, c := range m { // a cache is input: no negative or absurd costs
		if !(c.CPU >= 0 && c.CPU < 1e6) {
			delete(m, k)
		}
	}
	return m
}

// writeCostCache writes the cache through a temporary file and a rename.
func writeCostCache(path string, m map[string]stepCost) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// costKey names a job's step cost on this machine: the preset, its scale, the method and
// the machine (host, architecture, kernels). Settings that a check pins (ξ, φ, steps) do
// not change a step's work.
func costKey(spec *presets.Spec, method string) string {
	host, _ := os.Hostname()
	return strings.Join([]string{spec.Preset.Name, spec.Scale, method, host, runtime.GOARCH, core.Kernels()}, " ")
}

// costTimeout is the longest the first step is timed for, and longCostTimeout the
// longest a run of warm steps (after a warm-up step) is: a Hessian-free step at the paper
// scale takes minutes on a busy machine. A step that ends in neither is recorded as at
// least half the CPU time its run of two steps had used.
var costTimeout, longCostTimeout = 90 * time.Second, 20 * time.Minute

// benchResult is what one `sipbench bench --preset` child measured: its median wall time
// and CPU time per timed step; ok false when it ran out of time, then used is the CPU
// time it had used. cgIters and cgMax are a Hessian-free step's CG iterations (the
// timed steps' mean) and their limit, 0 for other steps.
type benchResult struct {
	wall, cpu, used time.Duration
	ok              bool
	cgIters         float64
	cgMax           int
}

// benchFunc runs `sipbench bench --preset` of the spec's method with warmup untimed and
// steps timed steps on one thread, for at most timeout.
type benchFunc func(spec *presets.Spec, method string, warmup, steps int, timeout time.Duration) (benchResult, error)

// benchStep is a benchFunc: it runs this executable.
func benchStep(spec *presets.Spec, method string, warmup, steps int, timeout time.Duration) (benchResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return benchResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "bench", "--preset", spec.Preset.Name, "--scale", spec.Scale, "--method", method,
		"--threads", "1", "--warmup", strconv.Itoa(warmup), "--steps", strconv.Itoa(steps))
	out, err := cmd.Output()
	if ctx.Err() != nil {
		r := benchResult{}
		if ps := cmd.ProcessState; ps != nil {
			r.used = ps.UserTime() + ps.SystemTime()
		}
		return r, nil
	}
	if err != nil {
		msg := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return benchResult{}, fmt.Errorf("sipbench bench: %s", msg)
	}
	return parseBench(out)
}

// parseBench reads a `sipbench bench --preset` line: ms_per_step, cpu_ms_per_step (its
// wall time where the system reports no CPU time: one thread) and a Hessian-free step's
// cg_iters and cg_max.
func parseBench(out []byte) (benchResult, error) {
	field := func(name string) (float64, bool) {
		for _, f := range strings.Fields(string(out)) {
			if v, ok := strings.CutPrefix(f, name+"="); ok {
				x, err := strconv.ParseFloat(v, 64)
				return x, err == nil && x >= 0 && x < 1e12
			}
		}
		return 0, false
	}
	ms := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	w, okw := field("ms_per_step")
	if !okw {
		return benchResult{}, fmt.Errorf("sipbench bench printed no ms_per_step: %q", out)
	}
	r := benchResult{wall: ms(w), cpu: ms(w), ok: true}
	if c, ok := field("cpu_ms_per_step"); ok {
		r.cpu = ms(c)
	}
	if n, ok := field("cg_iters"); ok {
		m, _ := field("cg_max")
		r.cgIters, r.cgMax = n, int(m)
	}
	return r, nil
}

// measureStepCost times a job's training step on one thread with bench (benchStep: `sipbench
// bench --preset`): one step first, set-up included, for at most costTimeout; then, after
// a warm-up step, as many steps as that first step's CPU time says fit in about a second
// of CPU (2 to 200; one above 20 s), for at most longCostTimeout, whose CPU time per step
// is the cost. The choice goes by CPU time, not wall time, which a busy machine stretches;
// and the cost is always of warm steps where they end in time: a first step's CPU time is
// several times a warm one's (its set-up and the first touches of its memory). A first
// step that does not end within costTimeout (a Hessian-free step: minutes) is not waited
// for: one warm step is timed after it, for at most longCostTimeout. Where only the first
// step ended in time its cost is that first step's (Cold, an upper bound); where none did,
// at least half the CPU time the run of two steps had used (AtLeast).
func measureStepCost(spec *presets.Spec, method string, bench benchFunc) (c stepCost, err error) {
	c = stepCost{Measured: time.Now().UTC().Format(time.RFC3339), Load: loadAverage(), CPUs: runtime.NumCPU()}
	if spec.NewSolver() != nil {
		return c, nil
	}
	defer func() { c.Load = max(c.Load, loadAverage()) }() // the load over the measurement, as far as two samples tell
	first, err := bench(spec, method, 0, 1, costTimeout)
	if err != nil {
		return c, err
	}
	c.Steps = 1
	if first.ok {
		c.Steps = warmSteps(first.cpu)
	}
	warm, err := bench(spec, method, 1, c.Steps, longCostTimeout)
	switch {
	case err != nil:
		return c, err
	case warm.ok:
		c.CPU, c.CGIters, c.CGMax = warm.cpu.Seconds(), warm.cgIters, warm.cgMax
	case first.ok: // the warm steps ran out of time: the first step bounds a warm one from above
		c.CPU, c.Steps, c.Cold = first.cpu.Seconds(), 1, true
		c.CGIters, c.CGMax = first.cgIters, first.cgMax
	default:
		c.CPU, c.Steps, c.AtLeast = warm.used.Seconds()/2, 1, true
		if warm.used <= 0 { // the system does not report CPU time: one thread's wall time, as benchStep's costs
			c.CPU = longCostTimeout.Seconds() / 2
		}
	}
	return c, nil
}

// warmSteps is how many warm steps measureStepCost times after a first step of CPU time
// first: about a second of CPU, at least 2 and at most 200; 1 for a first step above 20 s.
func warmSteps(first time.Duration) int {
	if first > 20*time.Second {
		return 1
	}
	return min(200, max(2, int(time.Second/max(first, time.Microsecond))))
}

// planLine is one line of a plan: an experiment's method, its steps and its cost.
type planLine struct {
	exp    check.Experiment
	spec   *presets.Spec
	method string
	cost   stepCost
}

// hours returns the line's CPU hours for seeds seeds: steps × the step's cost, or the
// job's time budget where that ends it first (limited).
func (l planLine) hours(seeds int) (h float64, limited bool) {
	job := l.cost.CPU * float64(l.spec.Common.Steps)
	if ms := l.spec.Common.MaxSeconds; ms > 0 && job > ms { // a time budget ends the job first (one thread)
		job, limited = ms, true
	}
	return job * float64(seeds) / 3600, limited
}

// planCosts returns the plan's lines with their step costs: cached ones (unless
// remeasure), else measured now (and cached). progress, if not nil, is told before each
// measurement.
func planCosts(pl *check.Plan, progress io.Writer, remeasure bool) ([]planLine, string, error) {
	path, err := costCacheFile()
	cache := map[string]stepCost{}
	if err == nil {
		cache = readCostCache(path)
	}
	var lines []planLine
	changed := false
	for _, e := range pl.Experiments {
		spec, err := e.Spec(pl.Scale)
		if err != nil {
			return nil, path, fmt.Errorf("check: experiment %s: %v", e.Name, err)
		}
		for _, m := range spec.Methods {
			key := costKey(spec, m.Name)
			c, ok := cache[key]
			if ok && !remeasure {
				c.Source = c.source(false)
			} else {
				if progress != nil {
					fmt.Fprintf(progress, "sipbench: timing %s's training step on %s (%s scale, %s) …\n", m.Name, spec.Preset.Name, spec.Scale, e.Name)
				}
				if c, err = measureStepCost(spec, m.Name, benchStep); err != nil {
					return nil, path, fmt.Errorf("check: the step cost of %s %s: %v", e.Name, m.Name, err)
				}
				cache[key], changed = c, true
				c.Source = c.source(true)
			}
			lines = append(lines, planLine{exp: e, spec: spec, method: m.Name, cost: c})
		}
	}
	if changed && path != "" {
		if err := writeCostCache(path, cache); err != nil && progress != nil {
			fmt.Fprintf(progress, "sipbench: warning: the step costs were not cached: %v\n", err)
		}
	}
	return lines, path, nil
}

// table1Bound is the most a Table 1 evaluation of one seed can take: the solver's time
// limit on each example (the network's own time is negligible).
func table1Bound(t *check.Table1Settings) time.Duration {
	return time.Duration(float64(t.Examples) * t.TimeLimit * float64(time.Second))
}

// printPlanHeader prints what the plan's columns mean.
func printPlanHeader(w io.Writer, pl *check.Plan, cachePath string) {
	fmt.Fprintf(w, "sipbench check --scale %s --dry-run: the plan; nothing trains, no folder is made\n", pl.Scale)
	fmt.Fprintf(w, "seeds: %s (%d; %s)\n", cmdline.SeedsText(pl.Seeds), len(pl.Seeds), check.PaperSeeds)
	fmt.Fprintf(w, "CPU per step: one job's training step on one thread on this machine, as sipbench bench --preset P --scale S\n")
	fmt.Fprintf(w, "--method M --threads 1 times it after a warm-up step (cached in %s, or measured now and cached;\n", cachePath)
	fmt.Fprintf(w, "≤: only a first step, set-up included, ended in time, an upper bound; ≥: two steps had not ended after %s,\n", longCostTimeout)
	fmt.Fprintf(w, "half the CPU time they had used). A Hessian-free step's cost follows its CG iterations, which vary from\n")
	fmt.Fprintf(w, "step to step: it is its second step's, with their number in STEP COST. STEP COST gives the load average when\n")
	fmt.Fprintf(w, "it was timed: with more runnable threads than cores, the CPU time of a step runs high (cache and memory contention).\n\n")
}

// printPlan prints what a check at the plan would train: each experiment's methods with
// their steps, seeds and estimated CPU hours, and the total. Nothing is trained or written
// but the step-cost cache.
func printPlan(w io.Writer, pl *check.Plan, lines []planLine, cachePath string, slurmTasks bool) {
	printPlanHeader(w, pl, cachePath)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "EXPERIMENT\tMETHOD\tSTEPS\tSEEDS\tCPU/STEP\tCPU TIME\tSTEP COST\t")
	var total float64
	var t1 time.Duration
	atLeast := false
	tasks := 0
	for i, l := range lines {
		name := l.exp.Name
		if i > 0 && lines[i-1].exp.Name == name {
			name = ""
		}
		steps := l.spec.Common.Steps
		cost, hours, source := "solver", "seconds", "–"
		if l.cost.CPU > 0 {
			h, limited := l.hours(len(pl.Seeds))
			total += h
			cost, hours, source = formatSeconds(l.cost.CPU), formatHours(h), l.cost.Source
			if limited {
				hours += " (time limit)"
			}
			if l.cost.AtLeast {
				cost, hours, atLeast = "≥ "+cost, "≥ "+hours, true
			}
			if l.cost.Cold {
				cost, hours = "≤ "+cost, "≤ "+hours
			}
		}
		tasks += len(pl.Seeds)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", name, l.method, groupInt(steps), len(pl.Seeds), cost, hours, source)
		if l.exp.Table1 != nil && (i+1 == len(lines) || lines[i+1].exp.Name != l.exp.Name) {
			t1 += table1Bound(l.exp.Table1) * time.Duration(len(pl.Seeds))
		}
	}
	tw.Flush()
	more := ""
	if atLeast {
		more = "at least "
	}
	fmt.Fprintf(w, "\ntotal: %s%s of CPU time training (%.1f CPU hours)", more, formatHours(total), total)
	if t1 > 0 {
		fmt.Fprintf(w, ", and Table 1's evaluations at most %.1f hours more", t1.Hours())
	}
	fmt.Fprintln(w)
	if cores := runtime.NumCPU(); total > 0 && len(pl.Seeds) > 0 {
		fmt.Fprintf(w, "per seed: %s%s of CPU time; here, one job a core on %d cores (check's default --workers): "+
			"%sabout %s of wall time training, its longest job %s; one seed alone: %sabout %s of wall time\n",
			more, formatHours(total/float64(len(pl.Seeds))), cores, more, formatHours(makespan(lines, len(pl.Seeds), cores)),
			formatHours(longestJob(lines, len(pl.Seeds))), more, formatHours(makespan(lines, 1, cores)))
	}
	if s := cgLimitText(lines, len(pl.Seeds)); s != "" {
		fmt.Fprintln(w, s)
	}
	if s := busyText(lines); s != "" {
		fmt.Fprintln(w, s)
	}
	var claims []string
	for _, c := range pl.Claims() {
		if _, ok := pl.Skipped[c.ID]; !ok {
			claims = append(claims, c.ID)
		}
	}
	fmt.Fprintf(w, "claims measured: %d (%s)", len(claims), strings.Join(claims, ", "))
	if len(pl.Skipped) > 0 {
		var sk []string
		for id := range pl.Skipped {
			sk = append(sk, id)
		}
		slices.Sort(sk)
		fmt.Fprintf(w, "; not measured at this scale: %s", strings.Join(sk, ", "))
	}
	fmt.Fprintln(w)
	if slurmTasks {
		fmt.Fprintf(w, "with --slurm: one array of %d tasks, one per job (experiment × method × seed), each requeued at the time limit\n", tasks)
	}
}

// jobHours returns the CPU hours of each job of the plan (a line's hours for one seed,
// once per seed).
func jobHours(lines []planLine, seeds int) []float64 {
	var jobs []float64
	for _, l := range lines {
		if l.cost.CPU <= 0 {
			continue
		}
		h, _ := l.hours(1)
		for range seeds {
			jobs = append(jobs, h)
		}
	}
	return jobs
}

// longestJob returns the CPU hours of the plan's longest job.
func longestJob(lines []planLine, seeds int) float64 {
	return slices.Max(append(jobHours(lines, seeds), 0))
}

// makespan returns the hours the plan's jobs take on cores cores, one job a core at a time
// (each on one thread, as a check's runner starts them when they outnumber the cores), each
// next job on the core that frees first, the longest jobs first: the wall time of training
// them, at the steps' measured speed.
func makespan(lines []planLine, seeds, cores int) float64 {
	jobs := jobHours(lines, seeds)
	slices.SortFunc(jobs, func(a, b float64) int { return cmp.Compare(b, a) })
	load := make([]float64, max(1, cores))
	for _, h := range jobs {
		load[slices.Index(load, slices.Min(load))] += h
	}
	return slices.Max(load)
}

// cgLimitText says how much more the Hessian-free lines would take per seed if every step
// ran to its limit of CG iterations (stepCost.maxCPU): "" without such lines.
func cgLimitText(lines []planLine, seeds int) string {
	var more, at float64
	var iters []string
	limit := 0
	for _, l := range lines {
		if l.cost.CGIters <= 0 || l.cost.CPU <= 0 {
			continue
		}
		h, _ := l.hours(1)
		hi := h * l.cost.maxCPU() / l.cost.CPU
		if ms := l.spec.Common.MaxSeconds; ms > 0 {
			hi = min(hi, ms/3600)
		}
		more += hi - h
		at += h
		limit = l.cost.CGMax
		iters = append(iters, fmt.Sprintf("%s %.3g", l.exp.Name, l.cost.CGIters))
	}
	if len(iters) == 0 || seeds < 1 {
		return ""
	}
	return fmt.Sprintf("Hessian-free: timed at %s CG iterations a step, %s per seed; were every step to run to its limit of %d, "+
		"at most %s more per seed", strings.Join(iters, ", "), formatHours(at), limit, formatHours(more))
}

// busyText warns when step costs of lines were timed on a busy machine (a load average above
// its cores; a cost cached without its cores is of this machine, as its key says): "warning:
// 3 of 26 step costs were timed at load 28–29 on 2 cores: …", and says how many were cached
// without a load. "" when none was timed busy.
func busyText(lines []planLine) string {
	n, timed, unknown := 0, 0, 0
	lo, hi, cpus := math.Inf(1), 0.0, 0
	for _, l := range lines {
		if l.cost.CPU <= 0 {
			continue
		}
		timed++
		c := l.cost.CPUs
		if c == 0 {
			c = runtime.NumCPU()
		}
		switch {
		case l.cost.Load == 0:
			unknown++
		case l.cost.Load > float64(c):
			n++
			lo, hi, cpus = min(lo, l.cost.Load), max(hi, l.cost.Load), c
		}
	}
	if n == 0 {
		return ""
	}
	load := fmt.Sprintf("%.2g", lo)
	if hi > lo {
		load += fmt.Sprintf("–%.2g", hi)
	}
	out := fmt.Sprintf("warning: %d of %d step costs were timed at load %s on %d cores, more runnable threads than cores: "+
		"they and the total run high", n, timed, load, cpus)
	if unknown > 0 {
		out += fmt.Sprintf(" (%d were cached without a load)", unknown)
	}
	return out + "; sipbench check --dry-run --remeasure on a quiet machine times them again"
}

// formatSeconds formats a step's cost: "0.47 s", "12 ms", "35 µs".
func formatSeconds(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.3g s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.3g ms", s*1e3)
	}
	return fmt.Sprintf("%.3g µs", s*1e6)
}

// formatHours formats a CPU time given in hours: "12.5 h", "14 min", "40 s".
func formatHours(h float64) string {
	switch {
	case h >= 1:
		return fmt.Sprintf("%.3g h", h)
	case h*60 >= 1:
		return fmt.Sprintf("%.0f min", h*60)
	}
	return fmt.Sprintf("%.0f s", h*3600)
}

// groupInt is n with thousands separators.
func groupInt(n int) string {
	return strings.TrimSuffix(check.FormatFactor(float64(n)), "×")
}

// errDryRun says --dry-run goes with planning only.
var errDryRun = errors.New("--dry-run prints the plan of a new check; it does not go with run folders to read")
