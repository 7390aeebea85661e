package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/summary"
	"github.com/sipbench/sipbench/tui"
)

// BenchmarkSoak is issue 26's soak test: run folders with a 2 GB sparse metrics.csv, a
// metrics.csv whose last line is 500 MB, a 700 MB metrics.csv of valid rows and a 1 GB
// snapshot.json, each read by runs, the runs screen, show, watch --headless and plot, each
// command a process of its own: its peak RSS (getrusage's maxrss) must stay under 150 MB
// and it must answer within 10 s. It writes about 1.2 GB (the sparse files take no room)
// under a temporary folder, removed at the end. Not run in CI (a benchmark):
//
//	go test -run '^$' -bench BenchmarkSoak -benchtime 1x ./cli
func BenchmarkSoak(b *testing.B) {
	if testing.Short() {
		b.Skip("writes 1.2 GB")
	}
	tmp, err := os.MkdirTemp("", "sipbench-soak-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "sipbench")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	base := filepath.Join(tmp, "base")
	if out, err := exec.Command(bin, "run", "exp", "--methods", "rescaled", "--steps", "5", "--headless", "--out", base).CombinedOutput(); err != nil {
		b.Fatalf("run: %v\n%s", err, out)
	}
	const job = "rescaled-seed0"
	cases := []struct {
		name string
		make func(jd string) error
	}{
		{"2 GB sparse metrics.csv", func(jd string) error { return os.Truncate(filepath.Join(jd, "metrics.csv"), 2<<30) }},
		{"500 MB last line", func(jd string) error { return appendBytes(filepath.Join(jd, "metrics.csv"), 500<<20, 'x') }},
		{"700 MB of valid rows", func(jd string) error { return validRows(filepath.Join(jd, "metrics.csv"), 700<<20) }},
		{"1 GB snapshot.json", func(jd string) error {
			p := filepath.Join(jd, "snapshot.json")
			if err := os.WriteFile(p, []byte(`{"step":5,"fields":[`), 0o644); err != nil {
				return err
			}
			return os.Truncate(p, 1<<30)
		}},
	}
	for b.Loop() {
		fmt.Printf("%-24s %-18s %7s %7s\n", "FOLDER", "COMMAND", "RSS MB", "TIME s")
		for i, c := range cases {
			root := filepath.Join(tmp, fmt.Sprint("root", i))
			dir := filepath.Join(root, "run")
			if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
				b.Fatal(err)
			}
			if err := c.make(filepath.Join(dir, job)); err != nil {
				b.Fatal(err)
			}
			for _, cmd := range []struct {
				name string
				args []string
				env  string
			}{
				{"runs", []string{"runs", root}, ""},
				{"runs screen", []string{"-test.run", "^TestSoakRunsScreen$"}, "SIPBENCH_SOAK_ROOT=" + root},
				{"show", []string{"show", dir}, ""},
				{"watch --headless", []string{"watch", "--headless", "--print-every", "1h", dir}, ""},
				{"plot", []string{"plot", dir, "--out", filepath.Join(tmp, "f.png")}, ""},
			} {
				exe := bin
				if cmd.env != "" {
					exe = os.Args[0] // this test binary, as the runs screen's host
				}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				x := exec.CommandContext(ctx, exe, cmd.args...)
				x.Env = append(os.Environ(), cmd.env)
				start := time.Now()
				out, err := x.CombinedOutput()
				elapsed := time.Since(start)
				cancel()
				state := "ok"
				if err != nil {
					state = err.Error() + ": " + firstLine(string(out))
				} else if cmd.env != "" {
					state = firstLine(string(out))
				}
				rss := float64(x.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KB on Linux
				verdict := "pass"
				if rss >= 150 || elapsed > 10*time.Second {
					verdict = "FAIL"
					b.Errorf("%s / %s: %.0f MB, %.1f s; want under 150 MB and 10 s", c.name, cmd.name, rss, elapsed.Seconds())
				}
				fmt.Printf("%-24s %-18s %7.0f %7.1f  %s  %s\n", c.name, cmd.name, rss, elapsed.Seconds(), verdict, state)
			}
			os.RemoveAll(root)
		}
	}
}

// firstLine returns the first line of s, cut at 120 bytes.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return sanitize.N(s, 120)
}

// appendBytes appends n bytes c to the file at path.
func appendBytes(path string, n int64, c byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	chunk := []byte(strings.Repeat(string(c), 1<<20))
	for ; n > 0; n -= int64(len(chunk)) {
		if _, err := w.Write(chunk[:min(int64(len(chunk)), n)]); err != nil {
			return err
		}
	}
	return w.Flush()
}

// validRows rewrites the metrics.csv at path with valid rows of exp's five metrics until
// it holds size bytes.
func validRows(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	n, _ := io.WriteString(w, "step,wall_s,x_l1,x_l2,y_l1,y_l2,x_l1_low\n")
	written := int64(n)
	var buf []byte
	for step := 1; written < size; step++ {
		v := 1 + 1/float64(step)
		buf = strconv.AppendInt(buf[:0], int64(step), 10)
		buf = fmt.Appendf(buf, ",%.4f,%.8g,%.8g,%.8g,%.8g,%.8g\n", float64(step)/1000, v, v/2, v/3, v/4, v/5)
		k, err := w.Write(buf)
		if err != nil {
			return err
		}
		written += int64(k)
	}
	return w.Flush()
}

// TestSoakRunsScreen is BenchmarkSoak's host of the runs screen (SIPBENCH_SOAK_ROOT set):
// the app on the runs screen of that folder, without a terminal, for its first scans. It
// prints how long the first scan took.
func TestSoakRunsScreen(t *testing.T) {
	root := os.Getenv("SIPBENCH_SOAK_ROOT")
	if root == "" {
		t.Skip("BenchmarkSoak's helper")
	}
	idx := summary.NewIndex(root)
	start := time.Now()
	rs, err := idx.Scan()
	if err != nil || len(rs) != 1 {
		t.Fatalf("scan: %d runs, %v", len(rs), err)
	}
	fmt.Printf("first scan %.2f s: %s %s\n", time.Since(start).Seconds(), rs[0].State, rs[0].Jobs[0].Note)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	app := tui.NewApp(ctx, tui.AppConfig{Runs: true, RunsRoot: root, Index: idx, Options: tui.Options{Color: tui.ColorNever}})
	p := tea.NewProgram(app, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithContext(ctx))
	p.Send(tea.WindowSizeMsg{Width: 160, Height: 50})
	p.Run() // ends with the context
}
