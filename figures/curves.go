package figures

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/figures/legend"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// curveSet is one line of a curves figure: one method of one run, over its seeds.
type curveSet struct {
	label    string
	color    color.NRGBA
	glyph    draw.GlyphDrawer
	dashes   []vg.Length
	raw      []summary.Series // one seed: its logged values, drawn faint
	mean     summary.Series   // the running mean (one seed) or the mean over seeds
	band     *summary.Band    // several seeds: min and max of their running means
	seeds    int
	diverged bool
}

// metricLabels describe the metrics of the presets for axis labels.
var metricLabels = map[string]string{
	"x_l1":     "x MAE, |x − x*|",
	"x_l2":     "x error, ½‖x − x*‖²",
	"y_l1":     "y error, ‖P(x) − y*‖₁",
	"y_l2":     "loss, ½‖P(x) − y*‖²",
	"x_l1_low": "x MAE where x* < −4",
	"x_dist":   "distance to nearest solution",
	"loss":     "loss L",
	"v_l1":     "velocity MAE",
	"x1":       "x₁",
	"x2":       "x₂",
	"y_loss":   "loss in y space, |P(x)|²",
}

func metricLabel(m string) string {
	if l, ok := metricLabels[m]; ok {
		return l
	}
	return m
}

// newCurves draws learning curves: per run and method the running mean of the metric
// (faint raw values behind it), or with several seeds the mean over seeds with a band
// from their minimum to their maximum. With several runs, each line is labelled by the
// settings in which the runs differ.
func newCurves(runs []*run, o Options) (*Figure, error) {
	metric, err := curvesMetric(runs, o.Metric)
	if err != nil {
		return nil, err
	}
	solver := true
	for _, r := range runs {
		solver = solver && r.info.Solver
	}
	window := o.Window
	if window <= 0 {
		window = 64
		if solver {
			window = 1
		}
	}
	lines, err := readCurveSets(runs, metric, summary.CurveOptions{Window: window, MaxPoints: o.MaxPoints})
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("figures: %s: no job has logged a step yet", runs[0].dir)
	}
	xlabel, xOf := curvesXAxis(lines, solver, o.Wall)
	p := newPlot(xlabel, metricLabel(metric))
	p.X.Min = 0
	addGrid(p)
	setLogY(p)
	lo, hi, ok := curvesYRange(lines)
	if !ok {
		return nil, fmt.Errorf("figures: no positive finite value of %s to draw on a log axis", metric)
	}
	p.Y.Min, p.Y.Max = lo, hi
	// Faint raw values first, then bands, then the means on top.
	addRawCurves(p, lines, xOf)
	addBands(p, lines, xOf)
	leg := addMeans(p, lines, xOf)
	w, h := sized(o, 4.5*vg.Inch, 3*vg.Inch)
	f := &Figure{Kind: Curves, Width: w, Height: h, Panels: 1}
	f.Labels = leg.Labels()
	f.draw = func(c draw.Canvas) {
		f.rects = []vg.Rectangle{drawPanel(p, belowLegend(page(c), leg))}
	}
	return f, nil
}

// curvesMetric returns the metric to draw: metric, or if empty the first run's own; it
// fails if a run has no such metric.
func curvesMetric(runs []*run, metric string) (string, error) {
	if metric == "" {
		metric = runs[0].info.Metric
	}
	for _, r := range runs {
		if !slices.Contains(r.info.Metrics, metric) {
			return "", fmt.Errorf("%w %q in %s (metrics: %s)", summary.ErrNoMetric, metric, r.dir, strings.Join(r.info.Metrics, ", "))
		}
	}
	return metric, nil
}

// readCurveSets reads the lines of a curves figure: every run × method that has logged a
// step, labelled by method and the settings in which the runs differ
// (summary.CompareLines).
func readCurveSets(runs []*run, metric string, co summary.CurveOptions) ([]*curveSet, error) {
	infos := make([]folder.Info, len(runs))
	dirs := make([]string, len(runs))
	for i, r := range runs {
		infos[i], dirs[i] = r.info, r.dir
	}
	keys := summary.CompareLines(infos, dirs)
	var lines []*curveSet
	byRun := len(runs) > 1 && sameMethod(keys) // coloured by run (CompareLines), drawn solid
	for _, k := range keys {
		cs := &curveSet{label: k.Label}
		cs.color, cs.glyph, cs.dashes = seriesColor(k.Color), seriesGlyph(k.Color), seriesDashes(k.Color)
		if !byRun {
			cs.dashes = runDashes(k.Run)
		}
		ok, err := cs.read(runs[k.Run], k.Method, metric, co)
		if err != nil {
			return nil, err
		}
		if ok {
			lines = append(lines, cs)
		}
	}
	return lines, nil
}

