package summary

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/stats"
)

// The runs list: what every run folder under a root is doing, for the runs screen and
// `sipbench runs`. A RunIndex reads it incrementally: a folder's files are read again only
// when their size or modification time changed, and a metrics.csv is never parsed whole:
// its last rows (for the value at the end) and a few rows spread over it (for the trend)
// are read with a handful of small reads, so that listing 500 folders stays quick.

// JobKind is what one job of a listed run is doing: its state, completed by whether a
// process trains it (the job's lock) and what Slurm says about it.
type JobKind string

// The job kinds.
const (
	JobTraining    JobKind = "training"    // not final, and a live process holds its lock (or Slurm runs it)
	JobQueued      JobKind = "queued"      // waiting: for a worker of its trainer, in its cluster's queue, or just created
	JobLost        JobKind = "lost"        // not final, and no process trains it: resume it
	JobUnknown     JobKind = "unknown"     // a cluster job while its engine cannot list its tasks: nobody can say; not resumable
	JobInterrupted JobKind = "interrupted" // cancelled (stopped with a checkpoint): resumable
	JobDone        JobKind = "done"
	JobDiverged    JobKind = "diverged"
	JobFailed      JobKind = "failed"
)

// State sums up a listed run's jobs in one word.
type State string

// The run states, in the order of precedence: a run is training if any job trains; else
// queued if a job waits in its cluster's queue; else lost if a job is lost; else interrupted if a
// job is; else (every job final) failed, diverged or finished by its worst job.
const (
	RunTraining    State = "training"
	RunQueued      State = "queued"
	RunUnknown     State = "unknown" // a cluster run's jobs while its engine cannot list them: no resume offered
	RunLost        State = "lost"
	RunInterrupted State = "interrupted"
	RunFailed      State = "failed"
	RunDiverged    State = "diverged"
	RunFinished    State = "finished"
	RunUnreadable  State = "unreadable" // RunStatus.Err says why
)

// Resumable reports whether `sipbench resume` has something to continue in a run in
// state s: an interrupted or lost job.
func (s State) Resumable() bool { return s == RunInterrupted || s == RunLost }

// JobStatus is one job of a listed run.
type JobStatus struct {
	Info  folder.JobInfo
	Kind  JobKind
	State folder.State // from status.json; Queued if it has none yet
	Step  int          // the last step logged or reported
	Wall  float64
	// Value is the running mean (RunningMean, DefaultWindow) of the run's metric at the
	// job's last logged step, as `sipbench show` reports it at the end; NaN before the
	// first row or if a value in the last window is not finite.
	Value   float64
	Owner   *folder.LockOwner // the process that trains it, nil if none
	Cluster cluster.View      // for a job of a run submitted to Slurm
	// Checkpoint reports, for a job not in a final state, whether it has a checkpoint to
	// resume from; without one, a resume trains it again from step 0.
	Checkpoint bool
	// Note says what of the job's files was left unread, and why ("" if nothing was): a
	// metrics.csv whose end holds no complete row within the bound read.
	Note string
}

// Headline is a run's comparison in one number: the non-reference method with the lowest
// metric, and its ratio to the reference (SIP) at the end, the mean over seeds of the
// per-seed ratios (as `sipbench show` and the dashboard state them). Above 1, the
// reference is ahead.
type Headline struct {
	Method string
	Ratio  float64 // NaN when there is no ratio yet
	Seeds  int     // seeds the mean is over
	// Stat is the ratio with its 95 % paired bootstrap interval and one-sided tests over
	// the seeds (stats.RatioOf); its Mean is Ratio.
	Stat stats.Ratio
}

