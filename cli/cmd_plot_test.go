package cli

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := capture(t, "run", "exp", "--headless", "--steps", "120", "--methods", "rescaled,adam,sgd",
		"--set", "lr.sgd=1e38", "--out", dir, "--print-every", "1h")
	if code != 0 {
		t.Fatalf("run: exit %d; stderr %s", code, stderr)
	}
	// The default figures: the curves (sgd diverged: it is marked) and exp's scatter.
	code, out, stderr := capture(t, "plot", dir)
	want := filepath.Join(dir, "figures", "curves.png") + "\n" + filepath.Join(dir, "figures", "scatter.png") + "\n"
	if code != 0 || out != want {
		t.Fatalf("plot: exit %d, stdout %q, stderr %q; want the two paths", code, out, stderr)
	}
	for _, name := range []string{"curves.png", "scatter.png"} {
		b, err := os.ReadFile(filepath.Join(dir, "figures", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if strings.Contains(stderr, "replaced") {
		t.Errorf("plot into an empty figures folder says it replaced: %q", stderr)
	}
	// Again: the same paths, and it says what it replaced (it overwrote silently).
	code, out, stderr = capture(t, "plot", dir)
	if code != 0 || out != want || !strings.Contains(stderr, "note: replaced the earlier "+filepath.Join(dir, "figures", "curves.png")) {
		t.Errorf("plot again: exit %d, stdout %q, stderr %q; want a note of each replaced figure", code, out, stderr)
	}
	out2 := filepath.Join(t.TempDir(), "f.svg")
	code, out, stderr = capture(t, "plot", dir, "--out", out2, "--metric", "x_l1", "--x", "wall", "--width", "8cm", "--height", "6cm")
	if b, err := os.ReadFile(out2); code != 0 || out != out2+"\n" || err != nil || !bytes.Contains(b, []byte("sgd (diverged)")) {
		t.Errorf("plot --out svg: exit %d, %q, %q, %v", code, out, stderr, err)
	}
	out3 := filepath.Join(t.TempDir(), "f.pdf")
	if code, _, stderr := capture(t, "plot", dir, dir, "--out", out3); code != 0 {
		t.Errorf("plot of two folders: exit %d, %s", code, stderr)
	} else if b, _ := os.ReadFile(out3); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("%s is no PDF", out3)
	}
	// --inline when stdout is not a terminal: no escape code, a word, the path.
	code, out, stderr = capture(t, "plot", dir, "--kind", "scatter", "--inline")
	if code != 0 || strings.ContainsRune(out, 0x1b) || !strings.Contains(stderr, "cannot show the figure here (stdout is not a terminal)") {
		t.Errorf("plot --inline into a pipe: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestPlotErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := capture(t, "run", "exp", "--headless", "--steps", "20", "--methods", "adam", "--out", dir, "--print-every", "1h"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	empty := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"plot"}, 2, "plot takes one or more run folders"},
		{[]string{"plot", dir, "--kind", "pie"}, 2, `unknown kind`},
		{[]string{"plot", dir, "--metric", "nope"}, 2, `no such metric "nope"`},
		{[]string{"plot", dir, "--kind", "fields"}, 2, "fields"},
		{[]string{"plot", dir, "--out", "x.jpg"}, 2, `unknown format "jpg"`},
		{[]string{"plot", dir, "--width", "wide"}, 2, "--width"},
		{[]string{"plot", dir, "--x", "time"}, 2, "--x"},
		{[]string{"plot", dir, dir, "--kind", "scatter"}, 2, "only curves compare several runs"},
		{[]string{"plot", empty}, 1, "is not a run folder"},
		{[]string{"plot", dir, "--out", filepath.Join(empty, "no", "such", "f.png")}, 1, "f.png"},
	} {
		code, out, stderr := capture(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 || strings.Contains(stderr, "panic") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, stderr, c.code, c.want)
		}
	}
}
