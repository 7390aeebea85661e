//go:build unix

package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/cluster/slurmengine"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/slurm"
)

// fakeScontrol returns a Client whose scontrol appends its arguments to a log and
// exits with code (printing msg on standard error when it fails), and whose squeue says
// that task 0 of array 77 is in state squeueState.
func fakeScontrol(t *testing.T, code int, msg string, squeueState ...string) (slurm.Client, string) {
	t.Helper()
	bin := t.TempDir()
	log := filepath.Join(bin, "calls.log")
	script := "#!/bin/sh\necho \"scontrol $*\" >> " + log + "\necho '" + msg + "' >&2\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(filepath.Join(bin, "scontrol"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	state := "RUNNING"
	if len(squeueState) > 0 {
		state = squeueState[0]
	}
	if !strings.Contains(state, "|") { // STATE, or STATE|REASON|NODE|RESTARTS
		state += "|None|vm|0"
	}
	squeue := "#!/bin/sh\necho '77|0|" + state + "|'\n"
	if err := os.WriteFile(filepath.Join(bin, "squeue"), []byte(squeue), 0o755); err != nil {
		t.Fatal(err)
	}
	return slurm.Client{Bin: bin}, log
}

// taskFolder creates a run of spec and a slurm.json mapping task i to its i-th job.
func taskFolder(t *testing.T, s string) (string, []string) {
	t.Helper()
	sp := spec(t, "exp", []string{"newton", "adam"}, s, "checkpoint_every=1000000")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(sp, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := &cluster.Record{Array: "77", Script: slurm.ScriptFile}
	var ids []string
	for i, j := range r.Info.Jobs {
		rec.Tasks = append(rec.Tasks, cluster.TaskJob{Task: i, Job: j.ID})
		ids = append(ids, j.ID)
	}
	if err := cluster.WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	return dir, ids
}

// trainTask runs task 1 of dir as Slurm would, sending stop once the job has logged
// stopAt steps (never if stopAt is 0). While the job trains, its lock must name the task.
func trainTask(t *testing.T, dir string, task cluster.EnvTask, o TaskOptions, stopAt int) TaskOutcome {
	t.Helper()
	r, job, err := OpenTask(dir, task.Index)
	if err != nil {
		t.Fatal(err)
	}
	sub := r.Subscribe()
	stop := make(chan string, 1)
	var owner *folder.LockOwner // as the lock says at the first logged step
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range sub.C {
			for _, e := range sub.Drain() {
				if owner == nil && e.Kind == EvMetrics {
					owner, _ = folder.JobLockOwner(dir, job)
				}
				if stopAt > 0 && e.Kind == EvMetrics && e.Step == stopAt {
					stop <- "user defined signal 1"
				}
			}
		}
	}()
	out, err := r.TrainTask(context.Background(), job, task, o, stop)
	if err != nil {
		t.Fatal(err)
	}
	<-drained
	if owner == nil || owner.PID != os.Getpid() || owner.Task != task.ID() {
		t.Errorf("the lock of job %s while task %s trained it: %+v; want this process and the task", job, task.ID(), owner)
	}
	return out
}

