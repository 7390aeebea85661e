package process

import (
	"fmt"

	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems"
)

// PresetHint is a process's proposal of how to train its problem (describe's "preset"):
// the network, the methods and the default steps and batch. Every field may be left out.
type PresetHint struct {
	Network   *presets.Network `json:"network,omitempty"`
	Methods   []MethodHint     `json:"methods,omitempty"`
	Steps     int              `json:"steps,omitempty"`
	Batch     int              `json:"batch,omitempty"`
	Metric    string           `json:"metric,omitempty"`
	Reference string           `json:"reference,omitempty"`
	Reduction string           `json:"reduction,omitempty"` // "mean" (default) or "sum"
}

// MethodHint is one proposed training method (optimizers.Method in JSON).
type MethodHint struct {
	Name      string  `json:"name"`
	Source    string  `json:"source"`           // adjoint, inverse, supervised, sign
	Update    string  `json:"update,omitempty"` // for inverse: one of the updates
	Proxy     string  `json:"proxy,omitempty"`  // for inverse: l2 (default) or l1
	Optimizer string  `json:"optimizer"`        // adam, sgd, …
	LR        float64 `json:"lr"`
	Default   bool    `json:"default"`
}

// The defaults of a process preset without a hint.
const (
	DefaultSteps = 1000
	DefaultBatch = 64
)

// Preset returns the preset that trains the problem of the process argv, as described by
// d: the hint's network, methods, steps and batch, or the defaults: an MLP
// (in-64-64-out, ReLU) for one-dimensional shapes, a U-Net (4 levels, 16 filters) for
// [channels, height, width] ones of one size; one method per update (SIP training with
// Adam 1e-3; the first by default), Adam through the adjoint (by default) and supervised
// training. Each job starts its own process with o (NewProblem panics with the *Fault of a
// process that fails to start; the runner marks the job failed). The preset's Command is
// command, which runs record.
func Preset(d Description, command string, argv []string, o Options) (*presets.Preset, error) {
	h := PresetHint{}
	if d.Preset != nil {
		h = *d.Preset
	}
	net, err := network(d, h)
	if err != nil {
		return nil, err
	}
	p := &presets.Preset{
		Name:        d.Name,
		Description: "the problem process " + command,
		Network:     net.String(),
		Metric:      h.Metric,
		Reference:   h.Reference,
		Reduction:   optimizers.Reduction(h.Reduction),
		Command:     command,
	}
	if p.Metric == "" {
		p.Metric = "x_l1"
	}
	if p.Reduction != "" && p.Reduction != optimizers.Mean && p.Reduction != optimizers.Sum {
		return nil, fmt.Errorf("problem process: preset reduction %q: want mean or sum", h.Reduction)
	}
	methods := h.Methods
	if len(methods) == 0 {
		for i, u := range d.Updates {
			methods = append(methods, MethodHint{Name: u, Source: "inverse", Update: u, Optimizer: "adam", LR: 1e-3, Default: i == 0})
		}
		methods = append(methods, MethodHint{Name: "adam", Source: "adjoint", Optimizer: "adam", LR: 1e-3, Default: true},
			MethodHint{Name: "supervised", Source: "supervised", Optimizer: "adam", LR: 1e-3})
	}
	for _, m := range methods {
		p.Methods = append(p.Methods, presets.MethodDef{Method: optimizers.Method{Name: m.Name, Source: optimizers.Source(m.Source),
			Update: m.Update, Proxy: optimizers.ProxyLoss(m.Proxy), Optimizer: m.Optimizer, LR: m.LR}, Default: m.Default})
		if p.Reference == "" && m.Source == "inverse" {
			p.Reference = m.Name
		}
	}
	if p.Reference == "" {
		p.Reference = methods[0].Name
	}
	steps, batch := h.Steps, h.Batch
	if steps == 0 {
		steps = DefaultSteps
	}
	if batch == 0 {
		batch = DefaultBatch
	}
	p.Scales = []presets.Scale{{Name: "quick", Note: "the process's proposal", Common: presets.Common{Steps: steps, Batch: batch}}}
	p.NewNetwork = func(presets.Settings) presets.Network { return net }
	p.NewProblem = func(presets.Settings) problems.Problem {
		proc, err := Start(argv, o)
		if err != nil {
			if f, ok := err.(*Fault); ok {
				panic(f)
			}
			panic(&Fault{Call: "start", Reason: err.Error()})
		}
		return proc
	}
	return p, nil
}

func network(d Description, h PresetHint) (presets.Network, error) {
	if h.Network != nil {
		if err := h.Network.Validate(); err != nil {
			return presets.Network{}, fmt.Errorf("problem process: preset network: %v", err)
		}
		return *h.Network, nil
	}
	xs, ys := d.XShape, d.YShape
	switch {
	case len(xs) == 1 && len(ys) == 1:
		return presets.Network{Kind: presets.MLP, Sizes: []int{ys[0], 64, 64, xs[0]}, Activation: "relu"}, nil
	case len(xs) == 3 && len(ys) == 3 && xs[1] == ys[1] && xs[2] == ys[2]:
		return presets.Network{Kind: presets.UNet, In: ys[0], Out: xs[0], Levels: 4, Filters: 16}, nil
	}
	return presets.Network{}, fmt.Errorf("problem process: no default network for x %v from y %v: describe one (preset.network; docs/problem-protocol.md)",
		xs, ys)
}
