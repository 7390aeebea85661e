package presets

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
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
	// Scales are the preset's sizes, the first the default ("quick"). Their Own values
	// (all of one struct type) declare the preset's own settings (Keys).
	Scales []Scale
	// Table1GDStep is the fixed step of `sipbench table1`'s gradient-descent row, where one
	// was chosen by measurement; if it is 0, eval's default (1e-2) is used.
	Table1GDStep float64
	// Table1Paper quotes the paper's Table 1 for this preset, printed under the table; ""
	// if the paper has none.
	Table1Paper string
	// NewProblem makes a fresh problem for one job from the resolved settings (the preset's
	// own are Settings.Own, a value of its scales' Own type). Every preset that trains a
	// network has one, and NewNetwork.
	NewProblem func(Settings) problems.Problem
	// NewNetwork describes the network every method trains (unless a method has its own)
	// at the resolved settings; run folders record it (Network).
	NewNetwork func(Settings) Network
	// NewSolver, if set instead of NewProblem and NewNetwork, makes this an
	// iterative-solver preset without a network (Figure 1): each method is an update rule
	// of the PathProblem on one example, and a step is one iteration.
	NewSolver func(Settings) problems.PathProblem
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
	LRFor func(Settings) float64
	// Network names the method's own network, in words ("" for the preset's); NewNetwork
	// describes it (nil for the preset's).
	Network    string
	NewNetwork func(Settings) Network
}

// Scale is one size of a preset: a value for every setting, and what it changes.
type Scale struct {
	Name   string
	Note   string // deviations from the original at this scale
	Common Common // the settings every preset has
	// Own is the preset's own settings at this scale: a struct whose tagged fields declare
	// them (see Settings; every scale's Own has the same type), or nil if it has none.
	Own any
}

// Settings returns every setting of the scale as the command line writes them: the
// common ones, with their defaults, and the preset's own. Learning rates are not among
// them (see Spec.Values).
func (sc Scale) Settings() Values {
	return Settings{Common: sc.Common, Own: sc.Own}.values()
}

