package optimizers

// Hyper is a hyper-parameter of a network optimizer, besides its learning rate, that a
// search (sipbench tune) may tune: the preset setting <Name>.<method> of each method that
// steps with the optimizer, and the values a search tries.
type Hyper struct {
	Name string // the setting's prefix: "momentum" is the setting momentum.<method>
	Doc  string
	// Values are the values a search tries, in increasing order; the search crosses them
	// with its grid of learning rates.
	Values []float64
}

// hypers are the tunable hyper-parameters of the built-in optimizers:
//   - SGD's heavy-ball momentum μ, from none to the 0.9 that the original's presets use
//     and beyond (torch.optim.SGD's meaning, v ← μv + g);
//   - HIG's (and Gauss–Newton's) relative truncation τ: singular values below τ·σ_max are
//     dropped, over the decades around the HIG paper's 1e-6 (κ is not tuned: it names
//     the method, ½ HIG and 1 Gauss–Newton).
var hypers = map[string][]Hyper{
	"sgd": {{Name: "momentum", Doc: "heavy-ball momentum μ", Values: []float64{0, 0.5, 0.9, 0.99}}},
	"hig": {{Name: "tau", Doc: "relative truncation τ of the Jacobian's singular values", Values: []float64{1e-8, 1e-6, 1e-4, 1e-2}}},
}

// Hypers returns the hyper-parameters besides the learning rate that the optimizer named
// declares tunable, in a fixed order; nil for one that declares none (Adam's, AdaHessian's
// and the other adaptive optimizers' defaults are the original's, and only their rates
// are tuned).
func Hypers(optimizer string) []Hyper { return hypers[optimizer] }

// Hypers returns the tunable hyper-parameters of m's network optimizer (Hypers).
func (m Method) Hypers() []Hyper { return Hypers(m.Optimizer) }
