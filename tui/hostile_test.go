package tui

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sipbench/sipbench/runner"
)

// TestAppHostileFolders opens the dashboard on every damaged folder of
// folder/testdata/hostile that opens at all, lets it read the folder, and goes through its
// keys (fields pane, metrics, jobs) at two sizes: the app must never die on file content.
func TestAppHostileFolders(t *testing.T) {
	base := filepath.Join(t.TempDir(), "base")
	spec, err := mustPreset(t, "exp").Resolve("", []string{"rescaled"}, []string{"steps=10"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.Create(spec, []int{0}, base)
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
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
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
			for _, size := range [][2]int{{60, 20}, {160, 50}} {
				w, err := runner.OpenWatch(dir)
				if err != nil {
					return // refused with an error: nothing reaches the app
				}
				w.LostAfter = time.Millisecond
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				app := NewApp(ctx, AppConfig{Options: Options{Color: ColorNever}, Watch: w, Poll: 5 * time.Millisecond})
				d := newDriver(t, app, size[0], size[1])
				deadline := time.Now().Add(300 * time.Millisecond)
				d.until("a few polls", time.Second, func() bool { return time.Now().After(deadline) })
				d.keys("tab", "n", "down", "tab", "up", "N", "?", "?")
				app.dash.redraw(true)
				app.View()
			}
		})
	}
}
