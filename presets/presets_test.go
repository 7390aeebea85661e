package presets

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/optimizers"
)

func TestEveryPresetResolvesAtEveryScale(t *testing.T) {
	t.Parallel()
	for _, p := range All() {
		for _, sc := range p.ScaleNames() {
			s, err := p.Resolve(sc, trainable(t, p, sc, nil), nil)
			if err != nil {
				t.Fatalf("%s/%s: %v", p.Name, sc, err)
			}
			if sv := s.NewSolver(); sv != nil {
				for _, m := range s.Methods {
					if !slices.Contains(sv.Methods(), m.Name) {
						t.Errorf("%s: method %s is not among the solver's %v", p.Name, m.Name, sv.Methods())
					}
				}
				if !slices.Contains(sv.MetricNames(), p.Metric) {
					t.Errorf("%s: metric %q not among the solver's %v", p.Name, p.Metric, sv.MetricNames())
				}
				continue
			}
			prob := s.NewProblem()
			if !slices.Contains(prob.MetricNames(), p.Metric) {
				t.Errorf("%s: metric %q not among the problem's %v", p.Name, p.Metric, prob.MetricNames())
			}
			if !slices.Contains(p.MethodNames(), p.Reference) {
				t.Errorf("%s: reference %q is not a method", p.Name, p.Reference)
			}
			for _, m := range s.Methods {
				if m.Source == optimizers.Inverse && !slices.Contains(prob.Updates(), m.Update) {
					t.Errorf("%s: method %s uses update %q; the problem offers %v", p.Name, m.Name, m.Update, prob.Updates())
				}
				if _, err := m.NewOptimizer(nil); err != nil {
					t.Errorf("%s: method %s: %v", p.Name, m.Name, err)
				}
			}
		}
	}
}

// TestPaperScaleMatchesExperiments checks the "paper" scale against
// ../shared/reference/experiments.md.
func TestPaperScaleMatchesExperiments(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]string{
		"exp":      {"batch": "100", "lr.adam": "0.001", "lr.sgd": "0.01", "lr.rescaled": "0.001"},
		"rotation": {"batch": "100", "xi": "32", "phi": "45", "max_seconds": "600", "lr.sip": "0.001", "lr.adam": "0.001", "lr.adadelta": "0.003", "lr.adagrad": "0.003", "lr.rmsprop": "3e-05"},
		"poisson":  {"batch": "128", "grid": "64", "lr.sip": "0.001", "lr.adam": "0.001", "lr.sgd": "3e-12"},
		"heat":     {"batch": "128", "grid": "64", "lr.sip": "0.001", "lr.adam": "0.001", "lr.sgd": "2e-06"},
	}
	for name, kv := range want {
		p, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.Resolve("paper", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		vals := s.Values()
		for k, v := range kv {
			if vals[k] != v {
				t.Errorf("%s paper %s = %q; want %q", name, k, vals[k], v)
			}
		}
	}
	p, _ := Lookup("poisson")
	s, _ := p.Resolve("paper", []string{"sgd"}, nil)
	if s.Methods[0].Momentum != 0.9 || s.Values()["momentum.sgd"] != "0.9" {
		t.Errorf("poisson sgd momentum %v, setting %q; want 0.9", s.Methods[0].Momentum, s.Values()["momentum.sgd"])
	}
	// The momentum is a setting (tune searches it): --set momentum.sgd=0.5 trains with it,
	// and a momentum of 1 or more is refused.
	if s, err := p.Resolve("paper", []string{"sgd"}, []string{"momentum.sgd=0.5"}); err != nil || s.Methods[0].Momentum != 0.5 {
		t.Errorf("momentum.sgd=0.5: %v, %+v", err, s)
	}
	if _, err := p.Resolve("paper", []string{"sgd"}, []string{"momentum.sgd=1"}); err == nil || !strings.Contains(err.Error(), "momentum.sgd") {
		t.Errorf("momentum.sgd=1: %v; want it refused", err)
	}
	r, _ := Lookup("rotation")
	s, _ = r.Resolve("paper", []string{"sip"}, nil)
	if s.Methods[0].Proxy != optimizers.L1 {
		t.Errorf("rotation sip proxy %q; want the original's L1", s.Methods[0].Proxy)
	}
}

