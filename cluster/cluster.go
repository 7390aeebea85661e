package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/slurm"
)

// State is what a job of a run trained on a Slurm cluster is doing, from its
// status.json and Slurm's view of its array task.
type State string

// The cluster states. The zero value says that Slurm has nothing to add: the job's status
// is final (the run folder is the record), or the run is not a cluster run.
const (
	None     State = ""
	Pending  State = "pending"  // in the queue, never started (Reason says why)
	Running  State = "running"  // on a node (Node)
	Requeued State = "requeued" // back in the queue after Restarts requeues
	// Lost: the status is not final, yet Slurm neither runs nor holds the task (a
	// node crash, an scancel -9, a pending task cancelled) and no process trains the job.
	Lost State = "lost"
	// Unknown: squeue failed or timed out, so nobody can say whether Slurm still
	// holds the task; no resume is offered until it answers (Reason says what failed).
	Unknown State = "unknown"
)

// View is one job's cluster state with its details.
type View struct {
	State    State
	Task     string // the array task, "ARRAY_INDEX"
	Reason   string // why pending; for lost, Slurm's last state if it still lists one
	Node     string // where it runs
	Restarts int    // requeues so far
	Resume   string // for lost: the command that resumes the job
}

// String describes the view in a few words: "pending (Resources)", "running on node7",
// "requeued ×2 (BeginTime)", "lost (NODE_FAIL): sipbench resume DIR --job ID".
func (v View) String() string {
	why := func(s string) string {
		if s == "" {
			return ""
		}
		return " (" + s + ")"
	}
	switch v.State {
	case Pending:
		return "pending" + why(v.Reason)
	case Running:
		s := "running"
		if v.Node != "" {
			s += " on " + v.Node
		}
		if v.Restarts > 0 {
			s += fmt.Sprintf(", requeued ×%d", v.Restarts)
		}
		return s
	case Requeued:
		if v.Restarts == 0 {
			return "requeued, pending" + why(v.Reason)
		}
		return fmt.Sprintf("requeued ×%d, pending", v.Restarts) + why(v.Reason)
	case Unknown:
		return "unknown" + why(v.Reason) + ": Slurm may still hold it, so no resume is offered until squeue answers"
	case Lost:
		s := "lost" + why(v.Reason)
		if v.Resume != "" {
			s += ": " + v.Resume
		}
		return s
	}
	return ""
}

// Short is String without the resume command, for narrow columns.
func (v View) Short() string {
	v.Resume = ""
	return v.String()
}

