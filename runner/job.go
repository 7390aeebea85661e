package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems"
)

// trainer is the network job: one method with one seed, training a network with an
// optimizer on batches of the problem.
type trainer struct {
	progress

	info    folder.JobInfo
	method  optimizers.Method
	spec    *presets.Spec
	dir     string // the job's folder
	metrics []string

	prob  problems.Problem
	net   core.Network
	opt   optimizers.Optimizer
	tape  *core.Tape
	pcg   *rand.PCG // the data stream; its state is checkpointed
	rng   *rand.Rand
	xgrad *core.Tensor
	vals  []float64

	last struct{ xTrue, y, x *core.Tensor } // the batch and prediction of the last step

	objTape *core.Tape // the scratch tape of closure optimizers' re-evaluations

	// bind is the run the job belongs to, written into its checkpoints and checked in
	// those it resumes from (see bindTo); unset, nothing is checked (tests of the trainer).
	bind *runBinding
}

// runBinding ties a checkpoint to its run: the run's id (RunInfo.ID, "" in folders from
// before run ids) and a hash of the job's recorded settings (settingsHash).
type runBinding struct {
	run, settings string
}

// bindTo binds the trainer's checkpoints to the run info (read from run.json).
func (t *trainer) bindTo(info folder.Info) {
	t.bind = &runBinding{run: info.ID, settings: settingsHash(info, t.info)}
}

