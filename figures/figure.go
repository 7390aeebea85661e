package figures

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/figures/canvas"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/profile"
	"github.com/sipbench/sipbench/summary"
)

// Kind names a figure.
type Kind string

// The kinds of figures, each the counterpart of a figure of the paper.
const (
	// Curves: learning curves of a metric, one per method (and run), log y.
	Curves Kind = "curves"
	// Fields: x*, y*, each method's prediction and its error (Figures 6a, 7).
	Fields Kind = "fields"
	// Scatter: predicted x against x* per method (exp, Figure 2).
	Scatter Kind = "scatter"
	// XSpace: predictions in x space beside the exact solutions (rotation; no figure of the
	// paper, whose Figure 5c is the learning curves at ξ = 32), or
	// the solvers' paths over the loss contours (trajectories, Figure 1).
	XSpace Kind = "xspace"
	// Sweep: the final metric against each swept setting, per method (Figure 5d, e).
	Sweep Kind = "sweep"
	// Table1: time per example against solver iterations at equal error (Table 1).
	Table1 Kind = "table1"
	// Profile: a Dolan–Moré performance profile over the seeds of several runs (a sweep's,
	// a check's): the fraction of problems each method solves within τ× the best's steps.
	Profile Kind = "profile"
)

// Kinds lists every kind.
var Kinds = []Kind{Curves, Fields, Scatter, XSpace, Sweep, Table1, Profile}

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); slices.Contains(Kinds, k) {
		return k, nil
	}
	var names []string
	for _, k := range Kinds {
		names = append(names, string(k))
	}
	return "", kindErrorf("figures: unknown kind %q (kinds: %s)", s, strings.Join(names, ", "))
}

// Errors that mean the request does not fit the folder, rather than a damaged folder: a
// command line reports them as usage errors.
var (
	// ErrKind: an unknown kind, or one that the folder has no data for.
	ErrKind = errors.New("figures: no such figure")
	// ErrFormat: an output format other than png, svg and pdf (canvas.ErrFormat).
	ErrFormat = canvas.ErrFormat
)

// kindError is an error that is ErrKind with a message of its own.
type kindError string

func (e kindError) Error() string        { return string(e) }
func (e kindError) Is(target error) bool { return target == ErrKind }

func kindErrorf(format string, args ...any) error { return kindError(fmt.Sprintf(format, args...)) }

// Options choose what a figure shows and how large it is. The zero value draws the
// default figure of a run at its default size.
type Options struct {
	Kind Kind // if empty, Curves
	// Metric is the metric that curves and sweeps show; if empty, the run's own (the
	// paper's comparison metric, RunInfo.Metric).
	Metric string
	// Wall draws curves against training time instead of steps.
	Wall bool
	// Window is the number of logged steps in the running mean of curves; if 0, 64 (the
	// paper's), or 1 for solver runs (exact iterates need no smoothing).
	Window int
	// Width and Height are the figure's size; if 0, the kind's default (a width of about
	// one paper column for one plot, more for many panels).
	Width, Height vg.Length
	// MaxPoints bounds the points read per curve; if 0, 2048.
	MaxPoints int
}

// Figure is a figure ready to be written as PNG, SVG or PDF.
type Figure struct {
	Kind          Kind
	Width, Height vg.Length
	// Labels are the legend's entries, in order (a figure without a legend has none).
	Labels []string
	// Panels is the number of plots drawn (colour bars not counted).
	Panels int
	// Note says what the figure leaves out, if anything (for example jobs without a
	// snapshot yet); the caller may print it.
	Note string

	draw  func(c draw.Canvas)
	rects []vg.Rectangle // the panels' data areas, as last drawn (for tests)
	bars  []vg.Rectangle // the colour bars, as last drawn (for tests)
}

// New reads the run folders dirs (or one sweep folder for Sweep) and builds the figure.
// It fails for a folder that is not a run, a metric no run has, and a kind that the run
// has no data for (wrapping ErrKind, or runner.ErrNoMetric).
func New(dirs []string, o Options) (*Figure, error) {
	if len(dirs) == 0 {
		return nil, errors.New("figures: no folder given")
	}
	if o.Kind == "" {
		o.Kind = Curves
	}
	if o.Kind == Profile {
		ds, err := profile.Dirs(dirs)
		if err != nil {
			return nil, err
		}
		return newProfile(ds, o)
	}
	if o.Kind != Curves && len(dirs) > 1 {
		return nil, kindErrorf("figures: %s for %d folders: only curves compare several runs", o.Kind, len(dirs))
	}
	if o.Kind == Sweep {
		return newSweep(dirs[0], o)
	}
	runs := make([]*run, len(dirs))
	for i, d := range dirs {
		r, err := openRun(d)
		if err != nil {
			return nil, err
		}
		runs[i] = r
	}
	switch o.Kind {
	case Curves:
		return newCurves(runs, o)
	case Fields:
		return newFields(runs[0], o)
	case Scatter:
		return newScatter(runs[0], o)
	case XSpace:
		return newXSpace(runs[0], o)
	case Table1:
		return newTable1(runs[0], o)
	}
	return nil, kindErrorf("figures: unknown kind %q", o.Kind)
}

// run is a run folder as the figures read it.
type run struct {
	dir  string
	info folder.Info
}

