package presets

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/core"
)

// Network describes a network architecture as data, as a run folder records it
// (config.json's "network"), so that a run resumes with the network it was started with,
// whatever the preset's code says today. Build makes the network.
type Network struct {
	Kind string `json:"kind"` // "mlp", "unet" or "fno"

	Sizes      []int  `json:"sizes,omitempty"`      // mlp: layer widths, input first
	Activation string `json:"activation,omitempty"` // mlp: "relu" or "sigmoid"

	In  int `json:"in,omitempty"`  // unet, fno: input channels
	Out int `json:"out,omitempty"` // unet, fno: output channels

	Levels  int `json:"levels,omitempty"`  // unet
	Filters int `json:"filters,omitempty"` // unet: filters per level

	Layers int `json:"layers,omitempty"` // fno: Fourier layers
	Modes  int `json:"modes,omitempty"`  // fno: Fourier modes kept per direction
	Width  int `json:"width,omitempty"`  // fno: channels of the Fourier layers
	// Padding is fno's zero cells appended along both axes around the Fourier layers
	// (0: none; the original: 9).
	Padding int `json:"padding,omitempty"`
}

// The network kinds Build knows.
const (
	MLP  = "mlp"
	UNet = "unet"
	FNO  = "fno"
)

// activations are the MLP activations Build knows, by name.
var activations = map[string]core.Activation{"relu": core.ReLU, "sigmoid": core.Sigmoid}

// Validate reports whether Build can make n: a known kind with positive sizes.
func (n Network) Validate() error {
	positive := func(what string, vs ...int) error {
		for _, v := range vs {
			if v <= 0 || v > 1<<16 {
				return fmt.Errorf("presets: %s network: %s %v out of range [1, 65536]", n.Kind, what, vs)
			}
		}
		return nil
	}
	switch n.Kind {
	case MLP:
		if len(n.Sizes) < 2 {
			return fmt.Errorf("presets: mlp network: %d layer sizes, want at least 2", len(n.Sizes))
		}
		if _, ok := activations[n.Activation]; !ok {
			return fmt.Errorf("presets: mlp network: unknown activation %q (relu, sigmoid)", n.Activation)
		}
		return positive("sizes", n.Sizes...)
	case UNet:
		return positive("in, out, levels, filters", n.In, n.Out, n.Levels, n.Filters)
	case FNO:
		if n.Padding < 0 || n.Padding > 1<<16 {
			return fmt.Errorf("presets: fno network: padding %d out of range [0, 65536]", n.Padding)
		}
		return positive("in, out, layers, modes, width", n.In, n.Out, n.Layers, n.Modes, n.Width)
	}
	return fmt.Errorf("presets: unknown network kind %q (this sipbench builds mlp, unet, fno)", n.Kind)
}

// Build returns the network with initial weights drawn from rng, or the error of Validate.
func (n Network) Build(rng *rand.Rand) (core.Network, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	switch n.Kind {
	case MLP:
		return core.NewMLP(n.Sizes, activations[n.Activation], rng), nil
	case UNet:
		return core.NewUNet(n.In, n.Out, n.Levels, n.Filters, rng), nil
	}
	f := core.NewFNO(n.In, n.Out, n.Layers, n.Modes, n.Width, rng)
	f.Padding = n.Padding
	return f, nil
}

// String describes n in words: "MLP 1-16-64-16-1, Sigmoid", "U-Net 1→1, 4 levels, 16
// filters", "FNO 1→1, 4 Fourier layers, 12 modes, width 32".
func (n Network) String() string {
	switch n.Kind {
	case MLP:
		var s []string
		for _, v := range n.Sizes {
			s = append(s, strconv.Itoa(v))
		}
		act := n.Activation
		if act == "relu" {
			act = "ReLU"
		} else if act != "" {
			act = strings.ToUpper(act[:1]) + act[1:]
		}
		return fmt.Sprintf("MLP %s, %s", strings.Join(s, "-"), act)
	case UNet:
		return fmt.Sprintf("U-Net %d→%d, %d levels, %d filters", n.In, n.Out, n.Levels, n.Filters)
	case FNO:
		s := fmt.Sprintf("FNO %d→%d, %d Fourier layers, %d modes, width %d", n.In, n.Out, n.Layers, n.Modes, n.Width)
		if n.Padding > 0 {
			s += fmt.Sprintf(", padded by %d", n.Padding)
		}
		return s
	}
	return n.Kind
}