// settings returns the scale's typed settings, the common ones with their defaults.
func (sc Scale) settings() Settings {
	return Settings{Common: sc.Common.withDefaults(), Own: sc.Own}
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

// Keys returns the preset's own settings (besides the common ones), as the tags of its
// scales' Own struct declare them; none if it has no Own.
func (p *Preset) Keys() []Key {
	if len(p.Scales) == 0 {
		return nil
	}
	var keys []Key
	for _, f := range mustOwnFields(p.Scales[0].Own) {
		keys = append(keys, f.key)
	}
	return keys
}

// AllKeys returns the settings the preset accepts: the common ones, the preset's own, and
// lr.<method> for each method (momentum.<method> for SGD's, tau.<method> and
// kappa.<method> for HIG's).
func (p *Preset) AllKeys() []Key {
	keys := append(slices.Clone(commonKeys), p.Keys()...)
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
	net, err := p.NewNetwork(s.Settings()).Build(rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return 0
	}
	return core.CountParams(net.Params())
}

// Spec is a preset resolved at one scale with the user's overrides: everything a run
// needs, and everything run.json records to repeat it.
type Spec struct {
	Preset *Preset
	Scale  string
	Common Common // the common settings, after overrides
	// Own is the preset's own settings, after overrides: a value of its scales' Own type
	// (nil if it has none).
	Own any
	// Methods are the chosen methods, each with its learning rate (and HIG's τ, κ): the one
	// place a method's rate lives.
	Methods []optimizers.Method
	// networks holds the networks a run recorded, by method (see Restore); nil for a
	// Spec resolved from the preset.
	networks map[string]Network
}

// Settings returns the typed settings of the Spec (Common and Own).
func (s *Spec) Settings() Settings { return Settings{Common: s.Common, Own: s.Own} }

// Recorded returns the settings that a run folder records (run.json's settings): the common
// ones and the preset's own, as Values. The methods' learning rates are recorded with each
// method, not here.
func (s *Spec) Recorded() Values { return s.Settings().values() }

// Values returns every setting as the command line writes them: Recorded's, and for each of
// the preset's methods its learning rate lr.<method> (and HIG's tau.<method>,
// kappa.<method>): a chosen method's as it trains, another's default at these settings.
// It is a view for listings and forms; Resolve(Overrides()) gives the Spec back.
func (s *Spec) Values() Values {
	vals := s.Recorded()
	for _, def := range s.Preset.Methods {
		m := s.Preset.defaultMethod(def, s.Settings())
		if i := slices.IndexFunc(s.Methods, func(c optimizers.Method) bool { return c.Name == def.Name }); i >= 0 {
			m = s.Methods[i]
		}
		for k, v := range methodValues(m) {
			vals[k] = v
		}
	}
	return vals
}

// methodValues returns the settings of m that --set names: lr.<m> (and momentum.<m> for
// SGD, tau.<m> and kappa.<m> for HIG).
func methodValues(m optimizers.Method) Values {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	vals := Values{"lr." + m.Name: f(m.LR)}
	if m.Optimizer == "sgd" {
		vals["momentum."+m.Name] = f(m.Momentum)
	}
	if m.Optimizer == "hig" {
		vals["tau."+m.Name], vals["kappa."+m.Name] = f(m.Tau), f(m.Kappa)
	}
	return vals
}

// defaultMethod returns the method def at the settings s: its learning rate LRFor's where
// the rate depends on them, and the preset's reduction where it names none.
func (p *Preset) defaultMethod(def MethodDef, s Settings) optimizers.Method {
	m := def.Method
	if def.LRFor != nil {
		m.LR = def.LRFor(s)
	}
	if m.Reduction == "" {
		m.Reduction = p.Reduction
	}
	return m
}

// Resolve returns the preset at the named scale ("" for the default) with the chosen
// methods (nil for the defaults) and the overrides sets, each "key=value" (the command
// line's --set). Unknown scales, methods and keys and bad values are errors that list what
// is accepted.
func (p *Preset) Resolve(scale string, methods []string, sets []string) (*Spec, error) {
	sc := p.Scales[0]
	if scale != "" {
		i := slices.IndexFunc(p.Scales, func(s Scale) bool { return s.Name == scale })
		if i < 0 {
			return nil, fmt.Errorf("%s: unknown scale %q (scales: %s)", p.Name, scale, strings.Join(p.ScaleNames(), ", "))
		}
		sc = p.Scales[i]
	}
	vals, err := p.ParseSets(sets)
	if err != nil {
		return nil, err
	}
	settings := sc.settings()
	perMethod := Values{}
	for k, v := range vals {
		if _, ok := cutMethodKey(k); ok {
			perMethod[k] = v
			continue
		}
		settings.set(k, v)
	}
	if methods == nil {
		methods = p.DefaultMethods()
	}
	spec := &Spec{Preset: p, Scale: sc.Name, Common: settings.Common, Own: settings.Own}
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
		spec.Methods = append(spec.Methods, applyMethodValues(p.defaultMethod(p.Methods[i], settings), perMethod))
	}
	if len(spec.Methods) == 0 {
		return nil, fmt.Errorf("%s: no methods chosen (methods: %s)", p.Name, strings.Join(p.MethodNames(), ", "))
	}
	if err := spec.checkJacobians(); err != nil {
		return nil, err
	}
	return spec, nil
}

// ParseSets reads the overrides sets ("key=value", the command line's --set) into Values:
// each key one the preset accepts (AllKeys), each value checked and normalised (an Int to
// its digits, a Float as written). It is the parse step before Resolve's typed settings.
func (p *Preset) ParseSets(sets []string) (Values, error) {
	keys := p.AllKeys()
	vals := Values{}
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
	return vals, nil
}

// applyMethodValues returns m with the checked per-method settings of vals that name it
// (lr.<m>, momentum.<m>, tau.<m>, kappa.<m>) applied.
func applyMethodValues(m optimizers.Method, vals Values) optimizers.Method {
	for k, raw := range vals {
		name, ok := cutMethodKey(k)
		if !ok || name != m.Name {
			continue
		}
		x, _ := strconv.ParseFloat(raw, 64) // checked by the key
		switch {
		case strings.HasPrefix(k, "lr."):
			m.LR = x
		case strings.HasPrefix(k, "tau."):
			m.Tau = x
		case strings.HasPrefix(k, "kappa."):
			m.Kappa = x
		case strings.HasPrefix(k, "momentum."):
			m.Momentum = x
		}
	}
	return m
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
	return s.Preset.NewSolver(s.Settings())
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
func (s *Spec) NewProblem() problems.Problem { return s.Preset.NewProblem(s.Settings()) }

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
			return m.NewNetwork(s.Settings())
		}
	}
	if s.Preset.NewNetwork == nil {
		return Network{}
	}
	return s.Preset.NewNetwork(s.Settings())
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
	vals := s.Values()
	for _, k := range vals.Sorted() {
		out = append(out, k+"="+vals[k])
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

// closeProblem ends a problem that holds a resource (a problem process) once it has
// answered what was asked of it.
func closeProblem(p problems.Problem) {
	if c, ok := p.(io.Closer); ok {
		c.Close()
	}
}
