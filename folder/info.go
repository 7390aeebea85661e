package folder

import (
	"fmt"
	"math"

	"github.com/sipbench/sipbench/sanitize"
)

// State is a job's lifecycle state, as written to status.json.
type State string

// The states of a job. Done, Diverged, Failed and Cancelled are final.
const (
	Queued    State = "queued"
	Running   State = "running"
	Paused    State = "paused"
	Done      State = "done"
	Diverged  State = "diverged"
	Failed    State = "failed"
	Cancelled State = "cancelled"
	// Lost is never recorded: a Watch reports it for a job whose status is not final but
	// that no process trains (its lock is free: the trainer was killed, or never started).
	// Resuming the run continues the job.
	Lost State = "lost"
)

// Final reports whether a job in state s will make no more progress.
func (s State) Final() bool {
	return s == Done || s == Diverged || s == Failed || s == Cancelled
}

// Snapshot holds named fields at a step, for the viewers' plots (the names are the Field*
// constants): for field problems example 0's ground truth, observation, prediction and
// its error; for problems of one or two unknowns the whole batch; for solvers their paths.
// Kind says how to draw it (see Layout).
type Snapshot struct {
	Step int `json:"step"`
	// Kind is "" in snapshots written before snapshots had a kind (Layout infers it).
	Kind   SnapshotKind `json:"kind,omitempty"`
	Fields []Field      `json:"fields"`
}

// Field is one named array with its shape (for fields: [channels, height, width]).
//
// A field with an Extent is a function of the plane sampled on a grid of shape [ny, nx]
// (both at least 2): Data[j·nx + i] is its value at x = Extent[0] + i·(Extent[1] −
// Extent[0])/(nx − 1), y = Extent[2] + j·(Extent[3] − Extent[2])/(ny − 1), so the first row
// is the lowest y. The solver presets ship their loss this way (FieldLoss), for contour lines.
type Field struct {
	Name   string    `json:"name"`
	Shape  []int     `json:"shape"`
	Data   []float32 `json:"data"`
	Extent []float64 `json:"extent,omitempty"` // [xmin, xmax, ymin, ymax] of a grid
	// Channels names the channels of a field of [channels, height, width] (the problem's
	// problems.ChannelNamer); nil in snapshots from before, and for unnamed channels.
	Channels []string `json:"channels,omitempty"`
}

// Grid reports whether f is a function sampled on a grid (see Field).
func (f *Field) Grid() bool {
	return f != nil && len(f.Extent) == 4 && len(f.Shape) == 2 && f.Shape[0] >= 2 && f.Shape[1] >= 2 &&
		len(f.Data) == f.Shape[0]*f.Shape[1] && f.Extent[1] > f.Extent[0] && f.Extent[3] > f.Extent[2]
}

// At returns the grid field's value at (x, y), interpolated bilinearly between the four
// nearest samples; a point outside the extent takes the value at the nearest point of its
// edge. It returns NaN if f is not a grid (Grid), or x or y is NaN.
func (f *Field) At(x, y float64) float64 {
	if !f.Grid() || math.IsNaN(x) || math.IsNaN(y) {
		return math.NaN()
	}
	ny, nx := f.Shape[0], f.Shape[1]
	// cell returns the index of the cell holding t in [0, n−1) and the fraction within it.
	cell := func(t, lo, hi float64, n int) (int, float64) {
		u := (t - lo) / (hi - lo) * float64(n-1)
		u = math.Max(0, math.Min(u, float64(n-1)))
		k := min(int(u), n-2)
		return k, u - float64(k)
	}
	i, fx := cell(x, f.Extent[0], f.Extent[1], nx)
	j, fy := cell(y, f.Extent[2], f.Extent[3], ny)
	v := func(i, j int) float64 { return float64(f.Data[j*nx+i]) }
	return (1-fy)*((1-fx)*v(i, j)+fx*v(i+1, j)) + fy*((1-fx)*v(i, j+1)+fx*v(i+1, j+1))
}

// PointsField returns the finite points pts as the field name, of shape [len(pts), 2]; a
// coordinate beyond float32's range is stored as its largest value (JSON has no infinity).
func PointsField(name string, pts [][2]float64) Field {
	data := make([]float32, 0, 2*len(pts))
	for _, p := range pts {
		data = append(data, clamp32(p[0]), clamp32(p[1]))
	}
	return Field{Name: name, Shape: []int{len(pts), 2}, Data: data}
}

