package cli

import (
	"os"
	"strings"
	"testing"
)

// TestDocListsCommands: the package doc lists the command table, line for line (the usage is
// made from the table; the doc is a comment, so this test holds it to the table).
// SIPBENCH_UPDATE=1 rewrites the list in main.go.
func TestDocListsCommands(t *testing.T) {
	b, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	const start, end = "// Usage:\n//\n", "//\n// Exit codes"
	i, j := strings.Index(src, start), strings.Index(src, end)
	if i < 0 || j < i {
		t.Fatal("main.go's package doc has no Usage list followed by Exit codes")
	}
	i += len(start)
	want := strings.Join(commandLines("//\t"), "\n") + "\n"
	if got := src[i:j]; got != want {
		if os.Getenv("SIPBENCH_UPDATE") != "" {
			if err := os.WriteFile("main.go", []byte(src[:i]+want+src[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("main.go's package doc lists\n%s\nthe command table gives\n%s(SIPBENCH_UPDATE=1 rewrites it)", got, want)
	}
}

// TestCommandTable: every listed command answers -h with its usage (or, for help and
// version, its text) and exit 0, and help names each of them.
func TestCommandTable(t *testing.T) {
	code, help, _ := capture(t, "help")
	if code != 0 {
		t.Fatalf("sipbench help: exit %d", code)
	}
	for _, name := range commandNames() {
		if !strings.Contains(help, "sipbench "+name) {
			t.Errorf("sipbench help does not list %s", name)
		}
	}
	if strings.Contains(help, "train-task") {
		t.Error("sipbench help lists the hidden train-task")
	}
	for _, c := range []struct{ args []string }{{[]string{"tune", "-h"}}, {[]string{"help", "conform"}}, {[]string{"--version"}}} {
		if code, _, stderr := capture(t, c.args...); code != 0 {
			t.Errorf("sipbench %s: exit %d, %s", strings.Join(c.args, " "), code, stderr)
		}
	}
	if code, _, stderr := capture(t, "tnue"); code != 2 || !strings.Contains(stderr, `did you mean "tune"?`) {
		t.Errorf("sipbench tnue: exit %d, %q; want 2 and a suggestion of tune", code, stderr)
	}
}
