package tui

import (
	"math"
	"strings"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/summary"
)

// defaultMaxPoints is the number of points a series keeps at full resolution before it
// starts to decimate (see series).
const defaultMaxPoints = 4096

// rateTau is the time constant, in seconds of training time, of the running mean of the
// training speed: long enough that steps/s and the ETA hold steady between metric events
// (a window of 16 events, a few milliseconds apart at per-step logging, swung from 153 to
// 5e3 steps/s), short enough to follow a slowed machine within a minute.
const rateTau = 10.0

// point is one stored value of a metric series.
type point struct {
	Step  int     // last logged step of the bucket
	Wall  float64 // training seconds at that step
	Value float64 // mean of the bucket's values; always finite
	// Mean is the running mean (runner.RunningMean, the smoothing of `show` and the
	// figures) of the logged values up to Step; NaN if none of them was finite.
	Mean float64
	N    int // number of logged values in the bucket
}

// series is one metric of one job, in memory bounded by its capacity.
//
// It keeps every logged value until it holds Cap points. It then halves itself by
// replacing each pair of neighbours with one point (the weighted mean value, the step and
// wall time of the later one) and doubles its stride: from then on each incoming bucket of Stride
// logged values is averaged into one point. Each point also carries the running mean at
// its step (exact, not averaged: a decimated smoothed curve is a sample of the full one,
// as runner.ReadCurve's). Memory therefore stays below Cap points for
// any run length, the first and latest parts of a curve stay at the same resolution, and
// averaging (rather than min/max picking) keeps the decimated curve an unbiased mean, like
// the paper's running-mean plots.
//
// The zero value is not usable; store creates its series.
type series struct {
	Points []point
	Stride int // logged values per stored point (a power of two)
	Cap    int

	pendN   int
	pendSum float64
	rm      *summary.RunningMean
}

func newSeries(capacity int) *series {
	if capacity < 2 {
		capacity = 2
	}
	return &series{Stride: 1, Cap: capacity, Points: make([]point, 0, min(capacity, 256)), rm: summary.NewRunningMean(metrics.DefaultWindow)}
}

// observe feeds one logged value, finite or not, to the running mean, and returns it.
// Every logged value must be observed, in order, before add stores the finite ones.
func (s *series) observe(v float64) float64 { return s.rm.Add(v) }

// add appends one finite value logged at step and wall, observed just before.
func (s *series) add(step int, wall, v float64) {
	s.pendN++
	s.pendSum += v
	if s.pendN < s.Stride {
		return
	}
	s.Points = append(s.Points, point{Step: step, Wall: wall, Value: s.pendSum / float64(s.pendN), Mean: s.rm.Mean(), N: s.pendN})
	s.pendN, s.pendSum = 0, 0
	if len(s.Points) < s.Cap {
		return
	}
	n := len(s.Points) / 2
	for i := range n {
		a, b := s.Points[2*i], s.Points[2*i+1]
		n := a.N + b.N
		s.Points[i] = point{Step: b.Step, Wall: b.Wall, Value: (a.Value*float64(a.N) + b.Value*float64(b.N)) / float64(n), Mean: b.Mean, N: n}
	}
	if len(s.Points)%2 == 1 { // an odd last point keeps its own bucket
		s.Points[n] = s.Points[len(s.Points)-1]
		n++
	}
	s.Points = s.Points[:n]
	s.Stride *= 2
}

// job is what the store knows about one job. Fields are read-only for callers.
type job struct {
	Info    folder.JobInfo
	Run     int          // the run it belongs to: index into store.Runs
	Index   int          // position in its run's RunInfo.Jobs
	State   folder.State // as reported by the runner
	Message string       // failure message, if any
	// Cluster is Slurm's view of the job, for a run trained on a Slurm cluster (its Task
	// is "" otherwise).
	Cluster cluster.View
	Step    int     // latest step reported
	Wall    float64 // latest training seconds reported

	// NonFinite counts metric values that were NaN or ±Inf and were dropped. A job with
	// NonFinite > 0 is shown as diverged even before the runner says so.
	NonFinite int

	Metrics []string  // its run's RunInfo.Metrics
	Series  []*series // one per metric
	Latest  []float64 // latest finite value per metric (NaN before the first)
	Best    []float64 // lowest finite value per metric (NaN before the first)
	// Smoothed is the running mean (runner.RunningMean) per metric at the latest step,
	// BestSmoothed its lowest value so far (NaN before the first finite value).
	Smoothed, BestSmoothed []float64
	Snap                   *folder.Snapshot
	// SnapNote says why the job's latest snapshot is not shown (it is invalid); "" once
	// a valid one has come, or before any.
	SnapNote string

	// Versions, incremented on change; the dashboard compares them to its caches
	// (dirty flags that several readers can use independently).
	DataVersion uint64 // metrics, step, state
	SnapVersion uint64 // snapshot

	// The training speed: an exponential running mean over rateTau seconds of training
	// time of the steps per second between metric events, each weighted by its duration
	// (so the wall clock's rounding cancels). Before rateTau seconds, the plain mean.
	rate              float64
	rateStep, rateAt  float64 // the last sample
	rateSpan          float64 // seconds of training time the mean covers so far
	rateSeen, rateSet bool
}

