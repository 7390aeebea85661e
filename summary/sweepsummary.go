package summary

import (
	"errors"
	"math"
	"path/filepath"
	"strings"

	"github.com/sipbench/sipbench/folder"
)

// SweepSummary is a sweep's table (Figure 5 d/e): per combination, each method's metric
// at its jobs' end, the running mean over the last DefaultWindow logged steps, then the mean over the seeds.
type SweepSummary struct {
	Info   folder.SweepInfo
	Metric string // the preset's metric, as the runs record it
	Rows   []SweepRow
}

// SweepRow is one combination of a SweepSummary.
type SweepRow struct {
	Run     folder.SweepRun
	Label   string    // the swept keys' values, "32 45", or the folder's name
	Started bool      // false if its run folder does not exist yet
	Values  []float64 // per Info.Methods; NaN where a seed has no value
}

// SummarizeSweep reads the sweep folder dir and every run folder of it that exists.
func SummarizeSweep(dir string) (*SweepSummary, error) {
	info, err := folder.ReadSweep(dir)
	if err != nil {
		return nil, err
	}
	if len(info.Runs) == 0 {
		return nil, errors.New("runner: sweep has no runs")
	}
	s := &SweepSummary{Info: info}
	for _, run := range info.Runs {
		row := SweepRow{Run: run, Label: run.Dir}
		if len(info.Keys) > 0 {
			var vs []string
			for _, k := range info.Keys {
				vs = append(vs, run.Values[k])
			}
			row.Label = strings.Join(vs, " ")
		}
		sub := filepath.Join(dir, run.Dir)
		ri, err := folder.ReadInfo(sub)
		if err != nil {
			s.Rows = append(s.Rows, row)
			continue
		}
		row.Started = true
		s.Metric = ri.Metric
		sum, err := Summarize(sub, ri, Options{})
		if err != nil {
			return nil, err
		}
		byMethod := map[string]float64{}
		for _, st := range sum.ByMethod(len(sum.Steps) - 1) {
			byMethod[st.Method] = st.Mean
		}
		for _, m := range info.Methods {
			v, ok := byMethod[m]
			if !ok {
				v = math.NaN()
			}
			row.Values = append(row.Values, v)
		}
		s.Rows = append(s.Rows, row)
	}
	return s, nil
}
