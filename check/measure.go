package check

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/runner"
)

// Table is a check's outcome: one row per claim, in the paper's order.
type Table struct {
	// Scale is the scale of the check folder, or of the runs read ("quick", "paper",
	// "quick+paper" for runs of both).
	Scale string
	Rows  []Row
	// Plan is the check folder's plan; nil when only run folders were read.
	Plan *Plan
}

// Row is one claim's measurement and verdict.
type Row struct {
	Claim   *Claim
	Verdict Verdict
	// Seeds are the seeds measured and Ratios their ratios, in the same order; Stats
	// summarise the ratios.
	Seeds  []int
	Ratios []float64
	Stats  Stats
	// Step is the step measured (for a claim at the end of training, the smallest over
	// the seeds); 0 if nothing was measured.
	Step  int
	Scale string // the scale of the runs measured
	// Note says why nothing was measured, what is pending, or a detail of the
	// measurement.
	Note string
	// Runs are the run folders behind the row.
	Runs []string
}

// run is a run folder read by Evaluate.
type run struct {
	dir  string
	info runner.RunInfo
	sums map[string]*runner.Summary
}

// finished reports whether a job in state s trains no more: done, diverged or failed (a
// cancelled job resumes).
func finished(s runner.State) bool {
	return s == runner.Done || s == runner.Diverged || s == runner.Failed
}

// summary returns the run's Summary of metric at steps with window, read once.
func (r *run) summary(metric string, window int, steps []int) (*runner.Summary, error) {
	key := fmt.Sprint(metric, window, steps)
	if s, ok := r.sums[key]; ok {
		return s, nil
	}
	s, err := runner.Summarize(r.dir, r.info, runner.SummaryOptions{Metric: metric, At: steps, Window: window})
	if err != nil {
		return nil, err
	}
	r.sums[key] = s
	return s, nil
}

// job returns the JobSummary of id in s, or nil.
func job(s *runner.Summary, id string) *runner.JobSummary {
	for i := range s.Jobs {
		if s.Jobs[i].Job.ID == id {
			return &s.Jobs[i]
		}
	}
	return nil
}

// source is what Evaluate reads: runs, and the plans of check folders.
type source struct {
	runs  []*run
	plans []planDir
}

type planDir struct {
	dir  string
	plan *Plan
}