// Metric returns the index of the metric called name among the job's, or -1.
func (j *job) Metric(name string) int {
	for i, m := range j.Metrics {
		if m == name {
			return i
		}
	}
	return -1
}

// Value returns the job's latest value of metric m: the running mean over the last window
// logged steps (smoothWindow's is kept as the metrics arrive; another is computed from
// the points kept), or with window 0 the last logged finite value; and its lowest so
// far likewise. Both are NaN for an unknown metric or before the first value.
func (j *job) Value(m int, window int) (latest, best float64) {
	if m < 0 || m >= len(j.Series) {
		return math.NaN(), math.NaN()
	}
	switch window {
	case 0:
		return j.Latest[m], j.Best[m]
	case smoothWindow:
		return j.Smoothed[m], j.BestSmoothed[m]
	}
	means := smoothedValues(j.Series[m].Points, window)
	if len(means) == 0 {
		return math.NaN(), math.NaN()
	}
	best = math.NaN()
	for _, v := range means {
		if !math.IsNaN(v) && (math.IsNaN(best) || v < best) {
			best = v
		}
	}
	return means[len(means)-1], best
}

// smoothedValues returns the points' running means over window logged steps: nil for
// window 0 (the values themselves), their Mean for smoothWindow, else runningMeans.
func smoothedValues(pts []point, window int) []float64 {
	switch window {
	case 0:
		return nil
	case smoothWindow:
		out := make([]float64, len(pts))
		for i, p := range pts {
			out[i] = p.Mean
		}
		return out
	}
	return runningMeans(pts, window)
}

// Status is the state to display: the runner's state, or Diverged when non-finite
// metrics arrived for a job that the runner still reports as live.
func (j *job) Status() folder.State {
	if j.NonFinite > 0 && !j.State.Final() {
		return folder.Diverged
	}
	return j.State
}

// Rate returns the recent training speed in steps per second of training time (pauses
// excluded), measured over the last few metric events; 0 if unknown.
func (j *job) Rate() float64 {
	if !j.rateSet {
		return 0
	}
	return j.rate
}

// observeRate adds the sample (step, wall) to the running mean of the training speed. A
// step or time that goes back (a resumed job re-logging) restarts the mean from it.
func (j *job) observeRate(step, wall float64) {
	if !j.rateSeen || step < j.rateStep || wall < j.rateAt {
		j.rateStep, j.rateAt, j.rateSeen = step, wall, true
		return
	}
	dt := wall - j.rateAt
	if dt <= 0 {
		return // the clock's resolution: wait for the next sample to carry the steps
	}
	inst := (step - j.rateStep) / dt
	j.rateStep, j.rateAt = step, wall
	j.rateSpan += dt
	a := 1 - math.Exp(-dt/rateTau)
	if j.rateSpan < rateTau {
		a = dt / j.rateSpan // the plain mean until rateTau seconds are covered
	}
	if !j.rateSet {
		a = 1
	}
	j.rate += a * (inst - j.rate)
	j.rateSet = true
}

// ETA returns the estimated training seconds left, and false when it is unknown (no rate
// yet, no step budget, or a final state).
func (j *job) ETA() (float64, bool) {
	r := j.Rate()
	if r <= 0 || j.Info.Steps <= 0 || j.Status().Final() || j.State == folder.Lost {
		return 0, false
	}
	left := j.Info.Steps - j.Step
	if left < 0 {
		left = 0
	}
	return float64(left) / r, true
}

// store ingests runner events for one run, or for several runs compared side by side,
// and keeps, per job, its state, progress, metric series (bounded, see series), best
// values and latest snapshot. For every metric lower is better (they are losses and
// errors). A store is pure data; it is not safe for concurrent use: the dashboard owns it
// and feeds it from Update.
type store struct {
	Info    folder.Info   // the first run's
	Runs    []folder.Info // every run's, in order; Jobs of run r have Run r
	Jobs    []*job        // run by run, each in its RunInfo.Jobs order
	byID    []map[string]*job
	Version uint64 // incremented by every applied event
}

