//go:build unix

package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/cluster/clustertest"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
)

// fakeMainVar makes this test binary sipbench itself: the fake engine's tasks run it as
// `sipbench train-task …`.
const fakeMainVar = "SIPBENCH_TEST_AS_MAIN"

func init() {
	cluster.Register(clustertest.New("")) // what a task's process finds its engine by
	if os.Getenv(fakeMainVar) == "1" {
		os.Exit(run(os.Args[1:]))
	}
}

// TestFakeCluster runs a two-task array through the cluster seam on a fake engine that
// starts each task as a process here (package clustertest): submitted with --cluster fake
// and one task at a time, the states (the first task running, the second pending in the
// throttle) as the runs list and a Watch see them; the first task warned ahead of its time
// limit (SIGUSR1), checkpointed, requeued by itself and resumed; the second cancelled while
// it trains (through the Watch, as the dashboard does); `resume --cluster fake` submits
// it again. The run folder then holds what the Slurm backend's does (TestSlurm's Requeue
// and CancelAndWatch): every job done, each metrics.csv that of a local run apart from
// wall_s, the statuses' messages in the engine's words, one restart in the task's log.
func TestFakeCluster(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	eng := clustertest.New(filepath.Join(tmp, "engine"), fakeMainVar+"=1")
	os.MkdirAll(eng.Dir, 0o755)
	saved := cluster.Register(eng)
	t.Cleanup(func() {
		eng.Cancel(context.Background(), "fake1", "fake2") // a failed test leaves no process behind
		eng.Wait()
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(eng.Dir, "*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("--- %s\n%s", l, b)
			}
			b, _ := os.ReadFile(filepath.Join(eng.Dir, "state.json"))
			t.Logf("--- state.json\n%s", b)
		}
		cluster.Register(saved)
	})
	dir, local := filepath.Join(tmp, "fake"), filepath.Join(tmp, "local")
	steps, signalAt, cancelAt := 8000, 1500, 1000
	if raceDetector { // its tasks are this binary: twenty times slower
		steps, signalAt, cancelAt = 1200, 300, 200
	}
	args := []string{"run", "rotation", "--methods", "sip,adam", "--steps", fmt.Sprint(steps)}
	code, out, errOut := capture(t, append(args, "--cluster", "fake", "--max-parallel", "1", "--bin", exe, "--out", dir)...)
	if code != 0 || !strings.Contains(out, "submitted job array fake1: 2 tasks") {
		t.Fatalf("run --cluster fake: exit %d\n%s%s", code, out, errOut)
	}
	rec, err := cluster.ReadRecord(dir)
	if err != nil || rec.Engine != "fake" || rec.Array != "fake1" || len(rec.Tasks) != 2 {
		t.Fatalf("the record: %+v, %v", rec, err)
	}
	if _, err := os.Stat(filepath.Join(dir, cluster.SlurmRecordFile)); err == nil {
		t.Error("a fake array wrote slurm.json")
	}

	// States: the first task trains, the second waits in the throttle.
	waitFor(t, dir, "sip training", 2*time.Minute, func() bool {
		if ts, _, _ := eng.Tasks(context.Background(), []string{"fake1"}); ts["fake1"][0].Phase == cluster.TaskFailed {
			t.Fatalf("the first task failed: %+v", ts["fake1"][0])
		}
		st := states(t, dir)["sip-seed0"]
		return st.State == folder.Running && st.Step >= signalAt
	})
	fakeStates(t, dir)

	// Requeue: the time limit's warning.
	if err := eng.Signal("fake1_0", syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	var stopped folder.Status
	waitFor(t, dir, "sip requeued", time.Minute, func() bool {
		stopped = states(t, dir)["sip-seed0"]
		return stopped.State == folder.Queued
	})
	if want := "requeued by Fake after SIGUSR1 (requeue 1 of at most 3)"; stopped.Message != want || stopped.Step >= steps {
		t.Errorf("the requeued job: %+v; want %q, mid-training", stopped, want)
	}

	// Cancel: the second task, once it trains, through a Watch.
	waitFor(t, dir, "adam training", 2*time.Minute, func() bool {
		st := states(t, dir)["adam-seed0"]
		return st.State == folder.Running && st.Step >= cancelAt
	})
	w, err := runner.OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Poll(); err != nil {
		t.Fatal(err)
	}
	w.Cancel("adam-seed0")
	waitFor(t, dir, "every job final", 2*time.Minute, func() bool { return allFinal(t, dir) && ended(eng, "fake1") })
	got := states(t, dir)
	if got["sip-seed0"].State != folder.Done || got["adam-seed0"].State != folder.Cancelled ||
		!strings.HasPrefix(got["adam-seed0"].Message, "cancelled in Fake (fake-cancel, ") {
		t.Fatalf("after the cancel: %+v; want sip done, adam cancelled in Fake", got)
	}
	tasks, _, err := eng.Tasks(context.Background(), []string{"fake1"})
	if err != nil || tasks["fake1"][0].Phase != cluster.TaskDone || tasks["fake1"][0].Restarts != 1 || tasks["fake1"][1].Phase != cluster.TaskCancelled {
		t.Errorf("the engine's tasks: %+v, %v; want done after 1 restart, cancelled", tasks, err)
	}

	// Resume: the cancelled job alone, in a new array that the record follows.
	code, out, errOut = capture(t, "resume", dir, "--cluster", "fake", "--bin", exe)
	if code != 0 || !strings.Contains(out, "submitted job array fake2: 2 tasks") { // the array's; its index 1 alone is submitted
		t.Fatalf("resume --cluster fake: exit %d\n%s%s", code, out, errOut)
	}
	if rec, err := cluster.ReadRecord(dir); err != nil || rec.Array != "fake2" || len(rec.Previous) != 1 || rec.Previous[0] != "fake1" {
		t.Errorf("the record after resume: %+v, %v", rec, err)
	}
	waitFor(t, dir, "every job done", 2*time.Minute, func() bool { return allFinal(t, dir) && ended(eng, "fake2") })
	eng.Wait()
	if ts, _, _ := eng.Tasks(context.Background(), []string{"fake2"}); len(ts["fake2"]) != 1 || ts["fake2"][1].Phase != cluster.TaskDone {
		t.Errorf("the resumed array's tasks: %+v; want index 1 alone, done", ts["fake2"])
	}
	for id, st := range states(t, dir) {
		if st.State != folder.Done {
			t.Errorf("%s: %+v; want done", id, st)
		}
	}
	b, _ := os.ReadFile(filepath.Join(eng.Dir, "fake1_0.log"))
	if !strings.Contains(string(b), "task fake1_0 (restart 0) on node fake-node trains job sip-seed0") ||
		!strings.Contains(string(b), "(restart 1)") || strings.Contains(string(b), "(restart 2)") {
		t.Errorf("the first task's log does not show exactly one restart:\n%s", b)
	}
	if code, out, errOut := capture(t, append(args, "--headless", "--print-every", "1h", "--out", local)...); code != 0 {
		t.Fatalf("the local run: exit %d\n%s%s", code, out, errOut)
	}
	sameMetricsFiles(t, local, dir)
}

