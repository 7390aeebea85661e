package presets_test

import (
	"fmt"

	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems"
)

// A preset of your own, from another module: the problem (any problems.Problem; here the
// paper's exp under another name), the network, the methods with their sources, network
// optimizers and learning rates, and the scales with typed settings. Register it from an
// init function of your package; a binary that imports the package and calls cli.Main
// (package cli) has it in every command and the app. examples/arm is a complete one.
// MySettings are the example preset's own settings: the tags name the --set key, its
// bounds and what it means.
type MySettings struct {
	Width int `set:"width" min:"1" max:"256" doc:"hidden units"`
}

func Example() {
	p := &presets.Preset{
		Name:        "myexp",
		Description: "exp(x) = y*, with a setting of my own",
		Network:     "MLP 1-16-1, Sigmoid",
		Metric:      "x_l1",
		Reference:   "sip",
		Methods: []presets.MethodDef{
			{Method: optimizers.Method{Name: "sip", Source: optimizers.Inverse, Update: "newton-clipped", Optimizer: "adam", LR: 1e-3}, Default: true},
			{Method: optimizers.Method{Name: "adam", Source: optimizers.Adjoint, Optimizer: "adam", LR: 1e-3}, Default: true},
		},
		Scales: []presets.Scale{
			{Name: "quick", Note: "1000 steps", Common: presets.Common{Steps: 1000, Batch: 100}, Own: MySettings{Width: 16}},
		},
		NewProblem: func(presets.Settings) problems.Problem { return problems.NewExp() },
		NewNetwork: func(s presets.Settings) presets.Network {
			return presets.Network{Kind: presets.MLP, Sizes: []int{1, s.Own.(MySettings).Width, 1}, Activation: "sigmoid"}
		},
	}
	presets.Register(p) // in your package: func init() { presets.Register(p) }

	spec, err := p.Resolve("", nil, []string{"width=32", "lr.adam=3e-4"})
	if err != nil {
		panic(err)
	}
	fmt.Println(spec.MethodNames(), spec.Common.Steps, spec.Network("adam"))
	for _, m := range spec.Methods {
		fmt.Println(m.Name, m.Source, m.Optimizer, m.LR)
	}
	// Output:
	// [sip adam] 1000 MLP 1-32-1, Sigmoid
	// sip inverse adam 0.001
	// adam adjoint adam 0.0003
}
