//go:build unix

package cli

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/trainers"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// sipbenchBinary builds this sipbench once for the tests that run it as a process.
func sipbenchBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sipbench-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "sipbench")
		if out, err := exec.Command("go", "build", "-o", binPath, "..").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// rowsWithoutWall returns the lines of a job's metrics.csv with the wall_s column blanked.
func rowsWithoutWall(t *testing.T, dir, job string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, job, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i, l := range lines {
		if parts := strings.Split(l, ","); len(parts) > 2 && i > 0 {
			parts[1] = ""
			lines[i] = strings.Join(parts, ",")
		}
	}
	return lines
}

// TestChaosKills kills a training run with SIGKILL at random moments, at least 12 times:
// first `run`, then each `resume` of it; then resumes it to the end. Every job's
// metrics.csv must equal an uninterrupted run's apart from wall_s (each step once, in
// order: no gap, no repeat), and no temporary file may be left. The moments come from a
// seeded generator; SIPBENCH_CHAOS_SEED repeats a failing sequence.
func TestChaosKills(t *testing.T) {
	bin := sipbenchBinary(t)
	tmp := t.TempDir()
	const steps = 4000
	args := func(out string) []string {
		return []string{"run", "exp", "--methods", "rescaled,adam", "--steps", strconv.Itoa(steps), "--set", "checkpoint_every=97",
			"--headless", "--print-every", "1h", "--out", out}
	}
	ref := filepath.Join(tmp, "ref")
	start := time.Now()
	if out, err := exec.Command(bin, args(ref)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	rate := steps / time.Since(start).Seconds() // steps per second of a job, startup included

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SIPBENCH_CHAOS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("SIPBENCH_CHAOS_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	// Each process lives a random time of up to about 1/24 of the run's steps, so that
	// twelve kills leave most of it to do.
	maxLife := 50*time.Millisecond + time.Duration(float64(steps)/24/rate*float64(time.Second))
	dir := filepath.Join(tmp, "chaos")
	kills, runKills := 0, 0
	for kills < 12 {
		cmdArgs := []string{"resume", dir, "--headless", "--print-every", "1h"}
		isRun := false
		if _, err := os.Stat(filepath.Join(dir, "run.json")); err != nil {
			cmdArgs, isRun = args(dir), true // not created yet (or a Create was killed)
		}
		cmd := exec.Command(bin, cmdArgs...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		life := time.Duration(rng.Int64N(int64(maxLife)))
		select {
		case err := <-exited:
			t.Fatalf("%s ended before its kill after %v (%d kills so far): %v\n%s", cmdArgs[0], life, kills, err, out.String())
		case <-time.After(life):
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		kills++
		if isRun {
			runKills++
		}
	}
	t.Logf("%d kills (%d of them in run), each process killed within %v", kills, runKills, maxLife)
	if out, err := exec.Command(bin, "resume", dir, "--headless", "--print-every", "1h").CombinedOutput(); err != nil {
		t.Fatalf("final resume: %v\n%s", err, out)
	}
	for _, job := range []string{"rescaled-seed0", "adam-seed0"} {
		want, got := rowsWithoutWall(t, ref, job), rowsWithoutWall(t, dir, job)
		if len(got) != steps+1 {
			t.Errorf("%s: %d rows; want %d", job, len(got)-1, steps)
		}
		for i := 1; i < min(len(got), len(want)); i++ {
			if got[i] != want[i] {
				t.Errorf("%s: row %d is %q; want %q (as the uninterrupted run, wall_s aside)", job, i, got[i], want[i])
				break
			}
		}
		st, err := folder.ReadStatus(dir, job)
		if err != nil || st.State != folder.Done || st.Step != steps {
			t.Errorf("%s: status %+v, %v; want done at step %d", job, st, err, steps)
		}
	}
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && (strings.Contains(fi.Name(), ".tmp") || fi.Name() == "control") {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}

// TestKilledTrainerIsNoticed kills a headless trainer with SIGKILL: a headless watch must
// then end (exit 1) saying that no process trains the jobs and how to resume them, instead
// of following a frozen run for ever.
func TestKilledTrainerIsNoticed(t *testing.T) {
	bin := sipbenchBinary(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin, "run", "exp", "--methods", "rescaled", "--steps", "1000000", "--headless", "--print-every", "1h", "--out", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := folder.ReadStatus(dir, "rescaled-seed0"); err == nil && st.State == folder.Running {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	watch := exec.Command(bin, "watch", "--headless", "--print-every", "1h", dir)
	var stderr bytes.Buffer
	watch.Stderr = &stderr
	done := make(chan error, 1)
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- watch.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "sipbench resume "+dir) {
			t.Errorf("watch of a run whose trainer was killed: %v, %q; want exit 1 and the resume command", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		watch.Process.Kill()
		t.Fatal("watch --headless follows a run whose trainer was killed for ever")
	}
}

// TestSpawnedTrainerFailureIsReported starts a background trainer on a folder whose jobs
// another process trains, as an interactive resume did: the trainer ends at once, and
// WaitTrainer brings its reason (otherwise only in train.log) back to the user.
func TestSpawnedTrainerFailureIsReported(t *testing.T) {
	bin := sipbenchBinary(t)
	dir := filepath.Join(t.TempDir(), "run")
	if out, err := exec.Command(bin, "run", "exp", "--methods", "rescaled", "--steps", "10", "--headless", "--out", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if err := folder.SetJobState(dir, "rescaled-seed0", folder.Cancelled, ""); err != nil {
		t.Fatal(err)
	}
	l, err := folder.LockJob(dir, "rescaled-seed0", "") // another trainer
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	pid, err := trainers.Spawn(dir, []string{bin, "resume", dir, "--headless"})
	if err != nil {
		t.Fatal(err)
	}
	err = trainers.Wait(dir, pid, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "being trained by another process") {
		t.Errorf("WaitTrainer: %v; want the trainer's reason", err)
	}
}
