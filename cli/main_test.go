package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/cli/internal/clitest"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/tui"
)

// capture runs the command line args and returns its exit code, stdout and stderr.
func capture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return clitest.Capture(t, func() int { return run(args) })
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--color", "bogus"}, `--color="bogus"`},           // the app's flags, before any command
		{[]string{"--nosuchflag"}, "flag provided but not defined"}, // not "unknown command"
		{[]string{"run"}, "run takes one preset"},
		{[]string{"run", "nosuch"}, `unknown preset "nosuch" (presets: exp, rotation, poisson, heat`},
		{[]string{"run", "exp", "--set", "bogus=1"}, `unknown setting "bogus" (settings: steps, batch`},
		{[]string{"run", "exp", "--set", "steps=abc"}, `steps="abc": want a whole number`},
		{[]string{"run", "exp", "--set", "batch=0"}, "batch=0: out of range"},
		{[]string{"run", "exp", "--set", "steps"}, `want key=value`},
		{[]string{"run", "rotation", "--set", "xi=nan"}, `xi="nan": want a number`},
		{[]string{"run", "exp", "--methods", "sip"}, `unknown method "sip" (methods: rescaled`},
		{[]string{"run", "exp", "--methods", "adam,adam"}, `method "adam" named twice`},
		{[]string{"run", "exp", "--scale", "huge"}, `unknown scale "huge" (scales: quick, paper)`},
		{[]string{"run", "exp", "--seeds", "0"}, "--seeds"},
		{[]string{"run", "exp", "--seeds", "100000"}, "--seeds 100000 from --seed 0: at most 1000 seeds"},
		{[]string{"run", "exp", "--seed", "4294967296"}, "each at most 2147483648"},
		{[]string{"run", "exp", "--methods", "rescaled,newton,newton-clipped,adam,sgd", "--seeds", "1000"}, "5 methods × 1000 seeds = 5000 jobs: at most 4096"},
		{[]string{"sweep", "exp", "--set", "lr.adam=1,2", "--seeds", "100000"}, "at most 1000 seeds"},
		{[]string{"run", "exp", "--steps", "-3"}, "--steps"},
		{[]string{"run", "exp", "--nosuchflag"}, "flag provided but not defined"},
		{[]string{"show"}, "show takes one or more run folders"},
		{[]string{"show", dir, "--at", "x"}, `"x" is not a step number`},
		{[]string{"list", "extra"}, "list takes no arguments"},
		// Settings that the problems' code cannot take are refused before anything is made.
		{[]string{"run", "poisson", "--set", "grid=12", "--out", filepath.Join(dir, "made")}, "grid=12: want a power of two in [8, 512]"},
		{[]string{"run", "heat", "--set", "grid=17", "--out", filepath.Join(dir, "made")}, "grid=17: want a power of two in [8, 512]"},
		{[]string{"run", "fluid", "--set", "grid=24", "--out", filepath.Join(dir, "made")}, "grid=24: want a power of two in [16, 512]"},
		{[]string{"run", "exp", "--print-every", "0s", "--out", filepath.Join(dir, "made")}, "want a duration > 0"},
		{[]string{"run", "exp", "--print-every", "-1s", "--out", filepath.Join(dir, "made")}, "want a duration > 0"},
		{[]string{"resume", dir, "--print-every", "0s"}, "want a duration > 0"},
		{[]string{"watch", dir, "--headless", "--print-every", "0"}, "want a duration > 0"},
		{[]string{"run", "exp", "--set", "steps=1e16", "--out", filepath.Join(dir, "made")}, "steps=1e16: out of range [1, 9007199254740991]"},
		{[]string{"run", "exp", "--set", "steps=2.5", "--out", filepath.Join(dir, "made")}, `steps="2.5": want a whole number`},
		{[]string{"sweep", "heat", "--set", "grid=16,24", "--out", filepath.Join(dir, "made")}, "grid=24: want a power of two"},
	} {
		code, _, stderr := capture(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("sipbench %s: stack trace in %q", strings.Join(c.args, " "), stderr)
		}
		if _, err := os.Lstat(filepath.Join(dir, "made")); err == nil {
			t.Fatalf("sipbench %s: a usage error created its --out folder", strings.Join(c.args, " "))
		}
	}
}

func TestErrorsThatAreNotUsage(t *testing.T) {
	for _, args := range [][]string{
		{"show", filepath.Join(t.TempDir(), "missing")},
		{"resume", t.TempDir()},
		{"watch", "--headless", filepath.Join(t.TempDir(), "missing")},
	} {
		code, _, stderr := capture(t, args...)
		if code != 1 || !strings.HasPrefix(stderr, "sipbench: ") || strings.Contains(stderr, "goroutine") {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit 1 and a one-line message", strings.Join(args, " "), code, stderr)
		}
	}
}

