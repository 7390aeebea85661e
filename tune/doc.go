// Package tune searches each method's learning rate by successive halving, so that a
// baseline is compared at its best rate and not at the one its preset happens to give.
//
// A log grid of rates is trained a short way; per method, the better half of its rates (by
// the preset's metric on held-out examples, runner.Validate: a validation stream that no
// training batch comes from) goes on to a rung of twice the steps, until one rate per
// method remains, trained for the full steps. Each rung is a sweep folder of run folders,
// one per rate, so that `sipbench show`, `runs` and the dashboard read it as any sweep, and
// Slurm trains it as one array. The tune folder's tuned.json records the plan, every rung's
// curve (score against rate, the kept rates marked), the budget used and each method's best
// rate; `sipbench run PRESET --tuned DIR` trains at those rates.
package tune