// TestTrainTaskRequeue: a task stopped by Slurm's signal checkpoints, requeues itself
// (scontrol requeue ARRAY_INDEX), leaves its job queued, and the restarted task ends
// with the metrics of an uninterrupted run; the other job of the folder is not touched.
func TestTrainTaskRequeue(t *testing.T) {
	ref, _ := train(t, spec(t, "exp", []string{"newton", "adam"}, "steps=400", "checkpoint_every=1000000"), []int{0}, 1)
	dir, ids := taskFolder(t, "steps=400")
	client, log := fakeScontrol(t, 0, "")
	o := TaskOptions{RequeueMax: 3, Engine: slurmengine.New(client)}
	out := trainTask(t, dir, cluster.EnvTask{Array: "77", Index: 1, CPUs: 1}, o, 150)
	if !out.Requeued || out.State != folder.Queued || !strings.Contains(out.Message, "requeue 1 of at most 3") {
		t.Fatalf("outcome %+v; want requeued and queued", out)
	}
	if b, _ := os.ReadFile(log); string(b) != "scontrol requeue 77_1\n" {
		t.Errorf("scontrol calls %q; want one requeue of 77_1", b)
	}
	st, _ := folder.ReadStatus(dir, ids[1])
	if st.State != folder.Queued || st.Step < 150 || st.Step >= 400 {
		t.Errorf("status after the requeue %+v; want queued at step 150 or a little later", st)
	}
	if st, _ := folder.ReadStatus(dir, ids[0]); st.State != folder.Queued || st.Step != 0 {
		t.Errorf("the other job's status %+v; want it untouched", st)
	}
	out = trainTask(t, dir, cluster.EnvTask{Array: "77", Index: 1, Restarts: 1, CPUs: 2}, o, 0)
	if out.State != folder.Done || out.Requeued {
		t.Fatalf("restarted task: %+v; want done", out)
	}
	info, _ := folder.ReadInfo(dir)
	if a, b := readAll(t, ref, ids[1], info.Metrics), readAll(t, dir, ids[1], info.Metrics); len(b) != 400 || !sameMetrics(a, b) {
		t.Errorf("requeued job's metrics differ from the uninterrupted run's (%d rows)", len(b))
	}
	// A task restarted once more (a node failure, say) finds its job done and refuses it.
	r, job, _ := OpenTask(dir, 1)
	if _, err := r.TrainTask(context.Background(), job, cluster.EnvTask{Array: "77", Index: 1, Restarts: 2}, o, nil); err == nil || !strings.Contains(err.Error(), "nothing to train") {
		t.Errorf("TrainTask of a done job: %v; want ErrJobDone", err)
	}
}

// TestTrainTaskRequeueMax: past --requeue-max the job is failed, its status says why,
// and no requeue is asked for.
func TestTrainTaskRequeueMax(t *testing.T) {
	dir, ids := taskFolder(t, "steps=100000")
	client, log := fakeScontrol(t, 0, "")
	out := trainTask(t, dir, cluster.EnvTask{Array: "77", Index: 0, Restarts: 3}, TaskOptions{RequeueMax: 3, Engine: slurmengine.New(client)}, 20)
	if out.State != folder.Failed || out.Requeued || !strings.Contains(out.Message, "after 3 requeues") {
		t.Errorf("outcome %+v; want failed after 3 requeues", out)
	}
	if st, _ := folder.ReadStatus(dir, ids[0]); st.State != folder.Failed || !strings.Contains(st.Message, "--requeue-max") {
		t.Errorf("status %+v; want failed, naming --requeue-max", st)
	}
	if b, _ := os.ReadFile(log); len(b) != 0 {
		t.Errorf("scontrol was called: %q", b)
	}
	// The job stays resumable: a task of a new array (resume --slurm, or the script
	// submitted again) trains it on from its checkpoint.
	out = trainTask(t, dir, cluster.EnvTask{Array: "78", Index: 0}, TaskOptions{RequeueMax: 3, Engine: slurmengine.New(client)}, 40)
	if out.State != folder.Queued || !out.Requeued {
		t.Errorf("a new array's task on the failed job: %+v; want it trained (then requeued at its signal)", out)
	}
}

// TestTrainTaskCancelled: when the requeue is refused (scancel's SIGTERM: the job is
// already cancelled in Slurm), the job ends cancelled with scontrol's message.
func TestTrainTaskCancelled(t *testing.T) {
	dir, ids := taskFolder(t, "steps=100000")
	client, _ := fakeScontrol(t, 1, "scontrol: error: Job has already finished for job 77_0")
	out := trainTask(t, dir, cluster.EnvTask{Array: "77", Index: 0}, TaskOptions{RequeueMax: 3, Engine: slurmengine.New(client)}, 20)
	if out.State != folder.Cancelled || out.Requeued {
		t.Errorf("outcome %+v; want cancelled", out)
	}
	if st, _ := folder.ReadStatus(dir, ids[0]); st.State != folder.Cancelled || !strings.Contains(st.Message, "already finished") || st.Step < 20 {
		t.Errorf("status %+v; want cancelled after step 20 with scontrol's message", st)
	}
}

