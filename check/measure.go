package check

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/folder"
	ratiostat "github.com/sipbench/sipbench/stats"
	"github.com/sipbench/sipbench/summary"
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
	// Interval is the ratio's mean over the seeds with its 95 % paired bootstrap interval
	// and one-sided tests (ratiostat.RatioOf).
	Interval ratiostat.Ratio
	// Step is the step measured (for a claim at the end of training, the smallest over
	// the seeds); 0 if nothing was measured.
	Step  int
	Scale string // the scale of the runs measured
	// Note says why nothing was measured, what is pending, or a detail of the
	// measurement.
	Note string
	// Runs are the run folders behind the row.
	Runs []string
	// Provisional, while a Pending row's runs still train, is the claim's ratio at the
	// latest step that every job of every seed has logged: never a verdict, never counted.
	Provisional *Provisional
}

// Provisional is a claim's ratio at a step before the one it names, while its runs train.
type Provisional struct {
	Step int // the latest step every job of every seed has logged
	Of   int // the claim's step (for a claim at the end, the jobs' last step)
	// Seeds and Ratios are the seeds measured and their ratios at Step; Stats summarise them.
	Seeds  []int
	Ratios []float64
	Stats  Stats
}

// run is a run folder read by Evaluate.
type run struct {
	dir  string
	info folder.Info
	sums map[string]*summary.Summary
}

// finished reports whether a job in state s trains no more: done, diverged or failed (a
// cancelled job resumes).
func finished(s folder.State) bool {
	return s == folder.Done || s == folder.Diverged || s == folder.Failed
}

// summary returns the run's Summary of metric at steps with window, read once.
func (r *run) summary(metric string, window int, steps []int) (*summary.Summary, error) {
	key := fmt.Sprint(metric, window, steps)
	if s, ok := r.sums[key]; ok {
		return s, nil
	}
	s, err := summary.Summarize(r.dir, r.info, summary.Options{Metric: metric, At: steps, Window: window})
	if err != nil {
		return nil, err
	}
	r.sums[key] = s
	return s, nil
}

// job returns the JobSummary of id in s, or nil.
func job(s *summary.Summary, id string) *summary.JobSummary {
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
	seen  map[string]bool // the absolute paths of the runs read
}

type planDir struct {
	dir  string
	plan *Plan
}

// load reads the folders: check folders (their experiments' runs), run folders, sweep
// folders (their runs) and folders of runs (their sub-folders that are runs or sweeps).
func load(dirs []string) (*source, error) {
	src := &source{seen: map[string]bool{}}
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("check: %v", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("check: %s is not a folder", dir)
		}
		switch {
		case IsFolder(dir):
			err = src.addCheck(dir)
		case isRun(dir):
			err = src.addRun(dir)
		case folder.IsSweep(dir):
			err = src.addSweep(dir)
		default:
			err = src.addFolder(dir)
		}
		if err != nil {
			return nil, err
		}
	}
	return src, nil
}

// addRun reads the run folder dir, once, refusing jobs that lead out of it.
func (src *source) addRun(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if src.seen[abs] {
		return nil
	}
	src.seen[abs] = true
	info, err := folder.ReadInfo(dir)
	if err != nil {
		return err
	}
	for _, j := range info.Jobs {
		if j.ID != folder.JobID(j.Method, j.Seed) {
			return fmt.Errorf("check: %s: run.json names job %q for method %q and seed %d", dir, j.ID, j.Method, j.Seed)
		}
		if err := folder.CheckJob(dir, j.ID); err != nil {
			return fmt.Errorf("check: %v", err)
		}
	}
	src.runs = append(src.runs, &run{dir: dir, info: info, sums: map[string]*summary.Summary{}})
	return nil
}

