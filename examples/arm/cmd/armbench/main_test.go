package main

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// build builds the package at path (relative to this folder) into dir.
func build(t *testing.T, dir, name, path string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", bin, path).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", path, err, out)
	}
	return bin
}

func sh(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// A user's binary (this one: one import, one line) has the arm in list, run, show, plot,
// conform, and the app's preset list (without a terminal, the app lists the presets).
func TestUserBinary(t *testing.T) {
	tmp := t.TempDir()
	bin := build(t, tmp, "armbench", ".")
	if out := sh(t, bin, "list"); !strings.Contains(out, "arm ") || !strings.Contains(out, "gauss-newton*,analytic*,adam*,supervised*") {
		t.Errorf("list:\n%s", out)
	}
	if out := sh(t, bin); !strings.Contains(out, "arm") {
		t.Errorf("the app without a terminal:\n%s", out)
	}
	if out := sh(t, bin, "conform", "arm"); !strings.Contains(out, "all 9 checks pass") {
		t.Errorf("conform arm:\n%s", out)
	}
	run := filepath.Join(tmp, "run")
	sh(t, bin, "run", "arm", "--steps", "300", "--headless", "--print-every", "1h", "--out", run)
	out := sh(t, bin, "show", run)
	for _, m := range []string{"gauss-newton", "analytic", "adam", "supervised"} {
		if !strings.Contains(out, m+"-seed0   done    300") {
			t.Errorf("show lacks %s done at 300:\n%s", m, out)
		}
	}
	out = sh(t, bin, "plot", run)
	curves := filepath.Join(run, "figures", "curves.png")
	if !strings.Contains(out, curves) {
		t.Fatalf("plot:\n%s", out)
	}
	b, err := os.ReadFile(curves)
	if err != nil {
		t.Fatal(err)
	}
	if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() < 200 {
		t.Errorf("curves.png: %v", err)
	}
}

// python returns a python3 that imports NumPy, or skips (fails under
// SIPBENCH_REQUIRE_NUMPY=1, which CI sets after installing Debian's python3-numpy).
func python(t *testing.T) string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	if os.Getenv("SIPBENCH_REQUIRE_NUMPY") != "" {
		t.Fatal("no python3 with NumPy (apt-get install python3-numpy)")
	}
	t.Skip("no python3 with NumPy (apt-get install python3-numpy)")
	return ""
}

func readMetrics(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The arm in Python (problem.py, NumPy) trains to the Go version's metrics: same seed,
// same batches (SplitMix64 from the seed sipbench sends), same network and methods (its
// describe proposes arm.go's preset). Every metric of every step agrees to 1e-5 relative.
// And conform passes on it.
func TestPythonEqualsGo(t *testing.T) {
	py := python(t)
	tmp := t.TempDir()
	arm := build(t, tmp, "armbench", ".")
	sipbench := build(t, tmp, "sipbench", "github.com/sipbench/sipbench")
	script, _ := filepath.Abs("../../problem.py")
	cmd := py + " " + script
	if out := sh(t, sipbench, "conform", "--problem-cmd", cmd); !strings.Contains(out, "all 9 checks pass") {
		t.Errorf("conform --problem-cmd %s:\n%s", cmd, out)
	}
	goRun, pyRun := filepath.Join(tmp, "go"), filepath.Join(tmp, "py")
	sh(t, arm, "run", "arm", "--steps", "200", "--headless", "--print-every", "1h", "--out", goRun)
	sh(t, sipbench, "run", "--problem-cmd", cmd, "--steps", "200", "--headless", "--print-every", "1h", "--out", pyRun)
	worst := 0.0
	for _, job := range []string{"gauss-newton-seed0", "analytic-seed0", "adam-seed0", "supervised-seed0"} {
		g, p := readMetrics(t, filepath.Join(goRun, job, "metrics.csv")), readMetrics(t, filepath.Join(pyRun, job, "metrics.csv"))
		if len(g) != 201 || len(p) != len(g) || strings.Join(g[0], ",") != strings.Join(p[0], ",") {
			t.Fatalf("%s: %d and %d rows, headers %v and %v", job, len(g), len(p), g[0], p[0])
		}
		for i := 1; i < len(g); i++ {
			for k := 2; k < len(g[i]); k++ { // after step and wall_s
				a, _ := strconv.ParseFloat(g[i][k], 64)
				b, _ := strconv.ParseFloat(p[i][k], 64)
				d := math.Abs(a-b) / math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-300)
				if a == b {
					d = 0
				}
				if !(d <= 1e-5) {
					t.Errorf("%s step %s, %s: Go %v, Python %v", job, g[i][0], g[0][k], a, b)
				}
				worst = math.Max(worst, d)
			}
		}
	}
	t.Logf("largest relative difference of a metric over 4 jobs × 200 steps: %.3g", worst)
}
