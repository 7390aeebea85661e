// Package showcmd holds the commands that read run folders: `sipbench show` (a run's or
// a sweep's metrics and ratios), `sipbench runs` (the list of runs) and `sipbench plot`
// (the paper's figures).
package showcmd

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/profile"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/stats"
	"github.com/sipbench/sipbench/summary"
)

func Show(args []string) error {
	fs := cmdline.NewFlags("show", "sipbench show DIR… [--at 60,1000] [--metric NAME] [--window N] [--csv | --json] [--profile]\n\nSeveral folders (or their runs, for a sweep given with others) are compared: a table per run, named by the settings in which the runs differ.")
	at := fs.String("at", "", "comma-separated steps to report besides the end")
	metric := fs.String("metric", "", "metric to report (default: the preset's)")
	window := fs.Int("window", 0, "the running mean's window in logged steps, as the dashboard and plot smooth (default: 64, the paper's smoothing; 1 for raw)")
	asCSV := fs.Bool("csv", false, "print CSV")
	asJSON := fs.Bool("json", false, "print JSON: per run its jobs' values and ratios, and per method the metric over seeds and the ratio's mean, 95 % interval and p-values")
	wantProfile := fs.Bool("profile", false, "a performance profile over the seeds of the runs (of sweeps, check folders): the share of problems each method solves within τ× the best method's steps to the target")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return cmdline.Usagef("", "show takes one or more run folders")
	}
	steps, err := cmdline.ParseInts(*at)
	if err != nil {
		return cmdline.Usagef("", "--at: %v", err)
	}
	if *window < 0 {
		return cmdline.Usagef("", "--window must be ≥ 1")
	}
	if *asCSV && *asJSON {
		return cmdline.Usagef("", "give --csv or --json, not both")
	}
	if *wantProfile {
		dirs, err := profile.Dirs(pos)
		if err != nil {
			return err
		}
		pr, err := profile.Of(dirs, profile.Options{Window: *window})
		if err != nil {
			return err
		}
		if *asJSON {
			return printProfileJSON(os.Stdout, pr)
		}
		printProfile(os.Stdout, pr)
		return nil
	}
	if len(pos) == 1 && folder.IsSweep(pos[0]) && !*asJSON { // a sweep folder (cmd_sweep.go): its table
		return PrintSweep(os.Stdout, pos[0])
	}
	dirs, err := cmdline.CompareDirs(pos)
	if err != nil {
		return err
	}
	infos := make([]folder.Info, len(dirs))
	for i, d := range dirs {
		if infos[i], err = folder.ReadInfo(d); err != nil {
			return fmt.Errorf("%s is not a run folder: %v", d, err)
		}
		if *metric != "" && !slices.Contains(infos[i].Metrics, *metric) {
			return cmdline.Usagef("", "unknown metric %q in %s (metrics: %v)", *metric, d, infos[i].Metrics)
		}
	}
	o := summary.Options{Metric: *metric, At: steps, Window: *window}
	if *asJSON {
		var labels []string
		if len(dirs) > 1 {
			labels = summary.RunLabels(infos, dirs)
		}
		return showJSONOf(os.Stdout, dirs, infos, labels, o)
	}
	if len(dirs) == 1 {
		return showInfo(os.Stdout, dirs[0], infos[0], o, *asCSV)
	}
	return showCompare(os.Stdout, dirs, infos, o, *asCSV)
}

// PrintRun prints the summary of the run folder dir at its end.
func PrintRun(w io.Writer, dir string) error {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		return err
	}
	return showInfo(w, dir, info, summary.Options{}, false)
}

// fmtSpread formats a mean over seeds and half the seeds' range: "0.0123±0.0021".
func fmtSpread(s summary.Spread) string {
	if s.Mean != s.Mean {
		return "-"
	}
	return cmdline.FmtVal(s.Mean) + "±" + strconv.FormatFloat((s.Max-s.Min)/2, 'g', 2, 64)
}

func stepName(step int) string {
	if step == summary.End {
		return "end"
	}
	return strconv.Itoa(step)
}

