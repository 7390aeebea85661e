package checkcmd

import (
	"encoding/json"
	"io"
	"math"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/stats"
)

// JSON is `sipbench check --json`: every claim's row as the table prints it, with
// the ratio's mean, 95 % interval and one-sided p-values (stats.Ratio), and the count of
// each verdict. Tuned holds check --tuned's second rows, judged by the interval's lower end.
type JSON struct {
	Folders []string        `json:"folders"`
	Scale   string          `json:"scale"`
	Rows    []checkRowJSON  `json:"rows"`
	Counts  map[string]int  `json:"counts"` // by verdict; "short of the paper" is never added to "holds"
	Tuned   *checkTunedJSON `json:"tuned,omitempty"`
}

type checkTunedJSON struct {
	Rows   []checkRowJSON `json:"rows"`
	Counts map[string]int `json:"counts"`
}

type checkRowJSON struct {
	ID       string  `json:"id"`
	Where    string  `json:"where"`
	Preset   string  `json:"preset"`
	Step     *int    `json:"step"` // the step the paper names; null for the end of training
	Measured int     `json:"step_measured,omitempty"`
	Paper    string  `json:"paper"`
	Factor   float64 `json:"factor"`
	Reading  string  `json:"reading,omitempty"` // how the factor was read where the paper gives none
	Quantity string  `json:"quantity"`
	Verdict  string  `json:"verdict"`
	Reached  string  `json:"reached,omitempty"` // for "short of the paper": how far it got
	// LowerEnd is the verdict of a judged row by its 95 % interval's lower end instead of
	// its mean (LowerEndVerdict; check --tuned's rule), beside the mean's Verdict.
	LowerEnd string `json:"verdict_lower_end,omitempty"`
	Seeds    []int  `json:"seeds"`
	// Ratios are the seeds' ratios, in the order of Seeds (null: not a number).
	Ratios []*float64 `json:"ratios"`
	// Stat is the ratio over the seeds: mean, 95 % interval, p-values; null when nothing
	// was measured.
	Stat        *stats.Ratio          `json:"stat"`
	Text        string                `json:"text"` // the measured column as printed
	Note        string                `json:"note,omitempty"`
	Runs        []string              `json:"runs,omitempty"`
	Provisional *checkProvisionalJSON `json:"provisional,omitempty"`
}

// checkProvisionalJSON is a pending row's ratio at the latest step every seed reached:
// never a verdict.
type checkProvisionalJSON struct {
	Step   int        `json:"step"`
	Of     int        `json:"of"`
	Seeds  []int      `json:"seeds"`
	Ratios []*float64 `json:"ratios"`
	Mean   *float64   `json:"mean"`
	Min    *float64   `json:"min"`
	Max    *float64   `json:"max"`
}

// newCheckRowJSON converts a row.
func newCheckRowJSON(r check.Row) checkRowJSON {
	c := r.Claim
	out := checkRowJSON{ID: c.ID, Where: c.Where, Preset: c.Preset, Measured: r.Step, Paper: c.Paper, Factor: c.Factor,
		Reading: c.Reading, Quantity: c.Quantity, Verdict: string(r.Verdict), Reached: r.Reached(), Seeds: r.Seeds,
		Ratios: jsonNums(r.Ratios), Text: r.Measured(), Note: r.Note}
	if out.Seeds == nil {
		out.Seeds = []int{}
	}
	if r.Verdict.Judged() {
		out.LowerEnd = string(LowerEndVerdict(r))
	}
	for _, d := range r.Runs {
		out.Runs = append(out.Runs, sanitize.Path(d))
	}
	if c.Step != check.End {
		s := c.Step
		out.Step = &s
	}
	if math.IsInf(c.Factor, 0) || math.IsNaN(c.Factor) {
		out.Factor = 0
	}
	if r.Stats.Seeds > 0 {
		iv := r.Interval
		if iv.N != r.Stats.Seeds { // no interval was computed: the mean alone
			iv = stats.Ratio{N: r.Stats.Seeds, Mean: r.Stats.Mean, Lo: math.NaN(), Hi: math.NaN(), P: math.NaN(), PSign: math.NaN()}
		}
		out.Stat = &iv
	}
	if p := r.Provisional; p != nil {
		out.Provisional = &checkProvisionalJSON{Step: p.Step, Of: p.Of, Seeds: p.Seeds, Ratios: jsonNums(p.Ratios),
			Mean: cmdline.JSONNum(p.Stats.Mean), Min: cmdline.JSONNum(p.Stats.Min), Max: cmdline.JSONNum(p.Stats.Max)}
	}
	return out
}

