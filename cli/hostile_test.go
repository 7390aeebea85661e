package cli

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

// TestHostileFoldersCLI runs show, watch --headless and resume --headless on each damaged
// folder of folder/testdata/hostile: each ends with exit 0 or with a one-line error (exit
// 1), never a stack trace, and nothing appears beside the folder.
func TestHostileFoldersCLI(t *testing.T) {
	base := filepath.Join(t.TempDir(), "base")
	p, _ := presets.Lookup("exp")
	s, err := p.Resolve("", []string{"rescaled"}, []string{"steps=10"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.Create(s, []int{0}, base)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), runner.Options{Workers: 1})
	r.Wait()
	root := filepath.Join("..", "folder", "testdata", "hostile")
	cases, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		parent := t.TempDir()
		dir := filepath.Join(parent, "run")
		if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(root, c.Name())
		filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(src, path)
				b, _ := os.ReadFile(path)
				os.WriteFile(filepath.Join(dir, rel), b, 0o644)
			}
			return err
		})
		runJSON := strings.HasPrefix(c.Name(), "run-")
		for _, args := range [][]string{
			{"show", dir},
			{"watch", "--headless", "--print-every", "1h", dir},
			{"resume", "--headless", "--print-every", "1h", dir},
		} {
			code, _, stderr := capture(t, args...)
			bad := code != 0 && code != 1 || strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic")
			if strings.HasPrefix(c.Name(), "sweep-") && args[1] == "--headless" && code == 2 {
				bad = false // a sweep folder: watch --headless follows one run, and says so
			}
			if code != 0 && (strings.Count(strings.TrimSpace(stderr), "\n") > 0 || !strings.HasPrefix(stderr, "sipbench: ")) {
				bad = true
			}
			if runJSON && (code != 1 || !strings.Contains(stderr, "run.json")) {
				bad = true
			}
			if bad {
				t.Errorf("%s: sipbench %s: exit %d, stderr %q; want exit 0 or a one-line error (exit 1, naming run.json for a damaged one)",
					c.Name(), args[0], code, stderr)
			}
		}
		entries, _ := os.ReadDir(parent)
		if len(entries) != 1 {
			t.Errorf("%s: %d entries beside the run folder", c.Name(), len(entries)-1)
		}
	}
}