// Status is one row of the runs list: a run folder, or a sweep folder (Sweep set)
// summing up its runs.
type Status struct {
	Dir   string
	Info  folder.Info // for a sweep, the first run's
	Err   error       // why the folder could not be read (State RunUnreadable)
	Sweep *folder.SweepInfo
	Runs  []Status // a sweep's runs that exist
	Jobs  []JobStatus
	State State
	Count map[JobKind]int // jobs by kind
	// Started is when the run was created; Updated the latest write of a job's status.
	Started, Updated time.Time
	// Training is the training time in seconds, pauses excluded: the longest of its jobs'.
	// Elapsed (TrainedFor) is the time during which any of its jobs trained.
	Training float64
	// spans are its jobs' training spans in Unix seconds, [updated − training time,
	// updated], of which Elapsed is the union's length
	spans [][2]float64
	// Elapsed is the wall time in seconds during which at least one of its jobs trained:
	// the union of the jobs' spans. Jobs that train one after another on few workers add
	// up (a run of 4 jobs of 2 s on 2 workers took 4 s, which Training, 2 s, hid); the
	// pauses between sessions (interrupted, resumed the next day) do not count.
	Elapsed  float64
	Done     int // steps done, summed over the jobs
	Total    int // steps to do, summed over the jobs
	Headline Headline
	// Trend is the run's metric over its training for one job (TrendJob, the one with the
	// lowest value at the end): up to TrendPoints values spread over its steps, each the
	// mean of a few rows, for a sparkline. A sweep has none.
	Trend    []float64
	TrendJob string
	Cluster  bool // submitted to a cluster
	// Engine names the cluster's engine ("slurm"), when Cluster.
	Engine string
	// Unstarted is, for a sweep, the number of its combinations whose run folder does not
	// exist yet: a sweep with one is not finished (resume continues it).
	Unstarted  int
	folderTime time.Time // run.json's modification time, to sort by when Started is unknown
}

// TrainedFor returns how long the run trained: Elapsed, or Training where Elapsed adds
// less than a second to it (a status records its time to the second: jobs that trained
// side by side would otherwise add a fraction of one), or no job recorded when it trained.
func (r *Status) TrainedFor() float64 {
	if r.Elapsed >= r.Training+1 {
		return r.Elapsed
	}
	return r.Training
}

// Progress returns the run's progress in steps per job, the jobs' mean steps done over
// their mean total ("1500/2000"), or "-" while it has no job with a total.
func (r *Status) Progress() string {
	n := len(r.Jobs)
	if n == 0 || r.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", (r.Done+n/2)/n, (r.Total+n/2)/n)
}

// spanUnion returns the length of the union of the spans [a, b].
func spanUnion(spans [][2]float64) float64 {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(p, q [2]float64) int { return cmp.Compare(p[0], q[0]) })
	total, end := 0.0, math.Inf(-1)
	for _, p := range s {
		if p[1] <= end {
			continue
		}
		total += p[1] - math.Max(p[0], end)
		end = p[1]
	}
	return total
}

// Name returns the run's folder name as it may be shown (Sanitize): a folder's name is
// untrusted input. Use Dir to reach the folder.
func (r *Status) Name() string { return sanitize.String(filepath.Base(r.Dir)) }

// StateText describes the state in a few words: "training", "lost 2/4", "finished",
// "diverged 1/4", "queued 4/4 (Slurm)".
func (r *Status) StateText() string {
	if r.Unstarted > 0 {
		return fmt.Sprintf("%s, %d of %d runs not started", r.runStateText(), r.Unstarted, r.Unstarted+len(r.Runs))
	}
	return r.runStateText()
}

func (r *Status) runStateText() string {
	n := len(r.Jobs)
	frac := func(k JobKind) string { return fmt.Sprintf("%s %d/%d", r.State, r.Count[k], n) }
	switch r.State {
	case RunLost:
		return frac(JobLost)
	case RunDiverged:
		return frac(JobDiverged)
	case RunFailed:
		return frac(JobFailed)
	case RunQueued:
		if r.Cluster {
			return "queued (" + cluster.Title(r.Engine) + ")"
		}
	case RunUnknown:
		return fmt.Sprintf("unknown %d/%d (%s failed)", r.Count[JobUnknown], n, cluster.TermsOf(r.Engine).Queue)
	}
	return string(r.State)
}

// Index lists the run folders under Root and keeps what it read, so that each Scan
// reads again only the files that changed. It is safe for concurrent use.
type Index struct {
	Root string
	// Engine, if set, answers for every run submitted to a cluster (tests); if nil, each
	// run's record names its engine, registered in package cluster and shared by every
	// Watch of the process, which asks its system at most every cluster.PollInterval.
	Engine cluster.Engine
	// Now, if set, replaces time.Now (tests).
	Now func() time.Time

	mu   sync.Mutex
	runs map[string]*runEntry
}

