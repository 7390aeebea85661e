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
	window := fs.Int("window", 0, "the running mean's window in logged steps, as the dashboard and plot smooth (default: 64, the paper's smoothing; 1 for raw)")
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
	if runner.IsSweep(pos[0]) { // a sweep folder (cmd_sweep.go): its table
		return showSweep(os.Stdout, pos[0])
	}
	info, err := runner.ReadRunInfo(pos[0])
	if err != nil {
		return fmt.Errorf("%s is not a run folder: %v", pos[0], err)
	}
	if *metric != "" && !slices.Contains(info.Metrics, *metric) {
		return usagef("", "unknown metric %q (metrics: %v)", *metric, info.Metrics)
	}
	return showInfo(os.Stdout, pos[0], info, runner.SummaryOptions{Metric: *metric, At: steps, Window: *window}, *asCSV)
}

// showRun prints the summary of the run folder dir at its end.
func showRun(w io.Writer, dir string) error {
	info, err := runner.ReadRunInfo(dir)
	if err != nil {
		return err
	}
	return showInfo(w, dir, info, runner.SummaryOptions{}, false)
}

func fmtVal(v float64) string {
	if v != v {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// showInfo prints the Summary of the run folder dir, described by info, as a table or CSV.
func showInfo(w io.Writer, dir string, info runner.RunInfo, o runner.SummaryOptions, asCSV bool) error {
	s, err := runner.Summarize(dir, info, o)
	if err != nil {
		return err
	}
	stepName := func(step int) string {
		if step == runner.End {
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
					stepName(step), s.Metric, fmtVal(js.Values[k]), fmtVal(js.Ratios[k])})
			}
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "%s: %s (%s scale); %s, running mean over the last %d logged steps; ratio = method / %s (higher: %s is ahead)\n",
		dir, info.Preset, info.Scale, s.Metric, s.Window, info.Reference, info.Reference)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "JOB\tSTATE\tSTEPS\t"
	for _, step := range s.Steps {
		header += fmt.Sprintf("%s@%s\t×%s\t", s.Metric, stepName(step), info.Reference)
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
