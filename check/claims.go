package check

import (
	"math"
	"slices"

	"github.com/sipbench/sipbench/summary"
)

// End stands for the end of training in Term.Step and Claim.Step: the last step that every
// job of the claim has logged, per seed, so that all its terms are compared at one step.
const End = summary.End

// A Term is one value that a claim needs: the claim's metric of one method's job at a
// step, in a run of the claim's preset whose settings include Settings.
type Term struct {
	Method string
	// Settings are settings the run must have ("xi": "32"), as run.json records them;
	// nil accepts any run of the preset.
	Settings map[string]string
	// Step is the step of the value; End for the claim's measuring step.
	Step int
}

// A Claim is one statement of the paper and the number that tests it: Ratio of the
// values of Terms, computed per seed, larger in the claim's direction. The claim holds
// when the mean over seeds reaches Factor and every seed is above 1 (Judge).
type Claim struct {
	ID     string // short and stable, "fig6b-60"
	Where  string // the figure or table: "Figure 6b"
	Words  string // the paper's words; "" where only a figure shows it
	Cite   string // where the words and the paper's value stand
	Preset string // the preset whose runs measure it (what --only names)
	// Metric is the metric of the terms; "" for the preset's.
	Metric string
	// Window is the full window of the running mean of each value (runner.SummaryOptions);
	// 0 for runner.DefaultWindow, the 64 of the paper's plots; 1 for exact iterates.
	Window int
	// Step is the step the paper names (60 in "a factor of 3 at iteration 60"), shown in
	// the row; End if it names none. Runs that end before it cannot measure the claim.
	Step int
	// Paper is the paper's value as the row shows it ("3×").
	Paper string
	// Factor is the value the ratio must reach for the claim to hold.
	Factor float64
	// Reading says how Factor was chosen where the paper gives no number; "" if it does.
	Reading string
	// Quantity names the ratio ("x_l1 adam ÷ sip").
	Quantity string
	Terms    []Term
	// Ratio is the ratio of one seed from its terms' values, in the order of Terms.
	Ratio func(v []float64) float64
	// Incomparable names the scales whose runs change what the claim measures, and why:
	// a row measured on them is NotComparable, never judged.
	Incomparable map[string]string
	// Table1 makes this a claim on Table 1 (eval.Table1) instead of metrics: per seed, the
	// evaluation of the reference method's network; the ratio is the iterated solver's
	// time per example over the network's. Terms and Ratio are unused.
	Table1 bool
}

// qualitative is the factor of a claim that states a direction ("fails", "behind",
// "degrades") without a number: a factor of 2 counts as clear.
const qualitative = 2

// behind is the reading of the claims that a method trails SIP: the paper's curves show
// the direction and give no factor.
const behind = "behind: a direction; the paper's curves give no factor"

// ratio returns the claim ratio v[0] / v[1].
func ratio(v []float64) float64 { return v[0] / v[1] }

// progress returns the factor by which the metric fell from v[0] (the first 64 steps) to
// v[1] (the end).
func progress(v []float64) float64 { return v[0] / v[1] }

// The references the claims cite.
const (
	paperFile = "sip-paper.txt"
	expFile   = "experiments.md"
)

// rot returns rotation settings ξ and φ (degrees) as run.json records them.
func rot(xi, phi string) map[string]string { return map[string]string{"xi": xi, "phi": phi} }

// rotationOthers are the network optimizers of Figure 5 besides SIP and Adam.
var rotationOthers = []string{"sgd", "adadelta", "adagrad", "rmsprop"}

// Claims returns the paper's claims in the order of the paper.
func Claims() []*Claim {
	return slices.Concat(introClaims(), rotationClaims(), poissonClaims(), heatClaims(), fluidClaims(), higClaims())
}