// NewIndex returns an index of the run folders under root.
func NewIndex(root string) *Index {
	return &Index{Root: root, runs: map[string]*runEntry{}}
}

// fileStamp identifies a version of a file by its size and modification time.
type fileStamp struct {
	size int64
	mod  time.Time
}

func stampOf(fi os.FileInfo) fileStamp { return fileStamp{fi.Size(), fi.ModTime()} }

// runEntry is what the index keeps of one folder.
type runEntry struct {
	stamp fileStamp // of run.json (or sweep.json)
	info  folder.Info
	sweep *folder.SweepInfo
	err   error
	jobs  []jobEntry
	trend struct {
		job   string
		stamp fileStamp
		vals  []float64
	}
}

type jobEntry struct {
	status      folder.Status
	statusStamp fileStamp
	hasStatus   bool
	metrics     fileStamp
	tail        tailSummary
}

// Scan reads the folders under Root and returns their status, newest first (by the time
// the run was started, then by name). Folders that are neither a run nor a sweep are left
// out; a run folder that cannot be read is listed with State RunUnreadable. Only files
// changed since the last Scan are read again.
func (x *Index) Scan() ([]Status, error) {
	entries, err := os.ReadDir(x.Root)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	seen := map[string]bool{}
	var out []Status
	for _, e := range entries {
		if !e.IsDir() || folder.Creating(e.Name()) { // links are not followed: a run folder is untrusted input
			continue
		}
		dir := filepath.Join(x.Root, e.Name())
		if folder.IsSweep(dir) {
			seen[dir] = true
			out = append(out, x.scanSweep(dir, seen))
			continue
		}
		fi, err := os.Lstat(filepath.Join(dir, folder.RunFile))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		seen[dir] = true
		out = append(out, x.scanRun(dir, fi))
	}
	for dir := range x.runs {
		if !seen[dir] {
			delete(x.runs, dir)
		}
	}
	slices.SortStableFunc(out, func(a, b Status) int {
		if c := b.sortTime().Compare(a.sortTime()); c != 0 {
			return c
		}
		return strings.Compare(b.Dir, a.Dir)
	})
	return out, nil
}

// Status returns the status of the one run or sweep folder dir (not necessarily under
// Root).
func (x *Index) Status(dir string) (Status, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if folder.IsSweep(dir) {
		return x.scanSweep(dir, map[string]bool{dir: true}), nil
	}
	fi, err := os.Lstat(filepath.Join(dir, folder.RunFile))
	if err != nil {
		return Status{}, fmt.Errorf("runner: %s is not a run folder: %v", dir, err)
	}
	if !fi.Mode().IsRegular() {
		return Status{}, fmt.Errorf("runner: %s/%s is not a regular file", dir, folder.RunFile)
	}
	return x.scanRun(dir, fi), nil
}

func (r *Status) sortTime() time.Time {
	if !r.Started.IsZero() {
		return r.Started
	}
	return r.folderTime
}

func (x *Index) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// startGrace is how long after its creation a run's jobs without a status count as
// queued rather than lost: the time its background trainer needs to start.
const startGrace = 20 * time.Second

