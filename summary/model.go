package summary

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems"
)

// Model is the trained network of one job, read back from its run folder: what `sipbench
// table1` evaluates.
type Model struct {
	Spec *presets.Spec // the run's preset and settings (run.json)
	Job  folder.JobInfo
	Net  core.Network // the weights and BatchNorm statistics of the checkpoint
	Step int          // the training step the checkpoint was written at

	tape *core.Tape // Predict's, in evaluation mode
}

// LoadModel rebuilds the network of the job in the run folder dir: the Spec from
// folder's record (ReadSpec), the method's network as recorded, and its
// parameters and buffers from the job's checkpoint.bin, in the order saveCheckpoint
// writes them (parameters, then buffers; the optimizer state after them is not read).
// It fails for a folder that is no run, an unknown job, a solver preset (no network),
// a job without a checkpoint, and a checkpoint that does not fit the network.
func LoadModel(dir, job string) (*Model, error) {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("runner: %s is not a run folder (no %s)", dir, folder.RunFile)
		}
		return nil, err
	}
	var ji *folder.JobInfo
	var ids []string
	for i := range info.Jobs {
		ids = append(ids, info.Jobs[i].ID)
		if info.Jobs[i].ID == job {
			ji = &info.Jobs[i]
		}
	}
	if ji == nil {
		return nil, fmt.Errorf("runner: %s has no job %q (jobs: %s)", dir, job, strings.Join(ids, ", "))
	}
	spec, err := folder.ReadSpec(dir, info)
	if err != nil {
		return nil, err
	}
	if spec.Preset.IsSolver() {
		return nil, fmt.Errorf("runner: %s: preset %s trains no network", dir, spec.Preset.Name)
	}
	c, meta, err := folder.ReadCheckpoint(dir, job)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("runner: %s/%s has no checkpoint yet (it is written every checkpoint_every steps and at the end)", dir, job)
	}
	if err != nil {
		return nil, err
	}
	net, err := spec.NewNetworkFor(ji.Method, rand.New(rand.NewPCG(0, 0))) // weights are overwritten
	if err != nil {
		return nil, err
	}
	var dst []*core.Tensor
	var prefix []string
	for _, p := range net.Params() {
		dst = append(dst, p.Value)
		prefix = append(prefix, "param/")
	}
	for _, b := range net.Buffers() {
		dst = append(dst, b)
		prefix = append(prefix, "buffer/")
	}
	if len(c.Tensors) < len(dst) {
		return nil, fmt.Errorf("runner: %s: checkpoint has %d tensors, the network needs %d", job, len(c.Tensors), len(dst))
	}
	for i, d := range dst {
		ct := c.Tensors[i]
		if !strings.HasPrefix(ct.Name, prefix[i]) || !core.SameShape(d.Shape, ct.T.Shape) {
			return nil, fmt.Errorf("runner: %s: checkpoint tensor %d is %s of shape %v, want a %s tensor of shape %v",
				job, i, ct.Name, ct.T.Shape, strings.TrimSuffix(prefix[i], "/"), d.Shape)
		}
		d.CopyFrom(ct.T)
	}
	return &Model{Spec: spec, Job: *ji, Net: net, Step: meta.Step}, nil
}

// Predict returns the network's predictions for the observations y in evaluation mode
// (BatchNorm uses its running statistics, which stay unchanged), with the problem's
// post-processing (problems.PredictionAdjuster) applied; p must be a problem of m.Spec.
// It reuses one tape across calls (so that repeated calls of one shape allocate little)
// whose ops may split the batch over threads goroutines; the result is a fresh tensor.
// Predict is not safe for concurrent use.
func (m *Model) Predict(p problems.Problem, y *core.Tensor, threads int) *core.Tensor {
	if m.tape == nil {
		m.tape = core.NewTape()
		m.tape.Training = false
	}
	m.tape.Reset()
	m.tape.Threads = threads
	pred := m.Net.Forward(m.tape.Const(y))
	if adj, ok := p.(problems.PredictionAdjuster); ok {
		pred = adj.AdjustPrediction(pred, y)
	}
	return pred.Value.Clone()
}

// Predictor returns Predict for the problem p on threads goroutines, as a function of
// the observations: what eval.Table1 takes.
func (m *Model) Predictor(p problems.Problem, threads int) func(y *core.Tensor) *core.Tensor {
	return func(y *core.Tensor) *core.Tensor { return m.Predict(p, y, threads) }
}
