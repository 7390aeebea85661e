package check

import (
	"fmt"
	"strings"

	"github.com/sipbench/sipbench/view"
)

// Viewer returns what a viewer (the tui's paper check screen) needs to read check
// folders: the scales, IsCheck and Evaluate, with each table as text.
func Viewer() view.Checks {
	return view.Checks{
		Scales: []view.Scale{
			{Name: Quick, Note: "quick: each preset's quick scale, claims at the steps they name where affordable; minutes on 2 cores."},
			{Name: Paper, Note: "paper: the original settings, to the first step each claim names; hours on 2 cores (see the README)."},
			{Name: Full, Note: "full: every claim at the step the paper names (Poisson 5k, heat 10k, fluid 20k steps), at least 2 seeds; " +
				"days of CPU, meant for a cluster: sipbench check --scale full --slurm. sipbench check --scale full --dry-run " +
				"prints the plan and its CPU hours."},
		},
		IsCheck: IsFolder,
		Evaluate: func(dir string) (*view.Check, error) {
			t, err := Evaluate(dir)
			if err != nil {
				return nil, err
			}
			return t.View(), nil
		},
	}
}

// View returns the table as a viewer shows it: each claim's cells as text.
func (t *Table) View() *view.Check {
	v := &view.Check{Scale: t.Scale}
	if t.Plan != nil {
		v.Seeds = len(t.Plan.Seeds)
		for _, e := range t.Plan.Experiments {
			v.Folders = append(v.Folders, e.Name)
		}
	}
	n := t.Count()
	for _, vd := range Verdicts {
		if n[vd] > 0 {
			v.Counts = append(v.Counts, view.Count{Verdict: string(vd), N: n[vd]})
		}
	}
	for _, r := range t.Rows {
		v.Rows = append(v.Rows, r.view())
	}
	return v
}

// view returns the row as a viewer shows it.
func (r Row) view() view.CheckRow {
	cl := r.Claim
	words := cl.Words
	if words == "" {
		words = cl.Quantity
	}
	quote := cl.Cite
	if cl.Words != "" {
		quote = "“" + cl.Words + "” (" + cl.Cite + ")"
	}
	return view.CheckRow{ID: cl.ID, Where: cl.Where, Step: r.StepText(), Measured: r.measuredText(), Paper: cl.Paper,
		Verdict: r.verdictText(), Tone: r.Verdict.tone(), Words: words, Head: r.head(), Quote: quote,
		Detail: r.Detail(), Runs: r.Runs, MarkStep: r.markStep()}
}

// measuredText is the MEASURED cell: the ratio, or a pending row's provisional ratio so
// far with its step ("≈4.1× @2,300").
func (r Row) measuredText() string {
	if p := r.Provisional; p != nil && r.Stats.Seeds == 0 {
		return "≈" + (Row{Stats: p.Stats}).Measured() + " @" + strings.TrimSuffix(FormatFactor(float64(p.Step)), "×")
	}
	return r.Measured()
}

// verdictText is the verdict as a table shows it: short, with the percentage of the
// paper's factor reached.
func (r Row) verdictText() string {
	switch r.Verdict {
	case NotMeasured:
		return "not measured"
	case NotComparable:
		return "not comparable"
	case Pending:
		if r.Provisional != nil {
			return "provisional"
		}
	case Short:
		if f := r.Stats.Mean / r.Claim.Factor; f < 1 {
			return "short: " + PercentText(f)
		}
		return "short: a seed"
	}
	return string(r.Verdict)
}

// tone colours a verdict: holds good, short a warning, does not hold bad, the rest dim.
func (v Verdict) tone() view.Tone {
	switch v {
	case Holds:
		return view.Good
	case Short:
		return view.Warn
	case Fails:
		return view.Bad
	}
	return view.Dim
}

// head is the first line of the row's detail: where, the step, what was measured and the
// paper's value, the verdict and the seeds.
func (r Row) head() string {
	cl := r.Claim
	measured := r.Measured()
	if p := r.PValue(); p != "" {
		measured += " " + p
	}
	head := fmt.Sprintf("%s · %s · measured %s · paper %s · %s", cl.Where, r.StepText(), measured, cl.Paper, r.Verdict)
	if s := r.Reached(); s != "" {
		head += ": " + s
	}
	if s := r.ProvisionalText(); s != "" {
		head += " · " + s + " (not a verdict)"
	}
	if r.Stats.Seeds > 0 {
		head += fmt.Sprintf(" (%d %s)", r.Stats.Seeds, plural(r.Stats.Seeds, "seed"))
	}
	return head
}

// plural returns word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// markStep is the step a viewer marks on the chart of the row's runs: the claim's, or
// the end the measurement reached; 0 for none.
func (r Row) markStep() int {
	if r.Claim.Step != End {
		return r.Claim.Step
	}
	return max(r.Step, 0)
}