// scanRun returns the status of the run folder dir, whose run.json has info fi.
func (x *Index) scanRun(dir string, fi os.FileInfo) Status {
	e := x.entry(dir, fi)
	rs := Status{Dir: dir, Info: e.info, Err: sanitize.Error(e.err), folderTime: fi.ModTime(), Count: map[JobKind]int{}, Headline: Headline{Ratio: math.NaN()}}
	if e.err != nil {
		rs.State = RunUnreadable
		return rs
	}
	rs.Started, _ = time.Parse(time.RFC3339, e.info.Started)
	young := !rs.Started.IsZero() && x.now().Sub(rs.Started) < startGrace
	col := slices.Index(e.info.Metrics, e.info.Metric)
	if col < 0 {
		col = 0
	}
	for i, ji := range e.info.Jobs {
		x.refreshJob(dir, ji.ID, &e.jobs[i], col)
	}
	var poll *cluster.Poll
	if rec, err := cluster.ReadRecord(dir); err == nil && rec.Array != "" {
		rs.Cluster, rs.Engine = true, rec.EngineName()
		poll = x.poll(rec, e)
	}
	for i, ji := range e.info.Jobs {
		je := &e.jobs[i]
		js := x.jobStatus(dir, ji, je, poll, young)
		if t, err := time.Parse(time.RFC3339, je.status.Updated); je.hasStatus && err == nil {
			if t.After(rs.Updated) {
				rs.Updated = t
			}
			if w := je.status.Wall; w > 0 && !math.IsInf(w, 0) {
				end := float64(t.Unix()) + 1 // updated is cut to the second: the span ends within it
				rs.spans = append(rs.spans, [2]float64{end - w, end})
			}
		}
		rs.Count[js.Kind]++
		rs.Training = math.Max(rs.Training, js.Wall)
		rs.Done += min(js.Step, ji.Steps)
		rs.Total += ji.Steps
		rs.Jobs = append(rs.Jobs, js)
	}
	rs.Elapsed = spanUnion(rs.spans)
	rs.State = runState(rs.Count)
	rs.Headline = headline(e.info, rs.Jobs)
	rs.TrendJob, rs.Trend = x.trend(dir, e, rs.Jobs, col)
	return rs
}

// entry returns what the index keeps of the run folder dir, reading its run.json again if
// it changed (fi is its info).
func (x *Index) entry(dir string, fi os.FileInfo) *runEntry {
	e := x.runs[dir]
	if e != nil && e.stamp == stampOf(fi) {
		return e
	}
	e = &runEntry{stamp: stampOf(fi)}
	e.info, e.err = folder.ReadInfo(dir)
	if e.err == nil {
		for _, j := range e.info.Jobs {
			if !folder.PlainName(j.ID) {
				e.err = fmt.Errorf("runner: %s: job %q is not a plain folder name", dir, j.ID)
				break
			}
		}
	}
	if e.err != nil { // what it holds was not checked: only shown, escaped
		e.info = shownInfo(e.info)
	}
	e.jobs = make([]jobEntry, len(e.info.Jobs))
	x.runs[dir] = e
	return e
}

// poll asks the engine of rec about the run's arrays, once for all its jobs, when a job
// may still be held by it: not final, or cancelled (requeued?). It returns nil otherwise.
func (x *Index) poll(rec *cluster.Record, e *runEntry) *cluster.Poll {
	open := false
	for i := range e.jobs {
		open = open || !e.jobs[i].hasStatus || !e.jobs[i].status.State.Final() || e.jobs[i].status.State == folder.Cancelled
	}
	if !open {
		return nil
	}
	byTask := map[int]int{}
	for _, tj := range rec.Tasks {
		if tj.Run == "" {
			if i := slices.IndexFunc(e.info.Jobs, func(j folder.JobInfo) bool { return j.ID == tj.Job }); i >= 0 {
				byTask[tj.Task] = i
			}
		}
	}
	p := cluster.PollRecord(x.Engine, rec, func(g int) bool {
		i, ok := byTask[g]
		return ok && !(e.jobs[i].hasStatus && e.jobs[i].status.State.Final())
	})
	return &p
}

