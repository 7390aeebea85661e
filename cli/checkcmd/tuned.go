package checkcmd

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
	"github.com/sipbench/sipbench/tune"
)

// The sub-folders of a check folder that `check --tuned` adds: a tune folder per
// experiment, and the experiment trained again at its tuned rates.
const (
	checkTunes = "tunes"
	checkTuned = "tuned"
)

// tunedSearchShare is the share of an experiment's steps that its search's last rung
// trains: the search costs about 4 runs of the experiment at a quarter (2.3× one run of 6
// methods), not 10 at the full steps.
const tunedSearchShare = 4

// tunedCheck tunes every method of every experiment of the check folder dir (the
// baselines and SIP alike: each at its best rate of a log grid from 1e-5 to 1e-1, 2 per
// decade, found by successive halving whose last rung trains a quarter of the experiment's
// steps, scored on held-out examples of the first seed), trains the experiment again at those rates with the check's
// seeds, and returns the claims measured on the tuned runs. Experiments of solver presets
// and Table 1 experiments are left out (no learning rate, or a claim on solver time).
func tunedCheck(ctx context.Context, w io.Writer, dir string, workers int) (*check.Table, error) {
	pl, err := check.ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	scale := check.PresetScale(pl.Scale)
	trained := 0
	edges := map[string]map[string][]string{} // experiment → method → its best values at the end of their range
	for _, e := range pl.Experiments {
		p, err := presets.Lookup(e.Preset)
		if err != nil {
			return nil, err
		}
		if p.IsSolver() || e.Table1 != nil {
			continue
		}
		spec, err := e.Spec(pl.Scale)
		if err != nil {
			return nil, err
		}
		tp := tune.Plan{Preset: e.Preset, Scale: scale, Methods: e.Methods, Sets: searchSets(e.Sets), Lo: 1e-5, Hi: 1e-1, PerDecade: 2,
			Steps: max(1, spec.Common.Steps/tunedSearchShare), Seed: pl.Seeds[0], Validation: 256, Hypers: true}
		tdir := filepath.Join(dir, checkTunes, e.Name)
		if prev, err := tune.Read(tdir); err == nil {
			tp = prev.Plan // a search begun before goes on as it was planned
		}
		fmt.Fprintf(w, "tuning %s (%s) to %d steps …\n", e.Name, strings.Join(e.Methods, ", "), tp.Steps)
		t := &tune.Tuner{Dir: tdir, Plan: tp, Preset: p, Workers: workers}
		rec, err := t.Run(ctx)
		if err != nil {
			return nil, err
		}
		rates, lrs, text, edge := tunedPoints(rec)
		if edge != nil {
			edges[e.Name] = edge
		}
		fmt.Fprintf(w, "  tuned: %s; %d training steps of search\n", text, rec.Budget.Steps)
		tspec, err := p.Resolve(scale, e.Methods, append(append([]string(nil), e.Sets...), lrs...))
		if err != nil {
			return nil, err
		}
		if err := trainTuned(ctx, filepath.Join(dir, checkTuned, e.Name), filepath.Join(checkTunes, e.Name), tspec, pl.Seeds, rates, lrs, workers); err != nil {
			return nil, err
		}
		trained++
	}
	if trained == 0 {
		return nil, fmt.Errorf("check --tuned: no experiment of %s has a learning rate to tune", dir)
	}
	t, err := check.Evaluate(filepath.Join(dir, checkTuned))
	if err != nil {
		return nil, err
	}
	judgeTuned(t, edges)
	return t, nil
}

// judgeTuned keeps the rows of t that the tuned runs measure, judges each by its
// interval's lower end (LowerEndVerdict; the note says the mean's verdict), and warns on
// a row whose methods' tuned values are at the end of their range (edgeNote).
func judgeTuned(t *check.Table, edges map[string]map[string][]string) {
	var rows []check.Row
	for _, r := range t.Rows {
		if r.Verdict != check.NoRuns {
			if v := LowerEndVerdict(r); r.Verdict.Judged() {
				lo := check.FormatFactor(r.Interval.Lo)
				if r.Stats.Seeds == 1 || r.Stats.Min == r.Stats.Max {
					lo = check.FormatFactor(r.Stats.Min)
				}
				note := fmt.Sprintf("judged by the interval's lower end, %s (by the mean: %s)", lo, r.Verdict)
				r.Note = strings.TrimPrefix(r.Note+"; "+note, "; ")
				r.Verdict = v
			}
			if note := edgeNote(r, edges); note != "" {
				r.Note = strings.TrimPrefix(r.Note+"; "+note, "; ")
			}
			rows = append(rows, r)
		}
	}
	t.Rows = rows
}

