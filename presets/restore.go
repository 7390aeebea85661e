package presets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/optimizers"
)

// Restore rebuilds the Spec of a run from what its folder recorded, not from what the
// preset's code says today:
//   - values: every setting; the preset's settings that the record lacks (added since)
//     take the values of the recorded scale (or, if that scale is gone, the default one);
//   - methods: each method as it trained (source, update, proxy loss, optimizer, learning
//     rate, momentum): the one record of its learning rate (and HIG's τ, κ);
//   - networks: each method's network by method name. A method without one takes the
//     preset's current network: folders written before networks were recorded.
//
// Folders of earlier releases record each method's learning rate among the values too
// (lr.<method>, and tau.<method>, kappa.<method>; momentum.<method> since it became a
// setting); such a copy must equal the method's,
// or Restore fails saying both.
//
// It fails, saying what and why, for a setting the preset no longer has (but learning
// rates of methods the run did not train are ignored) or a value it refuses (a
// *SettingError), for a method whose source, update, proxy loss or optimizer this
// sipbench does not know, or that a solver preset does not offer, and for a network it
// cannot build. Like the folder, the record is untrusted input: it never panics.
func (p *Preset) Restore(scale string, values Values, methods []optimizers.Method, networks map[string]Network) (spec *Spec, err error) {
	sc := p.Scales[0]
	if i := slices.IndexFunc(p.Scales, func(s Scale) bool { return s.Name == scale }); i >= 0 {
		sc = p.Scales[i]
	}
	settings := sc.settings()
	keys := p.AllKeys()
	trained := map[string]optimizers.Method{}
	for _, m := range methods {
		if _, ok := trained[m.Name]; ok {
			return nil, fmt.Errorf("%s: the run records method %q twice", p.Name, m.Name)
		}
		trained[m.Name] = m
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("%s: the run records no methods", p.Name)
	}
	for _, k := range values.Sorted() {
		i := slices.IndexFunc(keys, func(key Key) bool { return key.Name == k })
		name, perMethod := cutMethodKey(k)
		m, ok := trained[name]
		if perMethod && !ok {
			continue // the learning rate (τ, κ) of a method the run did not train
		}
		if i < 0 {
			return nil, fmt.Errorf("%s: the run records setting %q, which this sipbench's preset no longer has", p.Name, k)
		}
		norm, err := keys[i].check(values[k])
		if err != nil {
			return nil, fmt.Errorf("%s: recorded setting: %w", p.Name, err)
		}
		if !perMethod {
			settings.set(k, norm)
			continue
		}
		// An earlier release's copy: it must say what the method says.
		if got := applyMethodValues(m, Values{k: norm}); got != m {
			return nil, fmt.Errorf("%s: the run records %s=%s among its settings, but method %s records %s: the record contradicts itself",
				p.Name, k, norm, name, methodValues(m)[k])
		}
	}
	// The preset's code builds the problem from the recorded settings; a value it cannot
	// take (which today's checks would refuse) is an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			spec, err = nil, fmt.Errorf("%s: the recorded settings do not make a problem: %v", p.Name, r)
		}
	}()
	if p.IsSolver() {
		offered := p.NewSolver(settings).Methods()
		for _, m := range methods {
			if !slices.Contains(offered, m.Name) {
				return nil, fmt.Errorf("%s: the run's method %q no longer exists (methods: %s)", p.Name, m.Name, strings.Join(offered, ", "))
			}
		}
	} else {
		prob := p.NewProblem(settings)
		updates := prob.Updates()
		closeProblem(prob)
		for _, m := range methods {
			if err := m.Validate(updates); err != nil {
				return nil, fmt.Errorf("%s: the run's method %q cannot be trained by this sipbench: %v", p.Name, m.Name, err)
			}
		}
	}
	for name, n := range networks {
		if _, ok := trained[name]; !ok {
			return nil, fmt.Errorf("%s: the run records a network for %q, which it did not train", p.Name, name)
		}
		if err := n.Validate(); err != nil {
			return nil, fmt.Errorf("%s: the network of method %q no longer exists: %v", p.Name, name, err)
		}
	}
	return &Spec{Preset: p, Scale: scale, Common: settings.Common, Own: settings.Own, Methods: slices.Clone(methods), networks: networks}, nil
}

// cutMethodKey returns the method of a per-method setting (lr.<m>, tau.<m>, kappa.<m>,
// momentum.<m>).
func cutMethodKey(k string) (string, bool) {
	for _, prefix := range []string{"lr.", "tau.", "kappa.", "momentum."} {
		if m, ok := strings.CutPrefix(k, prefix); ok {
			return m, true
		}
	}
	return "", false
}