// CancelArray cancels the Slurm array that trains the folder dir (scancel ARRAY), if its
// slurm.json names one, and reports whether it did. For one combination of a sweep (its
// slurm.json lists a part of the sweep's array) it cancels that combination's tasks only.
func CancelArray(dir string) bool {
	rec, err := slurm.ReadRecord(dir)
	if err != nil || rec.Array == "" {
		return false
	}
	ids := rec.ArrayIDs()               // the previous arrays too: a task may still wait in one
	if rec.Script != slurm.ScriptFile { // the array's script lives in the sweep folder
		ids = nil
		for _, t := range rec.Tasks {
			for _, a := range rec.Arrays() {
				if t.Task >= a.First {
					ids = append(ids, slurm.TaskID(a.ID, t.Task-a.First))
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return (slurm.Client{}).Cancel(ctx, ids...) == nil
}

// Monitor asks Slurm about the arrays of every cluster run that this process follows
// (watches, the runs screen, a sweep's dashboard) with one squeue call per
// PollInterval, and sacct at most once a minute for one run's arrays.
var Monitor = &slurm.Monitor{Every: PollInterval}

// clusterPoll is Slurm's view of the tasks of one slurm.json at one moment.
type ClusterPoll struct {
	Rec     *slurm.Record
	tasks   map[int]slurm.Task // by the record's task number, across its arrays
	when    time.Time          // when squeue answered
	Err     error              // squeue failed: every view is unknown
	acct    map[int]slurm.Task // what sacct says of tasks that squeue no longer lists
	acctErr error              // slurm.ErrNoAccounting, or why sacct failed
}

// pollRecord asks mon about the arrays of rec (every one it records, the previous ones
// too, so that tasks still pending in an older array are not lost). open reports whether
// task g's job is not final: if squeue no longer lists such a task, sacct is asked why.
func PollRecord(mon *slurm.Monitor, rec *slurm.Record, open func(g int) bool) ClusterPoll {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := ClusterPoll{Rec: rec}
	ids := rec.ArrayIDs()
	byArray, when, err := mon.Queue(ctx, ids)
	p.when = when
	if err != nil {
		p.Err = err
		return p
	}
	p.tasks = rec.View(byArray)
	fresh := false
	for _, tj := range rec.Tasks {
		if _, ok := p.tasks[tj.Task]; !ok && open(tj.Task) {
			fresh = true
		}
	}
	acct, err := mon.Accounting(ctx, ids, fresh)
	p.acctErr = err
	if acct != nil {
		p.acct = rec.View(acct)
	}
	return p
}

// view merges task g's state with the job's status (MergeCluster). owner is asked only for
// a job about to be called lost.
func (p ClusterPoll) View(g int, state folder.State, updated time.Time, owner func() *folder.LockOwner, resume string) View {
	id := p.Rec.TaskID(g)
	if p.Err != nil {
		if state.Final() {
			return View{Task: id}
		}
		msg := p.Err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return View{State: Unknown, Task: id, Reason: "squeue failed: " + msg}
	}
	var task *slurm.Task
	if t, ok := p.tasks[g]; ok {
		task, id = &t, t.ID
	}
	var o *folder.LockOwner
	if !state.Final() && (task == nil || task.Ended()) {
		o = owner()
	}
	newer := updated.After(p.when.Truncate(time.Second)) // RFC 3339 keeps whole seconds
	v := Merge(state, newer, id, task, o, resume)
	if v.State == Lost && task == nil {
		switch t, ok := p.acct[g]; {
		case ok:
			v.Reason = t.State
			if t.Node != "" {
				v.Reason += " on " + t.Node
			}
			v.Reason += ", says sacct"
		case errors.Is(p.acctErr, slurm.ErrNoAccounting):
			v.Reason = "gone from squeue; no accounting (sacct) to say why"
		case p.acctErr != nil:
			v.Reason = "gone from squeue; sacct failed"
		default:
			v.Reason = "gone from squeue"
		}
	}
	return v
}

// Merge combines a job's training state (from status.json) with Slurm's view of its
// array task: task is nil when Slurm does not list it; newer says that the status was
// written after Slurm's reply; owner is the holder of the job's lock, nil when the lock is
// free. resume is the command that resumes the job, shown when it is lost.
//
// A final state always wins: Slurm forgets jobs, the run folder does not. A running or
// paused status newer than Slurm's reply (which may be 12 s old) means running. Otherwise
// a listed pending task is pending, or requeued once it has restarted; an active task is
// running on its node; a task that Slurm does not list, or lists as ended, is lost,
// unless some process (a local resume, say) holds the job's lock.
func Merge(state folder.State, newer bool, taskID string, task *slurm.Task, owner *folder.LockOwner, resume string) View {
	v := View{Task: taskID}
	if task != nil {
		v.Restarts = task.Restarts
	}
	switch {
	case state == folder.Cancelled && task != nil && task.Pending() && !newer:
		// Stopped by a SIGTERM that was a requeue (scontrol requeue, a preemption), not
		// an scancel: Slurm starts the task again, and it resumes the job.
		v.State, v.Reason = Requeued, task.Reason
	case state.Final():
	case newer && (state == folder.Running || state == folder.Paused):
		v.State = Running
		if task != nil && task.Active() {
			v.Node = task.Node
		}
	case task != nil && task.Pending() && task.Restarts > 0:
		v.State, v.Reason = Requeued, task.Reason
	case task != nil && task.Pending():
		v.State, v.Reason = Pending, task.Reason
	case task != nil && task.Active():
		v.State, v.Node = Running, task.Node
	case owner != nil:
		v.State, v.Node = Running, owner.Host
	default:
		v.State, v.Resume = Lost, resume
		if task != nil {
			v.Reason = task.State
		}
	}
	return v
}

// PollInterval is how often a Watch asks Slurm about a cluster run's array.
const PollInterval = 12 * time.Second