// showInfo prints the Summary of the run folder dir, described by info, as a table or CSV.
func showInfo(w io.Writer, dir string, info folder.Info, o summary.Options, asCSV bool) error {
	s, err := summary.Summarize(dir, info, o)
	if err != nil {
		return err
	}
	if asCSV {
		cw := csv.NewWriter(w)
		cw.Write(csvHeader(info, false))
		writeCSV(cw, nil, s)
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "%s: %s (%s scale); %s, running mean over the last %d logged steps; ratio = method / %s (higher: %s is ahead)\n",
		sanitize.Path(dir), info.Preset, info.Scale, s.Metric, s.Window, info.Reference, info.Reference)
	if t := info.Tuned; t != nil {
		fmt.Fprintf(w, "learning rates tuned by %s: %s%s\n", sanitize.Path(t.Dir), cmdline.FmtRates(info.Methods, t.Rates), cmdline.FmtOther(t.Other))
	}
	return printTable(w, s)
}

// printTable prints s as show's table (writeTable), then the legend of its ratios over seeds
// if a method has several, then its jobs' notes.
func printTable(w io.Writer, s *summary.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	writeTable(tw, s)
	if err := tw.Flush(); err != nil {
		return err
	}
	if multiSeed(s) {
		fmt.Fprintln(w, ratioLegend(s))
	}
	printNotes(w, s)
	return nil
}

// printNotes prints why a job of s has no value, for each job that says.
func printNotes(w io.Writer, s *summary.Summary) {
	for _, js := range s.Jobs {
		if js.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", sanitize.String(js.Job.ID), js.Note)
		}
	}
}

// multiSeed reports whether a method of s has several seeds (a row over seeds).
func multiSeed(s *summary.Summary) bool {
	for _, st := range s.ByMethod(len(s.Steps) - 1) {
		if st.Seeds > 1 {
			return true
		}
	}
	return false
}

// showCompare prints the Summaries of several run folders: one table, its rows grouped
// by run, each group named by the settings in which the runs differ.
func showCompare(w io.Writer, dirs []string, infos []folder.Info, o summary.Options, asCSV bool) error {
	labels := summary.RunLabels(infos, dirs)
	var cw *csv.Writer
	if asCSV {
		cw = csv.NewWriter(w)
		cw.Write(csvHeader(infos[0], true))
	} else {
		fmt.Fprintf(w, "%d runs of %s; ratio = method / the reference of its run (higher: the reference is ahead)\n", len(dirs), summary.Presets(infos))
	}
	for i, d := range dirs {
		s, err := summary.Summarize(d, infos[i], o)
		if err != nil {
			return err
		}
		if asCSV {
			writeCSV(cw, []string{d, labels[i]}, s)
			continue
		}
		fmt.Fprintf(w, "\n── %s · %s · %s (%s scale); %s, running mean over the last %d logged steps\n", labels[i], sanitize.Path(d), infos[i].Preset, infos[i].Scale, s.Metric, s.Window)
		if err := printTable(w, s); err != nil {
			return err
		}
	}
	if asCSV {
		cw.Flush()
		return cw.Error()
	}
	return nil
}

// csvHeader is the header of show's CSV; several runs add the run's folder and label.
func csvHeader(info folder.Info, runs bool) []string {
	h := []string{"job", "method", "seed", "state", "steps_done", "step", "metric", "value", "ratio_to_" + info.Reference}
	if runs {
		h = append([]string{"run", "label"}, h[:len(h)-1]...)
		h = append(h, "ratio_to_reference")
	}
	return h
}

// writeCSV writes a Summary's rows, each after the columns pre.
func writeCSV(cw *csv.Writer, pre []string, s *summary.Summary) {
	for _, js := range s.Jobs {
		for k, step := range s.Steps {
			cw.Write(append(slices.Clone(pre), js.Job.ID, js.Job.Method, strconv.Itoa(js.Job.Seed), string(js.State), strconv.Itoa(js.Done),
				stepName(step), s.Metric, cmdline.FmtVal(js.Values[k]), cmdline.FmtVal(js.Ratios[k])))
		}
	}
}

