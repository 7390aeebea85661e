package presets

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
)

var presetName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// Register adds p to the presets that every command and the app offer (All, Lookup),
// after the paper's. It is how a package of your own defines a problem for sipbench: call
// it from an init function, and import the package for its side effect in a binary whose
// main calls cli.Main (see the package example). It panics with Check's error on a preset
// that is not usable, a programming error found when the binary starts.
func Register(p *Preset) {
	if err := Check(p); err != nil {
		panic(err)
	}
	register(p)
}

// Check reports what makes p unusable as a preset, nil if nothing does: a name that is
// not plain lowercase ([a-z][a-z0-9_-]*, at most 32 bytes: it names run folders) or that
// a registered preset has; neither NewProblem and NewNetwork nor NewSolver, or both; no
// scale, or a scale without steps and batch, or whose Own holds a value its key refuses;
// scales whose Own differ in type, or whose type's tags do not declare settings (see
// Settings); no methods, two of one name, none by default, a method this sipbench cannot
// train (optimizers.Method.Validate against the problem's updates); a Metric that the
// problem does not report or a Reference that is not a method. It builds the problem and
// the network of every scale once, so call it where that is cheap (at start-up).
func Check(p *Preset) (err error) {
	if p == nil {
		return errors.New("presets: nil preset")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("presets: %s: building it panicked: %v", p.Name, r)
		}
	}()
	if !presetName.MatchString(p.Name) {
		return fmt.Errorf("presets: preset name %q: want plain lowercase ([a-z][a-z0-9_-]*, at most 32 bytes)", p.Name)
	}
	for _, check := range []func() error{p.checkShape, p.checkMethods} {
		if err := check(); err != nil {
			return fmt.Errorf("presets: %s: %w", p.Name, err)
		}
	}
	scales := map[string]bool{}
	for _, sc := range p.Scales {
		if sc.Name == "" || scales[sc.Name] {
			return fmt.Errorf("presets: %s: scale %q: want a name that no other scale has", p.Name, sc.Name)
		}
		scales[sc.Name] = true
		if err := p.checkScale(sc); err != nil {
			return err
		}
	}
	return nil
}

// checkShape is Check's part that needs nothing built: a free name, the constructors, the
// scales and methods present, and the own settings' type.
func (p *Preset) checkShape() error {
	if _, err := Lookup(p.Name); err == nil {
		return errors.New("a preset of that name is registered")
	}
	if (p.NewSolver != nil) == (p.NewProblem != nil) || (p.NewProblem != nil) != (p.NewNetwork != nil) {
		return errors.New("set NewProblem and NewNetwork (a network to train), or NewSolver (iterative solvers), not both")
	}
	if len(p.Scales) == 0 {
		return errors.New("no scales (the first is the default)")
	}
	if len(p.Methods) == 0 {
		return errors.New("no methods")
	}
	return p.checkOwn()
}

// checkMethods is Check's part about the methods' names, the default ones and the
// reference.
func (p *Preset) checkMethods() error {
	seen := map[string]bool{}
	for _, m := range p.Methods {
		if !presetName.MatchString(m.Name) || seen[m.Name] {
			return fmt.Errorf("method %q: want a plain lowercase name that no other method has", m.Name)
		}
		seen[m.Name] = true
	}
	if len(p.DefaultMethods()) == 0 {
		return errors.New("no method runs by default (MethodDef.Default)")
	}
	if p.Reference != "" && !seen[p.Reference] {
		return fmt.Errorf("reference %q is not a method", p.Reference)
	}
	return nil
}

// checkScale is Check's part about one scale: its common settings and own values, and
// the problem (or solver), methods and networks it builds. Its errors name the preset.
func (p *Preset) checkScale(sc Scale) error {
	fail := func(err error) error { return fmt.Errorf("presets: %s: %w", p.Name, err) }
	if sc.Common.Steps < 1 || sc.Common.Batch < 1 {
		return fail(fmt.Errorf("scale %s: Common.Steps and Common.Batch must be ≥ 1", sc.Name))
	}
	own := ownValues(sc.Own)
	for _, k := range p.Keys() {
		if _, err := k.check(own[k.Name]); err != nil {
			return fail(fmt.Errorf("scale %s: %v", sc.Name, err))
		}
	}
	spec, err := p.Resolve(sc.Name, p.trainableAt(sc.Name), nil)
	if err != nil {
		return err // Resolve's errors name the preset
	}
	if err := p.checkBuilt(sc.Name, spec); err != nil {
		return fail(err)
	}
	return nil
}

