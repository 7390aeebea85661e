package check

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
)

// The scales of a check.
const (
	// Quick trains each preset at its quick scale (smaller grids and batches), to the
	// steps that the claims name where they are affordable: the whole check in minutes.
	Quick = "quick"
	// Paper trains each preset at its paper scale, the original's settings, to the first
	// step that each claim names (Poisson to 100, heat to 150, fluid to 250; exp and
	// rotation as long as the original trained).
	Paper = "paper"
	// Full trains each claim to the step the paper names, with the original settings (the
	// presets' paper scale): Poisson to 5k, heat to 10k, fluid to 20k, rotation for the
	// original's 600 s stated as steps (RotationFullSteps), exp to 100k; AdaHessian and
	// Hessian-free to their claims' steps. Hours to days per job on one machine: it is
	// meant for a cluster (sipbench check --scale full --slurm), at least MinFullSeeds seeds.
	Full = "full"
)

// Scales are the scales of a check, the default first.
var Scales = []string{Quick, Paper, Full}

// RotationFullSteps are the steps of the full scale's rotation runs: the original trains
// each for 600 s, which at about 6 ms per step (a PyTorch eager step of the 2-32-64-32-2
// MLP, batch 100, with the saddle-free Newton update in Python; an estimate, the original
// logs time and not steps) is 100,000 steps. A step count, unlike a time budget, makes the
// runs the same on every machine and across requeues.
const RotationFullSteps = 100000

// MinFullSeeds is the fewest seeds a full check takes. The paper's figures show one run
// per method; its checklist (3c) says the appendix shows learning curves of several seeds,
// without saying how many in the text we have.
const MinFullSeeds = 2

// PaperSeeds says how many seeds the paper shows, for the plan's print-out.
const PaperSeeds = "the paper's figures show one run per method; its appendix, learning curves over several seeds (a number the main text does not give)"

// PresetScale returns the presets' scale that a check at scale trains: the full check
// trains the paper scale, longer.
func PresetScale(scale string) string {
	if scale == Full {
		return Paper
	}
	return scale
}

// PlanFile is the record of a check folder.
const PlanFile = "check.json"

// Experiment is one run of a check: a preset at the check's scale with some methods and
// settings. Its run folder is the check folder's sub-folder Name.
type Experiment struct {
	Name    string   `json:"name"`
	Preset  string   `json:"preset"`
	Methods []string `json:"methods"`
	// Sets are settings over the scale's, key=value (steps among them).
	Sets []string `json:"sets,omitempty"`
	// Table1, if set, evaluates Table 1 (eval.Table1) for the network of the preset's
	// reference method of every seed after training.
	Table1 *Table1Settings `json:"table1,omitempty"`
}

// Table1Settings are the settings of the Table 1 evaluations of an Experiment.
type Table1Settings struct {
	Examples  int     `json:"examples"`
	MaxIters  int     `json:"max_iters"`
	TimeLimit float64 `json:"time_limit_s"` // per example and solver; 0: none
}

// Plan is a check: its scale, seeds and experiments. A check folder records it in
// check.json.
type Plan struct {
	Scale string `json:"scale"`
	Seeds []int  `json:"seeds"`
	// Only are the presets and claims (by ID) checked; empty: all.
	Only []string `json:"only,omitempty"`
	// Skipped are the claims the plan trains nothing for, by ID, with the reason.
	Skipped     map[string]string `json:"skipped,omitempty"`
	Experiments []Experiment      `json:"experiments"`
	Version     string            `json:"version"` // of the sipbench that planned it
	Created     string            `json:"created"` // RFC 3339
}

