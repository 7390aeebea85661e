package tui

import (
	"math"
	"strings"

	"github.com/sipbench/sipbench/runner"
)

// defaultMaxPoints is the number of points a series keeps at full resolution before it
// starts to decimate (see series).
const defaultMaxPoints = 4096

// rateWindow is the number of recent (step, wall) samples over which steps/s is measured.
const rateWindow = 16

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
	rm      *runner.RunningMean
}

func newSeries(capacity int) *series {
	if capacity < 2 {
		capacity = 2
	}
	return &series{Stride: 1, Cap: capacity, Points: make([]point, 0, min(capacity, 256)), rm: runner.NewRunningMean(runner.DefaultWindow)}
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
	Info    runner.JobInfo
	Index   int          // position in RunInfo.Jobs
	State   runner.State // as reported by the runner
	Message string       // failure message, if any
	// Cluster is Slurm's view of the job, for a run trained on a Slurm cluster (its Task
	// is "" otherwise).
	Cluster runner.ClusterView
	Step    int     // latest step reported
	Wall    float64 // latest training seconds reported

	// NonFinite counts metric values that were NaN or ±Inf and were dropped. A job with
	// NonFinite > 0 is shown as diverged even before the runner says so.
	NonFinite int

	Series []*series // one per RunInfo.Metrics
	Latest []float64 // latest finite value per metric (NaN before the first)
	Best   []float64 // lowest finite value per metric (NaN before the first)
	Snap   *runner.Snapshot

	// Versions, incremented on change; the dashboard compares them to its caches
	// (dirty flags that several readers can use independently).
	DataVersion uint64 // metrics, step, state
	SnapVersion uint64 // snapshot

	rs     [rateWindow]struct{ step, wall float64 }
	rsN    int
	rsNext int
}

// Status is the state to display: the runner's state, or Diverged when non-finite
// metrics arrived for a job that the runner still reports as live.
func (j *job) Status() runner.State {
	if j.NonFinite > 0 && !j.State.Final() {
		return runner.Diverged
	}
	return j.State
}

// Rate returns the recent training speed in steps per second of training time (pauses
// excluded), measured over the last few metric events; 0 if unknown.
func (j *job) Rate() float64 {
	if j.rsN < 2 {
		return 0
	}
	newest := j.rs[(j.rsNext+rateWindow-1)%rateWindow]
	oldest := j.rs[(j.rsNext+rateWindow-j.rsN)%rateWindow]
	dw := newest.wall - oldest.wall
	if dw <= 0 {
		return 0
	}
	return (newest.step - oldest.step) / dw
}

// ETA returns the estimated training seconds left, and false when it is unknown (no rate
// yet, no step budget, or a final state).
func (j *job) ETA() (float64, bool) {
	r := j.Rate()
	if r <= 0 || j.Info.Steps <= 0 || j.Status().Final() || j.State == runner.Lost {
		return 0, false
	}
	left := j.Info.Steps - j.Step
	if left < 0 {
		left = 0
	}
	return float64(left) / r, true
}

// store ingests runner events for one run and keeps, per job, its state, progress, metric
// series (bounded, see series), best values and latest snapshot. For every metric lower is
// better (they are losses and errors). A store is pure data; it is not safe for concurrent
// use: the dashboard owns it and feeds it from Update.
type store struct {
	Info    runner.RunInfo
	Jobs    []*job
	byID    map[string]*job
	Version uint64 // incremented by every applied event
}

// newStore returns an empty store for info's jobs, whose series keep up to maxPoints
// points each; if maxPoints is 0, defaultMaxPoints is used.
func newStore(info runner.RunInfo, maxPoints int) *store {
	if maxPoints <= 0 {
		maxPoints = defaultMaxPoints
	}
	s := &store{Info: info, byID: make(map[string]*job, len(info.Jobs))}
	for i, ji := range info.Jobs {
		j := &job{Info: ji, Index: i, State: runner.Queued}
		for range info.Metrics {
			j.Series = append(j.Series, newSeries(maxPoints))
			j.Latest = append(j.Latest, math.NaN())
			j.Best = append(j.Best, math.NaN())
		}
		s.Jobs = append(s.Jobs, j)
		s.byID[ji.ID] = j
	}
	return s
}

// Job returns the job with the given ID, or nil.
func (s *store) Job(id string) *job { return s.byID[id] }

// Apply ingests one event. It reports false (and changes nothing) for an unknown job or
// kind. Non-finite metric values never enter a series: they are counted in
// job.NonFinite, which makes the job display as diverged.
func (s *store) Apply(ev runner.Event) bool {
	j := s.byID[ev.Job]
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
		if j.State == runner.Queued {
			j.State = runner.Running
		}
		j.rs[j.rsNext] = struct{ step, wall float64 }{float64(ev.Step), ev.Wall}
		j.rsNext = (j.rsNext + 1) % rateWindow
		j.rsN = min(j.rsN+1, rateWindow)
		for m := range min(len(ev.Metrics), len(j.Series)) {
			v := ev.Metrics[m]
			j.Series[m].observe(v)
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
		j.Snap = ev.Snapshot
		j.SnapVersion++
	default:
		return false
	}
	s.Version++
	return true
}

// Reference returns the job to which job j is compared: the job of method
// RunInfo.Reference ("SIP" if empty; case-insensitive) with j's seed, else the first job
// of that method; nil if the run has none.
func (s *store) Reference(j *job) *job {
	ref := s.Info.Reference
	if ref == "" {
		ref = "SIP"
	}
	var first *job
	for _, o := range s.Jobs {
		if !strings.EqualFold(o.Info.Method, ref) {
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

// Methods returns the distinct methods of the run in order of first appearance; a
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