// addCheck reads the check folder dir: its plan and the run folders of its experiments
// that exist.
func (src *source) addCheck(dir string) error {
	pl, err := ReadPlan(dir)
	if err != nil {
		return err
	}
	src.plans = append(src.plans, planDir{dir, pl})
	for _, e := range pl.Experiments {
		if sub := filepath.Join(dir, e.Name); isRun(sub) {
			if err := src.addRun(sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// addSweep reads the run folders of the sweep folder dir.
func (src *source) addSweep(dir string) error {
	sw, err := folder.ReadSweep(dir)
	if err != nil {
		return err
	}
	for _, r := range sw.Runs {
		if sub := filepath.Join(dir, r.Dir); isRun(sub) {
			if err := src.addRun(sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// addFolder reads the runs and sweeps directly under dir (not links); it is an error if
// there are none.
func (src *source) addFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	n := len(src.runs)
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		switch {
		case !e.IsDir(): // links and files are not runs
		case isRun(sub):
			err = src.addRun(sub)
		case folder.IsSweep(sub):
			err = src.addSweep(sub)
		}
		if err != nil {
			return err
		}
	}
	if len(src.runs) == n {
		return fmt.Errorf("check: %s is not a check, run or sweep folder, and holds none", dir)
	}
	return nil
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
		row.compare()
		if why, ok := src.skipped(c); ok && row.Verdict == NoRuns {
			row.Verdict, row.Note = NotMeasured, why
		}
		if row.Verdict != Pending && src.unfinished(c) && !(row.Verdict.Measured() && len(row.Seeds) >= src.planSeeds()) {
			row.Verdict = Pending
			row.Note = "runs still to train"
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// compare makes a judged row NotComparable if a scale of its runs changes what its claim
// measures (Claim.Incomparable).
func (row *Row) compare() {
	if !row.Verdict.Judged() {
		return
	}
	for _, sc := range strings.Split(row.Scale, "+") {
		if why, ok := row.Claim.Incomparable[sc]; ok {
			row.Verdict = NotComparable
			row.Note = strings.TrimPrefix(row.Note+"; "+why, "; ")
			return
		}
	}
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
				st, err := folder.ReadStatus(dir, j.ID)
				if err != nil || !finished(st.State) {
					return true
				}
				if e.Table1 != nil && j.Method == r.info.Reference && st.State == folder.Done {
					if _, err := summary.ReadJobTable1(dir, j.ID); err != nil {
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
// ones and the methods' own settings (learning rates, SGD's momentum, HIG's τ and κ),
// which folders of earlier releases record among the run's settings: a run from before
// momentum was a setting records none, and groups with one that does.
func groupKey(settings map[string]string, pinned map[string]bool) string {
	var kv []string
	for k, v := range settings {
		if pinned[k] || slices.Contains(bookkeeping, k) || perMethod(k) {
			continue
		}
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	return strings.Join(kv, " ")
}

// perMethod reports whether k is a method's own setting (lr.<m>, momentum.<m>, tau.<m>,
// kappa.<m>), which run folders of earlier releases record among the run's settings.
func perMethod(k string) bool {
	for _, prefix := range []string{"lr.", "tau.", "kappa.", "momentum."} {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
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
	js  *summary.JobSummary
}

// seedOutcome is what one seed gives a claim.
type seedOutcome int

const (
	seedMissing  seedOutcome = iota // a term has no job of this seed
	seedPending                     // a job still trains before the step
	seedShort                       // the jobs ended before the step
	seedMeasured                    // every term has its value
)

// seedResult is the measurement of a claim on one seed.
type seedResult struct {
	outcome    seedOutcome
	ratio      float64
	step       int // the step measured
	need, done int // seedShort: the step needed, the last step logged
	jobs       []termJob
}

// measureGroup measures c on one group of comparable runs.
func measureGroup(c *Claim, runs []*run) (Row, error) {
	row := Row{Claim: c}
	var seeds, fixed, steps []int
	for _, r := range runs {
		for _, s := range r.info.Seeds {
			if !slices.Contains(seeds, s) {
				seeds = append(seeds, s)
			}
		}
	}
	slices.Sort(seeds)
	for _, t := range c.Terms {
		if t.Step != End && !slices.Contains(fixed, t.Step) {
			fixed = append(fixed, t.Step)
		}
	}
	count := map[seedOutcome]int{}
	need, done := 0, 0
	used := map[string]bool{}
	var scales []string
	for _, seed := range seeds {
		sr, err := measureSeed(c, runs, seed, fixed)
		if err != nil {
			return row, err
		}
		count[sr.outcome]++
		switch sr.outcome {
		case seedShort:
			need, done = sr.need, max(done, sr.done)
		case seedMeasured:
			for _, j := range sr.jobs {
				used[j.run.dir] = true
				if !slices.Contains(scales, j.run.info.Scale) {
					scales = append(scales, j.run.info.Scale)
				}
			}
			row.Seeds = append(row.Seeds, seed)
			row.Ratios = append(row.Ratios, sr.ratio)
			steps = append(steps, sr.step)
		}
	}
	for _, r := range runs {
		if used[r.dir] || len(used) == 0 {
			row.Runs = append(row.Runs, r.dir)
		}
	}
	row.Scale = strings.Join(scales, "+")
	row.Stats, row.Interval = stats(row.Ratios), ratiostat.RatioOf(row.Ratios)
	if len(steps) > 0 {
		row.Step = slices.Min(steps)
	}
	row.conclude(count[seedPending], count[seedShort], need, done)
	if row.Verdict == Pending {
		pr, err := provisional(c, runs, seeds, fixed)
		if err != nil {
			return row, err
		}
		row.Provisional = pr
	}
	return row, nil
}

// provisional measures c at the latest step that every job of every seed of runs (that
// has a job for each term) has logged: the claim's ratio so far, while they train. It
// returns nil if no step has been logged by all, or a term's own step (Figure 5c's 64) is
// still ahead.
func provisional(c *Claim, runs []*run, seeds, fixed []int) (*Provisional, error) {
	type seedJobs struct {
		seed int
		jobs []termJob
	}
	var all []seedJobs
	p, of := math.MaxInt, c.Step
	for _, seed := range seeds {
		jobs, ok, err := termJobs(c, runs, seed, fixed)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, j := range jobs {
			p = min(p, j.js.Done)
			if c.Step == End {
				of = max(of, j.js.Job.Steps)
			}
		}
		all = append(all, seedJobs{seed, jobs})
	}
	if len(all) == 0 || p < 1 || (c.Step != End && p >= c.Step) {
		return nil, nil
	}
	pr := &Provisional{Step: p, Of: of}
	for _, sj := range all {
		values := make([]float64, len(c.Terms))
		for i, t := range c.Terms {
			step := p
			if t.Step != End && t.Step != c.Step {
				if step = t.Step; step > p {
					return nil, nil
				}
			}
			j := sj.jobs[i]
			s, err := j.run.summary(c.Metric, c.Window, []int{step})
			if err != nil {
				return nil, err
			}
			values[i] = job(s, j.js.Job.ID).Values[0]
		}
		pr.Seeds = append(pr.Seeds, sj.seed)
		pr.Ratios = append(pr.Ratios, c.Ratio(values))
	}
	pr.Stats = stats(pr.Ratios)
	return pr, nil
}

// conclude gives the row of a metric claim its verdict and note from the seeds measured
// and the numbers of seeds pending and short (ending at step done before step need).
func (row *Row) conclude(pending, short, need, done int) {
	switch {
	case pending > 0:
		row.Verdict = Pending
		row.Note = fmt.Sprintf("%d of %d seeds still training", pending, pending+short+len(row.Seeds))
	case len(row.Seeds) > 0:
		row.Verdict = Judge(row.Ratios, row.Claim.Factor)
		if short > 0 {
			row.Note = fmt.Sprintf("%d seeds end before step %d", short, need)
		}
		if math.IsNaN(row.Stats.Mean) {
			row.Note = "a value is not a number (a diverged job?)"
		}
	case short > 0:
		row.Verdict = NotMeasured
		row.Note = fmt.Sprintf("needs step %d; the runs end at step %d", need, done)
	default:
		row.Verdict = NoRuns
		row.Note = "no seed has a job of every method: " + strings.Join(row.Claim.methods(), ", ")
	}
}

// termJobs finds, for each term of c, the job of seed in a run of runs with the term's
// settings (the one that has logged most); ok is false if a term has none.
func termJobs(c *Claim, runs []*run, seed int, fixed []int) (jobs []termJob, ok bool, err error) {
	jobs = make([]termJob, len(c.Terms))
	for i, t := range c.Terms {
		id := folder.JobID(t.Method, seed)
		for _, r := range runs {
			if !matches(r.info.Settings, t.Settings) {
				continue
			}
			s, err := r.summary(c.Metric, c.Window, fixed)
			if err != nil {
				return nil, false, err
			}
			if js := job(s, id); js != nil && (jobs[i].js == nil || js.Done > jobs[i].js.Done) {
				jobs[i] = termJob{r, js}
			}
		}
		if jobs[i].js == nil {
			return nil, false, nil
		}
	}
	return jobs, true, nil
}

// measureSeed measures c on one seed: each term's value at its step (a claim at the end:
// the last step every job has logged, once all have finished) and their ratio.
func measureSeed(c *Claim, runs []*run, seed int, fixed []int) (seedResult, error) {
	jobs, ok, err := termJobs(c, runs, seed, fixed)
	if err != nil || !ok {
		return seedResult{outcome: seedMissing}, err
	}
	end, done := math.MaxInt, true
	for _, j := range jobs {
		end = min(end, j.js.Done)
		done = done && finished(j.js.State)
	}
	sr := seedResult{outcome: seedMeasured, jobs: jobs, step: c.Step}
	if c.Step == End {
		sr.step = end
	}
	values := make([]float64, len(c.Terms))
	for i, t := range c.Terms {
		j, step := jobs[i], t.Step
		if step == End {
			if !done {
				return seedResult{outcome: seedPending}, nil
			}
			step = end
		}
		if j.js.Done < step || step == 0 {
			// A job that trains on toward the step is pending; one that will end before it
			// (the scale plans fewer steps) is short now, not pending until it ends.
			if plan := j.js.Job.Steps; !finished(j.js.State) && (plan <= 0 || plan >= step) {
				return seedResult{outcome: seedPending}, nil
			}
			end := j.js.Done
			if !finished(j.js.State) {
				end = j.js.Job.Steps
			}
			sr.outcome, sr.need, sr.done = seedShort, step, max(sr.done, end)
			continue
		}
		if t.Step != End {
			values[i] = j.js.Values[slices.Index(fixed, step)]
			continue
		}
		s, err := j.run.summary(c.Metric, c.Window, []int{step})
		if err != nil {
			return sr, err
		}
		values[i] = job(s, j.js.Job.ID).Values[0]
	}
	if sr.outcome == seedMeasured {
		sr.ratio = c.Ratio(values)
	}
	return sr, nil
}

// measureTable1 measures a Table 1 claim: per seed, the Table 1 evaluation of the network
// of the run's reference method (the job's table1.json, WriteJobTable1, or the run's, when
// `sipbench table1` evaluated that job).
func (src *source) measureTable1(c *Claim) Row {
	row := Row{Claim: c}
	var iters []float64
	var notes, scales []string
	var steps []int
	pending, missing := 0, 0
	for _, r := range src.runs {
		if r.info.Preset != c.Preset {
			continue
		}
		for _, seed := range r.info.Seeds {
			if slices.Contains(row.Seeds, seed) {
				continue
			}
			t1, err := readTable1(r, seed)
			if err != nil {
				if st, serr := folder.ReadStatus(r.dir, folder.JobID(r.info.Reference, seed)); serr != nil || !finished(st.State) {
					pending++
				} else {
					missing++
				}
				continue
			}
			ratio, it, note := table1Ratio(t1, seed)
			if note != "" {
				notes = append(notes, note)
			}
			if math.IsNaN(ratio) {
				continue
			}
			if !math.IsInf(ratio, 1) {
				iters = append(iters, it)
			}
			row.Seeds = append(row.Seeds, seed)
			row.Ratios = append(row.Ratios, ratio)
			steps = append(steps, t1.Step)
			if !slices.Contains(row.Runs, r.dir) {
				row.Runs = append(row.Runs, r.dir)
			}
			if !slices.Contains(scales, r.info.Scale) {
				scales = append(scales, r.info.Scale)
			}
		}
	}
	row.Scale = strings.Join(scales, "+")
	row.Stats, row.Interval = stats(row.Ratios), ratiostat.RatioOf(row.Ratios)
	if len(steps) > 0 {
		row.Step = slices.Min(steps)
	}
	if len(iters) > 0 {
		notes = append([]string{fmt.Sprintf("the solver needs %.1f iterations (paper: 7)", mean(iters))}, notes...)
	}
	row.concludeTable1(pending, missing, notes)
	return row
}

// concludeTable1 gives the row of a Table 1 claim its verdict and note from the seeds
// measured, the numbers of seeds pending and of finished ones without an evaluation.
func (row *Row) concludeTable1(pending, missing int, notes []string) {
	switch {
	case pending > 0:
		row.Verdict = Pending
		notes = append(notes, fmt.Sprintf("%d seeds still training", pending))
	case len(row.Seeds) > 0:
		row.Verdict = Judge(row.Ratios, row.Claim.Factor)
	case missing > 0:
		row.Verdict = NoRuns
		notes = append(notes, "no Table 1 evaluation (sipbench table1 DIR --job <reference job> makes one)")
	default:
		row.Verdict = NoRuns
		notes = append(notes, "no run of "+row.Claim.Preset)
	}
	row.Note = strings.Join(notes, "; ")
}

// readTable1 reads the Table 1 evaluation of the reference method's network of seed in the
// run r: its job's record, else the run's if it names that job.
func readTable1(r *run, seed int) (summary.Table1Result, error) {
	id := folder.JobID(r.info.Reference, seed)
	t1, err := summary.ReadJobTable1(r.dir, id)
	if err == nil {
		return t1, nil
	}
	if t, err2 := summary.ReadTable1(r.dir); err2 == nil && t.Job == id {
		return t, nil
	}
	return t1, err
}

// table1Ratio returns the iterated solver's time per example over the network's in the
// record t1, and the solver's iterations: +Inf if the solver never reached the network's
// error (with a note), NaN if the record lacks a row (with a note).
func table1Ratio(t1 summary.Table1Result, seed int) (ratio, iters float64, note string) {
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
		return math.NaN(), 0, fmt.Sprintf("%s: the Table 1 record lacks a row", t1.Job)
	}
	s := t1.Rows[sol]
	if s.Reached == 0 {
		return math.Inf(1), 0, fmt.Sprintf("seed %d: the solver did not reach the network's error in %d iterations", seed, s.Limit)
	}
	return s.Seconds / t1.Rows[net].Seconds, s.Iters, ""
}

// mean returns the mean of xs.
func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
