package problems

import "github.com/sipbench/sipbench/core"

// Hessianer is implemented by problems that give the Hessian ∂²L/∂x² of every example's
// loss, which the Newton solver needs.
type Hessianer interface {
	// Hessian writes the n×n Hessian of each example's loss, n = the example length,
	// row-major and example after example (len batch·n·n), into dst (allocated when nil)
	// and returns it.
	Hessian(dst []float64, x, y *core.Tensor) []float64
}
