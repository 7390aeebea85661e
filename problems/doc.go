// Package problems holds the inverse problems of the SIP paper, one file per problem
// (one sub-package for fluid): data generation, the forward physics P, the loss, the
// gradient through P, the scale-invariant inverse updates U, metrics, and iterative solvers
// for single examples. It knows nothing of networks' internals, runs or screens.
package problems