// introClaims are the claims of Figures 1 and 2: gradient descent crawls, and SGD and Adam fail on
// small values of the exponential problem.
func introClaims() []*Claim {
	return []*Claim{
		{
			ID: "fig1", Where: "Figure 1", Preset: "trajectories", Window: 1, Step: End,
			Words: "Gradient descent prescribes small updates to parameters that require a large change to decrease L " +
				"and vice-versa, typically resulting in slower convergence than Newton updates",
			Cite:  paperFile + " §2 and Figure 1; " + expFile + " \"Figure 1\"",
			Paper: "no number", Factor: 10, Reading: "GD crawls: its loss an order of magnitude above both PI's and Newton's after the figure's iterations",
			Quantity: "loss gd ÷ max(pi, newton)",
			Terms:    []Term{{Method: "gd", Step: End}, {Method: "pi", Step: End}, {Method: "newton", Step: End}},
			Ratio:    func(v []float64) float64 { return v[0] / math.Max(v[1], v[2]) },
		},
		{
			ID: "fig2", Where: "Figure 2", Preset: "exp", Step: End,
			Words: "Stochastic gradient descent (SGD) and Adam fail to approximate solutions for small values due to " +
				"scale variance. Normalizing the gradient in x space (Rescaled) improves solution accuracy",
			Cite:  paperFile + " Figure 2 and §3; " + expFile + " \"Figure 2\" (fail for x* below about −4)",
			Paper: "fail for x* < −4", Factor: qualitative, Reading: "fail: the x error for x* < −4 at least twice Rescaled's",
			Quantity: "x_l1_low min(adam, sgd) ÷ rescaled",
			Terms:    []Term{{Method: "adam", Step: End}, {Method: "sgd", Step: End}, {Method: "rescaled", Step: End}},
			Ratio:    func(v []float64) float64 { return math.Min(v[0], v[1]) / v[2] },
		},
	}
}

// pair returns the terms num and den at step, for the ratio num ÷ den.
func pair(num, den string, step int) []Term {
	return []Term{{Method: num, Step: step}, {Method: den, Step: step}}
}

// degradation is how much worse a method gets from the easy setting to the hard one,
// Adam's over SIP's, of the terms of degTerms.
func degradation(v []float64) float64 { return (v[1] / v[0]) / (v[3] / v[2]) }

// degTerms returns the terms of degradation: adam easy, adam hard, sip easy, sip hard.
func degTerms(easy, hard map[string]string) []Term {
	return []Term{{Method: "adam", Settings: easy, Step: End}, {Method: "adam", Settings: hard, Step: End},
		{Method: "sip", Settings: easy, Step: End}, {Method: "sip", Settings: hard, Step: End}}
}

// rotationClaims are the claims of Figure 5 on the rotation problem: only SIP and Adam make
// progress at ξ = 32, SIP far ahead, and SIP flat where Adam degrades with ξ and φ.
func rotationClaims() []*Claim {
	fig5c := rot("32", "45")
	var onlyTerms []Term
	for _, m := range append([]string{"sip", "adam"}, rotationOthers...) {
		onlyTerms = append(onlyTerms, Term{Method: m, Settings: fig5c, Step: 64}, Term{Method: m, Settings: fig5c, Step: End})
	}
	return []*Claim{
		{
			ID: "fig5c-only", Where: "Figure 5c", Preset: "rotation", Step: End,
			Words: "At ξ = 32, only SIP and Adam succeed in optimizing the network to a significant degree (Fig. 5c)",
			Cite:  paperFile + " §3.4; " + expFile + " \"Figure 5\"",
			Paper: "only SIP, Adam", Factor: qualitative,
			Reading:  "progress = x_dist at step 64 ÷ at the end; the lesser of SIP's and Adam's twice the best other optimizer's",
			Quantity: "progress min(sip, adam) ÷ max(sgd, adadelta, adagrad, rmsprop)",
			Terms:    onlyTerms,
			Ratio: func(v []float64) float64 {
				p := func(i int) float64 { return progress(v[2*i : 2*i+2]) }
				best := math.Inf(-1)
				for i := range rotationOthers {
					best = math.Max(best, p(2+i))
				}
				return math.Min(p(0), p(1)) / best
			},
		},
		{
			ID: "fig5c-ahead", Where: "Figure 5c", Preset: "rotation", Step: End,
			Cite: paperFile + " Figure 5c, the learning curves at ξ = 32, φ = π/4 (the text states no words on it); " +
				expFile + " \"Figure 5\"",
			Paper: "far ahead", Factor: 10, Reading: "far ahead: an order of magnitude",
			Quantity: "x_dist adam ÷ sip",
			Terms:    []Term{{Method: "adam", Settings: fig5c, Step: End}, {Method: "sip", Settings: fig5c, Step: End}},
			Ratio:    ratio,
		},
		{
			ID: "fig5d", Where: "Figure 5d", Preset: "rotation", Step: End,
			Words: "When increasing ξ with ϕ = 0 fixed (Fig. 5d), the accuracy of all traditional network optimizers " +
				"decreases […] This allows SIP training to retain its relative accuracy over a wide range of ξ",
			Cite:  paperFile + " §3.4; " + expFile + " \"Figure 5\"",
			Paper: "SIP flat", Factor: qualitative,
			Reading:  "x_dist at ξ = 32 ÷ at ξ = 1 (φ = 0): Adam's at least twice SIP's",
			Quantity: "x_dist ξ 32÷1 adam ÷ sip",
			Terms:    degTerms(rot("1", "0"), rot("32", "0")),
			Ratio:    degradation,
		},
		{
			ID: "fig5e", Where: "Figure 5e", Preset: "rotation", Step: End,
			Words: "Its diagonal approximation of the Hessian reduces the scaling effect […] but when the parameters are " +
				"coupled, the lack of off-diagonal terms prevents this. SIP training has no problem with coupled parameters",
			Cite:  paperFile + " §3.4; " + expFile + " \"Figure 5\"",
			Paper: "SIP flat", Factor: qualitative,
			Reading:  "x_dist at φ = 45° ÷ at φ = 0 (ξ = 32): Adam's at least twice SIP's",
			Quantity: "x_dist φ 45°÷0 adam ÷ sip",
			Terms:    degTerms(rot("32", "0"), rot("32", "45")),
			Ratio:    degradation,
		},
	}
}

