package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/problems"
)

// runJob trains one job to its end, writing its folder and publishing its events. A panic
// inside marks the job failed; non-finite metrics or predictions mark it diverged.
func (r *Run) runJob(ctx context.Context, jc *jobControl, o Options) {
	id := jc.info.ID
	dir := filepath.Join(r.Dir, id)
	var t *trainer
	var mw *metrics.MetricsWriter
	setState := func(s folder.State, msg string) {
		jc.mu.Lock()
		jc.state = s
		jc.mu.Unlock()
		st := folder.Status{State: s, Total: jc.info.Steps, Message: msg}
		if t != nil {
			st.Step, st.Wall = t.step, t.wall
		}
		folder.WriteStatus(r.Dir, id, st) // best effort: the event below still reports the state
		r.hub.publish(Event{Job: id, Kind: EvState, State: s, Message: msg, Step: st.Step, Wall: st.Wall})
	}
	defer func() {
		if t != nil {
			if c, ok := t.prob.(io.Closer); ok {
				c.Close() // a problem process ends with its job
			}
		}
		if rec := recover(); rec != nil {
			if mw != nil {
				mw.Close()
				mw = nil
			}
			if f, ok := rec.(problemFault); ok { // a problem process's fault is a result
				r.logFault(id, f)
				setState(folder.Failed, f.Error())
			} else {
				setState(folder.Failed, fmt.Sprint("panic: ", rec))
			}
		}
		if mw != nil {
			mw.Close()
		}
	}()
	i := slices.IndexFunc(r.spec.Methods, func(m optimizers.Method) bool { return m.Name == jc.info.Method })
	if i < 0 {
		setState(folder.Failed, "unknown method "+jc.info.Method)
		return
	}
	if sv := r.spec.NewSolver(); sv != nil {
		r.runSolver(jc, sv, r.spec.Methods[i], setState)
		return
	}
	var err error
	if t, err = newTrainer(r.spec, r.spec.Methods[i], jc.info, dir); err != nil {
		setState(folder.Failed, r.failure(err))
		return
	}
	t.setThreads(o.Threads)
	t.bindTo(r.Info)
	resumed, err := t.loadCheckpoint(r.Dir)
	if err != nil {
		// Nothing was changed (no row is cut before a checkpoint is accepted): the job
		// failed at the step it had reached.
		if prev, perr := folder.ReadStatus(r.Dir, id); perr == nil {
			t.step, t.wall = prev.Step, prev.Wall
		}
		setState(folder.Failed, r.failure(err))
		return
	}
	keep := -1
	if resumed {
		keep = t.step
	}
	var rep metrics.MetricsRepair
	if mw, rep, err = metrics.OpenMetrics(r.Dir, id, t.metrics, keep); err != nil {
		setState(folder.Failed, r.failure(err))
		return
	}
	if note := rep.String(); note != "" {
		r.hub.publish(Event{Job: id, Kind: EvNote, Message: note, Step: t.step})
	}
	if resumed { // replay the curve so far, decimated as a Watch replays it (bounded memory)
		var h jobHistory
		mr := metrics.NewReader(r.Dir, id, t.metrics)
		for {
			rows, err := mr.Next(watchChunk)
			for _, row := range rows {
				h.add(Event{Job: id, Kind: EvMetrics, Step: row.Step, Wall: row.Wall, Metrics: row.Metrics})
			}
			if err != nil || len(rows) < watchChunk {
				break
			}
		}
		for _, e := range h.replay() {
			r.hub.publish(e)
		}
	}
	c := r.spec.Common
	steps, batch, maxSec, snapEvery, ckptEvery := c.Steps, c.Batch, c.MaxSeconds, c.SnapshotEvery, c.CheckpointEvery

	checkpoint := func() error {
		if err := mw.Sync(); err != nil { // the rows are on disk before the checkpoint
			return err
		}
		return t.saveCheckpoint()
	}
	stop := func(s folder.State, msg string) {
		if err := checkpoint(); err != nil {
			setState(folder.Failed, r.failure(err))
			return
		}
		setState(s, msg)
	}
	setState(folder.Running, "")
	segStart, wallBase := time.Now(), t.wall
	lastFlush := time.Now()
	for t.step < steps && (maxSec == 0 || t.wall < maxSec) {
		jc.mu.Lock()
		cancelled, paused, resume := jc.cancel, jc.paused, jc.resume
		stopState, stopMsg := jc.stopState, jc.stopMsg
		jc.mu.Unlock()
		if cancelled && stopState != "" {
			stop(stopState, stopMsg)
			return
		}
		if cancelled || ctx.Err() != nil {
			stop(folder.Cancelled, "")
			return
		}
		if paused {
			if err := checkpoint(); err != nil {
				setState(folder.Failed, r.failure(err))
				return
			}
			setState(folder.Paused, "")
			// While paused, keep reading the control file, so that another process
			// (the dashboard) can resume or cancel the job.
			poll := time.NewTicker(500 * time.Millisecond)
		wait:
			for {
				select {
				case <-resume:
					break wait
				case <-ctx.Done():
					break wait
				case <-poll.C:
					r.readControl(jc)
				}
			}
			poll.Stop()
			if ctx.Err() == nil && !jc.isCancelled() {
				setState(folder.Running, "")
			}
			segStart, wallBase = time.Now(), t.wall
			continue
		}
		xTrue, y, x := t.trainStep(batch)
		t.wall = wallBase + time.Since(segStart).Seconds()
		if err := mw.Write(t.step, t.wall, t.vals); err != nil {
			setState(folder.Failed, r.failure(err))
			return
		}
		if !t.finite(x) {
			mw.Flush()
			setState(folder.Diverged, fmt.Sprintf("non-finite values at step %d", t.step))
			return
		}
		r.hub.publish(Event{Job: id, Kind: EvMetrics, Step: t.step, Wall: t.wall, Metrics: slices.Clone(t.vals)})
		if t.step%snapEvery == 0 || t.step == 1 || t.step == steps {
			snap := t.snapshot(xTrue, y, x)
			folder.WriteJSON(filepath.Join(dir, folder.SnapshotFile), snap)
			r.hub.publish(Event{Job: id, Kind: EvSnapshot, Step: t.step, Wall: t.wall, Snapshot: snap})
		}
		if t.step%ckptEvery == 0 {
			if err := checkpoint(); err != nil {
				setState(folder.Failed, r.failure(err))
				return
			}
		}
		if time.Since(lastFlush) >= o.FlushEvery {
			lastFlush = time.Now()
			if err := mw.Flush(); err != nil {
				setState(folder.Failed, r.failure(err))
				return
			}
			folder.WriteStatus(r.Dir, id, folder.Status{State: folder.Running, Step: t.step, Total: jc.info.Steps, Wall: t.wall})
			r.readControl(jc)
		}
	}
	stop(folder.Done, "")
}

