// Package yours_test registers a problem and preset of its own, defined only here, and
// shows that sipbench takes it in everywhere with no edit elsewhere: listed, trained,
// resumed from its checkpoints, summarized, drawn in the dashboard's fields pane and by
// `plot`. The test binary is also the sipbench binary of this package (TestMain runs
// cli.Main when asked), as a binary of your own that imports your problem is.
package yours_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/cli"
	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/figures"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/tui"
)

// gains is a tiny inverse problem: y = a ⊙ x on an 8×8 grid of one channel, the gain a
// fixed per cell between 0.2 and 5 (a condition number of 25), x* standard normal. Its
// loss is ½‖a ⊙ x − y‖² per example; its inverse update, the exact inverse a⁻¹ ⊙ y − x.
type gains struct{ a []float32 }

const side = 8

func newGains() *gains {
	g := &gains{a: make([]float32, side*side)}
	for i := range g.a {
		g.a[i] = float32(math.Pow(25, float64(i)/float64(len(g.a)-1)) / 5)
	}
	return g
}

func (*gains) XShape() []int { return []int{1, side, side} }
func (*gains) YShape() []int { return []int{1, side, side} }

func (g *gains) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	x = core.New(batch, 1, side, side)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x, g.Forward(nil, x)
}

// each calls f(i, k) for every example i and cell k, with the flat index i·64 + k.
func each(x *core.Tensor, f func(i, k, at int)) {
	for i := range x.Batch() {
		for k := range side * side {
			f(i, k, i*side*side+k)
		}
	}
}

func like(dst, x *core.Tensor) *core.Tensor {
	if dst == nil {
		return core.New(x.Shape...)
	}
	return dst
}

func (g *gains) Forward(dst, x *core.Tensor) *core.Tensor {
	dst = like(dst, x)
	each(x, func(_, k, at int) { dst.Data[at] = g.a[k] * x.Data[at] })
	return dst
}

func (g *gains) Loss(dst []float64, x, y *core.Tensor) []float64 {
	if dst == nil {
		dst = make([]float64, x.Batch())
	}
	clear(dst)
	each(x, func(i, k, at int) {
		r := float64(g.a[k]*x.Data[at] - y.Data[at])
		dst[i] += r * r / 2
	})
	return dst
}

func (g *gains) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	dst = like(dst, x)
	each(x, func(_, k, at int) { dst.Data[at] = g.a[k] * (g.a[k]*x.Data[at] - y.Data[at]) })
	return dst
}

func (*gains) Updates() []string { return []string{"inverse"} }

func (g *gains) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	if name != "inverse" {
		panic("gains: no update " + name)
	}
	dst = like(dst, x)
	each(x, func(_, k, at int) { dst.Data[at] = y.Data[at]/g.a[k] - x.Data[at] })
	return dst
}

// SnapshotKind says how the viewers draw its snapshots: heatmaps of one example.
func (*gains) SnapshotKind() string { return problems.DrawFields }

func (*gains) MetricNames() []string { return []string{"x_l1", "y_l2"} }

func (g *gains) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	if dst == nil {
		dst = make([]float64, 2)
	}
	var l1 float64
	each(x, func(_, _, at int) { l1 += math.Abs(float64(x.Data[at] - xTrue.Data[at])) })
	var l2 float64
	for _, v := range g.Loss(nil, x, y) {
		l2 += v
	}
	n := float64(x.Batch())
	dst[0], dst[1] = l1/(n*side*side), l2/n
	return dst
}

var (
	_ problems.Problem = (*gains)(nil)
	_ problems.Drawn   = (*gains)(nil)
)

