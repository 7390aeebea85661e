package runner

import (
	"fmt"
	"math"
	"slices"
)

// End stands for each job's last logged step in SummaryOptions.At and Summary.Steps.
const End = -1

// SummaryOptions choose what Summarize reports.
type SummaryOptions struct {
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
	Info   RunInfo
	Metric string // the metric reported
	Steps  []int  // SummaryOptions.At, then End
	Window int
	Jobs   []JobSummary // in the order of Info.Jobs
}

// JobSummary is one job's row of a Summary.
type JobSummary struct {
	Job    JobInfo
	State  State     // from status.json; "" if it cannot be read
	Done   int       // the last logged step
	Values []float64 // per Summary.Steps; NaN where the job has not logged the step
	Ratios []float64 // Values over the reference job's (Info.Reference, same seed); NaN without one
}

// Summarize reads the jobs of the run folder dir, described by info (ReadRunInfo), and
// returns its Summary. The value at step s is the running mean (RunningMean, the
// dashboard's and the figures' smoothing) of the metric's logged values up to s: NaN if s
// was not logged, or if a value up to s was not finite (the job diverged); at End, up to
// the job's last logged step. An unknown o.Metric is an error; a recorded metric that is not a column falls
// back to the first column.
func Summarize(dir string, info RunInfo, o SummaryOptions) (*Summary, error) {
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
		window = DefaultWindow
	}
	s := &Summary{Info: info, Metric: metric, Steps: append(slices.Clone(o.At), End), Window: window}
	values := map[string][]float64{}
	for _, j := range info.Jobs {
		rows, _, err := ReadMetrics(dir, j.ID, 0, info.Metrics)
		if err != nil {
			return nil, err
		}
		st, _ := ReadStatus(dir, j.ID)
		js := JobSummary{Job: j, State: st.State}
		if len(rows) > 0 {
			js.Done = rows[len(rows)-1].Step
		}
		for _, step := range s.Steps {
			js.Values = append(js.Values, valueAt(rows, step, col, window))
		}
		values[j.ID] = js.Values
		s.Jobs = append(s.Jobs, js)
	}
	for i := range s.Jobs {
		js := &s.Jobs[i]
		ref := values[JobID(info.Reference, js.Job.Seed)]
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

// valueAt returns the running mean over windows of up to window values of column col of
// the rows up to the row of step (all rows for End), or NaN if that step was not logged or
// a value up to it is not finite.
func valueAt(rows []Row, step, col, window int) float64 {
	rm := NewRunningMean(window)
	for _, r := range rows {
		if step != End && r.Step > step {
			break
		}
		v := r.Metrics[col]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN()
		}
		m := rm.Add(v)
		if r.Step == step {
			return m
		}
	}
	if step != End || rm.Len() == 0 {
		return math.NaN()
	}
	return rm.Mean()
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
		out = append(out, MethodStat{Method: m, Seeds: len(vs), Mean: v.Mean, Min: v.Min, Max: v.Max, Ratio: SpreadOf(rs)})
	}
	return out
}