// jobStatus returns the status of job ji of the run dir: its status.json's state refined
// by its lock's owner, the cluster's view of its task (poll, nil if the run is not on a
// cluster) and whether the run is young (just created: its trainer may not have started).
func (x *Index) jobStatus(dir string, ji folder.JobInfo, je *jobEntry, poll *cluster.Poll, young bool) JobStatus {
	js := JobStatus{Info: ji, State: folder.Queued, Value: je.tail.value, Step: je.tail.step, Note: je.tail.note}
	if je.hasStatus {
		js.State, js.Wall = je.status.State, je.status.Wall
		js.Step = max(js.Step, je.status.Step)
	}
	js.Kind = jobKind(js.State)
	if js.State == folder.Cancelled && poll != nil { // requeued by the engine after its SIGTERM?
		if v := x.clusterView(dir, poll, ji.ID, je); v.State == cluster.Requeued {
			js.Cluster, js.Kind = v, JobQueued
		}
	}
	if js.State.Final() {
		return js
	}
	js.Owner, _ = folder.JobLockOwner(dir, ji.ID)
	fi, err := os.Lstat(filepath.Join(dir, ji.ID, folder.CheckpointFile))
	js.Checkpoint = err == nil && fi.Mode().IsRegular()
	switch {
	case js.Owner != nil && js.State == folder.Queued: // waiting for a worker of its trainer
		js.Kind = JobQueued
	case js.Owner != nil:
		js.Kind = JobTraining
	case poll != nil:
		js.Cluster = x.clusterView(dir, poll, ji.ID, je)
		js.Kind = clusterKind(js.Cluster.State)
	case young && !je.hasStatus:
		js.Kind = JobQueued
	default:
		js.Kind = JobLost
	}
	return js
}

// clusterKind is the kind of a job that no process here trains, by its cluster state.
func clusterKind(s cluster.State) JobKind {
	switch s {
	case cluster.Pending, cluster.Requeued:
		return JobQueued
	case cluster.Running:
		return JobTraining
	case cluster.Unknown:
		return JobUnknown
	}
	return JobLost
}

// shownInfo returns what the runs list shows of an unreadable run's record: its preset,
// scale and methods, sanitized, and nothing else.
func shownInfo(info folder.Info) folder.Info {
	out := folder.Info{Preset: sanitize.String(info.Preset), Scale: sanitize.String(info.Scale)}
	for _, m := range info.Methods[:min(len(info.Methods), 64)] {
		out.Methods = append(out.Methods, sanitize.String(m))
	}
	return out
}

// jobKind maps a final or cancelled state to its kind; other states are refined by the
// caller.
func jobKind(s folder.State) JobKind {
	switch s {
	case folder.Done:
		return JobDone
	case folder.Diverged:
		return JobDiverged
	case folder.Failed:
		return JobFailed
	case folder.Cancelled:
		return JobInterrupted
	}
	return JobLost
}

// runState returns the state of a run whose jobs are counted by kind.
func runState(c map[JobKind]int) State {
	switch {
	case c[JobTraining] > 0:
		return RunTraining
	case c[JobQueued] > 0:
		return RunQueued
	case c[JobUnknown] > 0:
		return RunUnknown
	case c[JobLost] > 0:
		return RunLost
	case c[JobInterrupted] > 0:
		return RunInterrupted
	case c[JobFailed] > 0:
		return RunFailed
	case c[JobDiverged] > 0:
		return RunDiverged
	}
	return RunFinished
}

// clusterView merges the engine's view of the job's task (from poll) with the job's status.
func (x *Index) clusterView(dir string, poll *cluster.Poll, job string, je *jobEntry) cluster.View {
	g := -1
	for _, tj := range poll.Rec.Tasks {
		if tj.Job == job && tj.Run == "" {
			g = tj.Task
		}
	}
	if g < 0 {
		return cluster.View{State: cluster.Lost, Reason: "not in " + cluster.RecordFileOf(poll.Rec.Engine)}
	}
	updated, _ := time.Parse(time.RFC3339, je.status.Updated)
	return poll.View(g, je.status.State, updated, func() *folder.LockOwner { return nil }, fmt.Sprintf("sipbench resume %s --job %s", dir, job))
}

// refreshJob re-reads the job's status.json and the end of its metrics.csv if they
// changed. Files that are links, or not regular files, are left unread.
func (x *Index) refreshJob(dir, job string, je *jobEntry, col int) {
	jd := filepath.Join(dir, job)
	if fi, err := os.Lstat(filepath.Join(jd, folder.StatusFile)); err == nil && fi.Mode().IsRegular() {
		if st := stampOf(fi); st != je.statusStamp || !je.hasStatus {
			if s, err := folder.ReadStatus(dir, job); err == nil {
				je.status, je.hasStatus, je.statusStamp = s, true, st
			}
		}
	} else {
		je.hasStatus = false
	}
	fi, err := os.Lstat(filepath.Join(jd, folder.MetricsFile))
	if err != nil || !fi.Mode().IsRegular() {
		je.metrics, je.tail = fileStamp{}, tailSummary{value: math.NaN()}
		return
	}
	if st := stampOf(fi); st != je.metrics {
		je.metrics = st
		je.tail = readTail(filepath.Join(jd, folder.MetricsFile), col+2, metrics.DefaultWindow)
	}
}

