package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/slurm"
)

// SlurmTask is the array task that a process runs in, as Slurm's environment says.
type SlurmTask struct {
	Array    string // SLURM_ARRAY_JOB_ID
	Index    int    // SLURM_ARRAY_TASK_ID
	Restarts int    // SLURM_RESTART_COUNT: how often the task was requeued (0 at first)
	CPUs     int    // SLURM_CPUS_PER_TASK; 0 if unset
}

// ID returns the task's id, "ARRAY_INDEX".
func (t SlurmTask) ID() string { return slurm.TaskID(t.Array, t.Index) }

// SlurmTaskFromEnv reads the task from the environment through getenv (os.Getenv). It
// fails outside an array task (SLURM_ARRAY_JOB_ID or SLURM_ARRAY_TASK_ID unset) and for
// values that are not numbers.
func SlurmTaskFromEnv(getenv func(string) string) (SlurmTask, error) {
	var t SlurmTask
	t.Array = getenv("SLURM_ARRAY_JOB_ID")
	idx := getenv("SLURM_ARRAY_TASK_ID")
	if t.Array == "" || idx == "" {
		return t, errors.New("runner: not inside a Slurm array task (SLURM_ARRAY_JOB_ID and SLURM_ARRAY_TASK_ID are unset)")
	}
	num := func(name, v string, dst *int) error {
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("runner: %s=%q is not a count", name, v)
		}
		*dst = n
		return nil
	}
	if _, err := strconv.ParseUint(t.Array, 10, 64); err != nil {
		return t, fmt.Errorf("runner: SLURM_ARRAY_JOB_ID=%q is not a job id", t.Array)
	}
	if err := num("SLURM_ARRAY_TASK_ID", idx, &t.Index); err != nil {
		return t, err
	}
	if err := num("SLURM_RESTART_COUNT", getenv("SLURM_RESTART_COUNT"), &t.Restarts); err != nil {
		return t, err
	}
	if err := num("SLURM_CPUS_PER_TASK", getenv("SLURM_CPUS_PER_TASK"), &t.CPUs); err != nil {
		return t, err
	}
	return t, nil
}

// OpenTask opens the run that array task index of the folder dir trains, by the task →
// job map of dir/slurm.json (dir is a run folder, or a sweep folder whose map names each
// job's run sub-folder), and returns it with the job's id.
func OpenTask(dir string, index int) (*Run, string, error) {
	rec, err := slurm.ReadRecord(dir)
	if err != nil {
		return nil, "", fmt.Errorf("runner: %s: no task → job map: %v", dir, err)
	}
	tj, ok := rec.Lookup(index)
	if !ok {
		return nil, "", fmt.Errorf("runner: %s/%s has no task %d", dir, slurm.RecordFile, index)
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
	// RequeueMax is the most requeues a job may have: a task stopped by Slurm after that
	// many ends the job as failed instead of requeueing it again.
	RequeueMax int
	// Client runs scontrol requeue and squeue.
	Client slurm.Client
}

// TaskOutcome is how a task's training ended.
type TaskOutcome struct {
	Job      string
	State    folder.State // the job's state: Queued when it was requeued
	Requeued bool         // the task put itself back in Slurm's queue
	Message  string       // what the status says
}

// sigterm says what a SIGTERM to task t was, from Slurm's view of the task: "running" when
// Slurm still lists it as running (a preemption's grace time, a signal sent by hand),
// "requeued" when its restart count went up (scontrol requeue, a preemption that requeues:
// Slurm starts it again), "cancelled" otherwise (scancel's, which comes when the task is
// already completing). If squeue fails, "running", so that the job is requeued rather than
// left behind.
func (o TaskOptions) sigterm(ctx context.Context, t SlurmTask) string {
	tasks, err := o.Client.Queue(ctx, t.Array)
	if err != nil {
		return "running"
	}
	task, ok := tasks[t.Index]
	switch {
	case ok && (task.State == "RUNNING" || task.State == "CONFIGURING"):
		return "running"
	case ok && task.Restarts > t.Restarts:
		return "requeued"
	}
	return "cancelled"
}

// TrainTask trains job of r (from OpenTask) alone, in this process, as array task t: one
// worker, t.CPUs op threads, resuming from the job's checkpoint if it has one. A signal's
// name on stop ("SIGUSR1", Slurm's warning ahead of the time limit; "SIGTERM") makes the
// job stop at its next step with a checkpoint; then the task requeues itself (scontrol
// requeue ARRAY_INDEX) and the job's status says queued, unless it has already been
// requeued RequeueMax times, when the job is failed and its status says why. A SIGTERM
// that comes when Slurm no longer lists the task as running is scancel's: the job is
// cancelled, not requeued (Slurm would requeue a cancelled task). If the requeue is
// refused, the job is cancelled with Slurm's message. TrainTask fails without training
// if the job is finished (ErrJobDone) or another process trains it (*BusyError).
func (r *Run) TrainTask(ctx context.Context, job string, t SlurmTask, o TaskOptions, stop <-chan string) (TaskOutcome, error) {
	out := TaskOutcome{Job: job}
	if err := r.Start(ctx, Options{Workers: 1, Threads: max(1, t.CPUs), Jobs: []string{job}, RetryFailed: true}); err != nil {
		return out, err
	}
	ended := make(chan struct{})
	requeue := make(chan bool, 1)
	go func() {
		select {
		case sig := <-stop:
			if sig == "SIGTERM" {
				switch o.sigterm(ctx, t) {
				case "requeued":
					r.Stop(job, folder.Queued, "requeued by Slurm (scontrol requeue, or a preemption): it goes on when Slurm starts the task again")
					requeue <- false
					return
				case "cancelled":
					r.Stop(job, folder.Cancelled, fmt.Sprintf("cancelled in Slurm (scancel, or the time limit passed without "+
						"the warning signal); sipbench resume %s --job %s continues it", r.Dir, job))
					requeue <- false
					return
				}
			}
			if t.Restarts >= o.RequeueMax {
				r.Stop(job, folder.Failed, fmt.Sprintf("stopped by Slurm (%s: time limit or preemption) after %d requeues, "+
					"the most --requeue-max allows; sipbench resume %s --slurm (or the script submitted again) continues it", sig, t.Restarts, r.Dir))
				requeue <- false
				return
			}
			r.Stop(job, folder.Queued, fmt.Sprintf("requeued by Slurm after %s (requeue %d of at most %d)", sig, t.Restarts+1, o.RequeueMax))
			requeue <- true
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
	if err := o.Client.Requeue(ctx, t.ID()); err != nil {
		out.State = folder.Cancelled
		out.Message = fmt.Sprintf("cancelled by Slurm (the requeue was refused: %v)", err)
		if err := folder.SetJobState(r.Dir, job, folder.Cancelled, out.Message); err != nil {
			return out, err
		}
		return out, nil
	}
	out.Requeued = true
	return out, nil
}