// experiments lists the runs of each scale, in the order they train: cheap first, and in
// the order of the claims, so that rows come out in the paper's order.
//
// Steps: the rotation runs train 20k steps at the quick scale (the original trains each
// for 600 s, the paper scale's max_seconds): at 2000 Adam has hardly left its start at
// ξ = 32. SIP and the first-order optimizers on the field problems train somewhat beyond
// the first step their claims name (60, 100, 200); the second-order ones, in runs of their
// own (so that --only can leave them out), only to their claims' step: an AdaHessian step
// costs several of SIP's, a Hessian-free one about a hundred.
var experiments = map[string][]Experiment{
	Quick: {
		{Name: "trajectories", Preset: "trajectories", Methods: []string{"pi", "newton", "gd"}},
		{Name: "exp", Preset: "exp", Methods: []string{"rescaled", "adam", "sgd"}},
		{Name: "rotation-xi32-phi45", Preset: "rotation", Methods: []string{"sip", "adam", "sgd", "adadelta", "adagrad", "rmsprop"},
			Sets: []string{"xi=32", "phi=45", "steps=20000"}},
		{Name: "rotation-xi1-phi0", Preset: "rotation", Methods: []string{"sip", "adam"}, Sets: []string{"xi=1", "phi=0", "steps=20000"}},
		{Name: "rotation-xi32-phi0", Preset: "rotation", Methods: []string{"sip", "adam"}, Sets: []string{"xi=32", "phi=0", "steps=20000"}},
		{Name: "poisson", Preset: "poisson", Methods: []string{"sip", "adam"}, Sets: []string{"steps=100"}},
		{Name: "poisson-2nd", Preset: "poisson", Methods: []string{"adahessian"}, Sets: []string{"steps=60"}},
		{Name: "heat", Preset: "heat", Methods: []string{"sip", "adam"}, Sets: []string{"steps=150"}},
		{Name: "heat-2nd", Preset: "heat", Methods: []string{"adahessian"}, Sets: []string{"steps=100"}},
		{Name: "fluid", Preset: "fluid", Methods: []string{"sip", "gd"}, Sets: []string{"steps=250"},
			Table1: &Table1Settings{Examples: 16, MaxIters: 50, TimeLimit: 60}},
		{Name: "oscillators", Preset: "oscillators", Methods: []string{"hig", "gn", "adam"}},
	},
	Paper: {
		{Name: "trajectories", Preset: "trajectories", Methods: []string{"pi", "newton", "gd"}},
		{Name: "exp", Preset: "exp", Methods: []string{"rescaled", "adam", "sgd"}},
		{Name: "rotation-xi32-phi45", Preset: "rotation", Methods: []string{"sip", "adam", "sgd", "adadelta", "adagrad", "rmsprop"},
			Sets: []string{"xi=32", "phi=45"}},
		{Name: "rotation-xi1-phi0", Preset: "rotation", Methods: []string{"sip", "adam"}, Sets: []string{"xi=1", "phi=0"}},
		{Name: "rotation-xi32-phi0", Preset: "rotation", Methods: []string{"sip", "adam"}, Sets: []string{"xi=32", "phi=0"}},
		{Name: "poisson", Preset: "poisson", Methods: []string{"sip", "adam"}, Sets: []string{"steps=100"}},
		{Name: "poisson-2nd", Preset: "poisson", Methods: []string{"adahessian", "hf"}, Sets: []string{"steps=60"}},
		{Name: "heat", Preset: "heat", Methods: []string{"sip", "adam"}, Sets: []string{"steps=150"}},
		{Name: "heat-2nd", Preset: "heat", Methods: []string{"adahessian", "hf"}, Sets: []string{"steps=100"}},
		{Name: "fluid", Preset: "fluid", Methods: []string{"sip", "gd"}, Sets: []string{"steps=250"},
			Table1: &Table1Settings{Examples: 64, MaxIters: 200, TimeLimit: 60}},
		{Name: "oscillators", Preset: "oscillators", Methods: []string{"hig", "gn", "adam"}},
	},
	Full: {
		{Name: "trajectories", Preset: "trajectories", Methods: []string{"pi", "newton", "gd"}},
		{Name: "exp", Preset: "exp", Methods: []string{"rescaled", "adam", "sgd"}, Sets: []string{"steps=100000"}},
		{Name: "rotation-xi32-phi45", Preset: "rotation", Methods: []string{"sip", "adam", "sgd", "adadelta", "adagrad", "rmsprop"},
			Sets: []string{"xi=32", "phi=45", rotationFull, "max_seconds=0"}},
		{Name: "rotation-xi1-phi0", Preset: "rotation", Methods: []string{"sip", "adam"}, Sets: []string{"xi=1", "phi=0", rotationFull, "max_seconds=0"}},
		{Name: "rotation-xi32-phi0", Preset: "rotation", Methods: []string{"sip", "adam"}, Sets: []string{"xi=32", "phi=0", rotationFull, "max_seconds=0"}},
		{Name: "poisson", Preset: "poisson", Methods: []string{"sip", "adam"}, Sets: []string{"steps=5000"}},
		{Name: "poisson-2nd", Preset: "poisson", Methods: []string{"adahessian", "hf"}, Sets: []string{"steps=60"}},
		{Name: "heat", Preset: "heat", Methods: []string{"sip", "adam"}, Sets: []string{"steps=10000"}},
		{Name: "heat-2nd", Preset: "heat", Methods: []string{"adahessian", "hf"}, Sets: []string{"steps=100"}},
		{Name: "fluid", Preset: "fluid", Methods: []string{"sip", "gd"}, Sets: []string{"steps=20000"},
			Table1: &Table1Settings{Examples: 64, MaxIters: 200, TimeLimit: 60}},
		{Name: "oscillators", Preset: "oscillators", Methods: []string{"hig", "gn", "adam"}},
	},
}