// tailSummary is what the end of a metrics.csv says.
type tailSummary struct {
	step  int     // the last logged step
	value float64 // the running mean of the column at the end
	// note says why the end could not be read ("" if it could): its last maxTail bytes
	// hold no complete row.
	note string
}

// tailChunk is the first read from the end of a metrics.csv; it doubles until it holds
// enough rows, up to maxTail.
const tailChunk = 16 << 10

// readTail returns the last step of the metrics.csv at path and the running mean over
// windows of up to window values of column col at its end, reading only the
// file's last rows: enough to hold the window, and to know that the file has at least
// 2·window rows (beyond which the window is full) unless the whole file was read. A
// non-finite value in the window, or a damaged row, gives NaN.
func readTail(path string, col, window int) tailSummary {
	f, err := os.Open(path)
	if err != nil {
		return tailSummary{value: math.NaN()}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return tailSummary{value: math.NaN()}
	}
	return readTailAt(f, fi.Size(), col, window)
}

// readTailAt is readTail of the first size bytes of the metrics.csv f.
func readTailAt(f io.ReaderAt, size int64, col, window int) tailSummary {
	out := tailSummary{value: math.NaN()}
	for chunk := int64(tailChunk); ; chunk = min(2*chunk, metrics.MaxTail) {
		off := max(0, size-chunk)
		buf := make([]byte, size-off)
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return out
		}
		last := chunk >= metrics.MaxTail
		noRow := func() tailSummary {
			out.note = fmt.Sprintf("%s: no complete row in its last %d KB (not read further)", folder.MetricsFile, metrics.MaxTail>>10)
			return out
		}
		end := bytes.LastIndexByte(buf, '\n')
		if end < 0 {
			if off == 0 {
				return out // no complete line
			}
			if last {
				return noRow()
			}
			continue
		}
		buf = buf[:end] // drop an unfinished last line
		start := 0
		if off > 0 { // drop the partial first line
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				if last {
					return noRow()
				}
				continue
			}
			start = i + 1
		} else if i := bytes.IndexByte(buf, '\n'); i >= 0 { // the header
			start = i + 1
		} else {
			return out // the header only
		}
		body := buf[start:]
		n := 0
		if len(body) > 0 {
			n = bytes.Count(body, []byte{'\n'}) + 1
		}
		if off > 0 && n < 2*window && !last {
			continue // the number of rows, so the window, is not known yet
		}
		if n == 0 {
			return out
		}
		w := window
		if off == 0 {
			w = WindowAt(window, n)
		}
		w = min(w, n)
		var sum float64
		for k := 0; k < w; k++ { // the last w lines, from the end
			i := bytes.LastIndexByte(body, '\n')
			line := body[i+1:]
			body = body[:max(i, 0)]
			step, v, ok := metrics.StepValue(line, col)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				return tailSummary{step: out.step, value: math.NaN()}
			}
			if k == 0 {
				out.step = step
			}
			sum += v
		}
		out.value = sum / float64(w)
		return out
	}
}

// TrendPoints is the number of values in a RunStatus.Trend.
const TrendPoints = 24

// trendSample is the bytes read around each sample of a trend in a large metrics.csv.
const trendSample = 2 << 10

// readTrend returns up to k values of column col of the metrics.csv at path,
// spread evenly over its rows: for a small file the means of k equal runs of rows, for a
// large one the mean of the few rows found at k evenly spaced byte offsets (about evenly
// spaced steps, as rows have about one length), so that it reads at most k small pieces.
// Non-finite values are left out; a sample without a finite value is left out.
func readTrend(path string, col, k int) []float64 {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	size := fi.Size()
	head := make([]byte, min(size, 4<<10))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	h := bytes.IndexByte(head, '\n')
	if h < 0 {
		return nil
	}
	start, body := int64(h+1), size-int64(h+1)
	if body <= int64(k*trendSample) {
		return trendOfAll(f, start, body, col, k)
	}
	return trendSampled(f, start, body, col, k)
}