// jsonNums converts values for JSON (jsonNum); an empty slice for none.
func jsonNums(vs []float64) []*float64 {
	out := []*float64{}
	for _, v := range vs {
		out = append(out, cmdline.JSONNum(v))
	}
	return out
}

// checkRowsJSON converts a table's rows and counts its verdicts.
func checkRowsJSON(t *check.Table) ([]checkRowJSON, map[string]int) {
	rows := []checkRowJSON{}
	for _, r := range t.Rows {
		rows = append(rows, newCheckRowJSON(r))
	}
	counts := map[string]int{}
	for v, n := range t.Count() {
		counts[string(v)] = n
	}
	return rows, counts
}

// printCheckJSON prints the table t of the folders dirs, and the tuned rows if any, as
// JSON.
func printCheckJSON(w io.Writer, t *check.Table, dirs []string, tuned *check.Table) error {
	out := JSON{Folders: []string{}, Scale: t.Scale}
	for _, d := range dirs {
		out.Folders = append(out.Folders, sanitize.Path(d))
	}
	out.Rows, out.Counts = checkRowsJSON(t)
	if tuned != nil {
		out.Tuned = &checkTunedJSON{}
		out.Tuned.Rows, out.Tuned.Counts = checkRowsJSON(tuned)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// PlanJSON is `sipbench check --dry-run --json`: the plan's lines with their step costs.
type PlanJSON struct {
	Scale     string            `json:"scale"`
	Seeds     []int             `json:"seeds"`
	CostCache string            `json:"cost_cache"`
	Lines     []planLineJSON    `json:"lines"`
	CPUHours  float64           `json:"cpu_hours"` // training, summed over the lines and seeds
	AtLeast   bool              `json:"at_least,omitempty"`
	Skipped   map[string]string `json:"not_measured,omitempty"` // claims by ID, and why
}

type planLineJSON struct {
	Experiment string   `json:"experiment"`
	Preset     string   `json:"preset"`
	Sets       []string `json:"sets,omitempty"`
	Method     string   `json:"method"`
	Steps      int      `json:"steps"`
	Seeds      int      `json:"seeds"`
	Cost       stepCost `json:"step_cost"`
	CPUHours   float64  `json:"cpu_hours"` // every seed's
	TimeLimit  bool     `json:"time_limited,omitempty"`
}

// printPlanJSON prints the plan pl with its costs as JSON.
func printPlanJSON(w io.Writer, pl *check.Plan, lines []planLine, cache string) error {
	out := PlanJSON{Scale: pl.Scale, Seeds: pl.Seeds, CostCache: cache, Lines: []planLineJSON{}, Skipped: pl.Skipped}
	for _, l := range lines {
		h, limited := l.hours(len(pl.Seeds))
		out.Lines = append(out.Lines, planLineJSON{Experiment: l.exp.Name, Preset: l.exp.Preset, Sets: l.exp.Sets, Method: l.method,
			Steps: l.spec.Common.Steps, Seeds: len(pl.Seeds), Cost: l.cost, CPUHours: h, TimeLimit: limited})
		out.CPUHours += h
		out.AtLeast = out.AtLeast || l.cost.AtLeast
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
