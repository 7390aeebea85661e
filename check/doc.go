// Package check is the paper check: every claim of the paper that sipbench can measure,
// put beside a fresh measurement.
//
// A Claim quotes the paper, says where it stands (figure or table) and what the paper
// reports, and defines the number that tests it: a ratio of metric values of methods at
// given steps (Term), computed per seed, for example Adam's x MAE over SIP's at step 60.
// The ratio is stated so that a larger value means the claim's direction, and the paper's
// factor (Claim.Factor) is what it must reach. Judge turns the per-seed ratios into a
// Verdict: holds, short of the paper (right direction, smaller factor; Row.Reached says
// how much of it), does not hold, not comparable at this scale (Claim.Incomparable: the
// scale changes what the claim measures), or not measured at this scale when the runs end
// before the claim's step.
//
// A Plan lists the runs (Experiment) that the claims need at a scale (Quick, Paper, or Full:
// every claim at the step the paper names, for a cluster); Create writes it to
// a check folder (check.json, one run folder per experiment) and Train trains them one
// after the other, reporting each claim as soon as its runs have finished. Evaluate
// reads a check folder, or any run folders, and measures every claim it can from them:
// what `sipbench check` prints and the app's paper check screen shows. While runs train, a
// pending row carries a Provisional ratio at the latest step every seed has logged, never
// a verdict. The numbers come
// from runner.Summarize (the metric's running mean, runner.RunningMean, which smooths
// over 64 logged steps as the paper's plots) and eval.Table1.
package check
