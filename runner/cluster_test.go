package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/cluster/slurmengine"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/slurm"
	"github.com/sipbench/sipbench/summary"
)

// TestMergeCluster runs the merging rules on a table of statuses and Slurm views, and on a
// squeue reply recorded on a real cluster.
func TestMergeCluster(t *testing.T) {
	const resume = "sipbench resume runs/r --job adam-seed0"
	task := func(state, reason, node string, restarts int) *cluster.Task {
		c := slurmengine.Neutral(slurm.Task{Index: 3, ID: "7_3", State: state, Reason: reason, Node: node, Restarts: restarts})
		return &c
	}
	owner := &folder.LockOwner{PID: 12, Host: "login1"}
	for _, c := range []struct {
		name  string
		state folder.State
		task  *cluster.Task
		owner *folder.LockOwner
		newer bool
		want  cluster.View
		text  string
	}{
		{"pending", folder.Queued, task("PENDING", "Priority", "", 0), nil, false,
			cluster.View{State: cluster.Pending, Task: "7_3", Reason: "Priority"}, "pending (Priority)"},
		{"running", folder.Running, task("RUNNING", "", "node7", 0), nil, false,
			cluster.View{State: cluster.Running, Task: "7_3", Node: "node7"}, "running on node7"},
		{"status lags behind Slurm", folder.Queued, task("RUNNING", "", "node7", 0), nil, false,
			cluster.View{State: cluster.Running, Task: "7_3", Node: "node7"}, "running on node7"},
		{"requeued, held", folder.Queued, task("PENDING", "BeginTime", "", 1), nil, false,
			cluster.View{State: cluster.Requeued, Task: "7_3", Reason: "BeginTime", Restarts: 1}, "requeued ×1, pending (BeginTime)"},
		{"running again", folder.Running, task("RUNNING", "", "node2", 2), nil, false,
			cluster.View{State: cluster.Running, Task: "7_3", Node: "node2", Restarts: 2}, "running on node2, requeued ×2"},
		{"done: the folder wins", folder.Done, task("RUNNING", "", "node7", 0), nil, false,
			cluster.View{Task: "7_3"}, ""},
		{"done and forgotten", folder.Done, nil, nil, false, cluster.View{Task: "7_3"}, ""},
		{"cancelled", folder.Cancelled, task("CANCELLED", "", "node7", 0), nil, false, cluster.View{Task: "7_3"}, ""},
		{"lost: not listed", folder.Running, nil, nil, false,
			cluster.View{State: cluster.Lost, Task: "7_3", Resume: resume}, "lost: " + resume},
		{"lost: node failed", folder.Running, task("NODE_FAIL", "", "node7", 0), nil, false,
			cluster.View{State: cluster.Lost, Task: "7_3", Reason: "NODE_FAIL", Resume: resume}, "lost (NODE_FAIL): " + resume},
		{"lost: pending task cancelled", folder.Queued, nil, nil, false,
			cluster.View{State: cluster.Lost, Task: "7_3", Resume: resume}, "lost: " + resume},
		{"started since Slurm's reply", folder.Running, task("PENDING", "Resources", "", 0), nil, true,
			cluster.View{State: cluster.Running, Task: "7_3"}, "running"},
		{"requeued, status stale", folder.Running, task("PENDING", "BeginTime", "", 1), nil, false,
			cluster.View{State: cluster.Requeued, Task: "7_3", Reason: "BeginTime", Restarts: 1}, "requeued ×1, pending (BeginTime)"},
		{"resumed outside Slurm", folder.Running, nil, owner, false,
			cluster.View{State: cluster.Running, Task: "7_3", Node: "login1"}, "running on login1"},
	} {
		got := cluster.Merge(c.state, c.newer, "7_3", c.task, c.owner, resume)
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
	states := []folder.State{folder.Queued, folder.Cancelled, folder.Running, folder.Running}
	want := []string{"requeued ×1, pending (BeginTime)", "", "running on vm", "lost: " + resume}
	for i, st := range states {
		var tp *cluster.Task
		if tk, ok := tasks[i]; ok {
			c := slurmengine.Neutral(tk)
			tp = &c
		}
		if got := cluster.Merge(st, false, cluster.TaskID("10", i), tp, nil, resume).String(); got != want[i] {
			t.Errorf("task %d (%s): %q; want %q", i, st, got, want[i])
		}
	}
}

// clusterRun creates a run of four jobs whose slurm.json maps task i to job i in array
// "10" (after "5", re-submitted), and a folder of fake Slurm commands given by scripts.
func clusterRun(t *testing.T, scripts map[string]string) (string, []string, *slurm.Monitor, string) {
	t.Helper()
	sp := spec(t, "exp", []string{"newton", "adam", "sgd", "rescaled"}, "steps=10")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(sp, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := &cluster.Record{Array: "10", Previous: []string{"5"}, Script: slurm.ScriptFile}
	var ids []string
	for i, j := range r.Info.Jobs {
		rec.Tasks = append(rec.Tasks, cluster.TaskJob{Task: i, Job: j.ID})
		ids = append(ids, j.ID)
	}
	if err := cluster.WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	log := filepath.Join(bin, "calls")
	for name, body := range scripts {
		os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\necho \""+name+" $*\" >> "+log+"\n"+body+"\n"), 0o755)
	}
	return dir, ids, &slurm.Monitor{Client: slurm.Client{Bin: bin}, Every: cluster.PollInterval}, log
}

