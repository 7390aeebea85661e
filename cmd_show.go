package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/sipbench/sipbench/runner"
)

func cmdShow(args []string) error {
	fs := newFlags("show", "sipbench show DIR [--at 60,1000] [--metric NAME] [--window N] [--csv]")
	at := fs.String("at", "", "comma-separated steps to report besides the end")
	metric := fs.String("metric", "", "metric to report (default: the preset's)")
	window := fs.Int("window", 0, "average the metric over this many logged steps up to each step (default: 64, the paper's smoothing; 1 for raw)")
	asCSV := fs.Bool("csv", false, "print CSV")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("", "show takes one run folder")
	}
	steps, err := parseInts(*at)
	if err != nil {
		return usagef("", "--at: %v", err)
	}
	if *window < 0 {
		return usagef("", "--window must be ≥ 1")
	}
	if isSweep(pos[0]) { // a sweep folder (cmd_sweep.go): its table
		return showSweep(os.Stdout, pos[0])
	}
	info, err := runner.ReadRunInfo(pos[0])
	if err != nil {
		return fmt.Errorf("%s is not a run folder: %v", pos[0], err)
	}
	if *metric != "" && !slices.Contains(info.Metrics, *metric) {
		return usagef("", "unknown metric %q (metrics: %v)", *metric, info.Metrics)
	}
	if *metric != "" {
		info.Metric = *metric
	}
	return showInfo(os.Stdout, pos[0], info, steps, *window, *asCSV)
}

// showRun prints the summary of the run folder dir.
func showRun(w io.Writer, dir string, at []int, window int, asCSV bool) error {
	info, err := runner.ReadRunInfo(dir)
	if err != nil {
		return err
	}
	return showInfo(w, dir, info, at, window, asCSV)
}

// Summary is a run's chosen metric per job at given steps, smoothed over a window.
type Summary struct {
	Info   runner.RunInfo
	Steps  []int // the requested steps; -1 stands for each job's end
	Window int
	Jobs   []JobSummary
}

// JobSummary is one job's row of a Summary.
type JobSummary struct {
	Job    runner.JobInfo
	State  runner.State
	Done   int       // steps completed
	Values []float64 // per Summary.Steps; NaN where the job has not reached the step
	Ratios []float64 // Values over the reference method's of the same seed
}

// Summarize reads the run folder and computes its Summary. The value at step s is the
// mean of the metric over the window logged steps ending at s (the paper's plots smooth
// over 64 batches); at the end, over the last window steps.
func Summarize(dir string, info runner.RunInfo, at []int, window int) (*Summary, error) {
	if window <= 0 {
		window = 64
	}
	col := slices.Index(info.Metrics, info.Metric)
	if col < 0 {
		col = 0
	}
	s := &Summary{Info: info, Steps: append(slices.Clone(at), -1), Window: window}
	values := map[string][]float64{}
	for _, j := range info.Jobs {
		rows, _, err := runner.ReadMetrics(dir, j.ID, 0, info.Metrics)
		if err != nil {
			return nil, err
		}
		st, _ := runner.ReadStatus(dir, j.ID)
		js := JobSummary{Job: j, State: st.State}
		if len(rows) > 0 {
			js.Done = rows[len(rows)-1].Step
		}
		for _, step := range s.Steps {
			end := len(rows)
			if step >= 0 {
				end = slices.IndexFunc(rows, func(r runner.Row) bool { return r.Step > step })
				if end < 0 {
					end = len(rows)
				}
				if end == 0 || rows[end-1].Step != step {
					js.Values = append(js.Values, nan())
					continue
				}
			}
			js.Values = append(js.Values, windowMean(rows[:end], col, window))
		}
		values[j.ID] = js.Values
		s.Jobs = append(s.Jobs, js)
	}
	for i := range s.Jobs {
		js := &s.Jobs[i]
		ref := values[fmt.Sprintf("%s-seed%d", info.Reference, js.Job.Seed)]
		for k, v := range js.Values {
			r := nan()
			if ref != nil && ref[k] != 0 {
				r = v / ref[k]
			}
			js.Ratios = append(js.Ratios, r)
		}
	}
	return s, nil
}

func windowMean(rows []runner.Row, col, window int) float64 {
	if len(rows) == 0 {
		return nan()
	}
	lo := max(0, len(rows)-window)
	var sum float64
	for _, r := range rows[lo:] {
		sum += r.Metrics[col]
	}
	return sum / float64(len(rows)-lo)
}

func nan() float64 { v := 0.0; return v / v }

func fmtVal(v float64) string {
	if v != v {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func showInfo(w io.Writer, dir string, info runner.RunInfo, at []int, window int, asCSV bool) error {
	s, err := Summarize(dir, info, at, window)
	if err != nil {
		return err
	}
	stepName := func(step int) string {
		if step < 0 {
			return "end"
		}
		return strconv.Itoa(step)
	}
	if asCSV {
		cw := csv.NewWriter(w)
		cw.Write([]string{"job", "method", "seed", "state", "steps_done", "step", "metric", "value", "ratio_to_" + info.Reference})
		for _, js := range s.Jobs {
			for k, step := range s.Steps {
				cw.Write([]string{js.Job.ID, js.Job.Method, strconv.Itoa(js.Job.Seed), string(js.State), strconv.Itoa(js.Done),
					stepName(step), info.Metric, fmtVal(js.Values[k]), fmtVal(js.Ratios[k])})
			}
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "%s: %s (%s scale); %s, mean over the last %d logged steps; ratio = method / %s (higher: %s is ahead)\n",
		dir, info.Preset, info.Scale, info.Metric, s.Window, info.Reference, info.Reference)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "JOB\tSTATE\tSTEPS\t"
	for _, step := range s.Steps {
		header += fmt.Sprintf("%s@%s\t×%s\t", info.Metric, stepName(step), info.Reference)
	}
	fmt.Fprintln(tw, header)
	for _, js := range s.Jobs {
		line := fmt.Sprintf("%s\t%s\t%d\t", js.Job.ID, js.State, js.Done)
		for k := range s.Steps {
			line += fmtVal(js.Values[k]) + "\t" + fmtVal(js.Ratios[k]) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
