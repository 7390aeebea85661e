package summary

import (
	"fmt"
	"math"
	"slices"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/stats"
)

// End stands for each job's last logged step in SummaryOptions.At and Summary.Steps.
const End = -1

// Options choose what Summarize reports.
type Options struct {
	// Metric is the metric column to report. If it is "", the run's (RunInfo.Metric).
	Metric string
	// At are the steps to report besides each job's end.
	At []int
	// Window is the full window of the running mean (RunningMean) reported at each
	// step. If it is 0, DefaultWindow is used; 1 reports the raw values.
	Window int
}

// Summary is one metric of a run per job at given steps, each the running mean
// (RunningMean) of the logged values up to the step, with its ratio to the reference
// method (SIP) of the same seed.
type Summary struct {
	Info   folder.Info
	Metric string // the metric reported
	Steps  []int  // SummaryOptions.At, then End
	Window int
	Jobs   []JobSummary // in the order of Info.Jobs
}

// JobSummary is one job's row of a Summary.
type JobSummary struct {
	Job    folder.JobInfo
	State  folder.State // from status.json; "" if it cannot be read
	Done   int          // the last logged step
	Values []float64    // per Summary.Steps; NaN where the job has not logged the step
	Ratios []float64    // Values over the reference job's (Info.Reference, same seed); NaN without one
	// Note says why the job's values could not be read, if they could not (a metrics.csv
	// whose last megabyte holds no complete row); "" otherwise.
	Note string
}

// Summarize reads the jobs of the run folder dir, described by info (ReadRunInfo), and
// returns its Summary. The value at step s is the running mean (RunningMean, the
// dashboard's and the figures' smoothing) of the metric's logged values up to s: NaN if s
// was not logged, or if a value up to s was not finite (the job diverged); at End, up to
// the job's last logged step. An unknown o.Metric is an error; a recorded metric that is not a column falls
// back to the first column.
//
// A metrics.csv larger than summaryFullRead (4 MB) is not read through: its end and the
// rows before each of o.At are found by seeking (seekValues), so that a summary takes
// about the same time for a run of any length (issue 26: 44 s for 700 MB). There a value
// is NaN if a value in its window is not finite, and rows before a damaged end (a sparse
// hole, a line of megabytes) are found by bisection, JobSummary.Note saying so.
func Summarize(dir string, info folder.Info, o Options) (*Summary, error) {
	metric := o.Metric
	if metric == "" {
		metric = info.Metric
	}
	col := slices.Index(info.Metrics, metric)
	if col < 0 && o.Metric != "" {
		return nil, fmt.Errorf("runner: %s has no metric %q (metrics: %v)", dir, o.Metric, info.Metrics)
	}
	col = max(col, 0)
	window := o.Window
	if window <= 0 {
		window = metrics.DefaultWindow
	}
	s := &Summary{Info: info, Metric: metric, Steps: append(slices.Clone(o.At), End), Window: window}
	values := map[string][]float64{}
	for _, j := range info.Jobs {
		st, _ := folder.ReadStatus(dir, j.ID)
		js := JobSummary{Job: j, State: st.State}
		var err error
		if js.Done, js.Values, js.Note, err = jobValues(dir, j.ID, info.Metrics, s.Steps, col, window); err != nil {
			return nil, err
		}
		values[j.ID] = js.Values
		s.Jobs = append(s.Jobs, js)
	}
	for i := range s.Jobs {
		js := &s.Jobs[i]
		ref := values[folder.JobID(info.Reference, js.Job.Seed)]
		for k, v := range js.Values {
			r := math.NaN()
			if ref != nil && ref[k] != 0 {
				r = v / ref[k]
			}
			js.Ratios = append(js.Ratios, r)
		}
	}
	return s, nil
}

