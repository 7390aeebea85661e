package summary

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/folder"
)

// StreamValidation is the PCG stream of a seed's held-out examples. A seed's initial
// weights come from stream 1 and its training batches from stream 2, so no held-out
// example is one a job trained on, and every job of the seed (any method, any learning
// rate) is scored on the same examples.
const StreamValidation = 3

// Validate returns the mean of metric (the run's, if "") over n held-out examples (in
// batches of at most the run's batch size) for the network of job in the run folder dir,
// as its checkpoint holds it: the examples drawn from seed's validation stream
// (StreamValidation), the network in evaluation mode (Model.Predict). Each batch's metric
// is weighted by its size. It returns +Inf for a job that diverged, or whose prediction or
// metric is not finite, so that a search ranks it last; an error for a job that cannot be
// read or has no checkpoint.
func Validate(dir, job, metric string, n, seed int) (float64, error) {
	if n < 1 {
		return 0, fmt.Errorf("runner: validate %s/%s on %d examples", dir, job, n)
	}
	if st, err := folder.ReadStatus(dir, job); err == nil && st.State == folder.Diverged {
		return math.Inf(1), nil
	}
	m, err := LoadModel(dir, job)
	if err != nil {
		return 0, err
	}
	p := m.Spec.NewProblem()
	names := p.MetricNames()
	if metric == "" {
		metric = m.Spec.Preset.Metric
	}
	col := slices.Index(names, metric)
	if col < 0 {
		return 0, fmt.Errorf("runner: %s has no metric %q (metrics: %v)", job, metric, names)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), StreamValidation))
	batch := max(1, m.Spec.Common.Batch)
	vals := make([]float64, len(names))
	var sum float64
	for done := 0; done < n; {
		b := min(batch, n-done)
		xTrue, y := p.Sample(rng, b)
		x := m.Predict(p, y, 1)
		if !x.AllFinite() {
			return math.Inf(1), nil
		}
		p.Metrics(vals, x, xTrue, y)
		v := vals[col]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.Inf(1), nil
		}
		sum += v * float64(b)
		done += b
	}
	return sum / float64(n), nil
}

// MarkTuned records in the run folder dir's run.json that its methods train at the rates
// a search in the tune folder from found, and at its other tuned settings (RunInfo.Tuned;
// other may be nil). Both must be what the run trains at: the rates its jobs' (lr), a
// method's other setting (momentum.<m>, tau.<m>) its method records' (config.json), any
// other the run's settings'; it changes nothing else of the record.
func MarkTuned(dir, from string, rates map[string]float64, other map[string]string) error {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		return err
	}
	for m, lr := range rates {
		for _, j := range info.Jobs {
			if j.Method == m && j.LR != lr {
				return fmt.Errorf("runner: %s trains %s at lr %g, not the tuned %g", dir, m, j.LR, lr)
			}
		}
		if _, ok := info.Rate(m); !ok {
			return fmt.Errorf("runner: %s does not train %s", dir, m)
		}
	}
	for k, want := range other {
		got, err := trainedAt(dir, info, k)
		if err != nil {
			return err
		}
		v, err1 := strconv.ParseFloat(got, 64)
		w, err2 := strconv.ParseFloat(want, 64)
		if err1 != nil || err2 != nil || v != w {
			return fmt.Errorf("runner: %s trains at %s=%q, not the tuned %s", dir, k, got, want)
		}
	}
	if len(other) == 0 {
		other = nil
	}
	b, err := folder.ReadFileIn(dir, "", folder.RunFile, folder.MaxRecordFile) // bounded, no link followed
	if err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	t, err := json.Marshal(folder.TunedFrom{Dir: from, Rates: rates, Other: other})
	if err != nil {
		return err
	}
	raw["tuned"] = t
	return folder.WriteJSON(filepath.Join(dir, folder.RunFile), raw)
}

// trainedAt returns the value of setting k that the run in dir trains at: for a method's own
// setting (momentum.<m>, tau.<m>, kappa.<m>) as its jobs' method records it, else as the
// run's settings hold it ("" if neither does).
func trainedAt(dir string, info folder.Info, k string) (string, error) {
	name, method, ok := strings.Cut(k, ".")
	if !ok {
		return info.Settings[k], nil
	}
	for _, j := range info.Jobs {
		if j.Method != method {
			continue
		}
		c, err := folder.ReadJobConfig(dir, j.ID)
		if err != nil {
			return "", fmt.Errorf("runner: %s: the record of job %s: %v", dir, j.ID, err)
		}
		f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
		switch name {
		case "lr":
			return f(c.Method.LR), nil
		case "momentum":
			return f(c.Method.Momentum), nil
		case "tau":
			return f(c.Method.Tau), nil
		case "kappa":
			return f(c.Method.Kappa), nil
		}
	}
	return info.Settings[k], nil
}
