package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTable1 trains a tiny fluid run (16×16, batch 2, 2 steps) and checks that table1
// prints the network row and the iterative rows, with L-BFGS on request; then that it
// works for poisson and refuses exp (no "sip" update).
func TestTable1(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fl")
	code, _, stderr := capture(t, "run", "fluid", "--headless", "--steps", "2", "--set", "grid=16", "--set", "batch=2",
		"--methods", "sip", "--out", dir, "--print-every", "1h")
	if code != 0 {
		t.Fatalf("run: exit %d; %s", code, stderr)
	}
	code, out, stderr := capture(t, "table1", dir, "--examples", "2", "--max-iters", "3", "--lbfgs")
	if code != 0 {
		t.Fatalf("table1: exit %d; %s", code, stderr)
	}
	for _, want := range []string{"Table 1 for fluid (quick scale, grid 16), job sip-seed0 at step 2",
		"network (batches of 64)", "iterative solver: sip update", "gradient descent, x ← x − 20·∂L/∂x", "L-BFGS", "paper (64×64"} {
		if !strings.Contains(out, want) {
			t.Errorf("table1 output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 9 {
		t.Errorf("table1: %d lines; want 2 header lines, the column names, 4 rows and 2 notes:\n%s", len(lines), out)
	}
	// The result stays in the folder, and plot draws it by default.
	code, out, stderr = capture(t, "plot", dir)
	if want := filepath.Join(dir, "figures", "table1.png"); code != 0 || !strings.Contains(out, want) {
		t.Errorf("plot after table1: exit %d, %q, %q; want %s among the figures", code, out, stderr, want)
	}

	pdir := filepath.Join(t.TempDir(), "po")
	if code, _, stderr := capture(t, "run", "poisson", "--headless", "--steps", "2", "--set", "grid=16", "--set", "batch=2",
		"--methods", "sip", "--out", pdir, "--print-every", "1h"); code != 0 {
		t.Fatalf("run poisson: exit %d; %s", code, stderr)
	}
	if code, out, stderr := capture(t, "table1", pdir, "--examples", "3", "--max-iters", "2"); code != 0 ||
		!strings.Contains(out, "gradient descent, x ← x − 0.01·∂L/∂x") {
		t.Errorf("table1 poisson: exit %d, %s\n%s", code, stderr, out)
	}

	edir := filepath.Join(t.TempDir(), "ex")
	if code, _, stderr := capture(t, "run", "exp", "--headless", "--steps", "2", "--methods", "adam", "--out", edir, "--print-every", "1h"); code != 0 {
		t.Fatalf("run exp: exit %d; %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"table1", edir, "--job", "adam-seed0"}, 1, `exp has no "sip" update`},
		{[]string{"table1", dir, "--job", "gd-seed0"}, 1, `no job "gd-seed0"`},
		{[]string{"table1"}, 2, "table1 takes one run folder"},
		{[]string{"table1", dir, "--examples", "0"}, 2, "--examples must be ≥ 1"},
		{[]string{"table1", dir, "--gd-lr", "-1"}, 2, "--gd-lr must be a positive number"},
		{[]string{"table1", dir, "--nope"}, 2, "flag provided but not defined"},
	} {
		code, _, stderr := capture(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, stderr, c.code, c.want)
		}
	}
}
