package cli

import (
	"os"

	"path/filepath"
	"strings"
	"testing"
)

func TestCheckUsageErrors(t *testing.T) {
	dir := t.TempDir()
	made := filepath.Join(dir, "made")
	if code, _, stderr := capture(t, "check", "--only", "trajectories", "--seeds", "1", "--out", filepath.Join(dir, "c")); code != 0 {
		t.Fatalf("check --only trajectories: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"check", "--scale", "huge", "--out", made}, "--scale must be one of quick, paper"},
		{[]string{"check", "--seeds", "0", "--out", made}, "--seeds must be ≥ 1"},
		{[]string{"check", "--seed", "-1", "--out", made}, "--seed ≥ 0"},
		{[]string{"check", "--workers", "-2", "--out", made}, "--workers must be ≥ 0"},
		{[]string{"check", "--only", "exp,nosuch", "--out", made}, `--only: check: no preset or claim "nosuch" (presets: trajectories, exp, rotation`},
		{[]string{"check", "--nosuchflag"}, "flag provided but not defined"},
		{[]string{"check", "--scale", "paper", dir}, "--scale plans new runs; it does not go with run folders to read"},
		{[]string{"check", "--out", made, dir}, "--out plans new runs"},
		// Continuing a check folder with other settings than it was planned with.
		{[]string{"check", "--scale", "paper", "--out", filepath.Join(dir, "c")}, "holds a check at the quick scale with seeds [0]"},
		{[]string{"check", "--seeds", "3", "--out", filepath.Join(dir, "c")}, "leave out --scale, --seeds, --seed and --only"},
		{[]string{"check", "--partition", "x", "--out", made}, "--partition only apply with --slurm"},
	} {
		code, _, stderr := capture(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
		if _, err := os.Lstat(made); err == nil {
			t.Fatalf("sipbench %s: a usage error created its --out folder", strings.Join(c.args, " "))
		}
	}
	for _, args := range [][]string{
		{"check", filepath.Join(dir, "missing")},
		{"check", made + "-file"},
	} {
		os.WriteFile(made+"-file", []byte("x"), 0o644)
		if code, _, stderr := capture(t, args...); code != 1 || strings.Contains(stderr, "goroutine") {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit 1 and one line", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestCheckEndToEnd trains the check of Figure 1 (iterative solvers, instant) and, outside
// the race detector, of Figure 2 (exp, 5000 steps of a small MLP), prints the rows as
// they come, and prints the same table again from the folder.
func TestCheckEndToEnd(t *testing.T) {
	only := "trajectories"
	if !raceDetector && !testing.Short() {
		only += ",exp"
	}
	dir := filepath.Join(t.TempDir(), "check")
	code, out, stderr := capture(t, "check", "--only", only, "--seeds", "2", "--out", dir)
	if code != 0 {
		t.Fatalf("check: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"sipbench check: quick scale, seeds 0–1, ",
		"training trajectories (pi, newton, gd; trajectories) …",
		"Figure 1   end, step 100",
		"Gradient descent prescribes small updates",
		"measured (fig1): loss gd ÷ max(pi, newton)",
		"again, without training: sipbench check " + dir,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Figure 1's row comes as soon as its runs have finished, before exp trains.
	if i, j := strings.Index(out, "Figure 1 "), strings.Index(out, "training exp"); strings.Contains(only, "exp") && (i < 0 || j < i) {
		t.Errorf("Figure 1's row at %d, exp's training at %d; want the row first:\n%s", i, j, out)
	}
	code, again, stderr := capture(t, "check", dir)
	if code != 0 {
		t.Fatalf("check DIR: exit %d: %s", code, stderr)
	}
	rowLine := func(s, where string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, where) {
				return l
			}
		}
		return ""
	}
	for _, where := range []string{"Figure 1 ", "Figure 2 "} {
		if a, b := rowLine(out, where), rowLine(again, where); a != b {
			t.Errorf("%s row trained %q, read again %q", where, a, b)
		}
	}
	if !strings.Contains(again, "(quick scale)") || strings.Contains(again, "training") {
		t.Errorf("check DIR trained or lost the scale:\n%s", again)
	}
	// watch on a check folder, headless, prints the same table.
	if code, watched, stderr := capture(t, "watch", dir, "--headless"); code != 0 || rowLine(watched, "Figure 1 ") != rowLine(out, "Figure 1 ") {
		t.Errorf("watch DIR --headless: exit %d, %s\n%s", code, stderr, watched)
	}
}

// TestCheckFixtures: check DIR on the fixture folders testdata/check: a Poisson run of two
// seeds to step 5000 measures the 5k claim; one whose jobs are still training shows the
// claim's ratio at the latest step every job of both seeds has logged, marked provisional
// and not counted as a verdict.
func TestCheckFixtures(t *testing.T) {
	code, out, stderr := capture(t, "check", "--only", "fig6b-60,fig6b-5k", filepath.Join("testdata", "check", "poisson5k"))
	if code != 0 {
		t.Fatalf("check poisson5k: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Figure 6b  step 60           1.77× [1.23–2.31×] p=0.25 (n<5: wide) 2 seeds  paper 3×               SHORT OF THE PAPER: 1.77× of 3×: three fifths\n",
		"Figure 6b  step 5000         6.66× [2.73–10.6×] p=0.25 (n<5: wide) 2 seeds  paper 10×              SHORT OF THE PAPER: 6.66× of 10×: two thirds\n",
		"2 claims: 2 short of the paper\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check poisson5k lacks %q:\n%s", want, out)
		}
	}
	code, out, stderr = capture(t, "check", "--only", "fig6b-60,fig6b-5k", filepath.Join("testdata", "check", "poisson-unfinished"))
	if code != 0 {
		t.Fatalf("check poisson-unfinished: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"SHORT OF THE PAPER: 1.77× of 3×: three fifths\n", // step 60 is behind every job: final
		"Figure 6b  step 5000         –                                              paper 10×              PENDING (at step 2,300 of 5,000: 2.84× (2.74–2.94×), provisional)\n",
		"measured (fig6b-5k): x_l1 adam ÷ sip; 2 of 2 seeds still training\n",
		"2 claims: 1 short of the paper, 1 pending (1 with a provisional ratio so far, not a verdict)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check poisson-unfinished lacks %q:\n%s", want, out)
		}
	}
}
