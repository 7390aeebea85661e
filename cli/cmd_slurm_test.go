//go:build unix

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/slurm"
)

// withPath runs f with PATH set to dir only, holding fake Slurm commands.
func withPath(t *testing.T, dir string) {
	t.Helper()
	old := os.Getenv("PATH")
	t.Cleanup(func() { os.Setenv("PATH", old) })
	os.Setenv("PATH", dir)
}

// TestSlurmErrors: without sbatch, --slurm is a usage error (exit 2) naming Slurm and the
// flag, and nothing is written; when sbatch refuses, its message is printed, the exit
// code is 1, and every job is marked cancelled with the message (never left queued, and
// resumable with resume --slurm).
func TestSlurmErrors(t *testing.T) {
	tmp := t.TempDir()
	withPath(t, filepath.Join(tmp, "empty"))
	out := filepath.Join(tmp, "run")
	code, _, stderr := capture(t, "run", "exp", "--slurm", "--out", out)
	if code != 2 || !strings.Contains(stderr, "--slurm: Slurm's sbatch is not on PATH") || strings.Count(stderr, "\n") != 2 {
		t.Errorf("without sbatch: exit %d, stderr %q; want 2 and one line naming Slurm and --slurm (and a hint)", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("without sbatch, %s was created", out)
	}

	bin := filepath.Join(tmp, "bin")
	os.Mkdir(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "sbatch"), []byte("#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n"), 0o755)
	withPath(t, bin)
	code, _, stderr = capture(t, "run", "exp", "--methods", "adam,sgd", "--slurm", "--partition", "nope", "--out", out)
	if code != 1 || !strings.Contains(stderr, "sbatch: error: invalid partition specified: nope") {
		t.Errorf("sbatch refusing: exit %d, stderr %q; want 1 and sbatch's message", code, stderr)
	}
	info, err := folder.ReadInfo(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range info.Jobs {
		st, _ := folder.ReadStatus(out, j.ID)
		if st.State != folder.Cancelled || !strings.Contains(st.Message, "never submitted to Slurm (sbatch: error: invalid partition") ||
			!strings.Contains(st.Message, "--slurm submits it again") {
			t.Errorf("%s after sbatch refused: %+v; want cancelled (resumable) with sbatch's message", j.ID, st)
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--partition", "x"}, "--partition only apply with --slurm"},
		{[]string{"--slurm", "--cpus-per-task", "0"}, "--cpus-per-task must be ≥ 1"},
		{[]string{"--slurm", "--signal-lead", "1500ms"}, "--signal-lead must be whole seconds"},
		{[]string{"--slurm", "--time", "1 day"}, `option value "1 day" has a space`},
		{[]string{"--slurm", "--sbatch-arg", "gres=gpu"}, `sbatch argument "gres=gpu" is not an option`},
	} {
		code, _, stderr := capture(t, append([]string{"run", "exp", "--out", filepath.Join(tmp, "x")}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("run exp %v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestSlurmDryRun: --dry-run writes the run folder as a local run would, the script and
// slurm.json (no array id), prints the script, and runs no Slurm command.
func TestSlurmDryRun(t *testing.T) {
	tmp := t.TempDir()
	withPath(t, filepath.Join(tmp, "empty")) // no Slurm at all
	dir := filepath.Join(tmp, "sw")
	code, stdout, stderr := capture(t, "sweep", "rotation", "--set", "xi=0.1,1", "--methods", "sip,adam", "--steps", "5",
		"--slurm", "--dry-run", "--max-parallel", "3", "--time", "1:00:00", "--sbatch-arg", "--constraint=x", "--out", dir)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"#SBATCH --array=0-3%3\n", "#SBATCH --time=1:00:00\n", "#SBATCH --constraint=x\n",
		"#SBATCH --cpus-per-task=2\n", "#SBATCH --signal=B:USR1@90\n", " train-task " + dir + " --requeue-max 3\n", "submitted nothing"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, stdout)
		}
	}
	rec, err := cluster.ReadRecord(dir)
	if err != nil || rec.Array != "" || len(rec.Tasks) != 4 || rec.Tasks[3].Run != "xi=1" || rec.Tasks[3].Job != "adam-seed0" {
		t.Fatalf("slurm.json: %+v, %v", rec, err)
	}
	sub, err := cluster.ReadRecord(filepath.Join(dir, "xi=1"))
	if err != nil || len(sub.Tasks) != 2 || sub.Tasks[0].Task != 2 || sub.Tasks[0].Run != "" {
		t.Errorf("the combination's slurm.json: %+v, %v; want tasks 2 and 3", sub, err)
	}
	for _, run := range []string{"xi=0.1", "xi=1"} {
		for _, job := range []string{"sip-seed0", "adam-seed0"} {
			st, err := folder.ReadStatus(filepath.Join(dir, run), job)
			if err != nil || st.State != folder.Queued {
				t.Errorf("%s/%s: %+v, %v; want queued", run, job, st, err)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, slurm.ScriptFile)); err != nil || !strings.Contains(stdout, string(b)) {
		t.Errorf("the printed script is not the one written (%v)", err)
	}
}

// TestSlurmSiteFlags: the defaults of a script (a time limit, the job name from the preset
// and the date, standard error apart, the throttle) and a site's own lines: --setup lines
// before the exec, in order, --bin as the command, and a warning when the binary or the run
// folder is on a file system that compute nodes may not see.
func TestSlurmSiteFlags(t *testing.T) {
	tmp := t.TempDir()
	withPath(t, filepath.Join(tmp, "empty"))
	bin := filepath.Join(tmp, "shared bin", "sipbench")
	os.MkdirAll(filepath.Dir(bin), 0o755)
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	dir := filepath.Join(tmp, "my run")
	code, stdout, stderr := capture(t, "run", "exp", "--methods", "adam,sgd", "--steps", "5", "--slurm", "--dry-run",
		"--setup", "module load gcc/12", "--setup", "source ~/env.sh", "--bin", bin, "--out", dir)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	date := time.Now().Format("20060102")
	for _, want := range []string{"#SBATCH --time=4:00:00\n", "#SBATCH --job-name=sipbench-exp-" + date, "#SBATCH --array=0-1%2\n",
		`#SBATCH --output="` + dir + `/slurm/%A_%a.log"` + "\n", `#SBATCH --error="` + dir + `/slurm/%A_%a.err"` + "\n",
		"module load gcc/12\nsource ~/env.sh\n\nexec '" + bin + "' train-task '" + dir + "'"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("script lacks %q:\n%s", want, stdout)
		}
	}
	if w := folder.LocalOnly(dir); w != "" && !strings.Contains(stderr, "compute nodes may not see it") {
		t.Errorf("the run folder is on %s, but no warning: %q", w, stderr)
	}
	if !strings.Contains(stderr, "locks in the run folder: ") {
		t.Errorf("no word on what the locks are on the run folder's file system: %q", stderr)
	}
	code, _, stderr = capture(t, "run", "exp", "--slurm", "--dry-run", "--bin", filepath.Join(tmp, "nope"), "--out", filepath.Join(tmp, "r2"))
	if code != 2 || !strings.Contains(stderr, "--bin") {
		t.Errorf("--bin to nothing: exit %d, %q; want a usage error", code, stderr)
	}
}

// TestCheckFullSlurmFake: check --scale full --slurm, with an sbatch that records its
// arguments, submits one array with a task per job of the plan (experiment × method ×
// seed: 58 at 2 seeds), each task's command the train-task of the check folder and the job
// it opens the plan's, with steps as planned (Poisson 5,000, heat 10,000, fluid 20,000),
// and the script that makes every task checkpoint and requeue itself before the time
// limit as a run's tasks do (--requeue, --signal=B:USR1@lead, train-task's
// --requeue-max). TestSlurm/CheckFull submits the same to the test cluster.
func TestCheckFullSlurmFake(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	os.Mkdir(bin, 0o755)
	calls := filepath.Join(tmp, "calls")
	os.WriteFile(filepath.Join(bin, "sbatch"), []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\necho 4242\n"), 0o755)
	withPath(t, bin)
	dir := filepath.Join(tmp, "check")
	code, out, stderr := capture(t, "check", "--scale", "full", "--slurm", "--time", "2:00:00", "--cpus-per-task", "1", "--out", dir)
	if code != 0 {
		t.Fatalf("check --scale full --slurm: exit %d: %s", code, stderr)
	}
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
	if len(want) < 50 || want["poisson/sip-seed0"] != 5000 || want["heat/adam-seed1"] != 10000 || want["fluid/gd-seed0"] != 20000 {
		t.Fatalf("the plan: %d jobs, %v", len(want), want)
	}
	if !strings.Contains(out, fmt.Sprintf("submitted job array 4242: %d tasks", len(want))) {
		t.Errorf("check --slurm printed:\n%s", out)
	}
	script, err := os.ReadFile(filepath.Join(dir, slurm.ScriptFile))
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	for _, w := range []string{fmt.Sprintf("#SBATCH --array=0-%d", len(want)-1), "#SBATCH --requeue\n", "#SBATCH --signal=B:USR1@90\n", "#SBATCH --time=2:00:00\n",
		"#SBATCH --cpus-per-task=1\n", " train-task " + abs + " --requeue-max 3\n"} {
		if !strings.Contains(string(script), w) {
			t.Errorf("the batch script lacks %q:\n%s", w, script)
		}
	}
	if c, _ := os.ReadFile(calls); strings.TrimSpace(string(c)) != "--parsable "+filepath.Join(abs, slurm.ScriptFile) {
		t.Errorf("sbatch was called with %q", c)
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
	if _, _, err := runner.OpenTask(dir, len(want)); err == nil {
		t.Errorf("task %d exists beyond the plan's jobs", len(want))
	}
}
