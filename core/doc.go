// Package core is sipbench's shared numeric core: float32 tensors, a reverse-mode
// automatic differentiation tape, network layers (MLP, U-Net), the one GEMM entry point
// through which every matrix product goes, and FFT and grid operators.
//
// Vocabulary of the autodiff (after micrograd and gomlx):
//   - a Var is a node on a Tape: a value and, after Backward, the adjoint (the gradient of
//     the seeded output with respect to that value);
//   - a leaf is a Var without inputs: a constant (Const), an input that wants a gradient
//     (Input), or a network parameter (Param), whose gradient accumulates into Param.Grad;
//   - an op records, next to its forward computation, the vector-Jacobian product (VJP)
//     that adds its output's adjoint into its inputs' adjoints;
//   - Backward seeds one node with any upstream gradient (not only a scalar loss) and sweeps
//     the tape in reverse recording order, which is a topological order.
//
// Layouts: fields are NCHW, vectors are [batch, features]. Every op checks its shapes and
// panics with a message that names the op and both shapes; the run boundary recovers such
// panics into errors for the user.
//
// core imports nothing of sipbench's; it knows nothing of problems, runs or screens.
// Functions are synchronous; a Tape is not safe for concurrent use, but ops may split a
// batch across goroutines internally with results that do not depend on how many.
package core