// rotationFull is the full scale's rotation steps as a setting.
var rotationFull = "steps=" + strconv.Itoa(RotationFullSteps)

// skipped are the claims that a scale plans no runs for, and why: they are reported as not
// measured at this scale unless runs given beside the check folder measure them.
var skipped = map[string]map[string]string{
	Quick: {
		"fig6b-hf": hfSkipped("poisson", 60),
		"fig6d-hf": hfSkipped("heat", 100),
	},
}

func hfSkipped(preset string, steps int) string {
	return fmt.Sprintf("Hessian-free's steps (up to 250 CG iterations each) do not fit the quick check: --scale paper "+
		"measures it, or train sipbench run %s --methods sip,hf --steps %d and check that folder", preset, steps)
}

// NewPlan returns the plan of a check at scale ("" for Quick) with the seeds, of the
// claims that only names (presets, or claims by ID; all if empty): the experiments that
// measure them. An unknown scale, preset or claim is an error that lists the accepted
// ones.
func NewPlan(scale string, seeds []int, only []string) (*Plan, error) {
	if scale == "" {
		scale = Quick
	}
	exps, ok := experiments[scale]
	if !ok {
		return nil, fmt.Errorf("check: unknown scale %q (scales: %s)", scale, strings.Join(Scales, ", "))
	}
	if len(seeds) == 0 {
		return nil, errors.New("check: no seeds")
	}
	if scale == Full && len(seeds) < MinFullSeeds {
		return nil, fmt.Errorf("check: the full scale takes at least %d seeds (%s)", MinFullSeeds, PaperSeeds)
	}
	if err := ValidateOnly(only); err != nil {
		return nil, err
	}
	pl := &Plan{Scale: scale, Seeds: slices.Clone(seeds), Only: slices.Clone(only), Version: folder.Version,
		Created: time.Now().UTC().Format(time.RFC3339)}
	var measured []*Claim
	for _, c := range pl.Claims() {
		if why, ok := skipped[scale][c.ID]; ok {
			if pl.Skipped == nil {
				pl.Skipped = map[string]string{}
			}
			pl.Skipped[c.ID] = why
			continue
		}
		measured = append(measured, c)
	}
	for _, e := range exps {
		if slices.ContainsFunc(measured, e.measures) {
			pl.Experiments = append(pl.Experiments, e)
		}
	}
	return pl, nil
}