// read reads the curves of method's jobs in r into cs: one seed's running mean and raw
// values, or the mean over several seeds and their band, and says in the label how many
// seeds and whether one diverged. It reports false if no job has logged a step yet.
func (cs *curveSet) read(r *run, method, metric string, co summary.CurveOptions) (bool, error) {
	var means []summary.Series
	for _, j := range r.jobs(method) {
		c, err := summary.ReadCurve(r.dir, j.ID, metric, co)
		if err != nil {
			if errors.Is(err, summary.ErrNoMetric) {
				return false, fmt.Errorf("%w (%s)", err, r.dir)
			}
			return false, err
		}
		if c.Rows == 0 {
			continue
		}
		cs.diverged = cs.diverged || c.Diverged >= 0
		means = append(means, c.Mean)
		if co.Window > 1 {
			cs.raw = append(cs.raw, c.Raw)
		}
	}
	cs.seeds = len(means)
	switch {
	case len(means) == 0:
		return false, nil // nothing logged yet
	case len(means) == 1:
		cs.mean = means[0]
	default:
		b := summary.AggregateSeeds(means).Covered(len(means))
		if len(b.Steps) == 0 { // seeds without a common step yet: mean where any is
			b = summary.AggregateSeeds(means)
		}
		cs.band = &b
		cs.mean = summary.Series{Steps: b.Steps, Walls: b.Walls, Values: b.Mean}
		cs.raw = nil
	}
	if cs.seeds > 1 {
		cs.label += fmt.Sprintf(" (%d seeds)", cs.seeds)
	}
	if cs.diverged {
		cs.label += " (diverged)"
	}
	return true, nil
}

// curvesXAxis returns the x axis's label and the x of a series' point i: the step (an
// iteration for solvers), or with wall the training time in seconds, minutes or hours,
// whichever the longest line needs.
func curvesXAxis(lines []*curveSet, solver, wall bool) (string, func(summary.Series, int) float64) {
	xlabel := "training step"
	if solver {
		xlabel = "iteration"
	}
	if !wall {
		return xlabel, func(s summary.Series, i int) float64 { return float64(s.Steps[i]) }
	}
	var wmax float64
	for _, l := range lines {
		if n := l.mean.Len(); n > 0 {
			wmax = math.Max(wmax, l.mean.Walls[n-1])
		}
	}
	xlabel, xscale := "training time (s)", 1.0
	switch {
	case wmax > 3*3600:
		xlabel, xscale = "training time (h)", 1.0/3600
	case wmax > 3*60:
		xlabel, xscale = "training time (min)", 1.0/60
	}
	return xlabel, func(s summary.Series, i int) float64 { return s.Walls[i] * xscale }
}

// curvesYRange returns the y range of the lines on a log axis: the means and bands, and
// the raw values but their extreme 1 % on each side (single spikes would squash the
// curves; they are clipped, not hidden), padded; false if no value is positive.
func curvesYRange(lines []*curveSet) (lo, hi float64, ok bool) {
	var core, raw []float64
	for _, l := range lines {
		core = appendPositive(core, l.mean.Values)
		if l.band != nil {
			core = appendPositive(core, l.band.Min)
			core = appendPositive(core, l.band.Max)
		}
		for _, r := range l.raw {
			raw = appendPositive(raw, r.Values)
		}
	}
	if len(core) == 0 {
		return 0, 0, false
	}
	lo, hi = slices.Min(core), slices.Max(core)
	if len(raw) > 0 {
		sort.Float64s(raw)
		lo = math.Min(lo, raw[int(0.01*float64(len(raw)-1))])
		hi = math.Max(hi, raw[int(0.99*float64(len(raw)-1))])
	}
	if hi <= lo {
		lo, hi = lo/2, hi*2
	}
	pad := math.Pow(hi/lo, 0.04)
	return lo / pad, hi * pad, true
}

// addRawCurves adds the lines' raw values, faint.
func addRawCurves(p *panel, lines []*curveSet, xOf func(summary.Series, int) float64) {
	for _, l := range lines {
		for _, r := range l.raw {
			for _, seg := range positiveSegments(r, xOf) {
				ln, _ := plotter.NewLine(seg)
				ln.LineStyle = draw.LineStyle{Color: withAlpha(l.color, 0.2), Width: rawWidth, Dashes: l.dashes}
				p.Add(ln)
			}
		}
	}
}

