package cluster

import (
	"fmt"
	"time"

	"github.com/sipbench/sipbench/folder"
)

// State is what a job of a run trained on a cluster is doing, from its status.json and
// its engine's view of its array task.
type State string

// The cluster states. The zero value says that the engine has nothing to add: the job's status
// is final (the run folder is the record), or the run is not a cluster run.
const (
	None     State = ""
	Pending  State = "pending"  // in the queue, never started (Reason says why)
	Running  State = "running"  // on a node (Node)
	Requeued State = "requeued" // back in the queue after Restarts requeues
	// Lost: the status is not final, yet the engine neither runs nor holds the task (a
	// node crash, an scancel -9, a pending task cancelled) and no process trains the job.
	Lost State = "lost"
	// Unknown: the engine's query (squeue) failed or timed out, so nobody can say whether
	// it still holds the task; no resume is offered until it answers (Reason says what failed).
	Unknown State = "unknown"
)

// View is one job's cluster state with its details.
type View struct {
	State    State
	Task     string // the array task, "ARRAY_INDEX"
	Reason   string // why pending; for lost, the engine's last state if it still lists one
	Node     string // where it runs
	Restarts int    // requeues so far
	Resume   string // for lost: the command that resumes the job
	// Engine is the engine's Terms, for the words of String; zero for Slurm's.
	Engine Terms
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
		t := v.terms()
		return "unknown" + why(v.Reason) + ": " + t.Title + " may still hold it, so no resume is offered until " + t.Queue + " answers"
	case Lost:
		s := "lost" + why(v.Reason)
		if v.Resume != "" {
			s += ": " + v.Resume
		}
		return s
	}
	return ""
}

// slurmTerms are Slurm's words, for a View that names no engine.
var slurmTerms = Terms{Title: "Slurm", Submit: "sbatch", Queue: "squeue", History: "sacct", Cancel: "scancel", Requeue: "scontrol requeue"}

func (v View) terms() Terms {
	if v.Engine.Title == "" {
		return slurmTerms
	}
	return v.Engine
}

// Short is String without the resume command, for narrow columns.
func (v View) Short() string {
	v.Resume = ""
	return v.String()
}

// Merge combines a job's training state (from status.json) with its engine's view of its
// array task: task is nil when the engine does not list it; newer says that the status was
// written after the engine's reply; owner is the holder of the job's lock, nil when the lock is
// free. resume is the command that resumes the job, shown when it is lost.
//
// A final state always wins: engines forget jobs, the run folder does not. A running or
// paused status newer than the engine's reply (which may be 12 s old) means running. Otherwise
// a listed pending task is pending, or requeued once it has restarted; an active task is
// running on its node; a task that the engine does not list, or lists as ended, is lost,
// unless some process (a local resume, say) holds the job's lock.
func Merge(state folder.State, newer bool, taskID string, task *Task, owner *folder.LockOwner, resume string) View {
	v := View{Task: taskID}
	if task != nil {
		v.Restarts = task.Restarts
	}
	switch {
	case state == folder.Cancelled && task != nil && task.Pending() && !newer:
		// Stopped by a SIGTERM that was a requeue (scontrol requeue, a preemption), not
		// a cancel: the engine starts the task again, and it resumes the job.
		v.State, v.Reason = Requeued, task.Reason
	case state.Final():
	case newer && (state == folder.Running || state == folder.Paused):
		v.State = Running
		if task != nil && task.Active() {
			v.Node = task.Node
		}
	case task != nil && task.Pending() && (task.Restarts > 0 || task.Phase == TaskRequeued):
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

// PollInterval is how often a Watch asks the engine about a cluster run's array.
const PollInterval = 12 * time.Second
