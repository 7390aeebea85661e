package optimizers

import (
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/sipbench/sipbench/core"
)

// Constructor makes a network optimizer bound to params with learning rate lr. It may
// return a ClosureOptimizer (one that needs the objective, as Hessian-free does).
type Constructor func(params []*core.Param, lr float64) Optimizer

// XGradFunc writes into dst (of x's shape) the x-space gradient of one batch that a
// training method sends into the network, per example, before the batch reduction (XGrad
// scales it): from the problem's physics p, the predictions x, the observations y and the
// ground truth xTrue. It must not modify its inputs.
type XGradFunc func(dst *core.Tensor, p Physics, x, y, xTrue *core.Tensor)

var (
	regMu      sync.RWMutex
	registered = map[string]Constructor{}
	sources    = map[Source]XGradFunc{}
	plainName  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
)

// Register makes the optimizer called name available to every preset's methods
// (Method.Optimizer) and to New, after the built-in ones in Names. Call it from an init
// function of the package that defines the optimizer, before any preset is resolved. It
// panics on a name that is not plain lowercase ([a-z][a-z0-9_-]*, at most 32 bytes), that
// Names already lists, or on a nil constructor: a programming error, like registering a
// database driver twice.
func Register(name string, c Constructor) {
	regMu.Lock()
	defer regMu.Unlock()
	switch {
	case !plainName.MatchString(name):
		panic(fmt.Sprintf("optimizers: Register(%q): want a plain lowercase name ([a-z][a-z0-9_-]*, at most 32 bytes)", name))
	case slices.Contains(Names, name):
		panic(fmt.Sprintf("optimizers: Register(%q): an optimizer of that name exists", name))
	case c == nil:
		panic(fmt.Sprintf("optimizers: Register(%q): nil constructor", name))
	}
	registered[name] = c
	Names = append(Names, name)
}

// RegisterSource makes src a source of the x-space gradient that a preset's Method can
// name (Method.Source), computed by f; XGrad applies the batch reduction to what f writes.
// Call it from an init function. It panics on a source that exists (the built-in ones
// included), a name that is not plain lowercase, or a nil f.
func RegisterSource(src Source, f XGradFunc) {
	regMu.Lock()
	defer regMu.Unlock()
	switch {
	case !plainName.MatchString(string(src)):
		panic(fmt.Sprintf("optimizers: RegisterSource(%q): want a plain lowercase name", src))
	case slices.Contains([]Source{Adjoint, Inverse, Supervised, Sign}, src) || sources[src] != nil:
		panic(fmt.Sprintf("optimizers: RegisterSource(%q): a source of that name exists", src))
	case f == nil:
		panic(fmt.Sprintf("optimizers: RegisterSource(%q): nil function", src))
	}
	sources[src] = f
}

func registeredOptimizer(name string) Constructor {
	regMu.RLock()
	defer regMu.RUnlock()
	return registered[name]
}

func registeredSource(src Source) XGradFunc {
	regMu.RLock()
	defer regMu.RUnlock()
	return sources[src]
}
