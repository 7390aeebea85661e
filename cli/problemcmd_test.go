package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
)

var (
	fakeOnce sync.Once
	fakeBin  string
	fakeErr  error
)

// fakeProc builds problems/process's fault-injecting problem process (in Go), once.
func fakeProc(t *testing.T) string {
	t.Helper()
	fakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sipbench-fakeproc")
		if err != nil {
			fakeErr = err
			return
		}
		fakeBin = filepath.Join(dir, "fakeproc")
		if out, err := exec.Command("go", "build", "-o", fakeBin, "../problems/process/testdata/fakeproc").CombinedOutput(); err != nil {
			fakeErr = err
			t.Logf("%s", out)
		}
	})
	if fakeErr != nil {
		t.Fatalf("building fakeproc: %v", fakeErr)
	}
	return fakeBin
}

// leftovers returns the processes whose command line contains bin.
func leftovers(bin string) []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), bin) {
			if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && !strings.Contains(string(st), ") Z ") {
				found = append(found, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
			}
		}
	}
	return found
}

func noLeftovers(t *testing.T, bin string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(leftovers(bin)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if l := leftovers(bin); len(l) > 0 {
		t.Errorf("processes left behind: %v", l)
	}
}

// Each fault of a problem process fails the jobs that meet it, with a one-line reason in
// their status and the process's stderr tail in train.log, while the jobs that do not
// meet it (adam never calls update) train to the end; NaN is a divergence; no process is
// left behind.
func TestProblemProcessFaults(t *testing.T) {
	bin := fakeProc(t)
	for _, c := range []struct {
		fault, sipState, reason, log string
	}{
		{"crash=update", "failed", "problem process: update: the process ended (exit status 3) before answering", "Traceback: something broke in update"},
		{"exit=update", "failed", "problem process: update: the process ended (exit status 0) before answering", ""},
		{"hang=update", "failed", "problem process: update: no answer within 1s", "hanging in update"},
		{"malformed=update", "failed", "problem process: update: malformed frame", ""},
		{"stdout=update", "failed", "does the process print to stdout? Logs go to stderr", ""},
		{"shape=update", "failed", `problem process: update: wrong shape: array "dx" of shape [2 16], want "dx" of shape [16 2]`, ""},
		{"nan=update", "diverged", "non-finite values", ""},
	} {
		t.Run(c.fault, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			code, out, stderr := capture(t, "run", "--problem-cmd", bin+" "+c.fault, "--problem-timeout", "1s", "--methods", "sip,adam",
				"--steps", "30", "--set", "batch=16", "--headless", "--print-every", "1h", "--out", dir)
			want := 1
			if c.sipState == "diverged" {
				want = 0
			}
			if code != want {
				t.Fatalf("exit %d, want %d; stdout %s; stderr %s", code, want, out, stderr)
			}
			sip, _ := folder.ReadStatus(dir, "sip-seed0")
			adam, _ := folder.ReadStatus(dir, "adam-seed0")
			if string(sip.State) != c.sipState || !strings.Contains(sip.Message, c.reason) || strings.Contains(sip.Message, "\n") {
				t.Errorf("sip: %s %q, want %s and a line with %q", sip.State, sip.Message, c.sipState, c.reason)
			}
			if adam.State != folder.Done || adam.Step != 30 {
				t.Errorf("adam, which never calls update: %s at step %d, want done at 30", adam.State, adam.Step)
			}
			if c.log != "" {
				b, _ := os.ReadFile(filepath.Join(dir, folder.TrainLogFile))
				if !strings.Contains(string(b), c.log) || !strings.Contains(string(b), c.reason) {
					t.Errorf("train.log lacks the reason or the stderr tail %q:\n%s", c.log, b)
				}
			}
			noLeftovers(t, bin)
		})
	}
}

