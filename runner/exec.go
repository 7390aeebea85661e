package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/problems"
)

// runJob trains one job to its end, writing its folder and publishing its events. A panic
// inside marks the job failed; non-finite metrics or predictions mark it diverged.
func (r *Run) runJob(ctx context.Context, jc *jobControl, o Options) {
	id := jc.info.ID
	dir := filepath.Join(r.Dir, id)
	var t *trainer
	var mw *metricsWriter
	setState := func(s State, msg string) {
		jc.mu.Lock()
		jc.state = s
		jc.mu.Unlock()
		st := Status{State: s, Total: jc.info.Steps, Message: msg}
		if t != nil {
			st.Step, st.Wall = t.step, t.wall
		}
		writeStatus(r.Dir, id, st) // best effort: the event below still reports the state
		r.hub.publish(Event{Job: id, Kind: EvState, State: s, Message: msg, Step: st.Step, Wall: st.Wall})
	}
	defer func() {
		if rec := recover(); rec != nil {
			if mw != nil {
				mw.close()
				mw = nil
			}
			setState(Failed, fmt.Sprint("panic: ", rec))
		}
		if mw != nil {
			mw.close()
		}
	}()
	i := slices.IndexFunc(r.spec.Methods, func(m optimizers.Method) bool { return m.Name == jc.info.Method })
	if i < 0 {
		setState(Failed, "unknown method "+jc.info.Method)
		return
	}
	if r.spec.Preset.IsSolver() {
		r.runSolver(jc, r.spec.Methods[i], setState)
		return
	}
	var err error
	if t, err = newTrainer(r.spec, r.spec.Methods[i], jc.info, dir); err != nil {
		setState(Failed, err.Error())
		return
	}
	t.tape.Threads = o.Threads
	resumed, err := t.loadCheckpoint()
	if err != nil {
		setState(Failed, err.Error())
		return
	}
	keep := -1
	if resumed {
		keep = t.step
	}
	if mw, err = openMetrics(filepath.Join(dir, metricsFile), t.metrics, keep); err != nil {
		setState(Failed, err.Error())
		return
	}
	if resumed { // replay the history so that readers see the whole curve
		rows, _, _ := ReadMetrics(r.Dir, id, 0, t.metrics)
		for _, row := range rows {
			r.hub.publish(Event{Job: id, Kind: EvMetrics, Step: row.Step, Wall: row.Wall, Metrics: row.Metrics})
		}
	}
	v := r.spec.Values
	steps, batch := v.Int("steps"), v.Int("batch")
	maxSec := v.Float("max_seconds")
	snapEvery, ckptEvery := v.Int("snapshot_every"), v.Int("checkpoint_every")

	checkpoint := func() error {
		if err := mw.flush(); err != nil {
			return err
		}
		return t.saveCheckpoint()
	}
	stop := func(s State, msg string) {
		if err := checkpoint(); err != nil {
			setState(Failed, err.Error())
			return
		}
		setState(s, msg)
	}
	setState(Running, "")
	segStart, wallBase := time.Now(), t.wall
	lastFlush := time.Now()
	for t.step < steps && (maxSec == 0 || t.wall < maxSec) {
		jc.mu.Lock()
		cancelled, paused, resume := jc.cancel, jc.paused, jc.resume
		jc.mu.Unlock()
		if cancelled || ctx.Err() != nil {
			stop(Cancelled, "")
			return
		}
		if paused {
			if err := checkpoint(); err != nil {
				setState(Failed, err.Error())
				return
			}
			setState(Paused, "")
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
				setState(Running, "")
			}
			segStart, wallBase = time.Now(), t.wall
			continue
		}
		xTrue, y, x := t.trainStep(batch)
		t.wall = wallBase + time.Since(segStart).Seconds()
		if err := mw.write(t.step, t.wall, t.vals); err != nil {
			setState(Failed, err.Error())
			return
		}
		if !t.finite(x) {
			mw.flush()
			setState(Diverged, fmt.Sprintf("non-finite values at step %d", t.step))
			return
		}
		r.hub.publish(Event{Job: id, Kind: EvMetrics, Step: t.step, Wall: t.wall, Metrics: slices.Clone(t.vals)})
		if t.step%snapEvery == 0 || t.step == 1 || t.step == steps {
			snap := t.snapshot(xTrue, y, x)
			writeJSON(filepath.Join(dir, snapshotFile), snap)
			r.hub.publish(Event{Job: id, Kind: EvSnapshot, Step: t.step, Wall: t.wall, Snapshot: snap})
		}
		if t.step%ckptEvery == 0 {
			if err := checkpoint(); err != nil {
				setState(Failed, err.Error())
				return
			}
		}
		if time.Since(lastFlush) >= o.FlushEvery {
			lastFlush = time.Now()
			if err := mw.flush(); err != nil {
				setState(Failed, err.Error())
				return
			}
			writeStatus(r.Dir, id, Status{State: Running, Step: t.step, Total: jc.info.Steps, Wall: t.wall})
			r.readControl(jc)
		}
	}
	stop(Done, "")
}

func (jc *jobControl) isCancelled() bool {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	return jc.cancel
}

// runSolver runs a job of an iterative-solver preset (no network): it computes the
// method's path and logs one row per iteration, with the path so far as the snapshot.
func (r *Run) runSolver(jc *jobControl, m optimizers.Method, setState func(State, string)) {
	id := jc.info.ID
	dir := filepath.Join(r.Dir, id)
	setState(Running, "")
	start := time.Now()
	path := r.spec.Path(m, jc.info.Steps)
	mw, err := openMetrics(filepath.Join(dir, metricsFile), r.Info.Metrics, -1)
	if err != nil {
		setState(Failed, err.Error())
		return
	}
	defer mw.close()
	ys := path.YPoints()
	for k := 1; k < len(path.Points); k++ {
		x := path.Points[k]
		vals := []float64{problems.Figure1Loss(x), x[0], x[1], problems.Figure1YLoss(ys[k])}
		wall := time.Since(start).Seconds()
		mw.write(k, wall, vals)
		r.hub.publish(Event{Job: id, Kind: EvMetrics, Step: k, Wall: wall, Metrics: vals})
	}
	snap := &Snapshot{Step: len(path.Points) - 1}
	for _, f := range []struct {
		name string
		pts  [][2]float64
	}{{"path", path.Points}, {"y-path", ys}} {
		data := make([]float32, 0, 2*len(f.pts))
		for _, p := range f.pts {
			data = append(data, float32(p[0]), float32(p[1]))
		}
		snap.Fields = append(snap.Fields, Field{Name: f.name, Shape: []int{len(f.pts), 2}, Data: data})
	}
	writeJSON(filepath.Join(dir, snapshotFile), snap)
	r.hub.publish(Event{Job: id, Kind: EvSnapshot, Step: snap.Step, Snapshot: snap})
	if err := mw.flush(); err != nil {
		setState(Failed, err.Error())
		return
	}
	setState(Done, "")
}