// GridOver samples loss on an n × n grid over the points pts where the loss is
// finite in float32 (a path that runs off towards infinity stretches the grid only as far
// as its losses can be stored) and a margin of a tenth of their span on each side (the
// dashboard pads its plots by less), as the field name. A sample beyond float32's range
// is stored as its largest value (JSON has no infinity). It reports false if no point
// qualifies, or if the loss is NaN somewhere on the grid.
func GridOver(name string, loss func([2]float64) float64, pts [][2]float64, n int) (Field, bool) {
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		if FiniteValue(p[0]) && FiniteValue(p[1]) && math.Abs(loss(p)) <= math.MaxFloat32 {
			for d := range 2 {
				lo[d], hi[d] = math.Min(lo[d], p[d]), math.Max(hi[d], p[d])
			}
		}
	}
	if lo[0] > hi[0] {
		return Field{}, false
	}
	for d := range 2 {
		m := 0.1 * (hi[d] - lo[d])
		if m == 0 {
			m = math.Max(1, 0.1*math.Abs(lo[d]))
		}
		lo[d], hi[d] = lo[d]-m, hi[d]+m
		if !FiniteValue(lo[d]) || !FiniteValue(hi[d]) { // paths that ran off to ±1e308
			return Field{}, false
		}
	}
	f := Field{Name: name, Shape: []int{n, n}, Data: make([]float32, n*n), Extent: []float64{lo[0], hi[0], lo[1], hi[1]}}
	for j := range n {
		y := lo[1] + float64(j)*(hi[1]-lo[1])/float64(n-1)
		for i := range n {
			x := lo[0] + float64(i)*(hi[0]-lo[0])/float64(n-1)
			v := loss([2]float64{x, y})
			if math.IsNaN(v) {
				return Field{}, false
			}
			f.Data[j*n+i] = clamp32(v)
		}
	}
	return f, true
}

// clamp32 returns v as a float32, ±math.MaxFloat32 beyond its range.
func clamp32(v float64) float32 {
	return float32(math.Max(-math.MaxFloat32, math.Min(math.MaxFloat32, v)))
}

// JobInfo describes one job of a run: one method with one seed.
type JobInfo struct {
	ID        string  `json:"id"` // "<method>-seed<S>", also the folder name
	Method    string  `json:"method"`
	Seed      int     `json:"seed"`
	Steps     int     `json:"steps"`
	Optimizer string  `json:"optimizer"`
	LR        float64 `json:"lr"`
}

// Info describes a run as written to run.json.
type Info struct {
	// ID is the run's id, random, written into each of its checkpoints so that a
	// checkpoint copied from another run is refused; "" in folders from before run ids.
	ID       string            `json:"id,omitempty"`
	Preset   string            `json:"preset"`
	Scale    string            `json:"scale"`
	Settings map[string]string `json:"settings"`
	Metrics  []string          `json:"metrics"` // metric column names, x_l1 first
	Metric   string            `json:"metric"`  // the metric the comparison is about
	// Reference is the method (SIP) that ratios are stated against.
	Reference string `json:"reference"`
	// Solver is true for iterative-solver runs without a network (Figure 1): their
	// metrics are exact iterates, not noisy batch estimates.
	Solver  bool      `json:"solver,omitempty"`
	Methods []string  `json:"methods"`
	Seeds   []int     `json:"seeds"`
	Jobs    []JobInfo `json:"jobs"`
	Version string    `json:"version"` // of the sipbench that created the run
	Format  int       `json:"format"`  // its FormatVersion (0 in folders from before formats)
	Started string    `json:"started"` // RFC 3339
	// Tuned says that the run trains at rates a search found (`sipbench run --tuned`);
	// nil for the preset's rates (or --set's).
	Tuned *TunedFrom `json:"tuned,omitempty"`
	// ProblemCmd is the problem process command of a run of --problem-cmd ("" for a
	// problem of this binary). It is never run from here: resuming needs it given again.
	ProblemCmd string `json:"problem_cmd,omitempty"`
}

// TunedFrom is the search behind a run's learning rates: its tune folder (as given), the
// tuned rate of each method it set, and the other tuned settings it set (a method's
// hyper-parameters besides its rate: "momentum.sgd": "0.9").
type TunedFrom struct {
	Dir   string             `json:"dir"`
	Rates map[string]float64 `json:"rates"`
	Other map[string]string  `json:"other,omitempty"`
}

// ChannelNames returns the names of the c channels of the field: its Channels (the
// problem's names, sanitized: a snapshot is untrusted) if it has c of them; else, for a
// snapshot of the fluid preset written before fields named their channels, the velocity's
// components v_x and v_y, and the marker m_0 and the marker at the end time, m_T, which are
// the observation's two channels; otherwise "ch 1", "ch 2", ... (none for one channel).
func (f *Field) ChannelNames(preset string, c int) []string {
	if f != nil && len(f.Channels) == c && c > 1 {
		out := make([]string, c)
		for i, n := range f.Channels {
			out[i] = sanitize.N(n, 16)
		}
		return out
	}
	name := ""
	if f != nil {
		name = f.Name
	}
	return channelNames(preset, name, c)
}

// channelNames are the channel names of a field without its own (see Field.ChannelNames).
func channelNames(preset, field string, c int) []string {
	if preset == "fluid" {
		switch {
		case field == FieldObserved && c == 2:
			return []string{"m_0", "m_T"}
		case field != FieldObserved && c == 2:
			return []string{"v_x", "v_y"}
		}
	}
	if c <= 1 {
		return make([]string, max(c, 0))
	}
	out := make([]string, c)
	for i := range out {
		out[i] = fmt.Sprintf("ch %d", i+1)
	}
	return out
}

// Rate returns the learning rate that the jobs of method train at, as run.json records
// it; ok is false if no job trains method.
func (info Info) Rate(method string) (lr float64, ok bool) {
	for _, j := range info.Jobs {
		if j.Method == method {
			return j.LR, true
		}
	}
	return 0, false
}

// finiteValue reports whether v is neither NaN nor infinite.
func FiniteValue(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