func TestListJSON(t *testing.T) {
	code, out, _ := capture(t, "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var ps []presetJSON
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"exp": 2177, "rotation": 4354, "poisson": 37697, "heat": 37697}
	for _, p := range ps {
		if n, ok := want[p.Name]; ok && p.Params != n {
			t.Errorf("%s: %d parameters; want %d", p.Name, p.Params, n)
		}
		delete(want, p.Name)
	}
	if len(want) != 0 {
		t.Errorf("presets missing from list --json: %v", want)
	}
}

// TestListDeviations: `sipbench list` names every preset's deviations from the original and
// what each smaller scale changes.
func TestListDeviations(t *testing.T) {
	code, out, _ := capture(t, "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	_, devs, ok := strings.Cut(out, "Deviations from the original")
	if !ok {
		t.Fatalf("list prints no deviations:\n%s", out)
	}
	for _, p := range presets.All() {
		for _, d := range p.Deviations {
			if !strings.Contains(devs, d) {
				t.Errorf("%s: deviation %q not listed", p.Name, d)
			}
		}
		for _, sc := range p.Scales {
			if sc.Note != "" && !strings.Contains(devs, sc.Note) {
				t.Errorf("%s: scale %s's note %q not listed", p.Name, sc.Name, sc.Note)
			}
		}
	}
}

func TestRunShowResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, stderr := capture(t, "run", "exp", "--headless", "--steps", "80", "--methods", "rescaled,adam,sgd",
		"--set", "lr.sgd=1e38", "--out", dir, "--print-every", "1h")
	if code != 0 {
		t.Fatalf("run: exit %d; stderr %s", code, stderr)
	}
	// A diverged job is a result, not an error: exit 0, and the summary says so.
	if !strings.Contains(out, "sgd-seed0") || !strings.Contains(out, "diverged") {
		t.Errorf("run output lacks the diverged sgd job:\n%s", out)
	}
	code, out, _ = capture(t, "show", dir, "--at", "40", "--window", "1", "--csv")
	if code != 0 {
		t.Fatalf("show: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+3*2 || !strings.HasPrefix(lines[0], "job,method,seed,state") {
		t.Errorf("show --csv: %d lines:\n%s", len(lines), out)
	}
	var buf bytes.Buffer
	for _, l := range lines {
		if strings.HasPrefix(l, "rescaled-seed0,") {
			buf.WriteString(l + "\n")
		}
	}
	if !strings.Contains(buf.String(), ",1\n") { // the reference's ratio to itself
		t.Errorf("rescaled's ratio to itself is not 1:\n%s", buf.String())
	}
	code, _, stderr = capture(t, "resume", dir, "--headless", "--print-every", "1h")
	if code != 0 {
		t.Errorf("resume of a finished run: exit %d, %s", code, stderr)
	}
	code, _, stderr = capture(t, "run", "exp", "--headless", "--steps", "5", "--out", dir)
	if code != 1 || !strings.Contains(stderr, "already holds a run") {
		t.Errorf("run into an existing run folder: exit %d, %q", code, stderr)
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--threads", "0"},
		{"bench", "--threads", "x"},
		{"bench", "--grid", "-1"},
		{"bench", "extra"},
		{"bench", "--preset", "nosuch"},
		{"bench", "--preset", "heat", "--scale", "huge"},
		{"bench", "--preset", "heat", "--method", "nosuch"},
	} {
		if code, _, stderr := capture(t, args...); code != 2 || strings.Contains(stderr, "goroutine") {
			t.Errorf("sipbench %s: exit %d, %q; want a usage error (exit 2)", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestBenchPreset times a preset's training steps at the quick scale: one line per thread
// count, naming the preset, scale, method and batch.
func TestBenchPreset(t *testing.T) {
	code, stdout, stderr := capture(t, "bench", "--preset", "heat", "--scale", "quick", "--threads", "1,2", "--steps", "2", "--warmup", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines; want one per thread count:\n%s", len(lines), stdout)
	}
	for i, th := range []string{"threads=1 ", "threads=2 "} {
		for _, want := range []string{"preset=heat ", "scale=quick ", "method=sip ", "batch=", th, "ms_per_step="} {
			if !strings.Contains(lines[i], want) {
				t.Errorf("line %d %q lacks %q", i, lines[i], want)
			}
		}
	}
	if strings.Contains(stdout, "cg_iters=") {
		t.Errorf("SIP's bench lines give CG iterations:\n%s", stdout)
	}
	// A Hessian-free step's line gives its CG iterations and their limit.
	code, stdout, stderr = capture(t, "bench", "--preset", "poisson", "--scale", "quick", "--method", "hf", "--threads", "1", "--steps", "1", "--warmup", "0")
	if f := strings.Fields(stdout); code != 0 || !slices.ContainsFunc(f, func(s string) bool { return strings.HasPrefix(s, "cg_iters=") && s != "cg_iters=0" }) ||
		!slices.Contains(f, "cg_max=250") {
		t.Errorf("bench of hf: exit %d, %q, %s; want cg_iters=N and cg_max=250", code, stdout, stderr)
	}
	if code, _, stderr := capture(t, "bench", "--preset", "trajectories", "--scale", "quick", "--steps", "1"); code == 0 || !strings.Contains(stderr, "solver") {
		t.Errorf("bench of a solver preset: exit %d, %q; want a refusal naming the solver", code, stderr)
	}
}

// TestFlagUsageOnce checks that -h prints a command's usage once, and that a bad flag
// gets its one-line error and hint without the whole usage above them.
func TestFlagUsageOnce(t *testing.T) {
	for _, c := range []string{"run", "runs", "show", "sweep", "watch"} {
		code, _, stderr := capture(t, c, "-h")
		if n := strings.Count(stderr, "usage: sipbench "+c); code != 0 || n != 1 {
			t.Errorf("sipbench %s -h: exit %d, usage printed %d times:\n%s", c, code, n, stderr)
		}
		code, _, stderr = capture(t, c, "--bogus")
		if code != 2 || strings.Contains(stderr, "usage:") || !strings.Contains(stderr, "-bogus") {
			t.Errorf("sipbench %s --bogus: exit %d, stderr:\n%s\nwant exit 2 and the error without the usage", c, code, stderr)
		}
	}
}

// TestAfterLine checks the line printed when the app ends: every run the last dashboard
// followed is named, with commands that take them (resume takes one folder).
func TestAfterLine(t *testing.T) {
	one, two := []string{"runs/a"}, []string{"runs/a", "runs/b"}
	cases := []struct {
		dirs, unfinished []string
		o                tui.Outcome
		want             string
	}{
		{one, nil, tui.OutcomeFinished, "sipbench: run folder runs/a: sipbench show runs/a"},
		{two, nil, tui.OutcomeFinished, "sipbench: run folders runs/a runs/b: sipbench show runs/a runs/b"},
		{two, two, tui.OutcomeLeft, "sipbench: still training in the background: sipbench watch runs/a runs/b"},
		{one, one, tui.OutcomeStopped, "sipbench: stopping (checkpoints kept): sipbench resume runs/a continues, sipbench show runs/a"},
		{two, two, tui.OutcomeStopped, "sipbench: stopping (checkpoints kept): sipbench resume runs/a, sipbench resume runs/b continue them, sipbench show runs/a runs/b"},
		{two, []string{"runs/b"}, tui.OutcomeStopped, "sipbench: stopping (checkpoints kept): sipbench resume runs/b continues, sipbench show runs/a runs/b"},
		{two, two, tui.OutcomeLost, "sipbench: no process trains the unfinished jobs of runs/a runs/b any more (the trainer ended): sipbench resume runs/a, sipbench resume runs/b continue them"},
		{nil, nil, tui.OutcomeNone, ""},
	}
	for _, c := range cases {
		if got := afterLine(c.dirs, c.unfinished, c.o); got != c.want {
			t.Errorf("afterLine(%v, %v, %v) = %q, want %q", c.dirs, c.unfinished, c.o, got, c.want)
		}
	}
}

// TestDidYouMeanAndHelpCommand: a mistyped command or preset got no suggestion, `sipbench
// help run` printed the general help, and errors carried package prefixes ("runner: ",
// "figures: ").
func TestDidYouMeanAndHelpCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"rn"}, 2, `did you mean "run"?`},
		{[]string{"plto"}, 2, `did you mean "plot"?`},
		{[]string{"run", "poison"}, 2, `did you mean "poisson"?`},
		{[]string{"run", "rotaton"}, 2, `did you mean "rotation"?`},
		{[]string{"help", "rn"}, 2, `did you mean "run"?`},
		{[]string{"help", "run"}, 0, "usage: sipbench run PRESET"},
		{[]string{"help", "plot"}, 0, "usage: sipbench plot"},
	} {
		code, stdout, stderr := capture(t, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, %q; want exit %d and %q", strings.Join(c.args, " "), code, stdout+stderr, c.code, c.want)
		}
		if c.args[0] == "help" && strings.Contains(stdout, "usage:\n  sipbench ") {
			t.Errorf("sipbench %s printed the general help", strings.Join(c.args, " "))
		}
	}
	if _, _, stderr := capture(t, "frobnicate"); strings.Contains(stderr, "did you mean") {
		t.Errorf("a suggestion for a word near no command: %q", stderr)
	}
	prefixed := regexp.MustCompile(`(^|: )(runner|figures|presets|core|eval|fluid|problems|optimizers|stats|bench|tui): `)
	for _, args := range [][]string{{"plot", filepath.Join(t.TempDir(), "missing")}, {"show", t.TempDir()}} {
		_, _, stderr := capture(t, args...)
		if prefixed.MatchString(stderr) || !strings.HasPrefix(stderr, "sipbench: ") {
			t.Errorf("sipbench %s: %q carries a package prefix", strings.Join(args, " "), stderr)
		}
	}
}