// addBands adds the seeds' bands of the lines that have them.
func addBands(p *panel, lines []*curveSet, xOf func(summary.Series, int) float64) {
	for _, l := range lines {
		if l.band != nil {
			if poly := bandPolygon(*l.band, xOf); poly != nil {
				poly.Color = withAlpha(l.color, 0.22)
				p.Add(poly)
			}
		}
	}
}

// addMeans adds the lines' means, with a few markers each so that the lines are told
// apart in grey and a cross where a diverged one stops, and returns their legend.
func addMeans(p *panel, lines []*curveSet, xOf func(summary.Series, int) float64) *legend.Legend {
	leg := newLegend()
	for i, l := range lines {
		ls := draw.LineStyle{Color: l.color, Width: meanWidth, Dashes: l.dashes}
		gs := draw.GlyphStyle{Color: l.color, Radius: vg.Points(2.2), Shape: l.glyph}
		var all plotter.XYs
		for _, seg := range positiveSegments(l.mean, xOf) {
			ln, _ := plotter.NewLine(seg)
			ln.LineStyle = ls
			p.Add(ln)
			all = append(all, seg...)
		}
		if m := markers(all, i, len(lines)); len(m) > 0 {
			sc, _ := plotter.NewScatter(m)
			sc.GlyphStyle = gs
			p.Add(sc)
		}
		if n := lastPositive(l.mean); l.diverged && n >= 0 { // a cross where the curve stops
			sc, _ := plotter.NewScatter(plotter.XYs{{X: xOf(l.mean, n), Y: l.mean.Values[n]}})
			sc.GlyphStyle = draw.GlyphStyle{Color: l.color, Radius: vg.Points(3.5), Shape: draw.CrossGlyph{}}
			p.Add(sc)
		}
		sw := legend.Swatch{Line: &ls, Glyph: &gs}
		if l.band != nil {
			sw.Band = withAlpha(l.color, 0.22)
		}
		leg.Add(l.label, sw)
	}
	return leg
}

func appendPositive(dst, vs []float64) []float64 {
	for _, v := range vs {
		if v > 0 && !math.IsInf(v, 0) {
			dst = append(dst, v)
		}
	}
	return dst
}

// positiveSegments splits s into runs of points with positive finite values (the ones a
// log axis can show).
func positiveSegments(s summary.Series, xOf func(summary.Series, int) float64) []plotter.XYs {
	var segs []plotter.XYs
	var cur plotter.XYs
	for i, v := range s.Values {
		if v > 0 && !math.IsInf(v, 0) {
			cur = append(cur, plotter.XY{X: xOf(s, i), Y: v})
			continue
		}
		if len(cur) > 0 {
			segs = append(segs, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

func lastPositive(s summary.Series) int {
	for i := s.Len() - 1; i >= 0; i-- {
		if v := s.Values[i]; v > 0 && !math.IsInf(v, 0) {
			return i
		}
	}
	return -1
}

// bandPolygon is the area between a band's minimum and maximum, over the steps where
// both are positive.
func bandPolygon(b summary.Band, xOf func(summary.Series, int) float64) *plotter.Polygon {
	s := summary.Series{Steps: b.Steps, Walls: b.Walls, Values: b.Min}
	var lo, hi plotter.XYs
	for i := range b.Steps {
		if b.Min[i] > 0 && !math.IsInf(b.Max[i], 0) {
			x := xOf(s, i)
			lo = append(lo, plotter.XY{X: x, Y: b.Min[i]})
			hi = append(hi, plotter.XY{X: x, Y: b.Max[i]})
		}
	}
	if len(lo) < 2 {
		return nil
	}
	slices.Reverse(hi)
	poly, err := plotter.NewPolygon(append(lo, hi...))
	if err != nil {
		return nil
	}
	poly.LineStyle.Width = 0
	return poly
}

// markers returns about six of the points along line k of n (points in increasing x),
// staggered between lines so that markers of different lines do not sit on top of each
// other.
func markers(pts plotter.XYs, k, n int) plotter.XYs {
	const count = 6
	if len(pts) < 2 {
		return nil
	}
	x0, x1 := pts[0].X, pts[len(pts)-1].X
	var out plotter.XYs
	i := 0
	for m := 0; m < count; m++ {
		x := x0 + (x1-x0)*(float64(m)+0.5+0.8*float64(k)/float64(max(n, 1))-0.4)/count
		for i < len(pts)-1 && pts[i].X < x {
			i++
		}
		out = append(out, pts[i])
	}
	return out
}

// sameMethod reports whether every line is of one method (the lines are then coloured by
// run and drawn solid).
func sameMethod(lines []summary.CompareLine) bool {
	for _, l := range lines {
		if l.Method != lines[0].Method {
			return false
		}
	}
	return true
}