func openRun(dir string) (*run, error) {
	if folder.IsSweep(dir) {
		return nil, kindErrorf("figures: %s is a sweep folder: plot its sweep (no --kind), or one of its runs", dir)
	}
	info, err := folder.ReadInfo(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("figures: %s is not a run folder (no run.json)", dir)
		}
		return nil, fmt.Errorf("figures: %s is not a run folder: %v", dir, err)
	}
	for _, j := range info.Jobs {
		if err := folder.CheckJob(dir, j.ID); err != nil {
			return nil, err
		}
	}
	return &run{dir: dir, info: info}, nil
}

// jobs returns the run's jobs of method, in seed order.
func (r *run) jobs(method string) []folder.JobInfo {
	var out []folder.JobInfo
	for _, j := range r.info.Jobs {
		if j.Method == method {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b folder.JobInfo) int { return a.Seed - b.Seed })
	return out
}

// DefaultKinds returns the figures that dir has by default: for a sweep folder the sweep;
// for a run the learning curves and its own figure (fields, scatter or xspace, as its
// snapshots' kind says, once a snapshot exists), and Table 1 when a table1 result is in the folder.
func DefaultKinds(dir string) ([]Kind, error) {
	if folder.IsSweep(dir) {
		return []Kind{Sweep}, nil
	}
	r, err := openRun(dir)
	if err != nil {
		return nil, err
	}
	kinds := []Kind{Curves}
	if own := r.ownKind(); own != "" {
		kinds = append(kinds, own)
	}
	if _, err := os.Lstat(filepath.Join(dir, summary.Table1File)); err == nil {
		kinds = append(kinds, Table1)
	}
	return kinds, nil
}

// ownKind returns the kind of the run's own figure, the one its snapshots' kind
// (runner.Snapshot.Layout) calls for: Fields, Scatter or XSpace; "" before the first
// snapshot.
func (r *run) ownKind() Kind {
	for _, j := range r.info.Jobs {
		s, err := folder.ReadSnapshot(r.dir, j.ID)
		if err != nil || s == nil {
			continue
		}
		switch s.Layout() {
		case folder.SnapScatter:
			return Scatter
		case folder.SnapPoints, folder.SnapPaths:
			return XSpace
		}
		return Fields
	}
	return ""
}

// Format returns the format named by path's extension: png, svg or pdf.
func Format(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "png", "svg", "pdf":
		return ext, nil
	}
	return "", fmt.Errorf("%w %q for %s (want .png, .svg or .pdf)", ErrFormat, ext, path)
}

// Encode returns the figure in format png, svg or pdf.
func (f *Figure) Encode(format string) ([]byte, error) {
	return canvas.Encode(format, f.Width, f.Height, f.draw)
}

// Save writes the figure to path in the format its extension names, atomically (a
// temporary file renamed into place, which replaces a symbolic link rather than writing
// through it).
func (f *Figure) Save(path string) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	b, err := f.Encode(format)
	if err != nil {
		return err
	}
	if err := folder.WriteFileAtomic(path, b); err != nil {
		return fmt.Errorf("figures: %v", err)
	}
	return nil
}

// DefaultPath returns dir/figures/<kind>.png, creating dir/figures if needed. It refuses
// a figures entry that is a symbolic link or not a folder: a run folder is untrusted, and
// figures written into it must stay in it.
func DefaultPath(dir string, kind Kind) (string, error) {
	fd := filepath.Join(dir, "figures")
	fi, err := os.Lstat(fd)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.Mkdir(fd, 0o755); err != nil {
			return "", fmt.Errorf("figures: %v", err)
		}
	case err != nil:
		return "", fmt.Errorf("figures: %v", err)
	case !fi.IsDir():
		return "", fmt.Errorf("figures: %s is not a folder (a symbolic link or a file); pass --out", fd)
	}
	return filepath.Join(fd, string(kind)+".png"), nil
}

// ParseLength parses a figure size: a number of pixels of the PNG ("900", "900px", at
// PNGDPI dots per inch), or a length in in, cm, mm or pt ("3.25in", "8cm").
func ParseLength(s string) (vg.Length, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	num, unit := s, "px"
	for _, u := range []string{"px", "in", "cm", "mm", "pt"} {
		if n, ok := strings.CutSuffix(s, u); ok {
			num, unit = strings.TrimSpace(n), u
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0) || v > 1e5 {
		return 0, fmt.Errorf("figures: size %q: want a positive number of pixels, or a length such as 3.25in, 8cm, 240pt", s)
	}
	var l vg.Length
	switch unit {
	case "px":
		l = vg.Length(v) * vg.Inch / PNGDPI
	case "in":
		l = vg.Length(v) * vg.Inch
	case "cm":
		l = vg.Length(v) * vg.Centimeter
	case "mm":
		l = vg.Length(v) * vg.Millimeter
	case "pt":
		l = vg.Points(v)
	}
	if l < vg.Inch || l > 40*vg.Inch {
		return 0, fmt.Errorf("figures: size %q is outside 1 to 40 inches (%d to %d pixels)", s, PNGDPI, 40*PNGDPI)
	}
	return l, nil
}

// sized returns the figure's size: the options' where given, else the defaults.
func sized(o Options, w, h vg.Length) (vg.Length, vg.Length) {
	if o.Width > 0 {
		w = o.Width
	}
	if o.Height > 0 {
		h = o.Height
	}
	return w, h
}

// background fills c white.
func background(c draw.Canvas) {
	c.SetColor(white)
	c.Fill(c.Rectangle.Path())
}

// page fills c white and returns it less the margins around a figure's panels.
func page(c draw.Canvas) draw.Canvas {
	background(c)
	return draw.Crop(c, vg.Points(4), -vg.Points(8), vg.Points(3), -vg.Points(4))
}
