package presets

import (
	"strings"
	"testing"

	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/problems"
)

// Every built-in preset, under a new name, passes Check: the checks a user's preset gets
// are those the paper's presets satisfy.
func TestCheckBuiltins(t *testing.T) {
	for _, p := range All() {
		if p.Name == "fluid" && testing.Short() {
			continue
		}
		q := *p
		q.Name = p.Name + "-copy"
		if err := Check(&q); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// toySettings are TestCheckRefuses's preset's own settings.
type toySettings struct {
	Width int `set:"width" min:"1" max:"64" doc:"the hidden layer's width"`
}

// A broken preset is refused with an error that names what is wrong.
func TestCheckRefuses(t *testing.T) {
	base := func() *Preset {
		return &Preset{
			Name: "toy", Metric: "x_l1", Reference: "sip",
			Methods: []MethodDef{
				{Method: optimizers.Method{Name: "sip", Source: optimizers.Inverse, Update: "newton", Optimizer: "adam", LR: 1e-3}, Default: true},
				{Method: optimizers.Method{Name: "adam", Source: optimizers.Adjoint, Optimizer: "adam", LR: 1e-3}},
			},
			Scales:     []Scale{{Name: "quick", Common: Common{Steps: 10, Batch: 4}, Own: toySettings{Width: 8}}},
			NewProblem: func(Settings) problems.Problem { return problems.NewExp() },
			NewNetwork: func(s Settings) Network {
				return Network{Kind: MLP, Sizes: []int{1, s.Own.(toySettings).Width, 1}, Activation: "relu"}
			},
		}
	}
	if err := Check(base()); err != nil {
		t.Fatalf("the valid preset: %v", err)
	}
	for _, c := range []struct {
		name   string
		break_ func(p *Preset)
		want   string
	}{
		{"name", func(p *Preset) { p.Name = "My Preset" }, "plain lowercase"},
		{"taken", func(p *Preset) { p.Name = "exp" }, "a preset of that name is registered"},
		{"no problem", func(p *Preset) { p.NewProblem = nil }, "set NewProblem and NewNetwork"},
		{"no scales", func(p *Preset) { p.Scales = nil }, "no scales"},
		{"no methods", func(p *Preset) { p.Methods = nil }, "no methods"},
		{"no default", func(p *Preset) { p.Methods[0].Default = false }, "no method runs by default"},
		{"twice", func(p *Preset) { p.Methods[1].Name = "sip" }, `method "sip"`},
		{"update", func(p *Preset) { p.Methods[0].Update = "gauss-newton" }, `no update "gauss-newton"`},
		{"optimizer", func(p *Preset) { p.Methods[1].Optimizer = "lion" }, `unknown optimizer "lion"`},
		{"reference", func(p *Preset) { p.Reference = "hig" }, `reference "hig"`},
		{"metric", func(p *Preset) { p.Metric = "ee_dist" }, `metric "ee_dist"`},
		{"value", func(p *Preset) { p.Scales[0].Own = toySettings{Width: 100} }, "width=100: out of range"},
		{"zero value", func(p *Preset) { p.Scales[0].Own = toySettings{} }, "width=0: out of range"},
		{"two types", func(p *Preset) {
			p.Scales = append(p.Scales, Scale{Name: "paper", Common: Common{Steps: 10, Batch: 4}, Own: struct{ Width int }{8}})
		}, "want one type"},
		{"common key", func(p *Preset) {
			p.Scales[0].Own = struct {
				Steps int `set:"steps"`
			}{8}
		}, `setting "steps"`},
		{"kind", func(p *Preset) {
			p.Scales[0].Own = struct {
				Name string `set:"name"`
			}{"x"}
		}, "want an int or a float64"},
		{"bad tag", func(p *Preset) {
			p.Scales[0].Own = struct {
				W int `set:"w" min:"one"`
			}{8}
		}, `tag min:"one" is not a number`},
		{"not a struct", func(p *Preset) { p.Scales[0].Own = 8 }, "want a struct"},
		{"steps", func(p *Preset) { p.Scales[0].Common.Steps = 0 }, "Steps and Common.Batch must be ≥ 1"},
		{"network", func(p *Preset) {
			p.NewNetwork = func(Settings) Network { return Network{Kind: "transformer"} }
		}, `unknown network kind "transformer"`},
		{"panic", func(p *Preset) {
			p.NewProblem = func(Settings) problems.Problem { panic("no such grid") }
		}, "building it panicked: no such grid"},
	} {
		p := base()
		c.break_(p)
		err := Check(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestRegisterPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "set NewProblem") {
			t.Errorf("Register of a preset without a problem: recovered %v", r)
		}
	}()
	Register(&Preset{Name: "broken", Methods: []MethodDef{{Default: true}}})
}