// A process of another protocol version is refused by name, before any run folder.
func TestProblemProcessVersion(t *testing.T) {
	bin := fakeProc(t)
	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := capture(t, "run", "--problem-cmd", bin+" version=7", "--headless", "--out", dir)
	if code != 1 || !strings.Contains(stderr, "protocol version 7; this sipbench speaks version 1") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a run folder was made")
	}
	noLeftovers(t, bin)
}

// sipbench conform names the failing check of a deliberately broken process.
func TestConformProblemCmd(t *testing.T) {
	bin := fakeProc(t)
	for _, c := range []struct{ arg, want string }{
		{"", "all 9 checks pass"},
		{"wronggrad", "2 of 9 checks failed: gradient, adjoint"},
		{"shape=update", "1 of 9 checks failed: updates"},
		{"randomsample", "1 of 9 checks failed: sample-determinism"},
	} {
		code, out, stderr := capture(t, "conform", "--problem-cmd", strings.TrimSpace(bin+" "+c.arg))
		if !strings.Contains(out+stderr, c.want) || (code == 0) != (c.arg == "") {
			t.Errorf("%s: exit %d, stdout %s, stderr %s; want %q", c.arg, code, out, stderr, c.want)
		}
	}
	noLeftovers(t, bin)
}

// A run folder records its problem command, and no command reads it from there: resume
// refuses without the command given again (saying so), or with another; show, runs, plot
// and watch never start it; the same command, or --trust-problem-cmd, resumes.
func TestProblemCmdUntrustedFolder(t *testing.T) {
	bin := fakeProc(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := bin + " hang=never"
	if code, out, stderr := capture(t, "run", "--problem-cmd", cmd, "--methods", "adam", "--steps", "5", "--headless",
		"--print-every", "1h", "--out", dir); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	// The folder now says to run a command of an attacker's; nothing may run it.
	marker := filepath.Join(t.TempDir(), "pwned")
	evil := "touch " + marker
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	json.Unmarshal(b, &info)
	if info["problem_cmd"] != cmd {
		t.Fatalf("run.json records problem_cmd %v, want %q", info["problem_cmd"], cmd)
	}
	info["problem_cmd"] = evil
	b, _ = json.Marshal(info)
	os.WriteFile(filepath.Join(dir, "run.json"), b, 0o644)
	for _, args := range [][]string{
		{"show", dir}, {"runs", filepath.Dir(dir)}, {"plot", dir}, {"watch", "--headless", "--print-every", "1h", dir},
		{"resume", dir, "--headless"}, {"resume", dir, "--headless", "--problem-cmd", cmd},
	} {
		code, out, stderr := capture(t, args...)
		t.Logf("%v: exit %d\n%s%s", args, code, out, stderr)
		if args[0] == "resume" && (code == 0 || !strings.Contains(stderr, "--problem-cmd")) {
			t.Errorf("%v: exit %d, stderr %q: want a refusal that names --problem-cmd", args, code, stderr)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a command read from the run folder was run")
	}
	// The recorded command given again resumes (nothing is left to train: exit 0).
	info["problem_cmd"] = cmd
	b, _ = json.Marshal(info)
	os.WriteFile(filepath.Join(dir, "run.json"), b, 0o644)
	code, out, stderr := capture(t, "resume", dir, "--headless", "--problem-cmd", cmd)
	if strings.Contains(stderr, "never runs a command") {
		t.Errorf("resume with the same command: exit %d, %s %s", code, out, stderr)
	}
	code, out, stderr = capture(t, "resume", dir, "--headless", "--trust-problem-cmd")
	if strings.Contains(stderr, "never runs a command") {
		t.Errorf("resume --trust-problem-cmd: exit %d, %s %s", code, out, stderr)
	}
	noLeftovers(t, bin)
}

// A Slurm task runs the problem command that the submitting sipbench wrote into the batch
// script, with the program's absolute path; without it, the task refuses to run the
// command its folder records.
func TestProblemCmdSlurmTask(t *testing.T) {
	bin, sipbench := fakeProc(t), sipbenchBinary(t) // built before PATH holds only the fake Slurm
	tmp := t.TempDir()
	sb := filepath.Join(tmp, "bin")
	os.Mkdir(sb, 0o755)
	os.WriteFile(filepath.Join(sb, "sbatch"), []byte("#!/bin/sh\necho 4242\n"), 0o755)
	os.WriteFile(filepath.Join(sb, "scontrol"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	withPath(t, sb)
	out := filepath.Join(tmp, "run")
	// The command as typed: a program name that PATH (here sb, with a link) resolves.
	os.Symlink(bin, filepath.Join(sb, "fakeproc"))
	code, stdout, stderr := capture(t, "run", "--problem-cmd", "fakeproc hang=never", "--methods", "adam", "--steps", "5",
		"--slurm", "--dry-run", "--out", out)
	if code != 0 {
		t.Fatalf("run --slurm --dry-run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	scripts, _ := filepath.Glob(filepath.Join(out, "slurm", "*.sh"))
	if len(scripts) != 1 {
		t.Fatalf("scripts %v", scripts)
	}
	b, _ := os.ReadFile(scripts[0])
	if !strings.Contains(string(b), "--problem-cmd 'fakeproc hang=never' --problem-exe "+filepath.Join(sb, "fakeproc")) {
		t.Errorf("the script does not carry the command with its absolute program:\n%s", b)
	}
	// A task is a process of its own: the binary, which knows no command but the script's.
	task, err := exec.Command(sipbench, "train-task", out, "--task", "0").CombinedOutput()
	if err == nil || !strings.Contains(string(task), "never runs a command read from a run folder") {
		t.Errorf("train-task without the script's command: %v, %s", err, task)
	}
	code, stdout, stderr = capture(t, "train-task", out, "--task", "0", "--problem-cmd", "fakeproc hang=never", "--problem-exe", filepath.Join(sb, "fakeproc"))
	if st, _ := folder.ReadStatus(out, "adam-seed0"); code != 0 || st.State != folder.Done {
		t.Errorf("train-task with the script's command: exit %d, %s %s; adam %+v", code, stdout, stderr, st)
	}
	noLeftovers(t, bin)
}

// A sweep trains a problem process too: one process per job of every combination.
func TestProblemCmdSweep(t *testing.T) {
	bin := fakeProc(t)
	dir := filepath.Join(t.TempDir(), "sweep")
	code, out, stderr := capture(t, "sweep", "--problem-cmd", bin, "--methods", "adam", "--steps", "5",
		"--set", "lr.adam=0.001,0.01", "--out", dir)
	if code != 0 || !folder.IsSweep(dir) {
		t.Fatalf("sweep: exit %d\n%s\n%s", code, out, stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "*", "adam-seed0", "status.json"))
	for _, r := range runs {
		st, _ := folder.ReadStatus(filepath.Dir(filepath.Dir(r)), "adam-seed0")
		if st.State != folder.Done {
			t.Errorf("%s: %+v", r, st)
		}
	}
	if len(runs) != 2 {
		t.Errorf("%d runs, want 2: %v", len(runs), runs)
	}
	noLeftovers(t, bin)
}

// sipbench --problem-cmd CMD puts the process's problem in the app's preset list (without
// a terminal the app lists the presets); a name a preset has is refused.
func TestProblemCmdApp(t *testing.T) {
	bin := fakeProc(t)
	code, out, stderr := capture(t, "--problem-cmd", bin+" identity=3")
	if code != 0 || !strings.Contains(out, "identity") || !strings.Contains(out, "the problem process") {
		t.Errorf("exit %d, stdout %s, stderr %s", code, out, stderr)
	}
	code, _, stderr = capture(t, "--problem-cmd", bin)
	if code != 1 || !strings.Contains(stderr, `a preset named "rotation" exists`) {
		t.Errorf("a process named rotation: exit %d, stderr %s", code, stderr)
	}
	noLeftovers(t, bin)
}