// poissonClaims are the claims of Figure 6b on Poisson's equation.
func poissonClaims() []*Claim {
	return []*Claim{
		{
			ID: "fig6b-60", Where: "Figure 6b", Preset: "poisson", Step: 60,
			Words: "its relative performance difference compared to Adam continually increasing from a factor of 3 at iteration 60",
			Cite:  paperFile + " §3.5 Poisson's equation; " + expFile + " \"Figure 6 a,b\"",
			Paper: "3×", Factor: 3, Quantity: "x_l1 adam ÷ sip",
			Terms: pair("adam", "sip", 60), Ratio: ratio,
		},
		{
			ID: "fig6b-5k", Where: "Figure 6b", Preset: "poisson", Step: 5000,
			Words: "to a full order of magnitude after 5k iterations",
			Cite:  paperFile + " §3.5 Poisson's equation; " + expFile + " \"Figure 6 a,b\"",
			Paper: "10×", Factor: 10, Quantity: "x_l1 adam ÷ sip",
			Terms: pair("adam", "sip", 5000), Ratio: ratio,
		},
		{
			ID: "fig6b-adahessian", Where: "Figure 6b", Preset: "poisson", Step: 60,
			Words: "The training with SGD, Adam and AdaHessian drastically slows within the first 300 iterations. […] " +
				"During all of training, the SIP variant converges exponentially faster than the traditional optimizers",
			Cite:  paperFile + " §3.5 Poisson's equation; " + expFile + " \"Figure 6 a,b\"",
			Paper: "behind SIP", Factor: 1, Reading: behind,
			Quantity: "x_l1 adahessian ÷ sip", Terms: pair("adahessian", "sip", 60), Ratio: ratio,
		},
		{
			ID: "fig6b-hf", Where: "Figure 6b", Preset: "poisson", Step: 60,
			Words: "FNO and H-free both improve upon this behavior, reaching twice the accuracy before slowing. […] " +
				"During all of training, the SIP variant converges exponentially faster than the traditional optimizers",
			Cite:  paperFile + " §3.5 Poisson's equation; " + expFile + " \"Figure 6 a,b\"",
			Paper: "behind SIP", Factor: 1, Reading: behind,
			Quantity: "x_l1 hf ÷ sip", Terms: pair("hf", "sip", 60), Ratio: ratio,
		},
	}
}

