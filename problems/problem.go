package problems

import (
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
)

// Problem is one inverse problem: find x such that P(x) = y* for an observation y*.
//
// Tensors are batched, batch first: x has shape [batch]+XShape(), y has shape
// [batch]+YShape(). They are float32 at this boundary (the networks' precision); a problem
// may compute in float64 inside where the original did.
//
// Methods that take dst write their result into it and return it; a nil dst is allocated.
// One exception: a problem whose P reads part of the observation (fluid's marker m₀) takes
// it from Forward's dst and panics on a nil one; Forward(y.Clone(), x) works for every
// problem. Inputs or a dst of the wrong shape panic with a message that names the method.
// A Problem's methods do not modify their inputs. A Problem holds scratch buffers and is
// not safe for concurrent use; each training job uses its own (see Spec.New).
type Problem interface {
	// XShape and YShape are the shapes of one example's unknown and observation.
	XShape() []int
	YShape() []int

	// Sample draws batch fresh examples: the ground truth x* and the observation y*.
	Sample(rng *rand.Rand, batch int) (x, y *core.Tensor)

	// Forward computes P(x).
	Forward(dst, x *core.Tensor) *core.Tensor

	// Loss writes the physics loss L(x; y*) of every example into dst (len batch).
	Loss(dst []float64, x, y *core.Tensor) []float64

	// Gradient computes ∂L/∂x per example, the adjoint that backpropagation through P
	// sends into the network.
	Gradient(dst, x, y *core.Tensor) *core.Tensor

	// Updates names the scale-invariant inverse updates the problem offers (for example
	// "sip", or "newton" and "newton-clipped" for exp). The first is the default.
	Updates() []string

	// Update computes Δx = U(y* | x) of the named inverse update. It panics on a name
	// that Updates does not list.
	Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor

	// MetricNames lists the metrics Metrics reports, in order (x_l1 first).
	MetricNames() []string

	// Metrics writes the batch means of the metrics of the prediction x against the
	// ground truth xTrue and the observation y into dst (len(MetricNames())).
	Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64
}

// PredictionAdjuster is implemented by problems that post-process the network's output
// inside the differentiable graph (heat shifts the prediction to the observation's mean).
type PredictionAdjuster interface {
	AdjustPrediction(pred *core.Var, y *core.Tensor) *core.Var
}

// Parallel is implemented by problems whose physics can split a batch across goroutines:
// SetThreads(n) lets the methods that follow use up to n (n < 1 counts as 1), each
// example on one goroutine, so that every result is the same, bit for bit, for any n.
// The runner passes each job's op threads (core.Tape.Threads).
type Parallel interface {
	SetThreads(n int)
}

// A Nearer is a problem whose observation has several exact solutions (rotation): the
// viewers draw each prediction beside the solution closest to it, which the run writes
// into its snapshots (runner.FieldNearest).
type Nearer interface {
	// Nearest writes into dst (allocated when nil) the exact solution of each example's
	// observation y that is closest to its x, and returns it.
	Nearest(dst, x, y *core.Tensor) *core.Tensor
}

// A ChannelNamer names the channels of its unknown and its observation, for the viewers
// (fluid: the velocity's v_x and v_y; the marker's m_0 and m_T). The run writes the names
// into its snapshots (runner.Field's Channels); without them the viewers say ch 1, ch 2, ….
type ChannelNamer interface {
	// ChannelNames returns the names of x's channels and of y's, in order.
	ChannelNames() (x, y []string)
}

// A Drawn problem says how the viewers (the dashboard's fields pane, `sipbench plot`)
// draw its snapshots: one of the Draw kinds (runner.SnapshotKind). Without it the run
// infers the kind from the shapes: an unknown of one or two numbers a scatter or points
// over the batch, a larger one the fields of one example.
type Drawn interface {
	SnapshotKind() string
}

// The kinds of snapshots a Drawn problem can name (runner.SnapshotKind).
const (
	DrawFields  = "fields"  // heatmaps of one example's x*, y*, x and x − x*
	DrawScatter = "scatter" // a scalar unknown: x against x* over the batch
	DrawPoints  = "points"  // two unknowns: the predictions in the plane over the batch
	DrawPaths   = "paths"   // solvers' paths in the plane (PathProblem)
)
