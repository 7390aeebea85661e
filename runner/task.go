package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
)

// OpenTask opens the run that array task index of the folder dir trains, by the task →
// job map of dir's record (slurm.json; dir is a run folder, or a sweep folder whose map
// names each job's run sub-folder), and returns it with the job's id.
func OpenTask(dir string, index int) (*Run, string, error) {
	rec, err := cluster.ReadRecord(dir)
	if err != nil {
		return nil, "", fmt.Errorf("runner: %s: no task → job map: %v", dir, err)
	}
	tj, ok := rec.Lookup(index)
	if !ok {
		return nil, "", fmt.Errorf("runner: %s/%s has no task %d", dir, cluster.RecordFileOf(rec.Engine), index)
	}
	if tj.Run != "" { // a combination of a sweep: a real sub-folder, never a link out of it
		if fi, err := os.Lstat(filepath.Join(dir, tj.Run)); err != nil || !fi.IsDir() {
			return nil, "", fmt.Errorf("runner: task %d names run %q, which is not a folder inside %s", index, tj.Run, dir)
		}
	}
	r, err := Open(filepath.Join(dir, tj.Run))
	if err != nil {
		return nil, "", err
	}
	if r.job(tj.Job) == nil {
		return nil, "", fmt.Errorf("runner: task %d names job %q, which %s does not have", index, tj.Job, r.Dir)
	}
	return r, tj.Job, nil
}

// TaskOptions tune TrainTask.
type TaskOptions struct {
	// RequeueMax is the most requeues a job may have: a task stopped by its engine after
	// that many ends the job as failed instead of requeueing it again.
	RequeueMax int
	// Engine is the task's engine: it requeues the task and says what a SIGTERM was.
	Engine cluster.Engine
}

// TaskOutcome is how a task's training ended.
type TaskOutcome struct {
	Job      string
	State    folder.State // the job's state: Queued when it was requeued
	Requeued bool         // the task put itself back in its engine's queue
	Message  string       // what the status says
}

// sigterm says what a SIGTERM to task t was, from its engine's view of the task: "running"
// when the engine still lists it as running (a preemption's grace time, a signal sent by
// hand), "requeued" when its restart count went up (scontrol requeue, a preemption that
// requeues: the engine starts it again), "cancelled" otherwise (scancel's, which comes
// when the task is already completing). If the engine does not answer, "running", so that
// the job is requeued rather than left behind.
func (o TaskOptions) sigterm(ctx context.Context, t cluster.EnvTask) string {
	by, _, err := o.Engine.Tasks(ctx, []string{t.Array})
	if err != nil {
		return "running"
	}
	task, ok := by[t.Array][t.Index]
	switch {
	case ok && task.Phase == cluster.TaskRunning:
		return "running"
	case ok && task.Restarts > t.Restarts:
		return "requeued"
	}
	return "cancelled"
}

// TrainTask trains job of r (from OpenTask) alone, in this process, as array task t of
// o.Engine: one worker, t.CPUs op threads, resuming from the job's checkpoint if it has
// one. A signal's name on stop ("SIGUSR1", the engine's warning ahead of the time limit;
// "SIGTERM") makes the job stop at its next step with a checkpoint; then the task requeues
// itself (Engine.Requeue) and the job's status says queued, unless it has already been
// requeued RequeueMax times, when the job is failed and its status says why. A SIGTERM
// that comes when the engine no longer lists the task as running is a cancel's: the job is
// cancelled, not requeued (Slurm would requeue a cancelled task). If the requeue is
// refused, the job is cancelled with the engine's message. TrainTask fails without
// training if the job is finished (ErrJobDone) or another process trains it (*BusyError).
func (r *Run) TrainTask(ctx context.Context, job string, t cluster.EnvTask, o TaskOptions, stop <-chan string) (TaskOutcome, error) {
	out := TaskOutcome{Job: job}
	ro := Options{Workers: 1, Threads: max(1, t.CPUs), Jobs: []string{job}, RetryFailed: true}
	if t.Array != "" {
		ro.Task = t.ID() // recorded in the job's lock; none outside an array (--task by hand)
	}
	if err := r.Start(ctx, ro); err != nil {
		return out, err
	}
	ended := make(chan struct{})
	requeue := make(chan bool, 1)
	go func() {
		select {
		case sig := <-stop:
			requeue <- r.stopTask(ctx, job, t, o, sig)
		case <-ended:
			requeue <- false
		}
	}()
	states := r.Wait()
	close(ended)
	out.State = states[job]
	if st, err := folder.ReadStatus(r.Dir, job); err == nil {
		out.Message = st.Message
	}
	if !<-requeue || out.State != folder.Queued {
		return out, nil
	}
	if err := o.Engine.Requeue(ctx, t.ID()); err != nil {
		out.State = folder.Cancelled
		out.Message = fmt.Sprintf("cancelled by %s (the requeue was refused: %v)", o.Engine.Terms().Title, err)
		if err := folder.SetJobState(r.Dir, job, folder.Cancelled, out.Message); err != nil {
			return out, err
		}
		return out, nil
	}
	out.Requeued = true
	return out, nil
}

// stopTask stops the job for the signal sig and reports whether the task must requeue
// itself: a SIGTERM that was a requeue or a cancel stops it as queued or cancelled; a
// warning ahead of the time limit (or a preemption's SIGTERM) requeues it, unless it has
// been requeued RequeueMax times already, when it fails.
func (r *Run) stopTask(ctx context.Context, job string, t cluster.EnvTask, o TaskOptions, sig string) bool {
	w := o.Engine.Terms()
	if sig == "SIGTERM" {
		switch o.sigterm(ctx, t) {
		case "requeued":
			r.Stop(job, folder.Queued, fmt.Sprintf("requeued by %s (%s, or a preemption): it goes on when %s starts the task again", w.Title, w.Requeue, w.Title))
			return false
		case "cancelled":
			r.Stop(job, folder.Cancelled, fmt.Sprintf("cancelled in %s (%s, or the time limit passed without "+
				"the warning signal); sipbench resume %s --job %s continues it", w.Title, w.Cancel, r.Dir, job))
			return false
		}
	}
	if t.Restarts >= o.RequeueMax {
		r.Stop(job, folder.Failed, fmt.Sprintf("stopped by %s (%s: time limit or preemption) after %d requeues, "+
			"the most --requeue-max allows; sipbench resume %s %s (or the script submitted again) continues it",
			w.Title, sig, t.Restarts, r.Dir, cluster.ResumeFlag(o.Engine.Name())))
		return false
	}
	r.Stop(job, folder.Queued, fmt.Sprintf("requeued by %s after %s (requeue %d of at most %d)", w.Title, sig, t.Restarts+1, o.RequeueMax))
	return true
}