// heatClaims are the claims of Figure 6d on the heat equation.
func heatClaims() []*Claim {
	return []*Claim{
		{
			ID: "fig6d-100", Where: "Figure 6d", Preset: "heat", Step: 100,
			Words: "At iteration 100, the predictions are around 34% more accurate compared to Adam",
			Cite:  paperFile + " §3.5 Heat equation; " + expFile + " \"Figure 6 c,d\"",
			Paper: "1.34×", Factor: 1.34, Quantity: "x_l1 adam ÷ sip",
			Terms: pair("adam", "sip", 100), Ratio: ratio,
		},
		{
			ID: "fig6d-10k", Where: "Figure 6d", Preset: "heat", Step: 10000,
			Words: "and the difference increases to 130% after 10k iterations",
			Cite:  paperFile + " §3.5 Heat equation; " + expFile + " \"Figure 6 c,d\" (i.e. 2.3×)",
			Paper: "2.3×", Factor: 2.3, Quantity: "x_l1 adam ÷ sip",
			Terms: pair("adam", "sip", 10000), Ratio: ratio,
		},
		{
			ID: "fig6d-adahessian", Where: "Figure 6d", Preset: "heat", Step: 100,
			Words: "When training with SGD, Adam or AdaHessian, we observe that the distance to the solution starts rapidly " +
				"decreasing before decelerating between iterations 30 and 40 to a slow but mostly stable convergence",
			Cite:  paperFile + " §3.5 Heat equation; " + expFile + " \"Figure 6 c,d\"",
			Paper: "behind SIP", Factor: 1, Reading: behind,
			Quantity: "x_l1 adahessian ÷ sip", Terms: pair("adahessian", "sip", 100), Ratio: ratio,
		},
		{
			ID: "fig6d-hf", Where: "Figure 6d", Preset: "heat", Step: 100,
			Words: "H-free initially finds better solutions but then stagnates with the solution quality slowly deteriorating",
			Cite:  paperFile + " §3.5 Heat equation; " + expFile + " \"Figure 6 c,d\"",
			Paper: "behind SIP", Factor: 1, Reading: behind,
			Quantity: "x_l1 hf ÷ sip", Terms: pair("hf", "sip", 100), Ratio: ratio,
		},
	}
}

// fluidClaims are the claims of Figure 7b and Table 1 on the Navier-Stokes equations.
func fluidClaims() []*Claim {
	return []*Claim{
		{
			ID: "fig7-200", Where: "Figure 7b", Preset: "fluid", Step: 200,
			Words: "The error rapidly decreases during the first 200 iterations, at which point the inferred solutions are " +
				"more accurate than pure Adam training by a factor of 2.3",
			Cite:  paperFile + " §3.5 Navier-Stokes equations; " + expFile + " \"Figure 7 and Table 1\"",
			Paper: "2.3×", Factor: 2.3, Quantity: "x_l1 gd ÷ sip",
			Terms: pair("gd", "sip", 200), Ratio: ratio,
		},
		{
			ID: "fig7-20k", Where: "Figure 7b", Preset: "fluid", Step: 20000,
			Words: "reaching a relative accuracy advantage of 5x after 20k iterations",
			Cite:  paperFile + " §3.5 Navier-Stokes equations; " + expFile + " \"Figure 7 and Table 1\"",
			Paper: "5×", Factor: 5, Quantity: "x_l1 gd ÷ sip",
			Terms: pair("gd", "sip", 20000), Ratio: ratio,
		},
		{
			ID: "table1", Where: "Table 1", Preset: "fluid", Step: End, Table1: true,
			Words: "To reach the same solution quality as the neural network prediction, P⁻¹NS needs 7 iterations on " +
				"average, which takes more than 10,000 times as long",
			Cite:  paperFile + " §3.5 and Table 1 (2.2 s against 0.11 ms); " + expFile + " \"Figure 7 and Table 1\"",
			Paper: "> 10,000×", Factor: 1e4, Quantity: "time to equal x MAE: solver ÷ network",
			Incomparable: map[string]string{Quick: "at the quick scale (32×32, batch 16) the iterated solver reaches the " +
				"network's error in about one iteration where the paper's needs 7: the ratio times another race than the paper's table"},
		},
	}
}

// Presets returns the presets that claims are measured on, in the order of Claims.
func Presets() []string {
	var out []string
	for _, c := range Claims() {
		if !slices.Contains(out, c.Preset) {
			out = append(out, c.Preset)
		}
	}
	return out
}

// methods returns the methods of the claim's terms.
func (c *Claim) methods() []string {
	var out []string
	for _, t := range c.Terms {
		if !slices.Contains(out, t.Method) {
			out = append(out, t.Method)
		}
	}
	return out
}
