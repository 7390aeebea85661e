package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeSetup: the README's Set-up never said `go build -o sipbench .`, yet every later
// example runs ./sipbench; it must come first, beside the two set-up commands that CI keeps
// true (go run . and go test -race ./...), with times on a quiet and on a busy box; and
// xspace is no figure of the paper (Figure 5c is the learning curves).
func TestReadmeSetup(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Set-up")
	end := strings.Index(readme[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("the README has no Set-up section")
	}
	setup := readme[start : start+1+end]
	build := strings.Index(readme, "go build -o sipbench .")
	first := strings.Index(readme, "./sipbench")
	if build < 0 || build > start+1+end || first < build {
		t.Errorf("go build -o sipbench . is not in the Set-up before the first ./sipbench (at %d, %d)", build, first)
	}
	for _, want := range []string{"go run .", "go test -race ./...", "busy", "quiet"} {
		if !strings.Contains(setup, want) {
			t.Errorf("the Set-up lacks %q", want)
		}
	}
	if i := strings.Index(readme, "`xspace` ("); i >= 0 {
		seg := readme[i:]
		seg = seg[:max(strings.Index(seg, "`sweep`"), 0)]
		if strings.Contains(seg, "Figure 5c") && !strings.Contains(seg, "learning curves") {
			t.Errorf("the README calls xspace Figure 5c: %q", seg)
		}
	}
}
