//go:build unix

package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipbench/sipbench/check"
	seam "github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/slurm"
	"github.com/sipbench/sipbench/tune"
)

// TestSlurm runs sipbench on a real Slurm cluster, end to end, with the commands a user
// types: a sweep as a job array, a task preempted by SIGUSR1 and requeued, a task
// cancelled with scancel, and `watch --headless` following an array. It submits jobs, so it
// runs only where SIPBENCH_SLURM_TEST=1 says that the cluster answering is a disposable test
// cluster brought up by .ci/slurm-up (whose settings it relies on); elsewhere, on a real
// cluster's login node too, it skips and says how to run it. The subtests run side by side,
// so that the requeue delay overlaps the others, except the loss of a node, which runs
// alone after them. The cluster is .ci/slurm-up's: two nodes, sipbench-n1 and -n2.
func TestSlurm(t *testing.T) {
	requireTestCluster(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "sipbench")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	start := time.Now()
	t.Cleanup(func() { t.Logf("Slurm end-to-end tests: %.0f s", time.Since(start).Seconds()) })
	e := &e2e{bin: bin, tmp: tmp}
	t.Run("Together", func(t *testing.T) { // side by side; Together returns when all have
		t.Run("Sweep", e.sweep)
		t.Run("Requeue", e.requeue)
		t.Run("CancelAndWatch", e.cancelAndWatch)
		t.Run("CheckFull", e.checkFull)
		t.Run("TuneRungs", e.tuneRungs)
		t.Run("Outage", e.outage)
		t.Run("PartialResubmit", e.partial)
		t.Run("Refused", e.refused)
		t.Run("Thousand", e.thousand)
	})
	// Alone: a node's loss fails every task on it, so no other test may have one there.
	t.Run("NodeLoss", e.nodeLoss)
}

// slurmTestVar is the variable that lets the cluster tests submit jobs: set it only for a
// disposable cluster brought up by .ci/slurm-up, never on a site's login node.
const slurmTestVar = "SIPBENCH_SLURM_TEST"

// requireTestCluster skips the test unless SIPBENCH_SLURM_TEST=1 and the cluster answers;
// with the variable set, a cluster that does not answer is a failure, not a skip.
func requireTestCluster(t *testing.T) {
	t.Helper()
	if os.Getenv(slurmTestVar) != "1" {
		t.Skipf("the Slurm cluster tests submit jobs, so they run only on a disposable test cluster: "+
			"as root, bash .ci/slurm-up, then %s=1 go test -run 'TestSlurm' -v ./cli", slurmTestVar)
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Fatalf("%s=1, but sbatch is not on PATH (.ci/slurm-up installs and starts a test cluster)", slurmTestVar)
	}
	if out, err := exec.Command("scontrol", "ping").CombinedOutput(); err != nil || !strings.Contains(string(out), "UP") {
		t.Fatalf("%s=1, but no Slurm cluster is up (scontrol ping: %s); .ci/slurm-up starts one", slurmTestVar, strings.TrimSpace(string(out)))
	}
}

type e2e struct{ bin, tmp string }