// TestTrainTaskSIGTERM: a SIGTERM while Slurm lists the task as running (a preemption's
// grace time) requeues it; scancel's SIGTERM, which comes when the task is completing,
// cancels the job without a requeue; a SIGTERM of Slurm's own requeue (completing with
// its restart count up, as squeue showed after scontrol requeue) leaves the job queued,
// without a second requeue.
func TestTrainTaskSIGTERM(t *testing.T) {
	for _, c := range []struct {
		state   string
		want    folder.State
		requeue bool
	}{{"RUNNING", folder.Queued, true}, {"COMPLETING", folder.Cancelled, false}, {"COMPLETING|None|vm|1", folder.Queued, false}} {
		dir, ids := taskFolder(t, "steps=100000")
		client, log := fakeScontrol(t, 0, "", c.state)
		r, job, err := OpenTask(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan string, 1)
		stop <- "SIGTERM"
		out, err := r.TrainTask(context.Background(), job, cluster.EnvTask{Array: "77", Index: 0}, TaskOptions{RequeueMax: 3, Engine: slurmengine.New(client)}, stop)
		if err != nil || out.State != c.want || out.Requeued != c.requeue {
			t.Errorf("SIGTERM with the task %s: %+v, %v; want %s, requeued %v", c.state, out, err, c.want, c.requeue)
		}
		b, _ := os.ReadFile(log)
		if got := strings.Contains(string(b), "requeue"); got != c.requeue {
			t.Errorf("SIGTERM with the task %s: scontrol calls %q", c.state, b)
		}
		if st, _ := folder.ReadStatus(dir, ids[0]); st.State != c.want {
			t.Errorf("SIGTERM with the task %s: status %+v", c.state, st)
		}
	}
}