// preset is the gains problem's preset: a small U-Net trained with the inverse update
// (SIP) and with Adam on the adjoint.
var preset = &presets.Preset{
	Name:        "gains",
	Description: "y = a ⊙ x on 8×8 cells, gains from 0.2 to 5 (a test's own problem)",
	Network:     "U-Net, 2 levels of 4 filters",
	Metric:      "x_l1",
	Reference:   "sip",
	Methods: []presets.MethodDef{
		{Method: optimizers.Method{Name: "sip", Source: optimizers.Inverse, Update: "inverse", Optimizer: "adam", LR: 1e-3}, Default: true},
		{Method: optimizers.Method{Name: "adam", Source: optimizers.Adjoint, Optimizer: "adam", LR: 1e-3}, Default: true},
	},
	Scales:     []presets.Scale{{Name: "quick", Note: "40 steps", Common: presets.Common{Steps: 40, Batch: 4, SnapshotEvery: 5, CheckpointEvery: 5}}},
	NewProblem: func(presets.Settings) problems.Problem { return newGains() },
	NewNetwork: func(presets.Settings) presets.Network {
		return presets.Network{Kind: presets.UNet, In: 1, Out: 1, Levels: 2, Filters: 4}
	},
}

func init() { presets.Register(preset) }

// cliEnv, set, makes the test binary run sipbench's command line with this package's
// preset registered.
const cliEnv = "SIPBENCH_YOURS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		cli.Main()
	}
	os.Exit(m.Run())
}

