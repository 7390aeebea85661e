//go:build unix

package trainers_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/trainers"
)

// TestHelperTrainer is not a test: run by TestSpawnAndStop as a child process, it holds
// the lock of job SIPBENCH_HELPER_JOB of the run in its working directory's folder "run"
// until SIGTERM, then exits 0.
func TestHelperTrainer(t *testing.T) {
	job := os.Getenv("SIPBENCH_HELPER_JOB")
	if job == "" {
		t.Skip("a helper process of TestSpawnAndStop")
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	l, err := folder.LockJob("run", job, "")
	if err != nil {
		os.Exit(3)
	}
	os.Stdout.WriteString("locked\n")
	<-sig
	l.Release()
	os.Exit(0)
}

// TestSpawnAndStop spawns a stand-in trainer that locks one job of a run, finds it
// through the lock (Trainers), stops it (StopTrainers), and checks that a stale process
// id in a free lock is never signalled.
func TestSpawnAndStop(t *testing.T) {
	wd := t.TempDir()
	dir := filepath.Join(wd, "run")
	if _, err := runner.Create(spec(t, "exp", []string{"adam", "sgd"}, "steps=5"), []int{0}, dir); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIPBENCH_HELPER_JOB", "sgd-seed0")
	t.Chdir(wd)
	pid, err := trainers.Spawn(dir, []string{os.Args[0], "-test.run=^TestHelperTrainer$"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && len(trainers.List(dir)) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if got := trainers.List(dir); !slices.Equal(got, []int{pid}) {
		t.Fatalf("Trainers = %v, want the spawned %d", got, pid)
	}
	if got := trainers.Stop(dir); !slices.Equal(got, []int{pid}) {
		t.Errorf("StopTrainers = %v, want %d", got, pid)
	}
	for time.Now().Before(deadline) && len(trainers.List(dir)) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if got := trainers.List(dir); len(got) != 0 {
		t.Errorf("after the stop, Trainers = %v", got)
	}
	log, _ := os.ReadFile(filepath.Join(dir, folder.TrainLogFile))
	if !strings.Contains(string(log), "locked") {
		t.Errorf("train.log %q lacks the trainer's output", log)
	}
	// The lock file still names the dead trainer; its lock is free, so nobody is signalled.
	if got := trainers.Stop(dir); len(got) != 0 {
		t.Errorf("StopTrainers signalled %v through a free lock", got)
	}
}

// TestStopNeverSignalsAReusedPID checks that stopping a run signals only the processes
// that hold its jobs' locks, never one whose process id the lock file names otherwise: an
// unrelated process that got a dead trainer's id (PID reuse), or one named by a lock file
// written by someone else while a trainer holds the lock.
func TestStopNeverSignalsAReusedPID(t *testing.T) {
	wd := t.TempDir()
	dir := filepath.Join(wd, "run")
	if _, err := runner.Create(spec(t, "exp", []string{"adam", "sgd"}, "steps=5"), []int{0}, dir); err != nil {
		t.Fatal(err)
	}
	// The unrelated process that got the id.
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Skip("no sleep command:", err)
	}
	defer other.Process.Kill()
	exited := make(chan struct{})
	go func() { other.Wait(); close(exited) }()
	host, _ := os.Hostname()
	forge := func(job string) {
		b, _ := json.Marshal(folder.LockOwner{PID: other.Process.Pid, Host: host, Started: "2026-01-01T00:00:00Z"})
		if err := os.WriteFile(filepath.Join(dir, job, folder.LockFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A free lock naming the live unrelated process: a trainer that died, its id reused.
	forge("adam-seed0")
	if got := trainers.Stop(dir); len(got) != 0 {
		t.Errorf("StopTrainers signalled %v through a free lock naming pid %d", got, other.Process.Pid)
	}
	if runtime.GOOS != "linux" {
		return // elsewhere the lock file's content is all there is
	}
	// A live trainer holds sgd's lock, and its lock file names the unrelated process.
	t.Setenv("SIPBENCH_HELPER_JOB", "sgd-seed0")
	t.Chdir(wd)
	pid, err := trainers.Spawn(dir, []string{os.Args[0], "-test.run=^TestHelperTrainer$"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && len(trainers.List(dir)) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	forge("sgd-seed0")
	if got := trainers.List(dir); !slices.Equal(got, []int{pid}) {
		t.Errorf("Trainers = %v; want the lock's holder %d, not the %d its file names", got, pid, other.Process.Pid)
	}
	trainers.Stop(dir)
	for time.Now().Before(deadline) && len(trainers.List(dir)) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-exited:
		t.Error("the unrelated process was signalled")
	case <-time.After(200 * time.Millisecond):
	}
}

func spec(t testing.TB, preset string, methods []string, sets ...string) *presets.Spec {
	t.Helper()
	p, err := presets.Lookup(preset)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Resolve("quick", methods, sets)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
