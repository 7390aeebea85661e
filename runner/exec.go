package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/optimizers"
)

// A job is what the run loop (runJob) trains, one step at a time: a network with its
// optimizer (trainer) or an iterative solver's path (pathJob). The loop owns the rest:
// the context and the controls (pause, resume, cancel, the control file), the metrics
// rows, the snapshots, the checkpoints and the status with their write errors, which
// fail the job, divergence, and the job's state.
type job interface {
	// metricNames names the job's metrics: the columns of its metrics.csv.
	metricNames() []string
	// at is the job's position; the loop keeps its seconds of training.
	at() *progress
	// resume restores the job from its checkpoint in the run folder runDir, and reports
	// false if there is none: the job then starts at step 0. An error changes nothing.
	resume(runDir string) (bool, error)
	// advance trains one step and returns its metrics, valid until the next step.
	advance() []float64
	// finite reports whether the last step's metrics and results are all finite.
	finite() bool
	// snapshot returns the viewers' fields at the last step.
	snapshot() *folder.Snapshot
	// checkpoint saves what resume restores (the loop has synced the metrics rows).
	checkpoint() error
	// close releases what the job holds (a problem's process).
	close()
}

// progress is a job's position: the step reached and the seconds of training to it,
// pauses excluded.
type progress struct {
	step int
	wall float64
}

// newJob makes the job of info: the path of an iterative-solver preset's method, or the
// method's network and optimizer, whose ops and physics use threads goroutines and whose
// checkpoints are bound to the run.
func (r *Run) newJob(info folder.JobInfo, threads int) (job, error) {
	i := slices.IndexFunc(r.spec.Methods, func(m optimizers.Method) bool { return m.Name == info.Method })
	if i < 0 {
		return nil, errors.New("unknown method " + info.Method)
	}
	if sv := r.spec.NewSolver(); sv != nil {
		return newPathJob(sv, r.spec.Methods[i], r.spec.Common.Steps, func() []folder.Field { return r.pathFields(sv) }), nil
	}
	t, err := newTrainer(r.spec, r.spec.Methods[i], info, filepath.Join(r.Dir, info.ID))
	if err != nil {
		return nil, err
	}
	t.setThreads(threads)
	t.bindTo(r.Info)
	return t, nil
}

// jobRun is one training of a job by a worker of the run (runJob).
type jobRun struct {
	r  *Run
	jc *jobControl
	o  Options
	j  job             // nil until made
	mw *metrics.Writer // nil until opened
	// segStart and wallBase time the segment trained since the start or the last pause.
	segStart time.Time
	wallBase float64
}

// runJob trains one job to its end, writing its folder and publishing its events. A panic
// inside marks the job failed; non-finite metrics or predictions mark it diverged.
func (r *Run) runJob(ctx context.Context, jc *jobControl, o Options) {
	x := &jobRun{r: r, jc: jc, o: o}
	defer x.end()
	j, err := r.newJob(jc.info, o.Threads)
	if err != nil {
		x.fail(err)
		return
	}
	x.j = j
	if err := x.open(); err != nil {
		x.fail(err)
		return
	}
	x.loop(ctx)
}

// setState records the job's state s with the message msg: in memory, in its status
// (best effort: the event still reports the state) and as an event.
func (x *jobRun) setState(s folder.State, msg string) {
	jc := x.jc
	jc.mu.Lock()
	jc.state = s
	jc.mu.Unlock()
	st := folder.Status{State: s, Total: jc.info.Steps, Message: msg}
	if x.j != nil {
		st.Step, st.Wall = x.j.at().step, x.j.at().wall
	}
	folder.WriteStatus(x.r.Dir, jc.info.ID, st)
	x.r.hub.publish(Event{Job: jc.info.ID, Kind: EvState, State: s, Message: msg, Step: st.Step, Wall: st.Wall})
}

// fail records the job failed with err (Run.failure). It returns false, for the callers
// that report whether the job goes on.
func (x *jobRun) fail(err error) bool {
	x.setState(folder.Failed, x.r.failure(err))
	return false
}

// end, deferred, closes what the job holds, and records a panic as a failure: a problem
// process's fault with its log, anything else as the panic's value.
func (x *jobRun) end() {
	if x.j != nil {
		x.j.close() // a problem process ends with its job
	}
	if rec := recover(); rec != nil {
		if x.mw != nil {
			x.mw.Close()
			x.mw = nil
		}
		if f, ok := rec.(problemFault); ok { // a problem process's fault is a result
			x.r.logFault(x.jc.info.ID, f)
			x.setState(folder.Failed, f.Error())
		} else {
			x.setState(folder.Failed, fmt.Sprint("panic: ", rec))
		}
	}
	if x.mw != nil {
		x.mw.Close()
	}
}

// open resumes the job from its checkpoint, if it has one, and opens its metrics.csv cut
// back to the checkpoint's step (to no rows without one); a resumed job's curve so far is
// published again.
func (x *jobRun) open() error {
	r, id := x.r, x.jc.info.ID
	resumed, err := x.j.resume(r.Dir)
	if err != nil {
		// Nothing was changed (no row is cut before a checkpoint is accepted): the job
		// failed at the step it had reached.
		if prev, perr := folder.ReadStatus(r.Dir, id); perr == nil {
			p := x.j.at()
			p.step, p.wall = prev.Step, prev.Wall
		}
		return err
	}
	keep := -1
	if resumed {
		keep = x.j.at().step
	}
	mw, rep, err := metrics.Open(r.Dir, id, x.j.metricNames(), keep)
	if err != nil {
		return err
	}
	x.mw = mw
	if note := rep.String(); note != "" {
		r.hub.publish(Event{Job: id, Kind: EvNote, Message: note, Step: x.j.at().step})
	}
	if resumed {
		x.replay()
	}
	return nil
}

