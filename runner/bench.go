package runner

import (
	"errors"
	"slices"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
)

// StepTimes times whole training steps of one job of spec, as the runner trains it: the
// method's network and optimizer initialised from seed, one step = sample a batch, the
// network's forward pass, the method's x-space gradient, backward, the optimizer's step
// (what metrics.csv's wall_s adds up, without writing rows, snapshots or checkpoints).
// The job's ops and physics run on threads goroutines, as a lone job's do. After warmup
// untimed steps it times steps steps and returns their durations in order; if mark is not
// nil it is called with true just before the first timed step and with false just after
// the last (to read the process's CPU time, say).
//
// Solver presets (no network) have no training step; StepTimes refuses them.
func StepTimes(spec *presets.Spec, method string, seed, threads, warmup, steps int, mark func(start bool)) ([]time.Duration, error) {
	if spec.NewSolver() != nil {
		return nil, errors.New("preset " + spec.Preset.Name + " is a solver: it has no training step to time")
	}
	i := slices.IndexFunc(spec.Methods, func(m optimizers.Method) bool { return m.Name == method })
	if i < 0 {
		return nil, errors.New("method " + method + " is not in the spec")
	}
	t, err := newTrainer(spec, spec.Methods[i], folder.JobInfo{ID: method, Method: method, Seed: seed}, "")
	if err != nil {
		return nil, err
	}
	t.setThreads(threads)
	batch := spec.Common.Batch
	for range warmup {
		t.trainStep(batch)
	}
	times := make([]time.Duration, steps)
	if mark != nil {
		mark(true)
	}
	for s := range times {
		start := time.Now()
		t.trainStep(batch)
		times[s] = time.Since(start)
	}
	if mark != nil {
		mark(false)
	}
	return times, nil
}