// trendOfAll returns the means of column col over k equal runs of the rows of the body of
// a metrics.csv, body bytes from offset start of f (readTrend's small file).
func trendOfAll(f io.ReaderAt, start, body int64, col, k int) []float64 {
	buf := make([]byte, body)
	if _, err := f.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	e := bytes.LastIndexByte(buf, '\n')
	if e < 0 {
		return nil
	}
	lines := bytes.Split(buf[:e], []byte{'\n'})
	var out []float64
	for i := range k {
		if m, ok := meanOfRows(lines[i*len(lines)/k:(i+1)*len(lines)/k], col); ok {
			out = append(out, m)
		}
	}
	return out
}

// trendSampled returns, for each of k evenly spaced byte offsets into the body of a
// metrics.csv (body bytes from offset start of f), the mean of column col over the first
// whole rows (up to 8) in trendSample bytes from there (readTrend's large file).
func trendSampled(f io.ReaderAt, start, body int64, col, k int) []float64 {
	var out []float64
	buf := make([]byte, trendSample)
	for i := range k {
		n, err := f.ReadAt(buf, start+body*int64(i)/int64(k))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil
		}
		b := buf[:n]
		if i > 0 { // skip the partial first line
			j := bytes.IndexByte(b, '\n')
			if j < 0 {
				continue
			}
			b = b[j+1:]
		}
		var rows [][]byte
		for len(rows) < 8 {
			j := bytes.IndexByte(b, '\n')
			if j < 0 {
				break
			}
			rows, b = append(rows, b[:j]), b[j+1:]
		}
		if m, ok := meanOfRows(rows, col); ok {
			out = append(out, m)
		}
	}
	return out
}

// meanOfRows returns the mean of the finite values of column col in the metrics rows
// lines; false if there is none.
func meanOfRows(lines [][]byte, col int) (float64, bool) {
	var sum float64
	c := 0
	for _, l := range lines {
		if _, v, ok := metrics.StepValue(l, col); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			sum += v
			c++
		}
	}
	return sum / float64(c), c > 0
}

// trend returns the trend of the run's metric for its best job (the lowest value at the
// end among the jobs that neither diverged nor failed, else the first job), read again
// only when that job's metrics.csv changed.
func (x *Index) trend(dir string, e *runEntry, jobs []JobStatus, col int) (string, []float64) {
	best := -1
	for i, j := range jobs {
		if usable(j) && (best < 0 || j.Value < jobs[best].Value) {
			best = i
		}
	}
	if best < 0 {
		if len(jobs) == 0 {
			return "", nil
		}
		best = 0
	}
	id := jobs[best].Info.ID
	st := e.jobs[best].metrics
	if e.trend.job != id || e.trend.stamp != st {
		e.trend.job, e.trend.stamp = id, st
		e.trend.vals = readTrend(filepath.Join(dir, id, folder.MetricsFile), col+2, TrendPoints)
	}
	return id, e.trend.vals
}

// headline returns the run's Headline from its jobs' values.
func headline(info folder.Info, jobs []JobStatus) Headline {
	h := Headline{Ratio: math.NaN()}
	var best []float64 // the ratios of h's seeds
	ref := map[int]float64{}
	for _, j := range jobs {
		if strings.EqualFold(j.Info.Method, info.Reference) && usable(j) {
			ref[j.Info.Seed] = j.Value
		}
	}
	for _, m := range info.Methods {
		if strings.EqualFold(m, info.Reference) {
			continue
		}
		var sum float64
		var rs []float64
		for _, j := range jobs {
			r, ok := ref[j.Info.Seed]
			if j.Info.Method != m || !ok || !usable(j) || r <= 0 {
				continue
			}
			sum += j.Value / r
			rs = append(rs, j.Value/r)
		}
		if n := len(rs); n > 0 && (math.IsNaN(h.Ratio) || sum/float64(n) < h.Ratio) {
			h, best = Headline{Method: m, Ratio: sum / float64(n), Seeds: n}, rs
		}
	}
	if best != nil {
		h.Stat = stats.RatioOf(best)
	}
	return h
}