// ValidateOnly returns an error unless every name is a preset that claims are measured on or
// a claim's ID; the error lists both.
func ValidateOnly(only []string) error {
	var ids []string
	for _, c := range Claims() {
		ids = append(ids, c.ID)
	}
	for _, name := range only {
		if !slices.Contains(Presets(), name) && !slices.Contains(ids, name) {
			return fmt.Errorf("check: no preset or claim %q (presets: %s; claims: %s)", name,
				strings.Join(Presets(), ", "), strings.Join(ids, ", "))
		}
	}
	return nil
}

// measures reports whether the experiment trains a run that c needs: a run of c's preset
// with one of its terms' methods and that term's settings, or for a Table 1 claim, the
// Table 1 evaluations.
func (e Experiment) measures(c *Claim) bool {
	if c.Table1 {
		return e.Preset == c.Preset && e.Table1 != nil
	}
	return slices.ContainsFunc(c.Terms, e.trains(c))
}

// trains returns whether the experiment trains a term of c: its method with its settings.
func (e Experiment) trains(c *Claim) func(Term) bool {
	return func(t Term) bool {
		if e.Preset != c.Preset || !slices.Contains(e.Methods, t.Method) {
			return false
		}
		for k, v := range t.Settings {
			if !slices.Contains(e.Sets, k+"="+v) {
				return false
			}
		}
		return true
	}
}

// Spec resolves the experiment at scale.
func (e Experiment) Spec(scale string) (*presets.Spec, error) {
	p, err := presets.Lookup(e.Preset)
	if err != nil {
		return nil, err
	}
	return p.Resolve(PresetScale(scale), e.Methods, e.Sets)
}

// Claims returns the claims the plan checks, in the paper's order.
func (pl *Plan) Claims() []*Claim {
	var out []*Claim
	for _, c := range Claims() {
		if len(pl.Only) == 0 || slices.Contains(pl.Only, c.Preset) || slices.Contains(pl.Only, c.ID) {
			out = append(out, c)
		}
	}
	return out
}

// Create makes the check folder dir and writes its plan. It fails if dir holds a check
// already, or if an experiment does not resolve.
func Create(dir string, pl *Plan) error {
	for _, e := range pl.Experiments {
		if _, err := e.Spec(pl.Scale); err != nil {
			return fmt.Errorf("check: experiment %s: %v", e.Name, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, PlanFile)); err == nil {
		return fmt.Errorf("check: %s already holds a check (sipbench check --out %s continues it)", dir, dir)
	}
	if err := folder.CheckNewFolder(dir, "check"); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, PlanFile), pl)
}

// IsFolder reports whether dir is a check folder: whether it holds a check.json (a regular
// file, not a link).
func IsFolder(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, PlanFile))
	return err == nil && fi.Mode().IsRegular()
}

// ReadPlan reads dir/check.json. A check folder is untrusted input like a run folder: it
// refuses a link, a scale it does not know, and an experiment whose folder is not a
// plain name inside dir.
func ReadPlan(dir string) (*Plan, error) {
	path := filepath.Join(dir, PlanFile)
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("check: %s is not a check folder (no %s)", dir, PlanFile)
		}
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("check: %s is not a regular file", path)
	}
	var pl Plan
	if err := readJSON(path, &pl); err != nil {
		return nil, err
	}
	if !slices.Contains(Scales, pl.Scale) {
		return nil, fmt.Errorf("check: %s: unknown scale %q", path, pl.Scale)
	}
	seen := map[string]bool{}
	for _, e := range pl.Experiments {
		if !plainName(e.Name) || seen[e.Name] {
			return nil, fmt.Errorf("check: %s: experiment folder %q is not a plain folder name, or named twice", path, e.Name)
		}
		seen[e.Name] = true
	}
	return &pl, nil
}

// plainName reports whether s names an entry of a folder: not empty, not . or .., no
// separators.
func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && filepath.Base(s) == s && filepath.IsLocal(s) && !strings.ContainsAny(s, `/\`)
}