// TestWatchCluster: a Watch of a cluster run adds Slurm's view of each job (one squeue
// call for the array, at most every ClusterPollInterval), and stops following once every
// unfinished job is lost.
func TestWatchCluster(t *testing.T) {
	sp := spec(t, "exp", []string{"newton", "adam", "sgd", "rescaled"}, "steps=10")
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(sp, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := &cluster.Record{Array: "10", Script: slurm.ScriptFile}
	for i, j := range r.Info.Jobs {
		rec.Tasks = append(rec.Tasks, cluster.TaskJob{Task: i, Job: j.ID})
	}
	cluster.WriteRecord(dir, rec)
	// As in squeue-begintime-cancelled.txt: task 0 requeued, 1 cancelled, 2 running, and
	// task 3's job says running though Slurm does not list it.
	folder.WriteStatus(dir, r.Info.Jobs[1].ID, folder.Status{State: folder.Cancelled})
	folder.WriteStatus(dir, r.Info.Jobs[2].ID, folder.Status{State: folder.Running})
	folder.WriteStatus(dir, r.Info.Jobs[3].ID, folder.Status{State: folder.Running})
	bin := t.TempDir()
	recorded, _ := filepath.Abs(filepath.Join("..", "slurm", "testdata", "squeue-begintime-cancelled.txt"))
	os.WriteFile(filepath.Join(bin, "squeue"), []byte("#!/bin/sh\necho x >> "+filepath.Join(bin, "calls")+"\ncat "+recorded+"\n"), 0o755)

	w, err := OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := w.Cluster(); !ok || a != "10" {
		t.Fatalf("Cluster() = %q, %v; want array 10", a, ok)
	}
	w.cluster.eng = slurmengine.New(slurm.Client{Bin: bin})
	sub := w.Subscribe()
	for range 3 {
		if _, err := w.Poll(); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]string{}
	for _, e := range sub.Drain() {
		if e.Kind == EvCluster {
			got[e.Job] = e.Cluster.String()
		}
	}
	want := map[string]string{
		r.Info.Jobs[0].ID: "requeued ×1, pending (BeginTime)",
		r.Info.Jobs[1].ID: "",
		r.Info.Jobs[2].ID: "running on vm",
		r.Info.Jobs[3].ID: "lost (gone from squeue; no accounting (sacct) to say why): sipbench resume " + dir + " --job " + r.Info.Jobs[3].ID,
	}
	for id, v := range want {
		if got[id] != v {
			t.Errorf("%s: %q; want %q", id, got[id], v)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(bin, "calls")); string(b) != "x\n" {
		t.Errorf("squeue ran %d times in 3 polls; want once", strings.Count(string(b), "x"))
	}
	// Once Slurm no longer lists the array, the running and queued jobs are lost and a
	// headless watch stops.
	w2, _ := OpenWatch(dir)
	os.WriteFile(filepath.Join(bin, "squeue"), []byte("#!/bin/sh\necho 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n"), 0o755)
	w2.cluster.eng = slurmengine.New(slurm.Client{Bin: bin})
	if final, err := w2.Poll(); err != nil || !final {
		t.Errorf("Poll with every job final or lost = %v, %v; want final", final, err)
	}
}

// TestSubmitArray: one array for the jobs of two runs (a sweep's combinations): the task →
// job map in the sweep folder, each combination's own slurm.json with the array id, and
// the script that execs train-task.
func TestSubmitArray(t *testing.T) {
	sp := spec(t, "exp", []string{"newton", "adam"}, "steps=10")
	dir := filepath.Join(t.TempDir(), "sweep")
	var runs []ArrayRun
	for _, rel := range []string{"a=1", "a=2"} {
		r, err := Create(sp, []int{0}, filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, ArrayRun{Rel: rel, Run: r})
	}
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "sbatch"), []byte("#!/bin/sh\necho \"$*\" > "+filepath.Join(bin, "args")+"\necho 4242\n"), 0o755)
	sub, err := SubmitArray(dir, runs, SubmitOptions{Name: "t", Exe: "/bin/sipbench", RequeueMax: 2, Engine: slurmengine.New(slurm.Client{Bin: bin})})
	if err != nil || sub.Array != "4242" || sub.Tasks != 4 {
		t.Fatalf("SubmitArray = %+v, %v", sub, err)
	}
	if b, _ := os.ReadFile(filepath.Join(bin, "args")); string(b) != "--parsable "+sub.Path+"\n" {
		t.Errorf("sbatch %q", b)
	}
	if !strings.Contains(sub.Script, "exec /bin/sipbench train-task "+dir+" --requeue-max 2\n") {
		t.Errorf("script:\n%s", sub.Script)
	}
	rec, err := cluster.ReadRecord(dir)
	if err != nil || rec.Array != "4242" || len(rec.Tasks) != 4 || rec.Tasks[2] != (cluster.TaskJob{Task: 2, Run: "a=2", Job: "newton-seed0"}) {
		t.Errorf("sweep's slurm.json %+v, %v", rec, err)
	}
	sr, err := cluster.ReadRecord(filepath.Join(dir, "a=2"))
	if err != nil || sr.Array != "4242" || len(sr.Tasks) != 2 || sr.Tasks[1] != (cluster.TaskJob{Task: 3, Job: "adam-seed0"}) {
		t.Errorf("a=2's slurm.json %+v, %v", sr, err)
	}
	r, job, err := OpenTask(dir, 3)
	if err != nil || job != "adam-seed0" || r.Dir != filepath.Join(dir, "a=2") {
		t.Errorf("OpenTask(3) = %v, %q, %v", r, job, err)
	}
	// A combination that is a link (to a run folder elsewhere) is refused.
	os.Rename(filepath.Join(dir, "a=2"), filepath.Join(t.TempDir(), "moved"))
	os.Symlink(filepath.Join(dir, "a=1"), filepath.Join(dir, "a=2"))
	if _, _, err := OpenTask(dir, 3); err == nil || !strings.Contains(err.Error(), "not a folder inside") {
		t.Errorf("OpenTask through a linked combination: %v; want refused", err)
	}
}