// replay publishes the curve so far, decimated as a Watch replays it (bounded memory).
func (x *jobRun) replay() {
	id := x.jc.info.ID
	var h jobHistory
	mr := metrics.NewReader(x.r.Dir, id, x.j.metricNames())
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
		x.r.hub.publish(e)
	}
}

// loop trains the job step by step to its last step or its time limit, unless it is
// stopped, paused, diverges or fails, and records how it ended.
func (x *jobRun) loop(ctx context.Context) {
	c, p := x.r.spec.Common, x.j.at()
	x.setState(folder.Running, "")
	x.segStart, x.wallBase = time.Now(), p.wall
	lastFlush := time.Now()
	for p.step < c.Steps && (c.MaxSeconds == 0 || p.wall < c.MaxSeconds) {
		stop, msg, resume := x.asked(ctx)
		if stop != "" {
			x.stop(stop, msg)
			return
		}
		if resume != nil {
			if !x.pause(ctx, resume) {
				return
			}
			continue
		}
		if !x.advance() {
			return
		}
		if time.Since(lastFlush) >= x.o.FlushEvery {
			lastFlush = time.Now()
			if err := x.flush(); err != nil {
				x.fail(err)
				return
			}
		}
	}
	x.stop(folder.Done, "")
}

// asked returns what the controls and ctx ask of the job before its next step: the state
// to stop in with its message (Stop's, else cancelled), or, if it is paused, the channel
// that Resume closes; else nothing.
func (x *jobRun) asked(ctx context.Context) (stop folder.State, msg string, resume <-chan struct{}) {
	jc := x.jc
	jc.mu.Lock()
	defer jc.mu.Unlock()
	switch {
	case jc.cancel && jc.stopState != "":
		return jc.stopState, jc.stopMsg, nil
	case jc.cancel || ctx.Err() != nil:
		return folder.Cancelled, "", nil
	case jc.paused:
		return "", "", jc.resume
	}
	return "", "", nil
}

// advance trains one step and writes what it makes: its metrics row, then a snapshot and
// a checkpoint when they are due. It returns false if the job ended: diverged, or failed.
func (x *jobRun) advance() bool {
	c, id, p := x.r.spec.Common, x.jc.info.ID, x.j.at()
	vals := x.j.advance()
	p.wall = x.wallBase + time.Since(x.segStart).Seconds()
	if err := x.mw.Write(p.step, p.wall, vals); err != nil {
		return x.fail(err)
	}
	if !x.j.finite() {
		if err := x.mw.Flush(); err != nil {
			return x.fail(err)
		}
		x.setState(folder.Diverged, fmt.Sprintf("non-finite values at step %d", p.step))
		return false
	}
	x.r.hub.publish(Event{Job: id, Kind: EvMetrics, Step: p.step, Wall: p.wall, Metrics: slices.Clone(vals)})
	if p.step%c.SnapshotEvery == 0 || p.step == 1 || p.step == c.Steps {
		snap := x.j.snapshot()
		if err := folder.WriteJSON(filepath.Join(x.r.Dir, id, folder.SnapshotFile), snap); err != nil {
			return x.fail(err)
		}
		x.r.hub.publish(Event{Job: id, Kind: EvSnapshot, Step: p.step, Wall: p.wall, Snapshot: snap})
	}
	if p.step%c.CheckpointEvery == 0 {
		if err := x.checkpoint(); err != nil {
			return x.fail(err)
		}
	}
	return true
}

// checkpoint syncs the metrics rows, so that they are on disk before the checkpoint, and
// writes the job's checkpoint.
func (x *jobRun) checkpoint() error {
	if err := x.mw.Sync(); err != nil {
		return err
	}
	return x.j.checkpoint()
}

// flush writes the buffered metrics rows and the status, then reads the control file.
func (x *jobRun) flush() error {
	if err := x.mw.Flush(); err != nil {
		return err
	}
	p, info := x.j.at(), x.jc.info
	if err := folder.WriteStatus(x.r.Dir, info.ID, folder.Status{State: folder.Running, Step: p.step, Total: info.Steps, Wall: p.wall}); err != nil {
		return err
	}
	x.r.readControl(x.jc)
	return nil
}

// stop checkpoints the job and records the state s with the message msg; if the
// checkpoint fails, the job failed.
func (x *jobRun) stop(s folder.State, msg string) {
	if err := x.checkpoint(); err != nil {
		x.fail(err)
		return
	}
	x.setState(s, msg)
}

// pause checkpoints the job, records it paused and waits until it is resumed or stopped or
// ctx is done, reading the control file meanwhile, so that another process (the
// dashboard) can resume or cancel it. It returns false if the checkpoint failed.
func (x *jobRun) pause(ctx context.Context, resume <-chan struct{}) bool {
	if err := x.checkpoint(); err != nil {
		return x.fail(err)
	}
	x.setState(folder.Paused, "")
	poll := time.NewTicker(500 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-resume:
		case <-ctx.Done():
		case <-poll.C:
			x.r.readControl(x.jc)
			continue
		}
		break
	}
	if ctx.Err() == nil && !x.jc.isCancelled() {
		x.setState(folder.Running, "")
	}
	x.segStart, x.wallBase = time.Now(), x.j.at().wall
	return true
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