// checkBuilt is checkScale's part about what the scale's spec builds: the solver's methods
// and metrics, or the problem's, and each method's network.
func (p *Preset) checkBuilt(scale string, spec *Spec) error {
	if p.IsSolver() {
		sv := spec.NewSolver()
		for _, m := range p.Methods {
			if !slices.Contains(sv.Methods(), m.Name) {
				return fmt.Errorf("method %s is not among the solver's %v", m.Name, sv.Methods())
			}
		}
		if p.Metric != "" && !slices.Contains(sv.MetricNames(), p.Metric) {
			return fmt.Errorf("metric %q is not among the solver's %v", p.Metric, sv.MetricNames())
		}
		return nil
	}
	prob := spec.NewProblem()
	if prob == nil {
		return fmt.Errorf("scale %s: NewProblem returned nil", scale)
	}
	if p.Metric != "" && !slices.Contains(prob.MetricNames(), p.Metric) {
		return fmt.Errorf("metric %q is not among the problem's %v", p.Metric, prob.MetricNames())
	}
	for _, m := range spec.Methods {
		if err := m.Validate(prob.Updates()); err != nil {
			return err
		}
		if _, err := spec.NewNetworkFor(m.Name, rand.New(rand.NewPCG(0, 0))); err != nil {
			return fmt.Errorf("scale %s, method %s: %v", scale, m.Name, err)
		}
	}
	return nil
}

// commands holds the presets of problem processes that this sipbench was given a command
// for (AddCommand).
var commands []*Preset

// AddCommand makes p, the preset of a problem process (p.Command set), known to LookupRun:
// the command line does it for the --problem-cmd the user typed. It is not listed by All.
func AddCommand(p *Preset) { commands = append(commands, p) }

// ErrCommand is wrapped by LookupRun's error for a run whose problem is a process whose
// command this sipbench was not given.
var ErrCommand = errors.New("sipbench never runs a command read from a run folder")

// LookupRun returns the preset of a run that records the preset name and the problem
// process command ("" for none): Lookup's, or one added with AddCommand for that name
// and command. A command no preset was added for is an error wrapping ErrCommand that
// says how to give it.
func LookupRun(name, command string) (*Preset, error) {
	if command == "" {
		return Lookup(name)
	}
	for _, p := range commands {
		if p.Name == name && p.Command == command {
			return p, nil
		}
	}
	return nil, fmt.Errorf("the run's problem is the process %q, and %w: give it again with --problem-cmd %q (or --trust-problem-cmd to run the recorded one)",
		command, ErrCommand, command)
}

// List adds p, the preset of a problem process (AddCommand), to the presets that All lists,
// so that the app offers it (sipbench --problem-cmd CMD). A preset of that name is an error.
func List(p *Preset) error {
	if _, err := Lookup(p.Name); err == nil {
		return fmt.Errorf("presets: a preset named %q exists: the process's describe must name its problem otherwise", p.Name)
	}
	register(p)
	return nil
}

// checkOwn reports what is wrong with the own settings of p's scales: Owns of different
// types, tags that do not declare settings, or a setting whose name is not plain
// lowercase or is another's.
func (p *Preset) checkOwn() error {
	t := reflect.TypeOf(p.Scales[0].Own)
	for _, sc := range p.Scales {
		if reflect.TypeOf(sc.Own) != t {
			return fmt.Errorf("scale %s: Own of type %v, scale %s's of type %v: want one type", sc.Name, reflect.TypeOf(sc.Own), p.Scales[0].Name, t)
		}
	}
	fs, err := ownFields(p.Scales[0].Own)
	if err != nil {
		return err
	}
	for i, f := range fs {
		if !presetName.MatchString(f.key.Name) || isCommon(f.key.Name) ||
			slices.ContainsFunc(fs[:i], func(c ownField) bool { return c.key.Name == f.key.Name }) {
			return fmt.Errorf("setting %q: want a plain lowercase name that no other setting has", f.key.Name)
		}
	}
	return nil
}
