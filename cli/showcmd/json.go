package showcmd

import (
	"encoding/json"
	"io"
	"math"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/profile"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/stats"
	"github.com/sipbench/sipbench/summary"
)

// JSON is one run in `sipbench show --json`: what show's table says, with every
// ratio over seeds as its mean, 95 % interval and one-sided p-values (stats.Ratio). A
// value that is not there (a step not reached, a diverged job) is null.
type JSON struct {
	Dir       string             `json:"dir"`
	Label     string             `json:"label,omitempty"` // the settings in which compared runs differ
	Preset    string             `json:"preset"`
	Scale     string             `json:"scale"`
	Metric    string             `json:"metric"`
	Window    int                `json:"window"`    // the running mean's, in logged steps
	Reference string             `json:"reference"` // ratios are method ÷ reference, same seed
	Tuned     map[string]float64 `json:"tuned_lr,omitempty"`
	TunedMore map[string]string  `json:"tuned_other,omitempty"` // other tuned settings: "momentum.sgd": "0.9"
	Steps     []string           `json:"steps"`                 // the reported steps: "60", …, "end"
	Jobs      []showJobJSON      `json:"jobs"`
	Methods   []showMethodJSON   `json:"methods"` // over seeds
}

type showJobJSON struct {
	ID     string     `json:"id"`
	Method string     `json:"method"`
	Seed   int        `json:"seed"`
	State  string     `json:"state"`
	Done   int        `json:"steps_done"`
	Values []*float64 `json:"values"`         // per step of Steps
	Ratios []*float64 `json:"ratios"`         // per step: value ÷ the reference's, same seed
	Note   string     `json:"note,omitempty"` // why its values could not be read (a damaged end of metrics.csv)
}

type showMethodJSON struct {
	Method string     `json:"method"`
	Seeds  int        `json:"seeds"`
	Mean   []*float64 `json:"mean"` // the metric over the seeds, per step
	Min    []*float64 `json:"min"`
	Max    []*float64 `json:"max"`
	// Ratio is, per step, the ratio over the seeds to the reference with its interval and
	// tests; null for the reference itself.
	Ratio []*stats.Ratio `json:"ratio"`
}

// newShowJSON converts a Summary of the run folder dir.
func newShowJSON(dir, label string, s *summary.Summary) JSON {
	out := JSON{Dir: sanitize.Path(dir), Label: label, Preset: s.Info.Preset, Scale: s.Info.Scale, Metric: s.Metric,
		Window: s.Window, Reference: s.Info.Reference, Jobs: []showJobJSON{}, Methods: []showMethodJSON{}}
	if s.Info.Tuned != nil {
		out.Tuned, out.TunedMore = s.Info.Tuned.Rates, s.Info.Tuned.Other
	}
	for _, step := range s.Steps {
		out.Steps = append(out.Steps, stepName(step))
	}
	for _, js := range s.Jobs {
		j := showJobJSON{ID: js.Job.ID, Method: js.Job.Method, Seed: js.Job.Seed, State: string(js.State), Done: js.Done, Note: js.Note}
		for k := range s.Steps {
			j.Values = append(j.Values, cmdline.JSONNum(js.Values[k]))
			j.Ratios = append(j.Ratios, cmdline.JSONNum(js.Ratios[k]))
		}
		out.Jobs = append(out.Jobs, j)
	}
	byStep := make([][]summary.MethodStat, len(s.Steps))
	for k := range s.Steps {
		byStep[k] = s.ByMethod(k)
	}
	for i, st := range byStep[len(s.Steps)-1] {
		m := showMethodJSON{Method: st.Method, Seeds: st.Seeds}
		for k := range s.Steps {
			ms := byStep[k][i]
			m.Mean = append(m.Mean, cmdline.JSONNum(ms.Mean))
			m.Min = append(m.Min, cmdline.JSONNum(ms.Min))
			m.Max = append(m.Max, cmdline.JSONNum(ms.Max))
			if st.Method == s.Info.Reference {
				m.Ratio = append(m.Ratio, nil)
			} else {
				r := ms.RatioStat
				m.Ratio = append(m.Ratio, &r)
			}
		}
		out.Methods = append(out.Methods, m)
	}
	return out
}

// showJSONOf prints the runs of dirs (infos their run.json, labels their names when
// compared; nil for one) as a JSON array, one object per run.
func showJSONOf(w io.Writer, dirs []string, infos []folder.Info, labels []string, o summary.Options) error {
	out := []JSON{}
	for i, d := range dirs {
		s, err := summary.Summarize(d, infos[i], o)
		if err != nil {
			return err
		}
		label := ""
		if labels != nil {
			label = labels[i]
		}
		out = append(out, newShowJSON(d, label, s))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// profileJSON is `sipbench show --profile --json`: per method, the share of problems it
// solves within each τ× the best method's cost, and the per-problem cost ratios.
type profileJSON struct {
	Problems  []string            `json:"problems"` // "DIR seed S"
	Cost      string              `json:"cost"`     // "steps" or "wall"
	Tolerance float64             `json:"tolerance"`
	Taus      []float64           `json:"taus"`
	Methods   []profileMethodJSON `json:"methods"`
}

type profileMethodJSON struct {
	Method string     `json:"method"`
	Rho    []float64  `json:"rho"`    // the share solved within each of Taus
	Solved float64    `json:"solved"` // the share solved at all
	Ratios []*float64 `json:"ratios"` // per problem, its cost over the best's; null: no such method there, 1e308: never reached
}

// printProfileJSON prints pr as JSON.
func printProfileJSON(w io.Writer, pr *profile.Profile) error {
	out := profileJSON{Problems: pr.Problems, Cost: "steps", Tolerance: profile.DefaultTolerance, Taus: profileTaus}
	if pr.Wall {
		out.Cost = "wall"
	}
	for m, name := range pr.Methods {
		pm := profileMethodJSON{Method: name, Solved: pr.At(m, math.Inf(1))}
		for _, t := range profileTaus {
			pm.Rho = append(pm.Rho, pr.At(m, t))
		}
		for _, row := range pr.Ratios {
			pm.Ratios = append(pm.Ratios, cmdline.JSONNum(row[m]))
		}
		out.Methods = append(out.Methods, pm)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
