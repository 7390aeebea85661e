package presets

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/problems"
)

// Preset is a named experiment: a problem, a network, the methods to compare with their
// hyper-parameters, and settings at several scales.
type Preset struct {
	Name        string
	Description string // what it reproduces
	// Deviations names, one sentence each, every deliberate difference to the original code
	// (tum-pbs/SIP) at the paper scale and what it changes, measured where it could be.
	// The scales' Notes name what a smaller scale changes besides.
	Deviations []string
	Network    string // the network, in words
	Metric     string // the metric the comparison is about (x_l1, x_dist, …)
	Reference  string // the SIP method that ratios are stated against
	// Reduction is the batch reduction of every method's training loss, the original's
	// for this experiment (sum for exp, poisson and heat; mean for rotation and fluid).
	// "" means Mean.
	Reduction optimizers.Reduction
	Methods   []MethodDef
	Keys      []Key   // settings of this preset besides the common ones
	Scales    []Scale // the first is the default ("quick")
	// Table1GDStep is the fixed step of `sipbench table1`'s gradient-descent row, where one
	// was chosen by measurement; if it is 0, eval's default (1e-2) is used.
	Table1GDStep float64
	// Table1Paper quotes the paper's Table 1 for this preset, printed under the table; ""
	// if the paper has none.
	Table1Paper string
	// NewProblem makes a fresh problem for one job from the resolved settings (Values.Int,
	// Values.Float read the Keys and the common settings). Every preset that trains a
	// network has one, and NewNetwork.
	NewProblem func(Values) problems.Problem
	// NewNetwork describes the network every method trains (unless a method has its own)
	// at the resolved settings; run folders record it (Network).
	NewNetwork func(Values) Network
	// NewSolver, if set instead of NewProblem and NewNetwork, makes this an
	// iterative-solver preset without a network (Figure 1): each method is an update rule
	// of the PathProblem on one example, and a step is one iteration.
	NewSolver func(Values) problems.PathProblem
	// Command is the problem process command (--problem-cmd) of a preset that
	// problems/process built from a process's description; "" for a problem of this
	// binary. Runs record it, and are resumed only when it is given again (LookupRun).
	Command string
}

// MethodDef is a training method of a preset and whether it runs by default. Its Method
// says where the x-space gradient comes from (optimizers.Source: the adjoint, the
// problem's inverse update, or a source registered with optimizers.RegisterSource), which
// network optimizer steps (one of optimizers.Names, built-in or registered with
// optimizers.Register) and its default learning rate (Method.LR, the setting lr.<name>).
type MethodDef struct {
	optimizers.Method
	Default bool
	// LRFor, if set, is the default learning rate where it depends on the settings
	// (instead of Method.LR).
	LRFor func(Values) float64
	// Network names the method's own network, in words ("" for the preset's); NewNetwork
	// describes it (nil for the preset's).
	Network    string
	NewNetwork func(Values) Network
}

// Scale is one size of a preset: a value for every setting, and what it changes.
type Scale struct {
	Name   string
	Note   string // deviations from the original at this scale
	Common Common // the settings every preset has
	Values Values // the preset's own settings (its Keys)
}

// Settings returns every setting of the scale: the common ones, with their defaults, and
// the preset's own. Learning rates are not among them (see Spec.Values).
func (sc Scale) Settings() Values {
	vals := sc.Common.values()
	for k, v := range sc.Values {
		vals[k] = v
	}
	return vals
}

// All returns every preset: the paper's network experiments in the order of its figures,
// then the iterative-solver presets.
func All() []*Preset { return registry }

var registry []*Preset

// order ranks the presets for All, whatever the order their files register them in.
var order = []string{"exp", "rotation", "poisson", "heat", "fluid", "trajectories", "oscillators"}

