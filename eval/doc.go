// Package eval measures: trained networks against the problems' iterative solvers (the
// paper's Table 1, Table1), which `sipbench table1` prints and the paper check reads, and
// the speed of whole U-Net training steps (BenchUNet, `sipbench bench`).
//
// It sees problems, networks and prediction functions, never a run folder or a screen:
// the caller loads a trained network (runner.LoadModel) and passes its Predict.
package eval