// usable reports whether a job's value enters the headline: finite, of a job that did
// not diverge or fail.
func usable(j JobStatus) bool {
	return !math.IsNaN(j.Value) && !math.IsInf(j.Value, 0) && j.Kind != JobDiverged && j.Kind != JobFailed
}

// scanSweep returns the status of the sweep folder dir: its runs, summed up.
func (x *Index) scanSweep(dir string, seen map[string]bool) Status {
	rs := Status{Dir: dir, Count: map[JobKind]int{}, Headline: Headline{Ratio: math.NaN()}}
	info, err := folder.ReadSweep(dir)
	if err != nil {
		rs.Err, rs.State = sanitize.Error(err), RunUnreadable
		return rs
	}
	rs.Sweep = &info
	if fi, err := os.Lstat(filepath.Join(dir, folder.SweepFile)); err == nil {
		rs.folderTime = fi.ModTime()
	}
	for _, r := range info.Runs {
		sub := filepath.Join(dir, r.Dir)
		fi, err := os.Lstat(filepath.Join(sub, folder.RunFile))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if d, err := os.Lstat(sub); err != nil || !d.IsDir() {
			continue
		}
		seen[sub] = true
		s := x.scanRun(sub, fi)
		rs.Runs = append(rs.Runs, s)
		if len(rs.Runs) == 1 {
			rs.Info = s.Info
		}
		for k, n := range s.Count {
			rs.Count[k] += n
		}
		rs.Jobs = append(rs.Jobs, s.Jobs...)
		if rs.Started.IsZero() || (!s.Started.IsZero() && s.Started.Before(rs.Started)) {
			rs.Started = s.Started
		}
		if s.Updated.After(rs.Updated) {
			rs.Updated = s.Updated
		}
		rs.Training = math.Max(rs.Training, s.Training)
		rs.spans = append(rs.spans, s.spans...)
		rs.Done += s.Done
		rs.Total += s.Total
		if s.Cluster && !rs.Cluster {
			rs.Cluster, rs.Engine = true, s.Engine
		}
	}
	rs.Unstarted = len(info.Runs) - len(rs.Runs)
	rs.Elapsed = spanUnion(rs.spans)
	rs.State = runState(rs.Count)
	if rs.Unstarted > 0 && (rs.State == RunFinished || rs.State == RunFailed || rs.State == RunDiverged) {
		rs.State = RunInterrupted // combinations not started: sipbench resume continues the sweep
	}
	rs.Headline = Headline{Ratio: math.NaN()}
	return rs
}

// DeleteRun removes the run or sweep folder dir and everything in it. It refuses a folder
// that is neither (it holds no run.json or sweep.json as a regular file), a link, and a
// run that a process still trains (a job's lock is held), naming that process.
func DeleteRun(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("runner: %s is not a folder", dir)
	}
	runs := []string{dir}
	if folder.IsSweep(dir) {
		info, err := folder.ReadSweep(dir)
		if err != nil {
			return err
		}
		runs = runs[:0]
		for _, r := range info.Runs {
			runs = append(runs, filepath.Join(dir, r.Dir))
		}
	} else if rf, err := os.Lstat(filepath.Join(dir, folder.RunFile)); err != nil || !rf.Mode().IsRegular() {
		return fmt.Errorf("runner: %s is not a run folder (no %s)", dir, folder.RunFile)
	}
	for _, r := range runs {
		info, err := folder.ReadInfo(r)
		if err != nil {
			continue // a sweep's run not started yet, or a damaged record: nothing trains it
		}
		for _, j := range info.Jobs {
			if !folder.PlainName(j.ID) {
				continue
			}
			if o, _ := folder.JobLockOwner(r, j.ID); o != nil {
				return fmt.Errorf("runner: %s is still being trained (job %s, pid %d on %s): stop it first", dir, j.ID, o.PID, o.Host)
			}
		}
	}
	return os.RemoveAll(dir)
}
