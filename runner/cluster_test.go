package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sipbench/sipbench/slurm"
)

// TestMergeCluster runs the merging rules on a table of statuses and Slurm views, and on a
// squeue reply recorded on a real cluster.
func TestMergeCluster(t *testing.T) {
	const resume = "sipbench resume runs/r --job adam-seed0"
	task := func(state, reason, node string, restarts int) *slurm.Task {
		return &slurm.Task{Index: 3, ID: "7_3", State: state, Reason: reason, Node: node, Restarts: restarts}
	}
	owner := &LockOwner{PID: 12, Host: "login1"}
	for _, c := range []struct {
		name  string
		state State
		task  *slurm.Task
		owner *LockOwner
		newer bool
		want  ClusterView
		text  string
	}{
		{"pending", Queued, task("PENDING", "Priority", "", 0), nil, false,
			ClusterView{State: ClusterPending, Task: "7_3", Reason: "Priority"}, "pending (Priority)"},
		{"running", Running, task("RUNNING", "", "node7", 0), nil, false,
			ClusterView{State: ClusterRunning, Task: "7_3", Node: "node7"}, "running on node7"},
		{"status lags behind Slurm", Queued, task("RUNNING", "", "node7", 0), nil, false,
			ClusterView{State: ClusterRunning, Task: "7_3", Node: "node7"}, "running on node7"},
		{"requeued, held", Queued, task("PENDING", "BeginTime", "", 1), nil, false,
			ClusterView{State: ClusterRequeued, Task: "7_3", Reason: "BeginTime", Restarts: 1}, "requeued ×1 (BeginTime)"},
		{"running again", Running, task("RUNNING", "", "node2", 2), nil, false,
			ClusterView{State: ClusterRunning, Task: "7_3", Node: "node2", Restarts: 2}, "running on node2, requeued ×2"},
		{"done: the folder wins", Done, task("RUNNING", "", "node7", 0), nil, false,
			ClusterView{Task: "7_3"}, ""},
		{"done and forgotten", Done, nil, nil, false, ClusterView{Task: "7_3"}, ""},
		{"cancelled", Cancelled, task("CANCELLED", "", "node7", 0), nil, false, ClusterView{Task: "7_3"}, ""},
		{"lost: not listed", Running, nil, nil, false,
			ClusterView{State: ClusterLost, Task: "7_3", Resume: resume}, "lost: " + resume},
		{"lost: node failed", Running, task("NODE_FAIL", "", "node7", 0), nil, false,
			ClusterView{State: ClusterLost, Task: "7_3", Reason: "NODE_FAIL", Resume: resume}, "lost (NODE_FAIL): " + resume},
		{"lost: pending task cancelled", Queued, nil, nil, false,
			ClusterView{State: ClusterLost, Task: "7_3", Resume: resume}, "lost: " + resume},
		{"started since Slurm's reply", Running, task("PENDING", "Resources", "", 0), nil, true,
			ClusterView{State: ClusterRunning, Task: "7_3"}, "running"},
		{"requeued, status stale", Running, task("PENDING", "BeginTime", "", 1), nil, false,
			ClusterView{State: ClusterRequeued, Task: "7_3", Reason: "BeginTime", Restarts: 1}, "requeued ×1 (BeginTime)"},
		{"resumed outside Slurm", Running, nil, owner, false,
			ClusterView{State: ClusterRunning, Task: "7_3", Node: "login1"}, "running on login1"},
	} {
		got := MergeCluster(c.state, c.newer, "7_3", c.task, c.owner, resume)
		if got != c.want || got.String() != c.text {
			t.Errorf("%s: MergeCluster(%s, %+v) = %+v %q; want %+v %q", c.name, c.state, c.task, got, got.String(), c.want, c.text)
		}
	}

	// Array 10 of testdata/squeue-begintime-cancelled.txt: task 0 requeued and held, task 1
	// scancel'd while running (its trainer wrote cancelled), task 2 running; task 3 never
	// listed though its status says running.
	out, err := os.ReadFile(filepath.Join("..", "slurm", "testdata", "squeue-begintime-cancelled.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := slurm.ParseQueue(out, "10")
	if err != nil {
		t.Fatal(err)
	}
	states := []State{Queued, Cancelled, Running, Running}
	want := []string{"requeued ×1 (BeginTime)", "", "running on vm", "lost: " + resume}
	for i, st := range states {
		var tp *slurm.Task
		if tk, ok := tasks[i]; ok {
			tp = &tk
		}
		if got := MergeCluster(st, false, slurm.TaskID("10", i), tp, nil, resume).String(); got != want[i] {
			t.Errorf("task %d (%s): %q; want %q", i, st, got, want[i])
		}
	}
}