// writeTable writes a Summary's header and rows: one per job, then, for a method with
// several seeds, one with the mean over its seeds ± half their range of the metric, and the
// ratio over the seeds as mean [95 % interval] n p (stats.Ratio).
func writeTable(tw *tabwriter.Writer, s *summary.Summary) {
	ref := s.Info.Reference
	h := "JOB\tSTATE\tSTEPS\t"
	for _, step := range s.Steps {
		h += fmt.Sprintf("%s@%s\t×%s\t", s.Metric, stepName(step), ref)
	}
	fmt.Fprintln(tw, h)
	for _, js := range s.Jobs {
		line := fmt.Sprintf("%s\t%s\t%d\t", js.Job.ID, js.State, js.Done)
		for k := range s.Steps {
			line += cmdline.FmtVal(js.Values[k]) + "\t" + cmdline.FmtVal(js.Ratios[k]) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	byStep := make([][]summary.MethodStat, len(s.Steps))
	for k := range s.Steps {
		byStep[k] = s.ByMethod(k)
	}
	for i, st := range byStep[len(s.Steps)-1] {
		if st.Seeds < 2 {
			continue
		}
		line := fmt.Sprintf("%s (%d seeds)\tmean±\t\t", st.Method, st.Seeds)
		for k := range s.Steps {
			m := byStep[k][i]
			r := "-"
			if st.Method != ref {
				r = m.RatioStat.String()
			}
			line += fmtSpread(summary.Spread{Mean: m.Mean, Min: m.Min, Max: m.Max}) + "\t" + r + "\t"
		}
		fmt.Fprintln(tw, line)
	}
}

// ratioLegend explains the ratios over seeds of a table whose reference is ref, and names
// the seeds of its methods when fewer than stats.MinSeeds make the intervals wide.
func ratioLegend(s *summary.Summary) string {
	ref := s.Info.Reference
	few := 0
	for _, st := range s.ByMethod(len(s.Steps) - 1) {
		if st.Seeds >= 2 && st.Seeds < stats.MinSeeds {
			few = st.Seeds
		}
	}
	out := fmt.Sprintf("over seeds: metric mean ± half the seeds' range; ratio mean [95 %% paired bootstrap interval] n=seeds p=one-sided Wilcoxon signed-rank p that %s is ahead", ref)
	if few > 0 {
		out += fmt.Sprintf("; with %d seeds (fewer than %d) the interval is Student's t or wider: wide because the seeds are few", few, stats.MinSeeds)
	}
	return out
}

// profileTaus are the τ of show --profile's columns.
var profileTaus = []float64{1, 1.5, 2, 4, 10}

// printProfile prints a performance profile as a table: per method, ρ(τ) for each of
// profileTaus and the share of problems solved at all.
func printProfile(w io.Writer, pr *profile.Profile) {
	fmt.Fprintf(w, "performance profile over %d problems (a seed of a run each): the share each method solves within τ× the best method's steps to the target (%.0f %% of the best's reduction, log scale)\n",
		len(pr.Problems), 100*(1-profile.DefaultTolerance))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	h := "METHOD\t"
	for _, t := range profileTaus {
		h += fmt.Sprintf("τ=%g\t", t)
	}
	fmt.Fprintln(tw, h+"SOLVED\t")
	for m, name := range pr.Methods {
		line := name + "\t"
		for _, t := range append(slices.Clone(profileTaus), math.Inf(1)) {
			line += fmt.Sprintf("%.0f %%\t", 100*pr.At(m, t))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

// PrintSweep prints a sweep's table (runner.SummarizeSweep): per combination (rows) and
// method (columns), the preset's metric at each job's end, averaged over the last 64
// logged steps and over seeds (Figure 5 d/e).
func PrintSweep(w io.Writer, dir string) error {
	s, err := summary.SummarizeSweep(dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := strings.Join(s.Info.Keys, " ") + "\t"
	if len(s.Info.Keys) == 0 {
		header = "RUN\t"
	}
	for _, m := range s.Info.Methods {
		header += m + "\t"
	}
	fmt.Fprintf(w, "%s: sweep of %s (%s scale); %s at the end, running mean over the last %d logged steps, mean over the seeds\n",
		sanitize.Path(dir), s.Info.Preset, s.Info.Scale, s.Metric, metrics.DefaultWindow)
	fmt.Fprintln(tw, header)
	for _, row := range s.Rows {
		if !row.Started {
			fmt.Fprintln(tw, row.Run.Dir+"\t(not started)\t")
			continue
		}
		line := row.Label + "\t"
		for _, v := range row.Values {
			line += cmdline.FmtVal(v) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