// failure is the message that a job failed with err records: for a full disk, what to do.
func (r *Run) failure(err error) string {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Sprintf("%v (free some space, then sipbench resume %s continues from the last checkpoint)", err, r.Dir)
	}
	return err.Error()
}

func (jc *jobControl) isCancelled() bool {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	return jc.cancel
}

// runSolver runs a job of an iterative-solver preset (no network): it computes the
// method's path and logs one row per iteration. The snapshot holds the path, the path in
// y space and the loss on a grid that covers every path of the run, so that any one
// job's snapshot can draw the contours under all of them. A failed write of its metrics
// or its snapshot fails the job, with the error as its message.
func (r *Run) runSolver(jc *jobControl, sv problems.PathProblem, m optimizers.Method, setState func(folder.State, string)) {
	id := jc.info.ID
	dir := filepath.Join(r.Dir, id)
	setState(folder.Running, "")
	start := time.Now()
	path := sv.Path(m.Name, m.LR, jc.info.Steps)
	mw, _, err := metrics.OpenMetrics(r.Dir, id, r.Info.Metrics, -1)
	if err != nil {
		setState(folder.Failed, r.failure(err))
		return
	}
	defer mw.Close()
	for k := 1; k < len(path.Points); k++ {
		vals := sv.Metrics(nil, path.Points[k])
		wall := time.Since(start).Seconds()
		if err := mw.Write(k, wall, vals); err != nil {
			setState(folder.Failed, r.failure(err))
			return
		}
		r.hub.publish(Event{Job: id, Kind: EvMetrics, Step: k, Wall: wall, Metrics: vals})
	}
	ys := make([][2]float64, len(path.Points))
	for k, x := range path.Points {
		ys[k] = sv.Forward(x)
	}
	snap := &folder.Snapshot{Step: len(path.Points) - 1, Kind: folder.SnapPaths}
	for _, f := range []struct {
		name string
		pts  [][2]float64
	}{{folder.FieldPath, path.Points}, {folder.FieldPathY, ys}} {
		data := make([]float32, 0, 2*len(f.pts))
		for _, p := range f.pts {
			data = append(data, float32(p[0]), float32(p[1]))
		}
		snap.Fields = append(snap.Fields, folder.Field{Name: f.name, Shape: []int{len(f.pts), 2}, Data: data})
	}
	var all [][2]float64
	for _, om := range r.spec.Methods {
		all = append(all, sv.Path(om.Name, om.LR, jc.info.Steps).Points...)
	}
	if g, ok := lossGrid(folder.FieldLoss, sv.Loss, all); ok {
		snap.Fields = append(snap.Fields, g)
	}
	if m, ok := sv.(problems.Minimizer); ok {
		x := m.Minimum()
		for _, f := range []struct {
			name string
			p    [2]float64
		}{{folder.FieldMinimum, x}, {folder.FieldMinimumY, sv.Forward(x)}} {
			snap.Fields = append(snap.Fields, folder.Field{Name: f.name, Shape: []int{1, 2}, Data: []float32{float32(f.p[0]), float32(f.p[1])}})
		}
	}
	if yl, ok := sv.(problems.YLosser); ok {
		yall := make([][2]float64, len(all))
		for k, x := range all {
			yall[k] = sv.Forward(x)
		}
		if g, ok := lossGrid(folder.FieldLossY, yl.YLoss, yall); ok {
			snap.Fields = append(snap.Fields, g)
		}
	}
	if err := folder.WriteJSON(filepath.Join(dir, folder.SnapshotFile), snap); err != nil {
		setState(folder.Failed, r.failure(err))
		return
	}
	r.hub.publish(Event{Job: id, Kind: EvSnapshot, Step: snap.Step, Snapshot: snap})
	if err := mw.Flush(); err != nil {
		setState(folder.Failed, r.failure(err))
		return
	}
	setState(folder.Done, "")
}