// sipbench runs the command line (this test binary with the preset registered) in dir and
// returns its output; it fails the test on a non-zero exit.
func sipbench(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), cliEnv+"=1", "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("sipbench %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// TestYourProblem: the preset defined above is listed; trained; stopped at a checkpoint
// and resumed to its last step; summarized by show; drawn in the dashboard's fields pane
// (its snapshots' kind: fields) and by plot (the curves and the fields).
func TestYourProblem(t *testing.T) {
	root := t.TempDir()
	if out := sipbench(t, root, "list"); !strings.Contains(out, "gains") || !strings.Contains(out, "a test's own problem") {
		t.Fatalf("list does not list the preset:\n%s", out)
	}
	// Trained by run, to the end.
	if out := sipbench(t, root, "run", "gains", "--headless", "--out", "full", "--set", "steps=10"); !strings.Contains(out, "sip-seed0") {
		t.Errorf("run: no sip job in its output:\n%s", out)
	}
	full, err := runner.OpenWatch(filepath.Join(root, "full"))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range full.Info.Jobs {
		if rows, _, err := metrics.Read(full.Dir, j.ID, 0, nil); err != nil || len(rows) != 10 {
			t.Errorf("run: %s logged %d steps (%v); want 10", j.ID, len(rows), err)
		}
	}

	// Stopped once every job has passed a checkpoint, then resumed by the command line.
	dir := filepath.Join(root, "stopped")
	stopAfterCheckpoint(t, dir, 40)
	ids := []string{"sip-seed0", "adam-seed0"}
	before := map[string][]metrics.Row{}
	for _, id := range ids {
		before[id], _, _ = metrics.Read(dir, id, 0, nil)
		if n := len(before[id]); n < 10 || n >= 40 {
			t.Fatalf("stopped: %s logged %d steps; want 10 to 39", id, n)
		}
	}
	sipbench(t, root, "resume", dir, "--headless")
	for _, id := range ids {
		rows, _, err := metrics.Read(dir, id, 0, nil)
		if err != nil || len(rows) != 40 {
			t.Fatalf("resume: %s has %d rows (%v); want the 40 steps, each once", id, len(rows), err)
		}
		for k, r := range rows {
			if r.Step != k+1 {
				t.Fatalf("resume: %s's row %d is step %d", id, k, r.Step)
			}
		}
		// Continued from the checkpoint at step 10 (or later), not trained again from
		// the start: the first 10 rows are the ones logged before, to their wall times.
		for k := range 10 {
			if rows[k].Wall != before[id][k].Wall {
				t.Fatalf("resume: %s's step %d was trained again (wall %g, before %g)", id, k+1, rows[k].Wall, before[id][k].Wall)
			}
		}
	}
	out := sipbench(t, root, "show", dir)
	for _, want := range []string{"gains", "sip-seed0", "adam-seed0", "done", "x_l1"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	// The dashboard draws the snapshots as heatmaps: the truth, the observation, and each
	// method's prediction and error, every tile named.
	view := dashboard(t, dir, func(v string) bool {
		return strings.Contains(v, "x* ") && strings.Contains(v, "y* ") && strings.Contains(v, "sip s0@40") && strings.Contains(v, "adam s0@40")
	})
	if !strings.Contains(view, "x-x* ") {
		t.Errorf("the fields pane lacks the errors:\n%s", view)
	}

	if s, err := folder.ReadSnapshot(dir, "sip-seed0"); err != nil || s == nil || s.Kind != folder.SnapFields || s.Step != 40 {
		t.Errorf("the snapshot: %v (%v); want the problem's kind, fields, at step 40", s, err)
	}

	// plot draws the learning curves and the fields, as for the paper's presets.
	sipbench(t, root, "plot", dir)
	for _, name := range []string{"curves.png", "fields.png"} {
		b, err := os.ReadFile(filepath.Join(dir, "figures", name))
		if err != nil {
			t.Fatalf("plot: %v", err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("plot: %s: %v", name, err)
		}
	}
	if kinds, err := figures.DefaultKinds(dir); err != nil || fmt.Sprint(kinds) != "[curves fields]" {
		t.Errorf("the run's figures: %v (%v); want curves and fields", kinds, err)
	}
}

// stopAfterCheckpoint trains the preset for steps in dir in this process and cancels
// every job once it has logged two checkpoints' steps (a cancel finishes the step and
// writes a checkpoint), leaving it to resume.
func stopAfterCheckpoint(t *testing.T, dir string, steps int) {
	t.Helper()
	spec, err := preset.Resolve("", nil, []string{fmt.Sprintf("steps=%d", steps)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.Create(spec, []int{0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := r.Subscribe()
	if err := r.Start(context.Background(), runner.Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	stopped := map[string]bool{}
	for len(stopped) < len(r.Info.Jobs) {
		if _, open := <-sub.C; !open {
			break
		}
		for _, ev := range sub.Drain() {
			if ev.Kind == runner.EvMetrics && ev.Step >= 10 && !stopped[ev.Job] {
				stopped[ev.Job] = true
				r.Cancel(ev.Job)
			}
		}
	}
	for id, st := range r.Wait() {
		if st != folder.Cancelled {
			t.Fatalf("%s is %s; want cancelled, to resume", id, st)
		}
	}
}

// dashboard opens the app on the run folder dir at 200×60 and returns its view once ok
// holds (or fails after 20 s): the app's commands run as Bubble Tea would run them.
func dashboard(t *testing.T, dir string, ok func(view string) bool) string {
	t.Helper()
	w, err := runner.OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app := tui.NewApp(ctx, tui.AppConfig{Options: tui.Options{Color: tui.ColorNever}, Watch: w, Poll: 20 * time.Millisecond})
	msgs := make(chan tea.Msg, 64)
	var do func(tea.Cmd)
	do = func(c tea.Cmd) {
		if c != nil {
			go func() {
				select {
				case msgs <- c():
				case <-ctx.Done():
				}
			}()
		}
	}
	do(app.Init())
	app.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	deadline := time.After(20 * time.Second)
	for {
		v := ansi.Strip(app.View())
		if ok(v) {
			return v
		}
		select {
		case m := <-msgs:
			if b, isBatch := m.(tea.BatchMsg); isBatch {
				for _, c := range b {
					do(c)
				}
				continue
			}
			if m != nil {
				_, c := app.Update(m)
				do(c)
			}
		case <-deadline:
			t.Fatalf("the dashboard did not draw the fields:\n%s", v)
		}
	}
}
