package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/sipbench/sipbench/slurm"
)

// ClusterState is what a job of a run trained on a Slurm cluster is doing, from its
// status.json and Slurm's view of its array task.
type ClusterState string

// The cluster states. The zero value says that Slurm has nothing to add: the job's status
// is final (the run folder is the record), or the run is not a cluster run.
const (
	ClusterNone     ClusterState = ""
	ClusterPending  ClusterState = "pending"  // in the queue, never started (Reason says why)
	ClusterRunning  ClusterState = "running"  // on a node (Node)
	ClusterRequeued ClusterState = "requeued" // back in the queue after Restarts requeues
	// ClusterLost: the status is not final, yet Slurm neither runs nor holds the task (a
	// node crash, an scancel -9, a pending task cancelled) and no process trains the job.
	ClusterLost ClusterState = "lost"
)

// ClusterView is one job's cluster state with its details.
type ClusterView struct {
	State    ClusterState
	Task     string // the array task, "ARRAY_INDEX"
	Reason   string // why pending; for lost, Slurm's last state if it still lists one
	Node     string // where it runs
	Restarts int    // requeues so far
	Resume   string // for lost: the command that resumes the job
}

// String describes the view in a few words: "pending (Resources)", "running on node7",
// "requeued ×2 (BeginTime)", "lost (NODE_FAIL): sipbench resume DIR --job ID".
func (v ClusterView) String() string {
	why := func(s string) string {
		if s == "" {
			return ""
		}
		return " (" + s + ")"
	}
	switch v.State {
	case ClusterPending:
		return "pending" + why(v.Reason)
	case ClusterRunning:
		s := "running"
		if v.Node != "" {
			s += " on " + v.Node
		}
		if v.Restarts > 0 {
			s += fmt.Sprintf(", requeued ×%d", v.Restarts)
		}
		return s
	case ClusterRequeued:
		return fmt.Sprintf("requeued ×%d", v.Restarts) + why(v.Reason)
	case ClusterLost:
		s := "lost" + why(v.Reason)
		if v.Resume != "" {
			s += ": " + v.Resume
		}
		return s
	}
	return ""
}

// Short is String without the resume command, for narrow columns.
func (v ClusterView) Short() string {
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
	ids := []string{rec.Array}
	if rec.Script != slurm.ScriptFile { // the array's script lives in the sweep folder
		ids = nil
		for _, t := range rec.Tasks {
			ids = append(ids, slurm.TaskID(rec.Array, t.Task))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return (slurm.Client{}).Cancel(ctx, ids...) == nil
}

// MergeCluster combines a job's training state (from status.json) with Slurm's view of its
// array task: task is nil when Slurm does not list it; newer says that the status was
// written after Slurm's reply; owner is the holder of the job's lock, nil when the lock is
// free. resume is the command that resumes the job, shown when it is lost.
//
// A final state always wins: Slurm forgets jobs, the run folder does not. A running or
// paused status newer than Slurm's reply (which may be 12 s old) means running. Otherwise
// a listed pending task is pending, or requeued once it has restarted; an active task is
// running on its node; a task that Slurm does not list, or lists as ended, is lost,
// unless some process (a local resume, say) holds the job's lock.
func MergeCluster(state State, newer bool, taskID string, task *slurm.Task, owner *LockOwner, resume string) ClusterView {
	v := ClusterView{Task: taskID}
	if task != nil {
		v.Restarts = task.Restarts
	}
	switch {
	case state.Final():
	case newer && (state == Running || state == Paused):
		v.State = ClusterRunning
		if task != nil && task.Active() {
			v.Node = task.Node
		}
	case task != nil && task.Pending() && task.Restarts > 0:
		v.State, v.Reason = ClusterRequeued, task.Reason
	case task != nil && task.Pending():
		v.State, v.Reason = ClusterPending, task.Reason
	case task != nil && task.Active():
		v.State, v.Node = ClusterRunning, task.Node
	case owner != nil:
		v.State, v.Node = ClusterRunning, owner.Host
	default:
		v.State, v.Resume = ClusterLost, resume
		if task != nil {
			v.Reason = task.State
		}
	}
	return v
}
