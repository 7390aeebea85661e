package process_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems/conform"
	"github.com/sipbench/sipbench/problems/process"
)

var fakeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fakeproc")
	if err != nil {
		panic(err)
	}
	fakeBin = filepath.Join(dir, "fakeproc")
	if out, err := exec.Command("go", "build", "-o", fakeBin, "./testdata/fakeproc").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building fakeproc: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func start(t *testing.T, timeout time.Duration, args ...string) *process.Problem {
	t.Helper()
	p, err := process.Start(append([]string{fakeBin}, args...), process.Options{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// alive reports whether a process pid exists (and is not a zombie).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}

func TestConformance(t *testing.T) {
	p := start(t, 10*time.Second)
	rs := conform.Run(p)
	if f := conform.Failed(rs); len(f) > 0 {
		for _, r := range rs {
			t.Logf("%s %v %s", r.Check, r.OK, r.Detail)
		}
		t.Fatalf("the rotation problem through a process fails %v", f)
	}
}

// A deliberately broken process fails the check that names its fault.
func TestConformanceBroken(t *testing.T) {
	for _, c := range []struct {
		arg  string
		want []string
	}{
		{"wronggrad", []string{"gradient", "adjoint"}},
		{"shape=update", []string{"updates"}},
		{"randomsample", []string{"sample-determinism"}},
	} {
		p := start(t, 10*time.Second, c.arg)
		if got := conform.Failed(conform.Run(p)); !slices.Equal(got, c.want) {
			t.Errorf("%s: failed %v, want %v", c.arg, got, c.want)
		}
	}
}

func TestVersionRefused(t *testing.T) {
	_, err := process.Start([]string{fakeBin, "version=2"}, process.Options{Timeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "protocol version 2; this sipbench speaks version 1") {
		t.Fatalf("a process of version 2: %v", err)
	}
}

// Each fault ends the call with a *Fault of one line naming the call and the reason, the
// stderr tail kept, and leaves no process behind once closed.
func TestFaults(t *testing.T) {
	for _, c := range []struct {
		arg, call, reason, stderr string
	}{
		{"crash=gradient", "gradient", `the process ended \(exit status 3\) before answering`, "Traceback"},
		{"exit=gradient", "gradient", `the process ended \(exit status 0\) before answering`, ""},
		{"hang=gradient", "gradient", `no answer within 500ms`, "hanging in gradient"},
		{"malformed=gradient", "gradient", `malformed frame`, ""},
		{"stdout=gradient", "gradient", `does the process print to stdout\? Logs go to stderr`, ""},
		{"shape=gradient", "gradient", `wrong shape: array "grad" of shape \[2 4\], want "grad" of shape \[4 2\]`, ""},
		{"hang=gradient child", "gradient", `no answer within 500ms`, "child"},
	} {
		t.Run(c.arg, func(t *testing.T) {
			p := start(t, 500*time.Millisecond, strings.Fields(c.arg)...)
			x, y := p.Sample(rand.New(rand.NewPCG(1, 2)), 4)
			f := callFault(func() { p.Gradient(nil, x, y) })
			if f == nil {
				t.Fatal("no fault")
			}
			if f.Call != c.call || !regexp.MustCompile(c.reason).MatchString(f.Reason) || strings.Contains(f.Error(), "\n") {
				t.Errorf("fault %q, want call %s and reason /%s/ on one line", f.Error(), c.call, c.reason)
			}
			if !strings.Contains(f.Tail(), c.stderr) {
				t.Errorf("stderr tail %q lacks %q", f.Tail(), c.stderr)
			}
			var child int
			if m := regexp.MustCompile(`child (\d+)`).FindStringSubmatch(p.Stderr()); m != nil {
				child, _ = strconv.Atoi(m[1])
			}
			p.Close()
			pid := pidOf(t, p)
			deadline := time.Now().Add(5 * time.Second)
			for (alive(pid) || child > 0 && alive(child)) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if alive(pid) || child > 0 && alive(child) {
				t.Errorf("a process is left behind (pid %d, child %d)", pid, child)
			}
		})
	}
}

func pidOf(t *testing.T, p *process.Problem) int {
	t.Helper()
	return p.Pid()
}

func callFault(fn func()) (f *process.Fault) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && errors.As(e, &f) {
				return
			}
			panic(r)
		}
	}()
	fn()
	return nil
}

// NaN from the process reaches the caller as NaN (the runner marks the job diverged).
func TestNaN(t *testing.T) {
	p := start(t, 10*time.Second, "nan=forward")
	x, y := p.Sample(rand.New(rand.NewPCG(1, 2)), 2)
	if out := p.Forward(y.Clone(), x); out.AllFinite() {
		t.Errorf("forward answered NaN, got %v", out.Data)
	}
	_ = core.New
}