// sipbench runs the binary and returns its output; it fails the test on a non-zero exit.
func (e *e2e) sipbench(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(e.bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sipbench %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// array returns the array id that dir's slurm.json records.
func array(t *testing.T, dir string) string {
	t.Helper()
	rec, err := seam.ReadRecord(dir)
	if err != nil || rec.Array == "" {
		t.Fatalf("slurm.json of %s: %+v, %v", dir, rec, err)
	}
	return rec.Array
}

// waitFor polls cond every half second until it holds; after limit it fails, showing the
// queue and the tasks' logs under dir.
func waitFor(t *testing.T, dir, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			q, _ := exec.Command("squeue").CombinedOutput()
			logs, _ := filepath.Glob(filepath.Join(dir, "slurm", "*.log"))
			var b bytes.Buffer
			for _, l := range logs {
				c, _ := os.ReadFile(l)
				fmt.Fprintf(&b, "--- %s\n%s", l, c)
			}
			t.Fatalf("%s: not after %v\nsqueue:\n%s\n%s", what, limit, q, b.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// states returns the status of every job of the run folder dir.
func states(t *testing.T, dir string) map[string]folder.Status {
	t.Helper()
	info, err := folder.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]folder.Status{}
	for _, j := range info.Jobs {
		st, _ := folder.ReadStatus(dir, j.ID)
		out[j.ID] = st
	}
	return out
}

func allFinal(t *testing.T, dir string) bool {
	for _, st := range states(t, dir) {
		if !st.State.Final() {
			return false
		}
	}
	return true
}

// withoutWall returns metrics.csv without its wall_s column (the second).
func withoutWall(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		f := strings.Split(line, ",")
		if len(f) > 2 {
			line = strings.Join(append(f[:1], f[2:]...), ",")
		}
		out.WriteString(line)
	}
	return out.String()
}

// sameMetricsFiles compares every job's metrics.csv of two run folders, apart from wall_s.
func sameMetricsFiles(t *testing.T, a, b string) {
	t.Helper()
	info, err := folder.ReadInfo(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range info.Jobs {
		x := withoutWall(t, filepath.Join(a, j.ID, "metrics.csv"))
		y := withoutWall(t, filepath.Join(b, j.ID, "metrics.csv"))
		if x != y || strings.Count(x, "\n") < 2 {
			t.Errorf("%s/%s/metrics.csv differs from %s's (apart from wall_s): %d vs %d lines",
				b, j.ID, a, strings.Count(x, "\n"), strings.Count(y, "\n"))
		}
	}
}

// sweep: a 2×2 rotation sweep submitted with --slurm completes, and every job's
// metrics.csv equals the local sweep's byte for byte, apart from wall_s.
func (e *e2e) sweep(t *testing.T) {
	t.Parallel()
	args := []string{"sweep", "rotation", "--set", "xi=0.1,1", "--set", "batch=8,16", "--methods", "sip,adam", "--steps", "300"}
	cluster, local := filepath.Join(e.tmp, "sweep-slurm"), filepath.Join(e.tmp, "sweep-local")
	out := e.sipbench(t, append(args, "--slurm", "--cpus-per-task", "1", "--setup", "echo \"site set-up ran on $SLURMD_NODENAME\"", "--out", cluster)...)
	if !strings.Contains(out, "submitted job array "+array(t, cluster)+": 8 tasks") {
		t.Errorf("sweep --slurm printed:\n%s", out)
	}
	e.sipbench(t, append(args, "--out", local)...)
	combos := []string{"xi=0.1_batch=8", "xi=0.1_batch=16", "xi=1_batch=8", "xi=1_batch=16"}
	waitFor(t, cluster, "the sweep's 8 jobs final", 5*time.Minute, func() bool {
		for _, c := range combos {
			if !allFinal(t, filepath.Join(cluster, c)) {
				return false
			}
		}
		return true
	})
	for _, c := range combos {
		for id, st := range states(t, filepath.Join(cluster, c)) {
			if st.State != folder.Done {
				t.Errorf("%s/%s: %+v; want done", c, id, st)
			}
		}
		sameMetricsFiles(t, filepath.Join(local, c), filepath.Join(cluster, c))
	}
	// The tasks landed on both nodes of the cluster (their logs say where they ran).
	logs, _ := filepath.Glob(filepath.Join(cluster, "slurm", "*.log"))
	nodes := map[string]bool{}
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		for _, n := range []string{"sipbench-n1", "sipbench-n2"} {
			if strings.Contains(string(b), " on node "+n+" ") {
				nodes[n] = true
			}
		}
	}
	if len(nodes) != 2 {
		t.Errorf("the sweep's 8 tasks ran on nodes %v; want both sipbench-n1 and sipbench-n2", nodes)
	}
	if b, _ := os.ReadFile(logs[0]); !strings.Contains(string(b), "site set-up ran on sipbench-n") {
		t.Errorf("the --setup line did not run before the task (%s):\n%s", logs[0], b)
	}
	if show := e.sipbench(t, "show", cluster); !strings.Contains(show, "sweep of rotation") || strings.Contains(show, "not started") {
		t.Errorf("show of the cluster sweep:\n%s", show)
	}

	// The script re-submitted by hand: its tasks find their jobs done, and slurm.json follows
	// the new array (so that watch and scancel do), keeping the old id.
	first := array(t, cluster)
	sb, err := exec.Command("sbatch", "--parsable", filepath.Join(cluster, slurm.ScriptFile)).CombinedOutput()
	if err != nil {
		t.Fatalf("sbatch slurm/array.sh by hand: %v\n%s", err, sb)
	}
	second, _, _ := strings.Cut(strings.TrimSpace(string(sb)), ";")
	waitFor(t, cluster, "the re-submitted array recorded and ended", 3*time.Minute, func() bool {
		q, _ := exec.Command("squeue", "-h", "-j", second).Output() // empty, or an error, once it has ended
		rec, err := seam.ReadRecord(cluster)
		return err == nil && rec.Array == second && strings.TrimSpace(string(q)) == ""
	})
	if rec, _ := seam.ReadRecord(cluster); len(rec.Previous) != 1 || rec.Previous[0] != first {
		t.Errorf("slurm.json after the re-submission: %+v; want array %s, previous [%s]", rec, second, first)
	}
	for _, c := range combos {
		for id, st := range states(t, filepath.Join(cluster, c)) {
			if st.State != folder.Done {
				t.Errorf("%s/%s after the re-submission: %+v; want done", c, id, st)
			}
		}
	}
}

// requeue: a task sent SIGUSR1 mid-training (as Slurm does ahead of the time limit)
// checkpoints and requeues itself, restarts after Slurm's delay with SLURM_RESTART_COUNT
// = 1, and ends with the metrics of an uninterrupted run.
func (e *e2e) requeue(t *testing.T) {
	t.Parallel()
	args := []string{"run", "rotation", "--methods", "sip", "--steps", "25000"}
	cluster, local := filepath.Join(e.tmp, "requeue-slurm"), filepath.Join(e.tmp, "requeue-local")
	e.sipbench(t, append(args, "--slurm", "--cpus-per-task", "1", "--out", cluster)...)
	task := array(t, cluster) + "_0"
	job := "sip-seed0"
	// Signal once the task has trained a while (a batch step signalled in its first
	// seconds makes scancel retry and deliver the signal twice).
	waitFor(t, cluster, "training under way", 3*time.Minute, func() bool {
		st := states(t, cluster)[job]
		return st.State == folder.Running && st.Step >= 2000
	})
	if out, err := exec.Command("timeout", "30", "scancel", "--signal=USR1", "--batch", task).CombinedOutput(); err != nil {
		t.Fatalf("scancel --signal=USR1 --batch %s: %v\n%s", task, err, out)
	}
	signalled := time.Now()
	var stopped folder.Status
	waitFor(t, cluster, "the job requeued", time.Minute, func() bool {
		stopped = states(t, cluster)[job]
		return stopped.State == folder.Queued && strings.Contains(stopped.Message, "requeued by Slurm after SIGUSR1")
	})
	if stopped.Step >= 25000 || stopped.Step < 2000 {
		t.Fatalf("requeued at step %d; want mid-training", stopped.Step)
	}
	e.sipbench(t, append(args, "--headless", "--print-every", "1h", "--out", local)...)
	waitFor(t, cluster, "the requeued job done", 5*time.Minute, func() bool { return allFinal(t, cluster) })
	t.Logf("requeued at step %d; done %.0f s after the signal", stopped.Step, time.Since(signalled).Seconds())
	if st := states(t, cluster)[job]; st.State != folder.Done {
		t.Fatalf("after the requeue: %+v; want done", st)
	}
	logs, _ := filepath.Glob(filepath.Join(cluster, "slurm", "*_0.log"))
	if len(logs) != 1 {
		t.Fatalf("task logs %v", logs)
	}
	b, _ := os.ReadFile(logs[0])
	if !strings.Contains(string(b), "(restart 0)") || !strings.Contains(string(b), "(restart 1)") || strings.Contains(string(b), "(restart 2)") {
		t.Errorf("the task's log does not show exactly one restart:\n%s", b)
	}
	sameMetricsFiles(t, local, cluster)
}

// cancelAndWatch: `watch --headless` follows an array (three tasks, one at a time) with
// Slurm's states beside the training statuses; scancel of the running second task
// cancels its job and the others finish.
func (e *e2e) cancelAndWatch(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(e.tmp, "cancel")
	// 60,000 rotation steps take about 18 s a task on a quiet core, longer than the
	// watch's squeue interval (slurm.MinPollInterval, 10 s), so that a poll finds each
	// task running: with 20,000 (6 s) a task could start and end between two polls.
	e.sipbench(t, "run", "rotation", "--methods", "sip,adam,sgd", "--steps", "60000", "--slurm", "--cpus-per-task", "1",
		"--max-parallel", "1", "--out", dir)
	watch := exec.Command(e.bin, "watch", dir, "--headless", "--print-every", "1s")
	var out lockedBuffer
	watch.Stdout, watch.Stderr = &out, &out
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	task := array(t, dir) + "_1"
	waitFor(t, dir, "the second job training, and the watch showing a task running on a node", 5*time.Minute, func() bool {
		st := states(t, dir)["adam-seed0"]
		return st.State == folder.Running && st.Step >= 1000 && strings.Contains(out.String(), "slurm: running on ")
	})
	if o, err := exec.Command("scancel", task).CombinedOutput(); err != nil {
		t.Fatalf("scancel %s: %v\n%s", task, err, o)
	}
	waitFor(t, dir, "every job final", 5*time.Minute, func() bool { return allFinal(t, dir) })
	got := states(t, dir)
	if got["sip-seed0"].State != folder.Done || got["sgd-seed0"].State != folder.Done || got["adam-seed0"].State != folder.Cancelled {
		t.Errorf("states after scancel of the second task: %v; want done, cancelled, done", got)
	}
	done := make(chan error, 1)
	go func() { done <- watch.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("watch --headless: %v\n%s", err, out.String())
		}
	case <-time.After(time.Minute):
		watch.Process.Kill()
		t.Fatalf("watch --headless did not end after every job did:\n%s", out.String())
	}
	text := out.String()
	// The reason a queued task waits is Slurm's to give: none yet when the watch's first
	// squeue comes right after sbatch, JobArrayTaskLimit on a quiet cluster, Priority or
	// Resources when the other tests' arrays fill it.
	for _, want := range []string{"slurm: pending", "slurm: running on "} {
		if !strings.Contains(text, want) {
			t.Errorf("watch --headless never printed %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "adam-seed0") || !strings.Contains(text, "cancelled") {
		t.Errorf("watch --headless output lacks the cancelled job:\n%s", text)
	}
}

// checkFull: `check --scale full --slurm` submits the full check as one array, held (the
// cluster trains none of it): a task per job of every experiment × method × seed of the
// plan, each task's command the batch script's train-task on the check folder, and the
// job it trains (through slurm.json, as train-task finds it) with the plan's steps. Then
// the array is cancelled.
func (e *e2e) checkFull(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(e.tmp, "check-full")
	out := e.sipbench(t, "check", "--scale", "full", "--slurm", "--cpus-per-task", "1", "--sbatch-arg=--hold", "--out", dir)
	arr := array(t, dir)
	t.Cleanup(func() { exec.Command("scancel", arr).Run() })
	pl, err := check.ReadPlan(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{} // experiment/job → steps, as planned
	for _, x := range pl.Experiments {
		spec, err := x.Spec(pl.Scale)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range spec.Methods {
			for _, seed := range pl.Seeds {
				want[x.Name+"/"+folder.JobID(m.Name, seed)] = spec.Common.Steps
			}
		}
	}
	if len(pl.Seeds) != check.MinFullSeeds || want["poisson/sip-seed0"] != 5000 || want["heat/adam-seed1"] != 10000 || want["fluid/gd-seed0"] != 20000 {
		t.Fatalf("the plan: seeds %v, steps %v", pl.Seeds, want)
	}
	if !strings.Contains(out, fmt.Sprintf("submitted job array %s: %d tasks", arr, len(want))) {
		t.Errorf("check --slurm printed:\n%s", out)
	}
	script, err := os.ReadFile(filepath.Join(dir, slurm.ScriptFile))
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	if cmd := "exec " + slurm.Quote(e.bin) + " train-task " + slurm.Quote(abs) + " --requeue-max 3"; !strings.Contains(string(script), cmd) {
		t.Errorf("the batch script does not exec %q:\n%s", cmd, script)
	}
	// Requeued at the time limit as a run's tasks are: Slurm warns the task ahead of it and
	// lets it requeue itself.
	for _, w := range []string{"#SBATCH --requeue\n", "#SBATCH --signal=B:USR1@"} {
		if !strings.Contains(string(script), w) {
			t.Errorf("the batch script lacks %q:\n%s", w, script)
		}
	}
	got := map[string]int{}
	for i := range len(want) {
		r, job, err := runner.OpenTask(dir, i) // what train-task of task i opens
		if err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
		for _, j := range r.Info.Jobs {
			if j.ID == job {
				got[filepath.Base(r.Dir)+"/"+job] = j.Steps
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tasks train %v; want the plan's %v", got, want)
	}
	// Slurm holds every task of the array, and its command is the script.
	q, err := exec.Command("squeue", "-h", "-r", "-j", arr, "-o", "%i %T %r").CombinedOutput()
	if err != nil {
		t.Fatalf("squeue: %v\n%s", err, q)
	}
	if lines := strings.Split(strings.TrimSpace(string(q)), "\n"); len(lines) != len(want) || strings.Count(string(q), "PENDING") != len(want) {
		t.Errorf("squeue shows %d tasks; want %d held:\n%s", len(lines), len(want), q)
	}
	if sc, _ := exec.Command("scontrol", "show", "job", arr+"_0").CombinedOutput(); !strings.Contains(string(sc), "Command="+filepath.Join(abs, slurm.ScriptFile)) {
		t.Errorf("scontrol show job %s_0 does not run the script:\n%s", arr, sc)
	}
	if o, err := exec.Command("scancel", arr).CombinedOutput(); err != nil {
		t.Fatalf("scancel %s: %v\n%s", arr, err, o)
	}
	waitFor(t, dir, "the cancelled array gone from the queue", time.Minute, func() bool {
		q, _ := exec.Command("squeue", "-h", "-j", arr).Output()
		return strings.TrimSpace(string(q)) == ""
	})
}

// tuneRungs: `tune --slurm` submits each rung of its successive halving as one job array
// (2 rates, so 2 rungs: 2 then 1 run folders of 2 jobs), waits for it, scores it on held-out
// examples and goes on; the tuned rates and every rung's scores equal a local search's.
func (e *e2e) tuneRungs(t *testing.T) {
	t.Parallel()
	args := []string{"tune", "rotation", "--methods", "sip,adam", "--lr", "1e-3:1e-2", "--per-decade", "1", "--steps", "40",
		"--validation", "16", "--set", "batch=8"}
	cluster, local := filepath.Join(e.tmp, "tune-slurm"), filepath.Join(e.tmp, "tune-local")
	out := e.sipbench(t, append(args, "--slurm", "--cpus-per-task", "1", "--out", cluster)...)
	for _, rung := range []string{"rung-0", "rung-1"} {
		a := array(t, filepath.Join(cluster, rung))
		if !strings.Contains(out, "submitted job array "+a) {
			t.Errorf("tune --slurm: no array %s for %s in:\n%s", a, rung, out)
		}
	}
	e.sipbench(t, append(args, "--out", local)...)
	got, err1 := tune.Read(cluster)
	want, err2 := tune.Read(local)
	if err1 != nil || err2 != nil || !got.Done || !reflect.DeepEqual(got.Best, want.Best) || !reflect.DeepEqual(got.Rungs, want.Rungs) {
		t.Errorf("tune --slurm: %v, %+v; the local search: %v, %+v", err1, got, err2, want)
	}
}

// lockedBuffer is a bytes.Buffer that a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