// ended reports whether every task of the engine's array has ended: a job's final status
// comes a moment before its process exits.
func ended(eng cluster.Engine, array string) bool {
	ts, _, err := eng.Tasks(context.Background(), []string{array})
	for _, task := range ts[array] {
		if !task.Ended() {
			return false
		}
	}
	return err == nil
}

// fakeStates checks the states of the fake array while its first task trains and its
// second waits: the runs list's and a Watch's.
func fakeStates(t *testing.T, dir string) {
	t.Helper()
	st, err := summary.NewIndex(filepath.Dir(dir)).Status(dir)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]summary.JobKind{}
	for _, j := range st.Jobs {
		kinds[j.Info.ID] = j.Kind
	}
	if !st.Cluster || st.Engine != "fake" || kinds["sip-seed0"] != summary.JobTraining || kinds["adam-seed0"] != summary.JobQueued ||
		st.Jobs[1].Cluster.State != cluster.Pending || st.Jobs[1].Cluster.Reason != "throttled" {
		t.Errorf("the runs list: cluster %v %q, kinds %v, adam %+v; want sip training, adam pending (throttled)", st.Cluster, st.Engine, kinds, st.Jobs[1].Cluster)
	}
	w, err := runner.OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := w.Subscribe()
	if _, err := w.Poll(); err != nil {
		t.Fatal(err)
	}
	if a, ok := w.Cluster(); !ok || a != "fake1" {
		t.Errorf("Watch.Cluster = %q, %v", a, ok)
	}
	views := map[string]string{}
	for _, e := range sub.Drain() {
		if e.Kind == runner.EvCluster {
			views[e.Job] = e.Cluster.String()
		}
	}
	if views["adam-seed0"] != "pending (throttled)" || !strings.HasPrefix(views["sip-seed0"], "running") {
		t.Errorf("the Watch's cluster views: %v", views)
	}
	if lost := w.Lost(); len(lost) != 0 {
		t.Errorf("lost: %v", lost)
	}
}
