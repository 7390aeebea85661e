package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
)

// TestEscapesNeverReachTheTerminal reproduces issue 26's third defect on the command
// line: show printed run.json's reference and sweep.json's values raw, watch --headless a
// status's message, runs the folders' names and an unreadable run's preset and methods.
// Whatever a folder holds, no control character but a newline reaches stdout or stderr.
func TestEscapesNeverReachTheTerminal(t *testing.T) {
	const evil = "\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]52;c;cHduZWQ=\x07\u009b31m"
	root := t.TempDir()
	p, _ := presets.Lookup("exp")
	s, err := p.Resolve("", []string{"rescaled"}, []string{"steps=5"})
	if err != nil {
		t.Fatal(err)
	}
	named := filepath.Join(root, evil+"run")
	r, err := runner.Create(s, []int{0}, named)
	if err != nil {
		t.Fatal(err)
	}
	r.Start(context.Background(), runner.Options{Workers: 1})
	r.Wait()
	overlay := func(name, fixture string) string {
		dir := filepath.Join(root, name)
		if err := os.CopyFS(dir, os.DirFS(named)); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join("..", "folder", "testdata", "hostile", fixture)
		if err := os.CopyFS(dir+".overlay", os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
		filepathWalkCopy(t, dir+".overlay", dir)
		os.RemoveAll(dir + ".overlay")
		return dir
	}
	dirs := []string{
		named,
		overlay("status", "status-escape-message"),
		overlay("host", "lock-escape-host"),
		overlay("reference"+evil, "run-escape-reference"),
		overlay("sweep", "sweep-escape-values"),
	}
	var runs [][]string
	runs = append(runs, []string{"runs", root}, []string{"runs", root, "--json"})
	for _, d := range dirs {
		runs = append(runs, []string{"show", d}, []string{"watch", "--headless", "--print-every", "1h", d}, []string{"runs", d})
	}
	for _, args := range runs {
		_, out, stderr := capture(t, args...)
		for what, text := range map[string]string{"stdout": out, "stderr": stderr} {
			if !utf8.ValidString(text) {
				t.Errorf("sipbench %q: %s is not UTF-8: %q", args, what, text)
			}
			for _, c := range text {
				if c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c <= 0x9f {
					t.Errorf("sipbench %q: control %U in %s: %q", args, c, what, text)
					break
				}
			}
		}
		if args[0] == "runs" && len(args) == 2 && args[1] == root && !strings.Contains(out, `\x1b]0;pwned\x07`) {
			t.Errorf("runs: the folder's name is not shown escaped: %q", out)
		}
	}
}

// filepathWalkCopy copies the files of src over dst.
func filepathWalkCopy(t *testing.T, src, dst string) {
	t.Helper()
	filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, _ := os.ReadFile(path)
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}