// jobValues returns what streamValues does, reading a metrics.csv larger than
// summaryFullRead only where the steps need it (seekValues), so that a summary takes about
// the same time for a run of any length; note says why the values could not be read.
func jobValues(dir, job string, names []string, steps []int, col, window int) (done int, vals []float64, note string, err error) {
	f, err := folder.OpenIn(dir, job, folder.MetricsFile)
	if err == nil {
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > metrics.SummaryFullRead {
			if err := metrics.CheckHeader(f, job, names); err != nil {
				return 0, nil, "", err
			}
			done, vals, note = seekValues(f, fi.Size(), steps, col, window)
			return done, vals, note, nil
		}
	}
	done, vals, err = streamValues(dir, job, names, steps, col, window)
	return done, vals, "", err
}

// summaryChunk is the rows Summarize holds at once: it reads a metrics.csv in one pass, in
// memory bounded whatever the file's length.
const SummaryChunk = 4096

// streamValues reads the job's metrics.csv once, in chunks of rows, and returns its last
// logged step and, for each of steps, the running mean over windows of up to window values
// of column col up to the row of that step (End: up to the last row), or NaN if that step
// was not logged or a value up to it is not finite.
func streamValues(dir, job string, names []string, steps []int, col, window int) (done int, vals []float64, err error) {
	vals = make([]float64, len(steps))
	at := map[int][]int{} // step → its indices in steps
	for i, s := range steps {
		vals[i] = math.NaN()
		if s != End {
			at[s] = append(at[s], i)
		}
	}
	rm := NewRunningMean(window)
	diverged := false
	mr := metrics.NewReader(dir, job, names)
	for {
		rows, err := mr.Next(SummaryChunk)
		if err != nil {
			return 0, nil, err
		}
		for _, r := range rows {
			done = r.Step
			if diverged {
				continue
			}
			v := r.Metrics[col]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				diverged = true
				continue
			}
			m := rm.Add(v)
			for _, i := range at[r.Step] {
				vals[i] = m
			}
		}
		if len(rows) < SummaryChunk {
			break
		}
	}
	if !diverged && rm.Len() > 0 {
		for i, s := range steps {
			if s == End {
				vals[i] = rm.Mean()
			}
		}
	}
	return done, vals, nil
}

// MethodStat is one method's value at one of a Summary's steps over its seeds.
type MethodStat struct {
	Method string
	Seeds  int // jobs of the method
	// Mean, Min and Max are over the seeds; NaN if a seed has no value at the step (not
	// reached, or no job).
	Mean, Min, Max float64
	// Ratio is the same for the seeds' ratios to the reference of their seed.
	Ratio Spread
	// RatioStat is the ratio's mean with its 95 % paired bootstrap interval and one-sided
	// tests over the seeds (stats.RatioOf); the reference's own is 1 [1, 1].
	RatioStat stats.Ratio
}

// Spread is the mean, minimum and maximum of a few values (one per seed).
type Spread struct{ Mean, Min, Max float64 }

// SpreadOf returns the mean, minimum and maximum of vs, all NaN if vs is empty or holds a
// NaN (a seed without a value makes the mean over seeds unknown).
func SpreadOf(vs []float64) Spread {
	nan := math.NaN()
	if len(vs) == 0 {
		return Spread{nan, nan, nan}
	}
	s := Spread{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range vs {
		if math.IsNaN(v) {
			return Spread{nan, nan, nan}
		}
		s.Mean += v
		s.Min, s.Max = math.Min(s.Min, v), math.Max(s.Max, v)
	}
	s.Mean /= float64(len(vs))
	return s
}

// ByMethod returns, for the step Steps[k], each method's value and ratio over its seeds,
// in the order of Info.Methods.
func (s *Summary) ByMethod(k int) []MethodStat {
	var out []MethodStat
	for _, m := range s.Info.Methods {
		var vs, rs []float64
		for _, js := range s.Jobs {
			if js.Job.Method == m {
				vs = append(vs, js.Values[k])
				rs = append(rs, js.Ratios[k])
			}
		}
		v := SpreadOf(vs)
		out = append(out, MethodStat{Method: m, Seeds: len(vs), Mean: v.Mean, Min: v.Min, Max: v.Max, Ratio: SpreadOf(rs), RatioStat: stats.RatioOf(rs)})
	}
	return out
}