// load reads the folders: check folders (their experiments' runs), run folders, sweep
// folders (their runs) and folders of runs (their sub-folders that are runs or sweeps).
func load(dirs []string) (*source, error) {
	src := &source{}
	seen := map[string]bool{}
	add := func(dir string) error {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		if seen[abs] {
			return nil
		}
		seen[abs] = true
		info, err := runner.ReadRunInfo(dir)
		if err != nil {
			return err
		}
		for _, j := range info.Jobs {
			if j.ID != runner.JobID(j.Method, j.Seed) {
				return fmt.Errorf("check: %s: run.json names job %q for method %q and seed %d", dir, j.ID, j.Method, j.Seed)
			}
			if err := runner.CheckJob(dir, j.ID); err != nil {
				return fmt.Errorf("check: %v", err)
			}
		}
		src.runs = append(src.runs, &run{dir: dir, info: info, sums: map[string]*runner.Summary{}})
		return nil
	}
	addSweep := func(dir string) error {
		sw, err := runner.ReadSweep(dir)
		if err != nil {
			return err
		}
		for _, r := range sw.Runs {
			if sub := filepath.Join(dir, r.Dir); isRun(sub) {
				if err := add(sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("check: %v", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("check: %s is not a folder", dir)
		}
		switch {
		case IsCheck(dir):
			pl, err := ReadPlan(dir)
			if err != nil {
				return nil, err
			}
			src.plans = append(src.plans, planDir{dir, pl})
			for _, e := range pl.Experiments {
				if sub := filepath.Join(dir, e.Name); isRun(sub) {
					if err := add(sub); err != nil {
						return nil, err
					}
				}
			}
		case isRun(dir):
			if err := add(dir); err != nil {
				return nil, err
			}
		case runner.IsSweep(dir):
			if err := addSweep(dir); err != nil {
				return nil, err
			}
		default:
			entries, err := os.ReadDir(dir)
			if err != nil {
				return nil, err
			}
			n := len(src.runs)
			for _, e := range entries {
				sub := filepath.Join(dir, e.Name())
				switch {
				case !e.IsDir(): // links and files are not runs
				case isRun(sub):
					err = add(sub)
				case runner.IsSweep(sub):
					err = addSweep(sub)
				}
				if err != nil {
					return nil, err
				}
			}
			if len(src.runs) == n {
				return nil, fmt.Errorf("check: %s is not a check, run or sweep folder, and holds none", dir)
			}
		}
	}
	return src, nil
}

// isRun reports whether dir is a folder (not a link) holding a run.json.
func isRun(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	fi, err = os.Lstat(filepath.Join(dir, "run.json"))
	return err == nil && fi.Mode().IsRegular()
}

// Evaluate reads the folders (a check folder, run folders, sweep folders, or folders that
// hold them) and measures every claim: those of the check folder's plan, or all. A claim
// that a check folder plans runs for stays Pending until they have finished.
func Evaluate(dirs ...string) (*Table, error) {
	src, err := load(dirs)
	if err != nil {
		return nil, err
	}
	t := &Table{}
	claims := Claims()
	if len(src.plans) > 0 {
		t.Plan = src.plans[0].plan
		t.Scale = t.Plan.Scale
		claims = t.Plan.Claims()
	} else {
		var scales []string
		for _, r := range src.runs {
			if !slices.Contains(scales, r.info.Scale) {
				scales = append(scales, r.info.Scale)
			}
		}
		t.Scale = strings.Join(scales, "+")
	}
	for _, c := range claims {
		row, err := src.measure(c)
		if err != nil {
			return nil, err
		}
		if why, ok := src.skipped(c); ok && row.Verdict == NoRuns {
			row.Verdict, row.Note = NotMeasured, why
		}
		if row.Verdict != Pending && src.unfinished(c) && !(row.Verdict.Judged() && len(row.Seeds) >= src.planSeeds()) {
			row.Verdict = Pending
			row.Note = "runs still to train"
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// skipped returns the reason why a plan trains nothing for c, if it does not.
func (src *source) skipped(c *Claim) (string, bool) {
	for _, p := range src.plans {
		if why, ok := p.plan.Skipped[c.ID]; ok {
			return why, true
		}
	}
	return "", false
}

// planSeeds returns the number of seeds the plans ask for (the largest).
func (src *source) planSeeds() int {
	n := 0
	for _, p := range src.plans {
		n = max(n, len(p.plan.Seeds))
	}
	return n
}

// unfinished reports whether a plan has an experiment on c's preset that has not
// finished: no run folder yet, a job still to train, or a Table 1 evaluation missing.
func (src *source) unfinished(c *Claim) bool {
	for _, p := range src.plans {
		for _, e := range p.plan.Experiments {
			if e.Preset != c.Preset {
				continue
			}
			dir := filepath.Join(p.dir, e.Name)
			r := src.run(dir)
			if r == nil {
				return true
			}
			for _, j := range r.info.Jobs {
				st, err := runner.ReadStatus(dir, j.ID)
				if err != nil || !finished(st.State) {
					return true
				}
				if e.Table1 != nil && j.Method == r.info.Reference && st.State == runner.Done {
					if _, err := runner.ReadJobTable1(dir, j.ID); err != nil {
						return true
					}
				}
			}
		}
	}
	return false
}

// run returns the run read from dir, or nil.
func (src *source) run(dir string) *run {
	for _, r := range src.runs {
		if r.dir == dir {
			return r
		}
	}
	return nil
}

// measure measures c on the runs of its preset: per group of runs that differ only in
// the settings the claim's terms pin (and steps, learning rates, bookkeeping), the seeds
// whose every term has a value; the group with the most measured seeds wins.
func (src *source) measure(c *Claim) (Row, error) {
	if c.Table1 {
		return src.measureTable1(c), nil
	}
	pinned := map[string]bool{}
	for _, t := range c.Terms {
		for k := range t.Settings {
			pinned[k] = true
		}
	}
	groups := map[string][]*run{}
	var keys []string
	for _, r := range src.runs {
		if r.info.Preset != c.Preset {
			continue
		}
		k := groupKey(r.info.Settings, pinned)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	best := Row{Claim: c, Verdict: NoRuns, Note: "no run of " + c.Preset + " with " + strings.Join(c.methods(), ", ")}
	bestScore := -1
	for _, k := range keys {
		row, err := measureGroup(c, groups[k])
		if err != nil {
			return Row{}, err
		}
		if s := score(row); s > bestScore {
			best, bestScore = row, s
		}
	}
	return best, nil
}

// score orders the measurements of a claim on different groups: judged ones by their
// number of seeds first, then pending, then not measured.
func score(r Row) int {
	switch {
	case r.Verdict.Judged():
		return 1000 + len(r.Seeds)
	case r.Verdict == Pending:
		return 500 + len(r.Seeds)
	case r.Verdict == NotMeasured:
		return 100
	}
	return 0
}

// bookkeeping are the settings that do not change what is measured at a step.
var bookkeeping = []string{"steps", "max_seconds", "snapshot_every", "checkpoint_every"}

// groupKey returns the settings as a key, leaving out the pinned ones, the bookkeeping
// ones and learning rates.
func groupKey(settings map[string]string, pinned map[string]bool) string {
	var kv []string
	for k, v := range settings {
		if pinned[k] || slices.Contains(bookkeeping, k) || strings.HasPrefix(k, "lr.") {
			continue
		}
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	return strings.Join(kv, " ")
}

// matches reports whether settings include want.
func matches(settings, want map[string]string) bool {
	for k, v := range want {
		if settings[k] != v {
			return false
		}
	}
	return true
}

// termJob is the job that gives a term its value for one seed.
type termJob struct {
	run *run
	js  *runner.JobSummary
}

// measureGroup measures c on one group of comparable runs.
func measureGroup(c *Claim, runs []*run) (Row, error) {
	row := Row{Claim: c}
	var seeds []int
	for _, r := range runs {
		for _, s := range r.info.Seeds {
			if !slices.Contains(seeds, s) {
				seeds = append(seeds, s)
			}
		}
	}
	slices.Sort(seeds)
	var fixed []int
	for _, t := range c.Terms {
		if t.Step != End && !slices.Contains(fixed, t.Step) {
			fixed = append(fixed, t.Step)
		}
	}
	pending, short := 0, 0
	shortNeed, shortDone := 0, 0
	used := map[string]bool{}
	var scales []string
	var steps []int
	for _, seed := range seeds {
		jobs := make([]termJob, len(c.Terms))
		missing := false
		for i, t := range c.Terms {
			id := runner.JobID(t.Method, seed)
			for _, r := range runs {
				if !matches(r.info.Settings, t.Settings) {
					continue
				}
				s, err := r.summary(c.Metric, c.Window, fixed)
				if err != nil {
					return row, err
				}
				if js := job(s, id); js != nil && (jobs[i].js == nil || js.Done > jobs[i].js.Done) {
					jobs[i] = termJob{r, js}
				}
			}
			if jobs[i].js == nil {
				missing = true
				break
			}
		}
		if missing {
			continue
		}
		end, done := math.MaxInt, true
		for _, j := range jobs {
			end = min(end, j.js.Done)
			done = done && finished(j.js.State)
		}
		values := make([]float64, len(c.Terms))
		status := "ok"
		for i, t := range c.Terms {
			j := jobs[i]
			step := t.Step
			if step == End {
				if !done {
					status = "pending"
					break
				}
				step = end
			}
			if j.js.Done < step || step == 0 {
				if !finished(j.js.State) {
					status = "pending"
					break
				}
				status = "short"
				shortNeed, shortDone = step, max(shortDone, j.js.Done)
				continue
			}
			if t.Step != End {
				values[i] = j.js.Values[slices.Index(fixed, step)]
				continue
			}
			s, err := j.run.summary(c.Metric, c.Window, []int{step})
			if err != nil {
				return row, err
			}
			values[i] = job(s, j.js.Job.ID).Values[0]
		}
		switch status {
		case "pending":
			pending++
			continue
		case "short":
			short++
			continue
		}
		for _, j := range jobs {
			used[j.run.dir] = true
			if !slices.Contains(scales, j.run.info.Scale) {
				scales = append(scales, j.run.info.Scale)
			}
		}
		row.Seeds = append(row.Seeds, seed)
		row.Ratios = append(row.Ratios, c.Ratio(values))
		step := c.Step
		if step == End {
			step = end
		}
		steps = append(steps, step)
	}
	for _, r := range runs {
		if used[r.dir] {
			row.Runs = append(row.Runs, r.dir)
		}
	}
	if len(row.Runs) == 0 {
		for _, r := range runs {
			row.Runs = append(row.Runs, r.dir)
		}
	}
	row.Scale = strings.Join(scales, "+")
	row.Stats = stats(row.Ratios)
	if len(steps) > 0 {
		row.Step = slices.Min(steps)
	}
	switch {
	case pending > 0:
		row.Verdict = Pending
		row.Note = fmt.Sprintf("%d of %d seeds still training", pending, pending+short+len(row.Seeds))
	case len(row.Seeds) > 0:
		row.Verdict = Judge(row.Ratios, c.Factor)
		if short > 0 {
			row.Note = fmt.Sprintf("%d seeds end before step %d", short, shortNeed)
		}
		if math.IsNaN(row.Stats.Mean) {
			row.Note = "a value is not a number (a diverged job?)"
		}
	case short > 0:
		row.Verdict = NotMeasured
		row.Note = fmt.Sprintf("needs step %d; the runs end at step %d", shortNeed, shortDone)
	default:
		row.Verdict = NoRuns
		row.Note = "no seed has a job of every method: " + strings.Join(c.methods(), ", ")
	}
	return row, nil
}

// measureTable1 measures a Table 1 claim: per seed, the Table 1 evaluation of the network
// of the run's reference method (the job's table1.json, WriteJobTable1, or the run's, when
// `sipbench table1` evaluated that job).
func (src *source) measureTable1(c *Claim) Row {
	row := Row{Claim: c}
	var iters []float64
	var notes []string
	pending, missing := 0, 0
	var scales, runs []string
	var steps []int
	seen := map[int]bool{}
	for _, r := range src.runs {
		if r.info.Preset != c.Preset {
			continue
		}
		for _, seed := range r.info.Seeds {
			if seen[seed] {
				continue
			}
			id := runner.JobID(r.info.Reference, seed)
			t1, err := runner.ReadJobTable1(r.dir, id)
			if err != nil {
				if t, err2 := runner.ReadTable1(r.dir); err2 == nil && t.Job == id {
					t1, err = t, nil
				}
			}
			if err != nil {
				st, serr := runner.ReadStatus(r.dir, id)
				if serr != nil || !finished(st.State) {
					pending++
				} else {
					missing++
				}
				continue
			}
			net, sol := -1, -1
			for i, tr := range t1.Rows {
				switch {
				case tr.Network && net < 0:
					net = i
				case !tr.Network && sol < 0:
					sol = i
				}
			}
			if net < 0 || sol < 0 || !(t1.Rows[net].Seconds > 0) {
				notes = append(notes, fmt.Sprintf("%s: the Table 1 record lacks a row", id))
				continue
			}
			seen[seed] = true
			ratio := math.Inf(1)
			if s := t1.Rows[sol]; s.Reached > 0 {
				ratio = s.Seconds / t1.Rows[net].Seconds
				iters = append(iters, s.Iters)
			} else {
				notes = append(notes, fmt.Sprintf("seed %d: the solver did not reach the network's error in %d iterations", seed, s.Limit))
			}
			row.Seeds = append(row.Seeds, seed)
			row.Ratios = append(row.Ratios, ratio)
			steps = append(steps, t1.Step)
			if !slices.Contains(runs, r.dir) {
				runs = append(runs, r.dir)
			}
			if !slices.Contains(scales, r.info.Scale) {
				scales = append(scales, r.info.Scale)
			}
		}
	}
	row.Runs, row.Scale = runs, strings.Join(scales, "+")
	row.Stats = stats(row.Ratios)
	if len(steps) > 0 {
		row.Step = slices.Min(steps)
	}
	if len(iters) > 0 {
		var sum float64
		for _, it := range iters {
			sum += it
		}
		notes = append([]string{fmt.Sprintf("the solver needs %.1f iterations (paper: 7)", sum/float64(len(iters)))}, notes...)
	}
	switch {
	case pending > 0:
		row.Verdict = Pending
		notes = append(notes, fmt.Sprintf("%d seeds still training", pending))
	case len(row.Seeds) > 0:
		row.Verdict = Judge(row.Ratios, c.Factor)
	case missing > 0:
		row.Verdict = NoRuns
		notes = append(notes, "no Table 1 evaluation (sipbench table1 DIR --job <reference job> makes one)")
	default:
		row.Verdict = NoRuns
		notes = append(notes, "no run of "+c.Preset)
	}
	row.Note = strings.Join(notes, "; ")
	return row
}
