package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweep runs a 2×2 grid of rotation with two methods for a few steps and checks the
// folders, the table and that show prints the same table.
func TestSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sw")
	code, stdout, stderr := capture(t, "sweep", "rotation", "--set", "xi=1,32", "--set", "phi=0,45",
		"--methods", "sip,adam", "--steps", "5", "--workers", "2", "--out", dir)
	if code != 0 {
		t.Fatalf("sweep: exit %d, stderr %q", code, stderr)
	}
	for _, sub := range []string{"xi=1_phi=0", "xi=1_phi=45", "xi=32_phi=0", "xi=32_phi=45"} {
		if _, err := os.Stat(filepath.Join(dir, sub, "run.json")); err != nil {
			t.Errorf("sub-run %s: %v", sub, err)
		}
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %q ends in a space", l)
		}
	}
	i := strings.Index(stdout, dir+": sweep of rotation")
	if i < 0 {
		t.Fatalf("sweep output has no table:\n%s", stdout)
	}
	table := stdout[i:]
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 6 || !strings.Contains(lines[1], "xi phi") || !strings.Contains(lines[1], "sip") ||
		!strings.Contains(lines[1], "adam") || !strings.HasPrefix(strings.TrimSpace(lines[5]), "32 45 ") {
		t.Errorf("table:\n%s\nwant a header with xi phi, sip, adam and 4 rows ending with 32 45", table)
	}
	for _, l := range lines[2:] {
		if strings.Contains(l, " - ") || strings.HasSuffix(strings.TrimSpace(l), "-") {
			t.Errorf("row %q has a missing value", l)
		}
	}
	code, shown, stderr := capture(t, "show", dir)
	if code != 0 || shown != table {
		t.Errorf("show %s: exit %d (%s), output\n%s\nwant the sweep's table\n%s", dir, code, stderr, shown, table)
	}
}

func TestSweepUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep"}, "sweep takes one preset"},
		{[]string{"sweep", "rotation", "--set", "xi"}, "want key=v1,v2"},
		{[]string{"sweep", "rotation", "--set", "xi=1", "--set", "xi=2"}, "xi given twice"},
		{[]string{"sweep", "rotation", "--set", "xi=1,abc"}, `xi="abc": want a number`},
		{[]string{"sweep", "trajectories"}, "no network"},
	} {
		code, _, stderr := capture(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("sipbench %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
}