// TestClusterOutage: while squeue fails or times out, a cluster run's queued and running
// jobs are unknown, never lost: the runs list offers no resume and says why; a headless
// watch keeps waiting. Once squeue answers again, each job has its state back.
func TestClusterOutage(t *testing.T) {
	dir, ids, mon, _ := clusterRun(t, map[string]string{
		"squeue": "echo 'slurm_load_jobs error: Socket timed out on send/recv operation' >&2; exit 1"})
	folder.WriteStatus(dir, ids[1], folder.Status{State: folder.Running})
	folder.WriteStatus(dir, ids[2], folder.Status{State: folder.Done})
	x := summary.NewIndex(filepath.Dir(dir))
	x.Engine = slurmengine.New(mon.Client)
	rs, err := x.Status(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rs.State != summary.RunUnknown || rs.State.Resumable() || rs.Count[summary.JobLost] != 0 || rs.Count[summary.JobUnknown] != 3 {
		t.Errorf("runs list while squeue fails: %s %v; want unknown 3/4, nothing lost or resumable", rs.StateText(), rs.Count)
	}
	if v := rs.Jobs[0].Cluster; v.State != cluster.Unknown || !strings.Contains(v.String(), "squeue failed: ") ||
		!strings.Contains(v.String(), "Socket timed out") || !strings.Contains(v.String(), "no resume is offered") || v.Resume != "" {
		t.Errorf("job view while squeue fails: %q", v.String())
	}
	w, err := OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.cluster.eng = slurmengine.FromMonitor(mon)
	sub := w.Subscribe()
	if final, err := w.Poll(); err != nil || final {
		t.Errorf("Poll while squeue fails = %v, %v; want not final (nothing is known lost)", final, err)
	}
	if lost := w.Lost(); len(lost) != 0 {
		t.Errorf("Lost() while squeue fails = %v; want none", lost)
	}
	unknown := 0
	for _, e := range sub.Drain() {
		if e.Kind == EvCluster && e.Cluster.State == cluster.Unknown {
			unknown++
		}
	}
	if unknown != 3 {
		t.Errorf("%d unknown views published; want 3 (the unfinished jobs)", unknown)
	}
}

// TestClusterLostReason: a task that squeue no longer lists (MinJobAge after it ended) is
// lost with the reason sacct gives, asked once for the run's arrays however often it is
// polled; on a cluster without accounting the view says so. A headless watch of it reports
// the lost jobs (exit 1).
func TestClusterLostReason(t *testing.T) {
	dir, ids, mon, log := clusterRun(t, map[string]string{
		"squeue": "echo '10|1|RUNNING|None|n1|0|'; echo '5|2|PENDING|Priority||0|'",
		"sacct":  "printf '10_0|NODE_FAIL|n2\\n10_3|OUT_OF_MEMORY|n1\\n'"})
	for _, id := range ids {
		folder.WriteStatus(dir, id, folder.Status{State: folder.Running})
	}
	mon.AccountingEvery = time.Hour
	x := summary.NewIndex(filepath.Dir(dir))
	x.Engine = slurmengine.FromMonitor(mon)
	var rs summary.Status
	for range 5 {
		var err error
		if rs, err = x.Status(dir); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"lost (NODE_FAIL on n2, says sacct)", "running on n1", "pending (Priority)", "lost (OUT_OF_MEMORY on n1, says sacct)"}
	for i, w := range want {
		if got := rs.Jobs[i].Cluster.Short(); got != w {
			t.Errorf("%s: %q; want %q", ids[i], got, w)
		}
	}
	b, _ := os.ReadFile(log)
	if n := strings.Count(string(b), "sacct "); n != 1 {
		t.Errorf("sacct ran %d times in 5 scans; want once", n)
	}
	if !strings.Contains(string(b), "--jobs=10,5 ") {
		t.Errorf("squeue was not asked about the current and the previous array in one call:\n%s", b)
	}

	// Without accounting: the view says that nobody recorded why.
	dir2, ids2, mon2, _ := clusterRun(t, map[string]string{
		"squeue": "true",
		"sacct":  "echo 'Slurm accounting storage is disabled' >&2; exit 1"})
	folder.WriteStatus(dir2, ids2[0], folder.Status{State: folder.Running})
	w, _ := OpenWatch(dir2)
	w.cluster.eng = slurmengine.FromMonitor(mon2)
	final, err := w.Poll()
	if err != nil || !final {
		t.Errorf("Poll with every unfinished job lost = %v, %v; want final", final, err)
	}
	if v := w.cluster.views[ids2[0]]; v.State != cluster.Lost || !strings.Contains(v.Reason, "no accounting (sacct)") {
		t.Errorf("lost view without accounting: %+v", v)
	}
	if lost := w.Lost(); len(lost) != 4 {
		t.Errorf("Lost() = %v; want the 4 jobs (watch --headless exits 1)", lost)
	}
}

// TestClusterRequeuedAfterCancel: a job whose task stopped on a SIGTERM that was a requeue
// (scontrol requeue, a preemption) says cancelled, but Slurm holds it pending again: it is
// requeued (pending), queued in the runs list, and a watch keeps following it.
func TestClusterRequeuedAfterCancel(t *testing.T) {
	dir, ids, mon, _ := clusterRun(t, map[string]string{"squeue": "echo '10|0|PENDING|BeginTime||1|'"})
	folder.WriteStatus(dir, ids[0], folder.Status{State: folder.Cancelled, Message: "cancelled in Slurm"})
	for _, id := range ids[1:] {
		folder.WriteStatus(dir, id, folder.Status{State: folder.Done})
	}
	x := summary.NewIndex(filepath.Dir(dir))
	x.Engine = slurmengine.New(mon.Client)
	rs, _ := x.Status(dir)
	if rs.State != summary.RunQueued || rs.Jobs[0].Cluster.Short() != "requeued ×1, pending (BeginTime)" {
		t.Errorf("runs list: %s, job %q; want queued, requeued ×1, pending", rs.State, rs.Jobs[0].Cluster.Short())
	}
	w, _ := OpenWatch(dir)
	w.cluster.eng = slurmengine.FromMonitor(mon)
	if final, _ := w.Poll(); final {
		t.Error("a watch stops following a job that Slurm requeued")
	}
}

// TestClusterCancelKey: the cancel key on a job whose task runs cancels the task and leaves
// the status to the task (which writes why it stopped); on a pending job it marks it
// cancelled before it started.
func TestClusterCancelKey(t *testing.T) {
	dir, ids, mon, log := clusterRun(t, map[string]string{
		"squeue":  "echo '10|0|RUNNING|None|n1|0|'; echo '10|1|PENDING|Priority||0|'",
		"scancel": "true"})
	folder.WriteStatus(dir, ids[0], folder.Status{State: folder.Running, Message: "training on n1"})
	w, _ := OpenWatch(dir)
	w.cluster.eng = slurmengine.FromMonitor(mon)
	if _, err := w.Poll(); err != nil {
		t.Fatal(err)
	}
	w.Cancel(ids[0])
	w.Cancel(ids[1])
	if st, _ := folder.ReadStatus(dir, ids[0]); st.State != folder.Running || st.Message != "training on n1" {
		t.Errorf("running job after the cancel key: %+v; want its status left to its task", st)
	}
	if st, _ := folder.ReadStatus(dir, ids[1]); st.State != folder.Cancelled || !strings.Contains(st.Message, "before it started") {
		t.Errorf("pending job after the cancel key: %+v; want cancelled before it started", st)
	}
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), "scancel 10_0") || !strings.Contains(string(b), "scancel 10_1") {
		t.Errorf("scancel calls:\n%s", b)
	}
}
