//go:build unix

package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/cluster/slurmengine"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/slurm"
	"github.com/sipbench/sipbench/summary"
)

// The subtests of TestSlurm that need a cluster of two nodes or many tasks (issue 29): an
// outage of squeue, a part of an array submitted again, a refused submission, a node lost
// mid-task, and a sweep of 1,200 tasks, more than one array holds.

// try runs the binary with extra environment variables and returns its output and error.
func (e *e2e) try(env []string, args ...string) (string, error) {
	c := exec.Command(e.bin, args...)
	c.Env = append(os.Environ(), env...)
	out, err := c.CombinedOutput()
	return string(out), err
}

// standIn writes a folder holding one command, name, whose body is the shell text given,
// and returns the folder: put first on PATH, it stands in for Slurm's own command.
func standIn(t *testing.T, name, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cancelArrays cancels what the folder's slurm.json records, so that a subtest leaves no
// task behind.
func cancelArrays(t *testing.T, dir string) {
	if rec, err := cluster.ReadRecord(dir); err == nil {
		if ids := rec.ArrayIDs(); len(ids) > 0 {
			exec.Command("scancel", ids...).Run()
		}
	}
}

// status returns the runs list's view of one run folder.
func status(t *testing.T, dir string) summary.Status {
	t.Helper()
	rs, err := summary.NewIndex(filepath.Dir(dir)).Status(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// outage: while squeue fails (a stand-in on PATH that times out, as a controller under load
// does), `sipbench runs` shows the cluster run's pending job unknown, never lost, with the
// reason (the running one is training: its lock says so); resume --slurm refuses to train
// them twice. With squeue back, the run is training, nothing unknown.
func (e *e2e) outage(t *testing.T) {
	t.Parallel()
	root := filepath.Join(e.tmp, "outage")
	dir := filepath.Join(root, "run")
	e.sipbench(t, "run", "rotation", "--methods", "sip,adam", "--steps", "20000", "--slurm", "--cpus-per-task", "1",
		"--max-parallel", "1", "--out", dir)
	defer cancelArrays(t, dir)
	waitFor(t, dir, "the first job training", 6*time.Minute, func() bool { return states(t, dir)["sip-seed0"].State == folder.Running })
	broken := standIn(t, "squeue", "echo 'squeue: error: slurm_load_jobs error: Socket timed out on send/recv operation' >&2; exit 1")
	env := []string{"PATH=" + broken + string(os.PathListSeparator) + os.Getenv("PATH")}
	// The first job's lock shows its trainer (this machine holds both nodes, as a coherent
	// shared file system would show it); the second, pending, is unknown: neither is lost.
	out, err := e.try(env, "runs", root)
	if err != nil || strings.Contains(out, "lost") {
		t.Errorf("sipbench runs while squeue fails: %v\n%s\nwant nothing lost", err, out)
	}
	out, err = e.try(env, "runs", root, "--json")
	if err != nil || !strings.Contains(out, "unknown (squeue failed: ") || !strings.Contains(out, "Socket timed out") ||
		!strings.Contains(out, "no resume is offered") || strings.Contains(out, "lost") {
		t.Errorf("sipbench runs --json while squeue fails does not say unknown, and why: %v\n%s", err, out)
	}
	out, err = e.try(env, "resume", dir, "--slurm", "--cpus-per-task", "1")
	if err == nil || !strings.Contains(out, "nothing to resume") || !strings.Contains(out, "cannot be told") {
		t.Errorf("resume --slurm while squeue fails: %v\n%s\nwant a refusal", err, out)
	}
	out = e.sipbench(t, "runs", root)
	if !strings.Contains(out, "training") || strings.Contains(out, "unknown") || strings.Contains(out, "lost") {
		t.Errorf("sipbench runs with squeue back:\n%s", out)
	}
}

// partial: the README's route for one task, `sbatch --array=K slurm/array.sh`, makes a new
// array; the tasks still pending in the old one stay pending (not lost), and every job ends
// done.
func (e *e2e) partial(t *testing.T) {
	t.Parallel()
	root := filepath.Join(e.tmp, "partial")
	dir := filepath.Join(root, "run")
	e.sipbench(t, "run", "rotation", "--methods", "sip,adam,sgd", "--steps", "15000", "--slurm", "--cpus-per-task", "1",
		"--max-parallel", "1", "--out", dir)
	defer cancelArrays(t, dir)
	first := array(t, dir)
	waitFor(t, dir, "the first job training", 6*time.Minute, func() bool { return states(t, dir)["sip-seed0"].State == folder.Running })
	sb, err := exec.Command("sbatch", "--parsable", "--array=2", filepath.Join(dir, slurm.ScriptFile)).CombinedOutput()
	if err != nil {
		t.Fatalf("sbatch --array=2 slurm/array.sh: %v\n%s", err, sb)
	}
	second, _, _ := strings.Cut(strings.TrimSpace(string(sb)), ";")
	waitFor(t, dir, "the new array's task recorded", 3*time.Minute, func() bool {
		rec, err := cluster.ReadRecord(dir)
		return err == nil && rec.Array == second
	})
	// The old array's task 1 waits behind its throttle (or has just started): queued or
	// training, never lost.
	rs := status(t, dir)
	for _, j := range rs.Jobs {
		if j.Info.ID == "adam-seed0" && (j.Kind == summary.JobLost || j.Cluster.State == cluster.Lost) {
			t.Errorf("adam-seed0 (task 1 of array %s) after array %s took task 2: %s %q; want queued or training", first, second, j.Kind, j.Cluster.String())
		}
		t.Logf("after array %s took task 2: %s %s %q", second, j.Info.ID, j.Kind, j.Cluster.String())
	}
	if out := e.sipbench(t, "runs", root); strings.Contains(out, "lost") {
		t.Errorf("sipbench runs after a partial re-submission:\n%s", out)
	}
	waitFor(t, dir, "every job final", 8*time.Minute, func() bool { return allFinal(t, dir) })
	for id, st := range states(t, dir) {
		if st.State != folder.Done {
			t.Errorf("%s: %+v; want done", id, st)
		}
	}
}

// refused: sbatch refuses the array (a partition that does not exist); the command fails
// with sbatch's reason, the jobs are cancelled with it (resumable, never failed), and both
// `resume --slurm` and the script submitted again by hand train them.
func (e *e2e) refused(t *testing.T) {
	t.Parallel()
	root := filepath.Join(e.tmp, "refused runs") // a space, which the script's #SBATCH lines quote
	for _, route := range []string{"resume", "script"} {
		dir := filepath.Join(root, route)
		out, err := e.try(nil, "run", "rotation", "--methods", "sip,adam", "--steps", "300", "--slurm", "--cpus-per-task", "1",
			"--partition", "nope", "--out", dir)
		if err == nil || !strings.Contains(out, "invalid partition") || !strings.Contains(out, "--slurm submits it again") {
			t.Fatalf("run --slurm --partition nope: %v\n%s\nwant sbatch's refusal and how to submit again", err, out)
		}
		for id, st := range states(t, dir) {
			if st.State != folder.Cancelled || !strings.Contains(st.Message, "invalid partition") {
				t.Errorf("%s after the refusal: %+v; want cancelled with sbatch's reason", id, st)
			}
		}
		if rs := status(t, dir); !rs.State.Resumable() {
			t.Errorf("%s after the refusal: %s; want resumable", dir, rs.StateText())
		}
		if route == "resume" {
			e.sipbench(t, "resume", dir, "--slurm", "--cpus-per-task", "1")
		} else if o, err := exec.Command("sbatch", "--partition=debug", filepath.Join(dir, slurm.ScriptFile)).CombinedOutput(); err != nil {
			t.Fatalf("sbatch --partition=debug slurm/array.sh: %v\n%s", err, o)
		}
		defer cancelArrays(t, dir)
		waitFor(t, dir, route+": every job trained", 5*time.Minute, func() bool { return allTrained(t, dir) })
		for id, st := range states(t, dir) {
			if st.State != folder.Done {
				t.Errorf("%s, %s: %+v; want done", route, id, st)
			}
		}
	}
}

// nodeLoss: a node dies mid-task (its slurmd, the task's slurmstepd and training process
// killed); Slurm marks the task NODE_FAIL, the runs list shows the job lost with that
// reason, and resume --slurm trains it to the end, on the other node, with the metrics of
// an uninterrupted run.
func (e *e2e) nodeLoss(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("stopping a node's slurmd needs root")
	}
	dir := filepath.Join(e.tmp, "node", "run")
	args := []string{"run", "rotation", "--methods", "sip", "--steps", "20000"}
	e.sipbench(t, append(args, "--slurm", "--cpus-per-task", "1", "--sbatch-arg=--no-requeue", "--out", dir)...)
	defer cancelArrays(t, dir)
	job := "sip-seed0"
	var owner *folder.LockOwner
	waitFor(t, dir, "the job training with a checkpoint", 3*time.Minute, func() bool {
		st := states(t, dir)[job]
		owner, _ = folder.JobLockOwner(dir, job)
		_, err := os.Stat(filepath.Join(dir, job, "checkpoint.bin"))
		return st.State == folder.Running && st.Step >= 3000 && owner != nil && err == nil
	})
	task := array(t, dir) + "_0"
	q, err := exec.Command("squeue", "-h", "-j", task, "-o", "%N").Output()
	node := strings.TrimSpace(string(q))
	if err != nil || !strings.HasPrefix(node, "sipbench-n") {
		t.Fatalf("squeue -j %s -o %%N: %q, %v", task, q, err)
	}
	pidFile := "/run/slurmd-" + node + ".pid"
	b, err := os.ReadFile(pidFile)
	slurmd, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || slurmd <= 1 {
		t.Fatalf("%s: %q, %v", pidFile, b, err)
	}
	// Bring the node back whatever happens, so that the cluster is whole for the others.
	t.Cleanup(func() {
		if syscall.Kill(slurmd, 0) == nil {
			return
		}
		if out, err := exec.Command("/usr/sbin/slurmd", "-N", node).CombinedOutput(); err != nil {
			t.Errorf("restarting slurmd -N %s: %v\n%s", node, err, out)
		}
	})
	stepd := parentOf(owner.PID)
	for _, pid := range []int{slurmd, stepd, owner.PID} {
		if pid > 1 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	killed := time.Now()
	var lost summary.JobStatus
	waitFor(t, dir, "the job lost with NODE_FAIL", 3*time.Minute, func() bool {
		lost = status(t, dir).Jobs[0]
		return lost.Kind == summary.JobLost && strings.Contains(lost.Cluster.Reason, "NODE_FAIL")
	})
	t.Logf("node %s lost: the job %s %.0f s after the kill: %s", node, lost.Kind, time.Since(killed).Seconds(), lost.Cluster.String())
	out, err := e.try(nil, "watch", dir, "--headless", "--print-every", "1s")
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(out, job) {
		t.Errorf("watch --headless of the lost job: %v\n%s\nwant exit code 1, naming the job", err, out)
	}
	if out, err := exec.Command("/usr/sbin/slurmd", "-N", node).CombinedOutput(); err != nil {
		t.Fatalf("restarting slurmd -N %s: %v\n%s", node, err, out)
	}
	b, _ = os.ReadFile(pidFile)
	slurmd, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	e.sipbench(t, "resume", dir, "--slurm", "--cpus-per-task", "1")
	local := filepath.Join(e.tmp, "node", "local")
	e.sipbench(t, append(args, "--headless", "--print-every", "1h", "--out", local)...)
	waitFor(t, dir, "the resumed job done", 5*time.Minute, func() bool { return allFinal(t, dir) })
	if st := states(t, dir)[job]; st.State != folder.Done {
		t.Fatalf("after resume --slurm: %+v; want done", st)
	}
	sameMetricsFiles(t, local, dir)
}

// allTrained reports whether every job of dir has ended its training (done, diverged or
// failed): unlike allFinal, a cancelled job is not.
func allTrained(t *testing.T, dir string) bool {
	for _, st := range states(t, dir) {
		if !st.State.Final() || st.State == folder.Cancelled {
			return false
		}
	}
	return true
}

// parentOf returns the parent of pid (from /proc), 0 if unknown.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // after "PID (COMM)": STATE PPID …
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// thousand: a sweep of 1,200 tasks at 20 steps is more than the cluster's MaxArraySize
// (1001): it is submitted as two arrays, both recorded; followed as the sweep's dashboard
// does (a Watch per combination, polled every 2 s, all through the process's
// ClusterMonitor), it is watched with one squeue call per 12 s, counted by a stand-in that
// passes the calls on to the real squeue; every job ends done.
func (e *e2e) thousand(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(e.tmp, "thousand")
	xs := make([]string, 600)
	for i := range xs {
		xs[i] = strconv.FormatFloat(0.5+float64(i)/1000, 'f', 3, 64)
	}
	// --max-parallel 5 leaves three of the cluster's eight slots to the other subtests.
	out := e.sipbench(t, "sweep", "rotation", "--set", "xi="+strings.Join(xs, ","), "--methods", "sip,adam", "--steps", "20",
		"--slurm", "--cpus-per-task", "1", "--max-parallel", "5", "--out", dir)
	defer cancelArrays(t, dir)
	rec, err := cluster.ReadRecord(dir)
	if err != nil || rec.Array == "" || len(rec.Parts) != 1 || rec.Parts[0].First != 1001 || rec.Parts[0].Array == "" || len(rec.Tasks) != 1200 {
		t.Fatalf("slurm.json of 1,200 tasks: %+v, %v; want two arrays, the second from task 1001", rec.Parts, err)
	}
	if want := fmt.Sprintf("submitted job arrays %s,%s", rec.Array, rec.Parts[0].Array); !strings.Contains(out, want) {
		t.Errorf("sweep --slurm printed %q; want %q", out, want)
	}
	real, err := exec.LookPath("squeue")
	if err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(e.tmp, "thousand-squeue.log")
	bin := standIn(t, "squeue", "echo \"$(date +%s) $*\" >> "+calls+"\nexec "+real+" \"$@\"")
	if sacct, err := exec.LookPath("sacct"); err == nil {
		os.WriteFile(filepath.Join(bin, "sacct"), []byte("#!/bin/sh\nexec "+sacct+" \"$@\"\n"), 0o755)
	}
	saved := cluster.Register(slurmengine.New(slurm.Client{Bin: bin}))
	defer cluster.Register(saved)
	info, err := folder.ReadSweep(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ws []*runner.Watch
	for _, r := range info.Runs {
		w, err := runner.OpenWatch(filepath.Join(dir, r.Dir))
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	start := time.Now()
	for {
		final := true
		for _, w := range ws {
			f, err := w.Poll()
			if err != nil {
				t.Fatal(err)
			}
			final = final && f
		}
		if final {
			break
		}
		if time.Since(start) > 15*time.Minute {
			q, _ := exec.Command("squeue").CombinedOutput()
			t.Fatalf("the sweep of 1,200 tasks not final after 15 min:\n%s", q)
		}
		time.Sleep(2 * time.Second)
	}
	took := time.Since(start)
	b, _ := os.ReadFile(calls)
	n := strings.Count(string(b), "\n")
	want := int(took/cluster.PollInterval) + 2 // one at the start, one per interval (and a margin of one)
	t.Logf("1,200 tasks in arrays %s and %s: final after %.0f s of watching 600 combinations; squeue ran %d times",
		rec.Array, rec.Parts[0].Array, took.Seconds(), n)
	if n < 1 || n > want {
		t.Errorf("squeue ran %d times in %.0f s for 600 watches polled every 2 s; want at most %d (one per %v):\n%s",
			n, took.Seconds(), want, cluster.PollInterval, b)
	}
	if !strings.Contains(string(b), "--jobs="+rec.Array+","+rec.Parts[0].Array+" ") &&
		!strings.Contains(string(b), "--jobs="+rec.Parts[0].Array+","+rec.Array+" ") {
		t.Errorf("squeue was not asked about both arrays in one call:\n%s", b)
	}
	notDone := 0
	for _, r := range info.Runs {
		for _, st := range states(t, filepath.Join(dir, r.Dir)) {
			if st.State != folder.Done {
				notDone++
			}
		}
	}
	if notDone > 0 {
		t.Errorf("%d of the 1,200 jobs are not done", notDone)
	}
}