// newStore returns an empty store for info's jobs, whose series keep up to maxPoints
// points each; if maxPoints is 0, defaultMaxPoints is used.
func newStore(info folder.Info, maxPoints int) *store {
	return newRunsStore([]folder.Info{info}, maxPoints)
}

// newRunsStore returns an empty store for the jobs of several runs.
func newRunsStore(infos []folder.Info, maxPoints int) *store {
	if maxPoints <= 0 {
		maxPoints = defaultMaxPoints
	}
	s := &store{Info: infos[0], Runs: infos}
	for r, info := range infos {
		byID := make(map[string]*job, len(info.Jobs))
		for i, ji := range info.Jobs {
			j := &job{Info: ji, Run: r, Index: i, State: folder.Queued, Metrics: info.Metrics}
			for range info.Metrics {
				j.Series = append(j.Series, newSeries(maxPoints))
				j.Latest = append(j.Latest, math.NaN())
				j.Best = append(j.Best, math.NaN())
				j.Smoothed = append(j.Smoothed, math.NaN())
				j.BestSmoothed = append(j.BestSmoothed, math.NaN())
			}
			s.Jobs = append(s.Jobs, j)
			byID[ji.ID] = j
		}
		s.byID = append(s.byID, byID)
	}
	return s
}

// Job returns the job of the first run with the given ID, or nil.
func (s *store) Job(id string) *job { return s.byID[0][id] }

// Apply ingests one event of the first run (see ApplyRun).
func (s *store) Apply(ev runner.Event) bool { return s.ApplyRun(0, ev) }

// ApplyRun ingests one event of run r. It reports false (and changes nothing) for an
// unknown run, job or kind. Non-finite metric values never enter a series: they are
// counted in job.NonFinite, which makes the job display as diverged.
func (s *store) ApplyRun(r int, ev runner.Event) bool {
	if r < 0 || r >= len(s.byID) {
		return false
	}
	j := s.byID[r][ev.Job]
	if j == nil {
		return false
	}
	switch ev.Kind {
	case runner.EvState:
		j.State = ev.State
		j.Message = ev.Message
		j.DataVersion++
	case runner.EvCluster:
		if ev.Cluster != nil {
			j.Cluster = *ev.Cluster
			j.DataVersion++
		}
	case runner.EvMetrics:
		if ev.Step > j.Step {
			j.Step = ev.Step
		}
		if ev.Wall > j.Wall {
			j.Wall = ev.Wall
		}
		if j.State == folder.Queued {
			j.State = folder.Running
		}
		j.observeRate(float64(ev.Step), ev.Wall)
		for m := range min(len(ev.Metrics), len(j.Series)) {
			v := ev.Metrics[m]
			if sm := j.Series[m].observe(v); !math.IsNaN(sm) {
				j.Smoothed[m] = sm
				if math.IsNaN(j.BestSmoothed[m]) || sm < j.BestSmoothed[m] {
					j.BestSmoothed[m] = sm
				}
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				j.NonFinite++
				continue
			}
			j.Series[m].add(ev.Step, ev.Wall, v)
			j.Latest[m] = v
			if math.IsNaN(j.Best[m]) || v < j.Best[m] {
				j.Best[m] = v
			}
		}
		j.DataVersion++
	case runner.EvSnapshot:
		if ev.Snapshot == nil || ev.Snapshot.Validate() != nil { // the panels index data by shape
			return false
		}
		j.Snap, j.SnapNote = ev.Snapshot, ""
		j.SnapVersion++
	case runner.EvNote:
		note, ok := strings.CutPrefix(ev.Message, runner.InvalidSnapshotNote)
		if !ok {
			return false
		}
		j.SnapNote = sanitize.String(note) // it may quote the file
		j.SnapVersion++
	default:
		return false
	}
	s.Version++
	return true
}

// Reference returns the job to which job j is compared: the job of its run's method
// RunInfo.Reference ("SIP" if empty; case-insensitive) with j's seed, else the first job
// of that method; nil if the run has none.
func (s *store) Reference(j *job) *job {
	ref := s.Runs[j.Run].Reference
	if ref == "" {
		ref = "SIP"
	}
	var first *job
	for _, o := range s.Jobs {
		if o.Run != j.Run || !strings.EqualFold(o.Info.Method, ref) {
			continue
		}
		if o.Info.Seed == j.Info.Seed {
			return o
		}
		if first == nil {
			first = o
		}
	}
	return first
}

// Methods returns the distinct methods of the runs in order of first appearance; a
// method's index in it chooses its colour, so that seeds of one method share a colour.
func (s *store) Methods() []string {
	var out []string
	seen := map[string]bool{}
	for _, j := range s.Jobs {
		if !seen[j.Info.Method] {
			seen[j.Info.Method] = true
			out = append(out, j.Info.Method)
		}
	}
	return out
}
