package runner

import (
	"errors"
	"slices"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
)

// StepTiming is what StepTimes measures.
type StepTiming struct {
	Times []time.Duration // the wall time of each timed step, in order
	// CGIterations are, for a Hessian-free job, the CG iterations of each timed step
	// (nil for other optimizers), and CGMax their limit per step: its step's cost is
	// about proportional to them, and they vary from step to step.
	CGIterations []int
	CGMax        int
}

// StepTimes times whole training steps of one job of spec, as the runner trains it: the
// method's network and optimizer initialised from seed, one step = sample a batch, the
// network's forward pass, the method's x-space gradient, backward, the optimizer's step
// (what metrics.csv's wall_s adds up, without writing rows, snapshots or checkpoints).
// The job's ops and physics run on threads goroutines, as a lone job's do. After warmup
// untimed steps it times steps steps; if mark is not nil it is called with true just
// before the first timed step and with false just after the last (to read the process's
// CPU time, say).
//
// Solver presets (no network) have no training step; StepTimes refuses them.
func StepTimes(spec *presets.Spec, method string, seed, threads, warmup, steps int, mark func(start bool)) (StepTiming, error) {
	if spec.NewSolver() != nil {
		return StepTiming{}, errors.New("preset " + spec.Preset.Name + " is a solver: it has no training step to time")
	}
	i := slices.IndexFunc(spec.Methods, func(m optimizers.Method) bool { return m.Name == method })
	if i < 0 {
		return StepTiming{}, errors.New("method " + method + " is not in the spec")
	}
	t, err := newTrainer(spec, spec.Methods[i], folder.JobInfo{ID: method, Method: method, Seed: seed}, "")
	if err != nil {
		return StepTiming{}, err
	}
	t.setThreads(threads)
	batch := spec.Common.Batch
	for range warmup {
		t.trainStep(batch)
	}
	st := StepTiming{Times: make([]time.Duration, steps)}
	hf, _ := t.opt.(*optimizers.HessianFree)
	if hf != nil {
		st.CGMax = hf.CGMaxIter
	}
	if mark != nil {
		mark(true)
	}
	for s := range st.Times {
		start := time.Now()
		t.trainStep(batch)
		st.Times[s] = time.Since(start)
		if hf != nil {
			st.CGIterations = append(st.CGIterations, hf.CGIterations)
		}
	}
	if mark != nil {
		mark(false)
	}
	return st, nil
}