// settingsHash returns a hash of what the run records of the job that decides its
// training: its preset, scale and settings, its method, seed, optimizer and learning rate.
// Two runs that differ in any of them (a checkpoint of the run at ξ = 1 copied into the
// run at ξ = 32) give different hashes. The number of steps, the time limit and the
// cadence of checkpoints and snapshots are left out: they do not change the steps
// trained so far, so a run may be extended.
func settingsHash(info folder.Info, job folder.JobInfo) string {
	settings := map[string]string{}
	for k, v := range info.Settings {
		switch k {
		case presets.KeySteps, presets.KeyMaxSeconds, presets.KeyCheckpointEvery, presets.KeySnapshotEvery:
		default:
			settings[k] = v
		}
	}
	job.Steps = 0
	b, _ := json.Marshal(struct { // encoding/json writes a map's keys sorted
		Preset, Scale string
		Settings      map[string]string
		Job           folder.JobInfo
	}{info.Preset, info.Scale, settings, job})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// check returns an error unless the checkpoint's metadata belongs to the bound run. A
// checkpoint that records no run id is accepted only in a run that has none either (a
// folder from before run ids, with its checkpoints); one that records no settings hash
// only by the same rule.
func (b *runBinding) check(meta folder.CheckpointMeta) error {
	name := func(run, settings string) string {
		if run == "" {
			run = "none (written before run ids)"
		}
		if settings == "" {
			settings = "none"
		}
		return fmt.Sprintf("run id %s, settings hash %s", run, settings)
	}
	if meta.Run != b.run || meta.Settings != "" && meta.Settings != b.settings || meta.Settings == "" && b.run != "" {
		return fmt.Errorf("it belongs to another run (%s); this run is %s", name(meta.Run, meta.Settings), name(b.run, b.settings))
	}
	return nil
}

// seedStreams are the PCG stream numbers of a seed's two random streams.
const (
	streamInit = 1 // initial weights
	streamData = 2 // training batches
)

func newTrainer(spec *presets.Spec, m optimizers.Method, info folder.JobInfo, dir string) (*trainer, error) {
	t := &trainer{info: info, method: m, spec: spec, dir: dir}
	t.prob = spec.NewProblem()
	t.metrics = t.prob.MetricNames()
	net, err := spec.NewNetworkFor(m.Name, rand.New(rand.NewPCG(uint64(info.Seed), streamInit))) // a method may bring its own network (fno)
	if err != nil {
		return nil, err
	}
	t.net = net
	opt, err := m.NewOptimizer(t.net.Params())
	if err != nil {
		return nil, err
	}
	t.opt = opt
	t.tape = core.NewTape()
	t.pcg = rand.NewPCG(uint64(info.Seed), streamData)
	t.rng = rand.New(t.pcg)
	t.vals = make([]float64, len(t.metrics))
	return t, nil
}

// setThreads lets the job's ops and, where the problem splits its batch
// (problems.Parallel), its physics use n goroutines.
func (t *trainer) setThreads(n int) {
	t.tape.Threads = n
	if p, ok := t.prob.(problems.Parallel); ok {
		p.SetThreads(n)
	}
}

// trainStep runs one training step and leaves the step's metrics (measured on the batch,
// before the update) in t.vals. It returns the batch and prediction for snapshots.
func (t *trainer) trainStep(batch int) (xTrue, y, x *core.Tensor) {
	tape := t.tape
	tape.Reset()
	xTrue, y = t.prob.Sample(t.rng, batch)
	pred := t.net.Forward(tape.Const(y))
	if adj, ok := t.prob.(problems.PredictionAdjuster); ok {
		pred = adj.AdjustPrediction(pred, y)
	}
	x = pred.Value
	t.xgrad = t.method.XGrad(t.xgrad, t.prob, x, y, xTrue)
	core.ZeroGrads(t.net.Params())
	tape.Backward(pred, t.xgrad)
	t.prob.Metrics(t.vals, x, xTrue, y)
	// --- closure optimizers (AdaHessian, Hessian-free): re-evaluate on the same batch.
	if co, ok := t.opt.(optimizers.ClosureOptimizer); ok {
		co.StepWith(t.objective(y, xTrue, pred))
		t.step++
		return xTrue, y, x
	}
	// ---
	t.opt.Step()
	t.step++
	return xTrue, y, x
}

// objective returns the training objective of the batch (y*, x*) for a closure
// optimizer, on a tape of its own so that the step's prediction stays valid. pred, if not
// nil, is the step's prediction at the current parameters on the job's tape, recorded as
// the objective's forward pass records it: the objective's base (UseBase), which saves a
// Hessian-free step a forward pass per CG iteration.
func (t *trainer) objective(y, xTrue *core.Tensor, pred *core.Var) *optimizers.NetObjective {
	if t.objTape == nil {
		t.objTape = core.NewTape()
	}
	t.objTape.Threads = t.tape.Threads
	obj := &optimizers.NetObjective{Net: t.net, Tape: t.objTape, Method: t.method, Physics: t.prob, Y: y, XTrue: xTrue}
	if adj, ok := t.prob.(problems.PredictionAdjuster); ok {
		obj.Forward = func(tp *core.Tape) *core.Var { return adj.AdjustPrediction(t.net.Forward(tp.Const(y)), y) }
	}
	if pred != nil {
		obj.UseBase(pred)
	}
	return obj
}

var _ job = (*trainer)(nil)

func (t *trainer) metricNames() []string { return t.metrics }

func (t *trainer) at() *progress { return &t.progress }

// advance trains one step on a batch of the spec's size.
func (t *trainer) advance() []float64 {
	t.last.xTrue, t.last.y, t.last.x = t.trainStep(t.spec.Common.Batch)
	return t.vals
}

// finite reports whether the last step's metrics and prediction are all finite.
func (t *trainer) finite() bool {
	for _, v := range t.vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return t.last.x.AllFinite()
}

// snapshot returns the viewers' fields of the last step (snapshotOf).
func (t *trainer) snapshot() *folder.Snapshot {
	return t.snapshotOf(t.last.xTrue, t.last.y, t.last.x)
}

// resume restores the job from its checkpoint in the run folder runDir (loadCheckpoint).
func (t *trainer) resume(runDir string) (bool, error) { return t.loadCheckpoint(runDir) }

// checkpoint saves the network, the optimizer and the data stream (saveCheckpoint).
func (t *trainer) checkpoint() error { return t.saveCheckpoint() }

// close ends the problem's process, if it has one.
func (t *trainer) close() {
	if c, ok := t.prob.(io.Closer); ok {
		c.Close()
	}
}

// snapshotOf returns the fields for the viewers: for field problems example 0's x*, y*, x
// and x−x*; for problems whose examples have at most 2 components, the whole batch as
// [batch, components] arrays, with the exact solutions nearest to the predictions if the
// problem has several (problems.Nearer). Its kind is the problem's (problems.Drawn), else
// the one its fields imply.
func (t *trainer) snapshotOf(xTrue, y, x *core.Tensor) *folder.Snapshot {
	s := &folder.Snapshot{Step: t.step}
	field := func(name string, src *core.Tensor, sub func(a, b float32) float32, other *core.Tensor) {
		var shape []int
		var data []float32
		if src.ExampleLen() <= 2 {
			shape = []int{src.Batch(), src.ExampleLen()}
			data = append([]float32(nil), src.Data...)
		} else {
			shape = append([]int(nil), src.Shape[1:]...)
			data = append([]float32(nil), src.Example(0)...)
		}
		if sub != nil {
			for i := range data {
				var o []float32
				if src.ExampleLen() <= 2 {
					o = other.Data
				} else {
					o = other.Example(0)
				}
				data[i] = sub(data[i], o[i])
			}
		}
		s.Fields = append(s.Fields, folder.Field{Name: name, Shape: shape, Data: data})
	}
	field(folder.FieldTruth, xTrue, nil, nil)
	field(folder.FieldObserved, y, nil, nil)
	field(folder.FieldPrediction, x, nil, nil)
	field(folder.FieldError, x, func(a, b float32) float32 { return a - b }, xTrue)
	if n, ok := t.prob.(problems.Nearer); ok && x.ExampleLen() <= 2 {
		field(folder.FieldNearest, n.Nearest(nil, x, y), nil, nil)
	}
	if cn, ok := t.prob.(problems.ChannelNamer); ok && x.ExampleLen() > 2 {
		xs, ys := cn.ChannelNames()
		for i := range s.Fields {
			if s.Fields[i].Name == folder.FieldObserved {
				s.Fields[i].Channels = ys
			} else {
				s.Fields[i].Channels = xs
			}
		}
	}
	s.Kind = folder.LayoutOf(s)
	if d, ok := t.prob.(problems.Drawn); ok {
		s.Kind = folder.SnapshotKind(d.SnapshotKind())
	}
	return s
}

func (t *trainer) saveCheckpoint() error {
	rngState, err := t.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	m := folder.CheckpointMeta{Job: t.info.ID, Step: t.step, Wall: t.wall, RNG: rngState, LR: t.opt.LearningRate()}
	if t.bind != nil {
		m.Run, m.Settings = t.bind.run, t.bind.settings
	}
	meta, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c := &core.Checkpoint{Meta: meta}
	for i, p := range t.net.Params() {
		c.Tensors = append(c.Tensors, core.NamedTensor{Name: fmt.Sprintf("param/%d/%s", i, p.Name), T: p.Value})
	}
	for i, b := range t.net.Buffers() {
		c.Tensors = append(c.Tensors, core.NamedTensor{Name: fmt.Sprintf("buffer/%d", i), T: b})
	}
	for i, s := range t.opt.State() {
		c.Tensors = append(c.Tensors, core.NamedTensor{Name: fmt.Sprintf("optimizer/%d", i), T: s})
	}
	return core.SaveCheckpoint(filepath.Join(t.dir, folder.CheckpointFile), c)
}

// loadCheckpoint restores the job from its checkpoint; it reports false if there is none.
func (t *trainer) loadCheckpoint(runDir string) (bool, error) {
	c, meta, err := folder.ReadCheckpoint(runDir, t.info.ID)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	fail := func(format string, args ...any) (bool, error) {
		return false, fmt.Errorf("runner: %s: %s of step %d refused: %s (remove it to train the job from its start)", t.info.ID, folder.CheckpointFile, meta.Step, fmt.Sprintf(format, args...))
	}
	if t.bind != nil {
		if err := t.bind.check(meta); err != nil {
			return fail("%v", err)
		}
	}
	if meta.Step > t.info.Steps {
		return fail("step %d is beyond the job's %d steps", meta.Step, t.info.Steps)
	}
	var dst []*core.Tensor
	for _, p := range t.net.Params() {
		dst = append(dst, p.Value)
	}
	dst = append(dst, t.net.Buffers()...)
	dst = append(dst, t.opt.State()...)
	if len(dst) != len(c.Tensors) {
		return fail("%d tensors, the job needs %d", len(c.Tensors), len(dst))
	}
	for i, d := range dst {
		if !core.SameShape(d.Shape, c.Tensors[i].T.Shape) {
			return fail("tensor %s has shape %v, want %v", c.Tensors[i].Name, c.Tensors[i].T.Shape, d.Shape)
		}
	}
	if err := t.pcg.UnmarshalBinary(meta.RNG); err != nil {
		return fail("RNG state: %v", err)
	}
	for i, d := range dst {
		d.CopyFrom(c.Tensors[i].T)
	}
	t.opt.SetLearningRate(meta.LR)
	t.step, t.wall = meta.Step, meta.Wall
	return true, nil
}