// lossGridSize is the number of samples per side of a solver preset's loss grid: enough
// for smooth contour lines on a full-screen dashboard, small enough for a snapshot of
// about 85 KB (Watch parses it once).
const lossGridSize = 64

// lossGrid samples loss on a lossGridSize² grid over the finite points pts and a margin
// of a tenth of their span on each side (the dashboard pads its plots by less), as the
// field name. It reports false if no point is finite.
func lossGrid(name string, loss func([2]float64) float64, pts [][2]float64) (folder.Field, bool) {
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		if finite(p[0]) && finite(p[1]) {
			for d := range 2 {
				lo[d], hi[d] = math.Min(lo[d], p[d]), math.Max(hi[d], p[d])
			}
		}
	}
	if lo[0] > hi[0] {
		return folder.Field{}, false
	}
	for d := range 2 {
		m := 0.1 * (hi[d] - lo[d])
		if m == 0 {
			m = math.Max(1, 0.1*math.Abs(lo[d]))
		}
		lo[d], hi[d] = lo[d]-m, hi[d]+m
		if !finite(lo[d]) || !finite(hi[d]) { // paths that ran off to ±1e308
			return folder.Field{}, false
		}
	}
	n := lossGridSize
	f := folder.Field{Name: name, Shape: []int{n, n}, Data: make([]float32, n*n), Extent: []float64{lo[0], hi[0], lo[1], hi[1]}}
	for j := range n {
		y := lo[1] + float64(j)*(hi[1]-lo[1])/float64(n-1)
		for i := range n {
			x := lo[0] + float64(i)*(hi[0]-lo[0])/float64(n-1)
			f.Data[j*n+i] = float32(loss([2]float64{x, y}))
		}
	}
	return f, true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// problemFault is a problem process's failure (problems/process.Fault): a one-line reason
// and the tail of the process's stderr.
type problemFault interface {
	error
	Tail() string
}

// logFault appends the job's problem-process failure and its stderr tail to the run's
// train.log (best effort: the status records the reason in any case).
func (r *Run) logFault(job string, f problemFault) {
	log, err := folder.OpenAppendIn(r.Dir, "", folder.TrainLogFile)
	if err != nil {
		return
	}
	defer log.Close()
	fmt.Fprintf(log, "%s: %v\n", job, f)
	if t := strings.TrimRight(f.Tail(), "\n"); t != "" {
		fmt.Fprintf(log, "%s: the problem process's stderr (its last lines):\n", job)
		for _, line := range strings.Split(t, "\n") {
			fmt.Fprintf(log, "%s| %s\n", job, sanitizeLine(line))
		}
	}
}

// sanitizeLine drops control characters from a line of a process's output.
func sanitizeLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