func TestRotationSGDLearningRateFollowsXi(t *testing.T) {
	t.Parallel()
	p, _ := Lookup("rotation")
	for _, c := range []struct {
		sets []string
		want float64
	}{
		{nil, 1e-2 / (32 * 32)},
		{[]string{"xi=4"}, 1e-2 / 16},
		{[]string{"xi=4", "lr.sgd=0.5"}, 0.5},
	} {
		s, err := p.Resolve("", []string{"sgd"}, c.sets)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Methods[0].LR; math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%v: lr %g; want %g (1e-2/ξ²)", c.sets, got, c.want)
		}
	}
}

func TestOverridesRoundTrip(t *testing.T) {
	t.Parallel()
	p, _ := Lookup("poisson")
	s, err := p.Resolve("quick", []string{"adam"}, []string{"grid=16", " batch = 4", "lr.adam=2e-3"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Own.(GridSettings).Grid != 16 || s.Common.Batch != 4 || s.Methods[0].LR != 2e-3 {
		t.Errorf("overrides not applied: %v, lr %g", s.Values(), s.Methods[0].LR)
	}
	again, err := p.Resolve(s.Scale, s.MethodNames(), s.Overrides())
	if err != nil || !maps(again.Values(), s.Values()) || again.Own != s.Own || again.Common != s.Common ||
		!slices.Equal(again.Methods, s.Methods) {
		t.Errorf("Resolve(Overrides()) = %v, %v; want %v", again.Values(), err, s.Values())
	}
}

func maps(a, b Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestBadOverrides(t *testing.T) {
	t.Parallel()
	p, _ := Lookup("heat")
	for _, c := range []struct{ set, want string }{
		{"grid=7", "out of range"},
		{"grid=1.5", "whole number"},
		{"steps=-1", "out of range"},
		{"max_seconds=inf", "want a number"},
		{"nope=1", "unknown setting"},
		{"=1", "unknown setting"},
	} {
		if _, err := p.Resolve("", nil, []string{c.set}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--set %s: error %v; want %q", c.set, err, c.want)
		}
	}
}

func TestDescriptionsNameDeviations(t *testing.T) {
	t.Parallel()
	for _, p := range All() {
		for _, sc := range p.Scales {
			if sc.Name != "paper" && sc.Note == "" && !p.IsSolver() {
				t.Errorf("%s: scale %s has no note of what it changes", p.Name, sc.Name)
			}
		}
		if p.Description == "" || p.Network == "" {
			t.Errorf("%s: empty description or network", p.Name)
		}
	}
}

// TestCommonSettings checks that the typed common settings follow the values, with the
// user's overrides, and that the defaults fill what a scale leaves zero.
func TestCommonSettings(t *testing.T) {
	t.Parallel()
	p, err := Lookup("rotation")
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Resolve("paper", nil, []string{"steps=70", "batch=3"})
	if err != nil {
		t.Fatal(err)
	}
	want := Common{Steps: 70, Batch: 3, MaxSeconds: 600, SnapshotEvery: 1000, CheckpointEvery: 10000}
	if s.Common != want {
		t.Errorf("Common = %+v, want %+v", s.Common, want)
	}
	if v := s.Values(); v[KeySteps] != "70" || v[KeyMaxSeconds] != "600" {
		t.Errorf("Values = %v", v)
	}
	if got := (Scale{Common: Common{Steps: 1000, Batch: 8}}).Settings(); got[KeySnapshotEvery] != "10" ||
		got[KeyCheckpointEvery] != "100" || got[KeyMaxSeconds] != "0" {
		t.Errorf("defaults: %v; want snapshot_every 10, checkpoint_every 100, max_seconds 0", got)
	}
}

// TestSettingError checks that a refused value comes back as a *SettingError behind the
// preset's name, for errors.As.
func TestSettingError(t *testing.T) {
	t.Parallel()
	p, err := Lookup("rotation")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		set, key, value, text string
	}{
		{"xi=abc", "xi", "abc", `rotation: xi="abc": want a number`},
		{"steps=1.5", "steps", "1.5", `rotation: steps="1.5": want a whole number`},
		{"batch=0", "batch", "0", "rotation: batch=0: out of range [1, 4096]"},
	} {
		_, err := p.Resolve("", nil, []string{c.set})
		se, ok := errors.AsType[*SettingError](err)
		if !ok || se.Key != c.key || se.Value != c.value || err.Error() != c.text {
			t.Errorf("--set %s: %v (%#v); want a SettingError %s=%s with text %q", c.set, err, se, c.key, c.value, c.text)
		}
	}
	if _, err := p.Resolve("", nil, []string{"nope=1"}); err == nil {
		t.Error("unknown setting accepted")
	} else if _, ok := errors.AsType[*SettingError](err); ok {
		t.Errorf("unknown setting %v is a SettingError; it is no value problem", err)
	}
}

// TestNetworksMatchTheirWords checks that each method's recorded network (Spec.Network)
// builds, and is the one the preset's listing names.
func TestNetworksMatchTheirWords(t *testing.T) {
	for _, p := range All() {
		if p.IsSolver() {
			continue
		}
		s, err := p.Resolve("", trainable(t, p, "", nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Methods {
			want := p.Network
			if m.Network != "" {
				want = m.Network
			}
			n := s.Network(m.Name)
			if n.String() != want {
				t.Errorf("%s/%s: network %q, listed as %q", p.Name, m.Name, n, want)
			}
			if _, err := s.NewNetworkFor(m.Name, rand.New(rand.NewPCG(0, 0))); err != nil {
				t.Errorf("%s/%s: %v", p.Name, m.Name, err)
			}
		}
	}
	for _, bad := range []Network{{Kind: "rnn"}, {Kind: MLP, Sizes: []int{2}, Activation: "relu"},
		{Kind: MLP, Sizes: []int{2, 2}, Activation: "gelu"}, {Kind: UNet, In: 1, Out: 1, Levels: 0, Filters: 16},
		{Kind: FNO, In: 1, Out: 1, Layers: 4, Modes: -1, Width: 32}, {Kind: MLP, Sizes: []int{2, 1 << 30}, Activation: "relu"}} {
		if _, err := bad.Build(rand.New(rand.NewPCG(0, 0))); err == nil {
			t.Errorf("%+v built", bad)
		}
	}
}

// TestSettingChecks holds the checks that keep bad settings from reaching the problems'
// code: grid sizes of the FFT-based presets are powers of two, a whole number may be
// written in any notation, and a value out of range names the range.
func TestSettingChecks(t *testing.T) {
	for _, c := range []struct {
		preset, set string
		want        string // the error's text after "preset: ", or the value kept if it is accepted
		ok          bool
	}{
		{"poisson", "grid=12", "grid=12: want a power of two in [8, 512]", false},
		{"heat", "grid=17", "grid=17: want a power of two in [8, 512]", false},
		{"fluid", "grid=24", "grid=24: want a power of two in [16, 512]", false},
		{"fluid", "grid=8", "grid=8: out of range [16, 512]", false},
		{"heat", "grid=64.0", "64", true},
		{"heat", "grid=6.4e1", "64", true},
		{"exp", "steps=1e12", "1000000000000", true},
		{"exp", "steps=9007199254740991", "9007199254740991", true},
		{"exp", "steps=1e16", "steps=1e16: out of range [1, 9007199254740991]", false},
		{"exp", "steps=1e400", `steps="1e400": out of range [1, 9007199254740991]`, false},
		{"exp", "steps=2.5", `steps="2.5": want a whole number`, false},
		{"exp", "batch=5000", "batch=5000: out of range [1, 4096]", false},
		{"exp", "max_seconds=1e400", `max_seconds="1e400": out of range [0, ∞]`, false},
	} {
		p, err := Lookup(c.preset)
		if err != nil {
			t.Fatal(err)
		}
		key, _, _ := strings.Cut(c.set, "=")
		spec, err := p.Resolve("", nil, []string{c.set})
		switch {
		case c.ok && err != nil:
			t.Errorf("%s --set %s: %v; want it accepted", c.preset, c.set, err)
		case c.ok && spec.Values()[key] != c.want:
			t.Errorf("%s --set %s: value %q; want %q", c.preset, c.set, spec.Values()[key], c.want)
		case !c.ok && (err == nil || err.Error() != c.preset+": "+c.want):
			t.Errorf("%s --set %s: error %v; want %q", c.preset, c.set, err, c.preset+": "+c.want)
		}
	}
}

// TestAcceptedSettingsBuild checks that every value of a whole-number setting that Resolve
// accepts near the ends of its range builds the preset's problem and networks without a
// panic: what Resolve lets through, the problems' code must take.
func TestAcceptedSettingsBuild(t *testing.T) {
	for _, p := range All() {
		for _, k := range p.AllKeys() {
			if k.Kind != Int || k.Name == KeySteps || k.Name == KeySnapshotEvery || k.Name == KeyCheckpointEvery {
				continue
			}
			vals := []int{int(k.Min), int(k.Min) + 1, int(k.Min) + 2, int(k.Min) + 3, 2 * int(k.Min), 3 * int(k.Min)}
			if k.Max > 0 && k.Max <= 256 {
				vals = append(vals, int(k.Max))
			}
			for _, v := range vals {
				set := fmt.Sprintf("%s=%d", k.Name, v)
				spec, err := p.Resolve("", nil, []string{set})
				if err != nil {
					continue
				}
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s --set %s: accepted, then panicked: %v", p.Name, set, r)
						}
					}()
					if sv := spec.NewSolver(); sv != nil {
						return
					}
					spec.NewProblem()
					for _, m := range spec.Methods {
						if _, err := spec.NewNetworkFor(m.Name, rand.New(rand.NewPCG(1, 1))); err != nil {
							t.Errorf("%s --set %s: network of %s: %v", p.Name, set, m.Name, err)
						}
					}
				}()
			}
		}
	}
}

// TestReductions: every method of a preset trains on the original's batch reduction, the
// sum for exp, poisson and heat (loss.sum.backward()) and the mean for rotation and fluid
// (loss.mean.backward()), so that the original's learning rates mean what they meant.
func TestReductions(t *testing.T) {
	want := map[string]optimizers.Reduction{"exp": optimizers.Sum, "poisson": optimizers.Sum, "heat": optimizers.Sum,
		"rotation": optimizers.Mean, "fluid": optimizers.Mean}
	for name, r := range want {
		p, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := p.Resolve("paper", trainable(t, p, "paper", nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range s.Methods {
			if m.Reduction != r {
				t.Errorf("%s/%s: reduction %q, want %q", name, m.Name, m.Reduction, r)
			}
		}
	}
}

// trainable returns the preset's methods that can train at the scale with sets: all but
// the HIG methods whose Jacobian is refused there (the U-Net field presets').
func trainable(t testing.TB, p *Preset, scale string, sets []string) []string {
	t.Helper()
	var names []string
	for _, m := range p.MethodNames() {
		if _, err := p.Resolve(scale, []string{m}, sets); errors.Is(err, optimizers.ErrJacobianTooLarge) {
			continue
		}
		names = append(names, m)
	}
	return names
}

// TestJacobianBound: HIG and Gauss–Newton resolve where their Jacobian fits (rotation,
// exp, oscillators) and are refused on the U-Net field presets with a message that names
// the Jacobian's rows, weights and bytes and the bound.
func TestJacobianBound(t *testing.T) {
	for _, c := range []struct {
		preset string
		ok     bool
	}{{"exp", true}, {"rotation", true}, {"oscillators", true}, {"poisson", false}, {"heat", false}, {"fluid", false}} {
		p, err := Lookup(c.preset)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"hig", "gn"} {
			_, err := p.Resolve("", []string{m}, nil)
			if c.ok {
				if err != nil {
					t.Errorf("%s --methods %s: %v", c.preset, m, err)
				}
				continue
			}
			if !errors.Is(err, optimizers.ErrJacobianTooLarge) {
				t.Fatalf("%s --methods %s: error %v, want the Jacobian refused", c.preset, m, err)
			}
			for _, want := range []string{"rows (batch", "weights", "GiB", "the bound is 1.0 GiB"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s --methods %s: %q does not say %q", c.preset, m, err, want)
				}
			}
		}
	}
}

// TestRestoreRateCopies: folders of earlier releases record each method's learning rate
// among the settings too (lr.<method>); Restore keeps reading that copy, which must say what
// the method says (written any way), and refuses a record that contradicts itself rather
// than prefer one copy in silence.
func TestRestoreRateCopies(t *testing.T) {
	p, _ := Lookup("exp")
	s, err := p.Resolve("", []string{"adam"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rate string
		ok   bool
	}{{"0.001", true}, {"1e-3", true}, {"0.003", false}} {
		vals := Values{"steps": "500", "lr.adam": c.rate, "lr.sgd": "7"} // sgd's: not trained, not read
		got, err := p.Restore("quick", vals, s.Methods, nil)
		switch {
		case c.ok && (err != nil || got.Methods[0].LR != 1e-3 || got.Common.Steps != 500):
			t.Errorf("lr.adam=%s: %v, %v; want the record's 1e-3 and 500 steps", c.rate, got, err)
		case !c.ok && (err == nil || !strings.Contains(err.Error(), "contradicts itself")):
			t.Errorf("lr.adam=%s beside a method at 1e-3: %v; want a contradiction", c.rate, err)
		}
	}
	if r := s.Recorded(); r["lr.adam"] != "" || r["steps"] == "" {
		t.Errorf("Recorded() = %v: want the settings without the methods' rates", r)
	}
}