func register(p *Preset) {
	registry = append(registry, p)
	rank := func(p *Preset) int {
		if i := slices.Index(order, p.Name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(registry, func(a, b *Preset) int { return rank(a) - rank(b) })
}

// Lookup returns the preset called name, or an error that lists the presets.
func Lookup(name string) (*Preset, error) {
	for _, p := range registry {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown preset %q (presets: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the presets' names.
func Names() []string {
	var names []string
	for _, p := range registry {
		names = append(names, p.Name)
	}
	return names
}

// AllKeys returns the settings the preset accepts: the common ones, the preset's own, and
// lr.<method> for each method.
func (p *Preset) AllKeys() []Key {
	keys := append(slices.Clone(commonKeys), p.Keys...)
	for _, m := range p.Methods {
		keys = append(keys, Key{Name: "lr." + m.Name, Kind: Float, Min: 0,
			Doc: fmt.Sprintf("learning rate of %s (%s)", m.Name, m.Optimizer)})
	}
	for _, m := range p.Methods {
		if m.Optimizer == "sgd" {
			keys = append(keys, Key{Name: "momentum." + m.Name, Kind: Float, Min: 0, Max: 0.999,
				Doc: fmt.Sprintf("heavy-ball momentum μ of %s (0: none)", m.Name)})
		}
		if m.Optimizer == "hig" {
			keys = append(keys,
				Key{Name: "tau." + m.Name, Kind: Float, Min: 0, Max: 1,
					Doc: fmt.Sprintf("truncation τ of %s: singular values ≤ τ·σ_max are dropped", m.Name)},
				Key{Name: "kappa." + m.Name, Kind: Float, Min: -1, Max: 1,
					Doc: fmt.Sprintf("exponent κ of %s: Λ^-κ (½ HIG, 1 Gauss–Newton, -1 gradient descent)", m.Name)})
		}
	}
	return keys
}

// DefaultMethods returns the names of the methods that run by default.
func (p *Preset) DefaultMethods() []string {
	var names []string
	for _, m := range p.Methods {
		if m.Default {
			names = append(names, m.Name)
		}
	}
	return names
}

// MethodLabels returns the names of all the preset's methods, the default ones marked
// with a trailing "*", for listings.
func (p *Preset) MethodLabels() []string {
	var labels []string
	for _, m := range p.Methods {
		if m.Default {
			labels = append(labels, m.Name+"*")
		} else {
			labels = append(labels, m.Name)
		}
	}
	return labels
}

// MethodNames returns the names of all the preset's methods.
func (p *Preset) MethodNames() []string {
	var names []string
	for _, m := range p.Methods {
		names = append(names, m.Name)
	}
	return names
}

// ScaleNames returns the names of the preset's scales, the default first.
func (p *Preset) ScaleNames() []string {
	var names []string
	for _, s := range p.Scales {
		names = append(names, s.Name)
	}
	return names
}

// ParamCount returns the number of trainable parameters of the network at the given
// scale's settings.
func (p *Preset) ParamCount(scale string) int {
	if p.IsSolver() {
		return 0
	}
	s, err := p.Resolve(scale, nil, nil)
	if err != nil {
		return 0
	}
	net, err := p.NewNetwork(s.Values).Build(rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return 0
	}
	return core.CountParams(net.Params())
}

// Spec is a preset resolved at one scale with the user's overrides: everything a run
// needs, and everything run.json records to repeat it.
type Spec struct {
	Preset  *Preset
	Scale   string
	Values  Values              // every setting, after overrides
	Common  Common              // the common settings of Values, typed
	Methods []optimizers.Method // the chosen methods, learning rates applied
	// networks holds the networks a run recorded, by method (see Restore); nil for a
	// Spec resolved from the preset.
	networks map[string]Network
}

// Resolve returns the preset at the named scale ("" for the default) with the chosen
// methods (nil for the defaults) and the overrides sets, each "key=value". Unknown scales,
// methods and keys and bad values are errors that list what is accepted.
func (p *Preset) Resolve(scale string, methods []string, sets []string) (*Spec, error) {
	sc := p.Scales[0]
	if scale != "" {
		i := slices.IndexFunc(p.Scales, func(s Scale) bool { return s.Name == scale })
		if i < 0 {
			return nil, fmt.Errorf("%s: unknown scale %q (scales: %s)", p.Name, scale, strings.Join(p.ScaleNames(), ", "))
		}
		sc = p.Scales[i]
	}
	vals := sc.Settings()
	keys := p.AllKeys()
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--set %q: want key=value", kv)
		}
		k = strings.TrimSpace(k)
		i := slices.IndexFunc(keys, func(key Key) bool { return key.Name == k })
		if i < 0 {
			var names []string
			for _, key := range keys {
				names = append(names, key.Name)
			}
			return nil, fmt.Errorf("%s: unknown setting %q (settings: %s)", p.Name, k, strings.Join(names, ", "))
		}
		norm, err := keys[i].check(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		vals[k] = norm
	}
	if err := p.complete(vals, sc.Name); err != nil {
		return nil, err
	}
	if methods == nil {
		methods = p.DefaultMethods()
	}
	spec := &Spec{Preset: p, Scale: sc.Name, Values: vals, Common: vals.common()}
	seen := map[string]bool{}
	for _, name := range methods {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(p.Methods, func(m MethodDef) bool { return m.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%s: unknown method %q (methods: %s)", p.Name, name, strings.Join(p.MethodNames(), ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("%s: method %q named twice", p.Name, name)
		}
		seen[name] = true
		m := p.Methods[i].Method
		m.LR = vals.Float("lr." + name)
		if m.Optimizer == "sgd" {
			m.Momentum = vals.Float("momentum." + name)
		}
		if m.Optimizer == "hig" {
			m.Tau, m.Kappa = vals.Float("tau."+name), vals.Float("kappa."+name)
		}
		if m.Reduction == "" {
			m.Reduction = p.Reduction
		}
		spec.Methods = append(spec.Methods, m)
	}
	if len(spec.Methods) == 0 {
		return nil, fmt.Errorf("%s: no methods chosen (methods: %s)", p.Name, strings.Join(p.MethodNames(), ", "))
	}
	if err := spec.checkJacobians(); err != nil {
		return nil, err
	}
	return spec, nil
}

// IsSolver reports whether the preset trains no network: its methods are iterative
// solvers on a single example (Figure 1's trajectories).
func (p *Preset) IsSolver() bool { return p.NewSolver != nil }

// NewSolver returns the PathProblem of a solver preset (IsSolver), and nil for a preset
// that trains a network.
func (s *Spec) NewSolver() problems.PathProblem {
	if s.Preset.NewSolver == nil {
		return nil
	}
	return s.Preset.NewSolver(s.Values)
}

// MetricNames returns the metric columns of a run of this spec.
func (s *Spec) MetricNames() []string {
	if sv := s.NewSolver(); sv != nil {
		return sv.MetricNames()
	}
	prob := s.NewProblem()
	defer closeProblem(prob)
	return prob.MetricNames()
}

// NewProblem returns a fresh problem instance for one job.
func (s *Spec) NewProblem() problems.Problem { return s.Preset.NewProblem(s.Values) }

// Network returns the description of the named method's network: the one the run
// recorded, for a Spec restored from a run folder (Restore); otherwise the method's own
// (fno) or the preset's, at the Spec's settings. A solver preset has none (the zero
// Network).
func (s *Spec) Network(method string) Network {
	if n, ok := s.networks[method]; ok {
		return n
	}
	for _, m := range s.Preset.Methods {
		if m.Name == method && m.NewNetwork != nil {
			return m.NewNetwork(s.Values)
		}
	}
	if s.Preset.NewNetwork == nil {
		return Network{}
	}
	return s.Preset.NewNetwork(s.Values)
}

// NewNetworkFor returns the network of the named method (Network) with initial weights
// drawn from rng. It fails for a recorded network that this sipbench cannot build.
func (s *Spec) NewNetworkFor(method string, rng *rand.Rand) (core.Network, error) {
	return s.Network(method).Build(rng)
}

// Overrides returns the settings as key=value strings, which Resolve accepts to rebuild
// the same Spec.
func (s *Spec) Overrides() []string {
	var out []string
	for _, k := range s.Values.Sorted() {
		out = append(out, k+"="+s.Values[k])
	}
	return out
}

// MethodNames returns the names of the chosen methods.
func (s *Spec) MethodNames() []string {
	var names []string
	for _, m := range s.Methods {
		names = append(names, m.Name)
	}
	return names
}

// complete gives the learning rates that vals lacks the methods' defaults, and checks
// that every setting has a value.
func (p *Preset) complete(vals Values, scale string) error {
	for _, m := range p.Methods {
		if _, ok := vals["lr."+m.Name]; !ok {
			lr := m.LR
			if m.LRFor != nil {
				lr = m.LRFor(vals)
			}
			vals["lr."+m.Name] = fmt.Sprint(lr)
		}
		if _, ok := vals["momentum."+m.Name]; !ok && m.Optimizer == "sgd" {
			vals["momentum."+m.Name] = fmt.Sprint(m.Momentum)
		}
		if m.Optimizer == "hig" {
			if _, ok := vals["tau."+m.Name]; !ok {
				vals["tau."+m.Name] = fmt.Sprint(m.Tau)
			}
			if _, ok := vals["kappa."+m.Name]; !ok {
				vals["kappa."+m.Name] = fmt.Sprint(m.Kappa)
			}
		}
	}
	for _, key := range p.AllKeys() {
		if _, ok := vals[key.Name]; !ok {
			return fmt.Errorf("presets: %s: scale %s has no value for %s", p.Name, scale, key.Name)
		}
	}
	return nil
}

// closeProblem ends a problem that holds a resource (a problem process) once it has
// answered what was asked of it.
func closeProblem(p problems.Problem) {
	if c, ok := p.(io.Closer); ok {
		c.Close()
	}
}