// searchSets returns an experiment's settings that its search keeps: all but its steps
// (the search has its own) and learning rates (searched).
func searchSets(sets []string) []string {
	var out []string
	for _, s := range sets {
		if k, _, _ := strings.Cut(s, "="); k != "steps" && !strings.HasPrefix(k, "lr.") {
			out = append(out, s)
		}
	}
	return out
}

// tunedPoints returns what a finished search found: each method's rate, the settings of
// every method's best point, a line that names them beside the preset's values, and the
// methods whose best is at the end of its range with those values (nil for none).
func tunedPoints(rec *tune.Record) (rates map[string]float64, sets []string, text string, edge map[string][]string) {
	rates = map[string]float64{}
	var parts []string
	for _, b := range rec.Best {
		rates[b.Method] = b.LR
		sets = append(sets, b.Point().Sets(b.Method)...)
		part := fmt.Sprintf("%s %g (preset %g)", b.Method, b.LR, b.Default)
		for i, h := range b.Hypers {
			part += fmt.Sprintf(" %s %g", h.Name, h.Value)
			if i < len(b.DefaultHypers) {
				part += fmt.Sprintf(" (preset %g)", b.DefaultHypers[i].Value)
			}
		}
		parts = append(parts, part)
		if len(b.Edge) > 0 {
			if edge == nil {
				edge = map[string][]string{}
			}
			edge[b.Method] = b.Edge
		}
	}
	return rates, sets, strings.Join(parts, ", "), edge
}

// trainTuned trains the run folder rd of spec at the tuned settings sets (rates their
// learning rates) from the tune folder from, made and marked as tuned or, if it exists,
// continued, and waits for its jobs.
func trainTuned(ctx context.Context, rd, from string, spec *presets.Spec, seeds []int, rates map[string]float64, sets []string, workers int) error {
	var r *runner.Run
	var err error
	if _, serr := folder.ReadInfo(rd); serr == nil {
		r, err = runner.Open(rd)
	} else if r, err = runner.Create(spec, seeds, rd); err == nil {
		err = summary.MarkTuned(rd, from, rates, cmdline.OtherTuned(sets))
	}
	if err != nil {
		return err
	}
	if err := r.Start(ctx, runner.Options{Workers: workers}); err != nil {
		return err
	}
	r.Wait()
	return ctx.Err()
}

// edgeNote warns, on a tuned row, of each of its methods whose tuned rate (or other
// hyper-parameter) is the lowest or highest its search tried (edges, by the experiment of
// the row's runs): the method's best may lie beyond the grid, so the row may understate
// it. "" when none is.
func edgeNote(r check.Row, edges map[string]map[string][]string) string {
	var parts []string
	seen := map[string]bool{}
	for _, run := range r.Runs {
		exp := filepath.Base(run)
		for _, term := range r.Claim.Terms {
			e := edges[exp][term.Method]
			if len(e) == 0 || seen[exp+" "+term.Method] {
				continue
			}
			seen[exp+" "+term.Method] = true
			parts = append(parts, fmt.Sprintf("%s's tuned %s: its best may lie beyond the grid", term.Method, strings.Join(e, ", ")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "warning: " + strings.Join(parts, "; ")
}

// LowerEndVerdict judges a measured row by the lower end of its 95 % interval rather than
// its mean: holds if the lower end reaches the claim's factor, short of the paper if it is
// above 1 (the claim's direction is sure, its size is not), does not hold if the interval
// reaches down to 1 or below. A single seed has no interval and is judged by its value.
// Rows without a measurement keep their verdict.
func LowerEndVerdict(r check.Row) check.Verdict {
	if !r.Verdict.Judged() {
		return r.Verdict
	}
	lo := r.Interval.Lo
	if r.Stats.Seeds == 1 || r.Stats.Min == r.Stats.Max {
		lo = r.Stats.Min
	}
	switch {
	case math.IsNaN(lo) || !(lo > 1):
		return check.Fails
	case lo >= r.Claim.Factor:
		return check.Holds
	}
	return check.Short
}

// printTuned prints the tuned rows: the same claims, each method at its tuned rate.
func printTunedRows(w io.Writer, t *check.Table) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Against tuned learning rates: every method of every experiment (SIP's network optimizer too) at the")
	fmt.Fprintln(w, "best point of a successive-halving search (rates 1e-5 to 1e-1, 2 per decade, crossed with any other")
	fmt.Fprintln(w, "tunable hyper-parameter of the method, such as SGD's momentum; the last rung a quarter of the")
	fmt.Fprintln(w, "experiment's steps, held-out examples), then trained as the check's runs; each verdict judges the")
	fmt.Fprintln(w, "lower end of the 95 % interval, not the mean; a warning names a tuned value at the end of its range.")
	for _, r := range t.Rows {
		printRow(w, r)
	}
	fmt.Fprintln(w)
	printSummary(w, t, 0)
}
