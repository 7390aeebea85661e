package figures

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/figures/legend"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// finalValue returns the mean of the metric over the last window logged steps of each of
// the method's jobs in the run, and the mean, minimum and maximum over its seeds; n is
// the number of seeds that logged anything.
func finalValue(r *run, method, metric string, window int) (mean, lo, hi float64, n int, err error) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, j := range r.jobs(method) {
		c, err := summary.ReadCurve(r.dir, j.ID, metric, summary.CurveOptions{Window: window, MaxPoints: 2})
		if err != nil {
			return 0, 0, 0, 0, err
		}
		if c.Rows == 0 {
			continue
		}
		v := c.Mean.Values[c.Mean.Len()-1]
		if c.Diverged >= 0 || math.IsNaN(v) {
			v = math.Inf(1) // a diverged job has no final accuracy
		}
		mean += v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		n++
	}
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN(), 0, nil
	}
	return mean / float64(n), lo, hi, n, nil
}

// newSweep draws Figure 5 d/e from a sweep folder: for each swept setting, the metric at
// the end of training (the mean over the last 64 logged steps, then over seeds, with the
// seeds' range as error bars) against the setting's value, one line per method (and per
// value of the other swept settings, if any), on a log y axis. The x axis is
// logarithmic when the values are positive and span a factor 8 or more (ξ), else linear.
func newSweep(dir string, o Options) (*Figure, error) {
	if !folder.IsSweep(dir) {
		return nil, kindErrorf("figures: %s in %s: it is not a sweep folder (no %s; `sipbench sweep` makes one)", Sweep, dir, folder.SweepFile)
	}
	info, err := folder.ReadSweep(dir)
	if err != nil {
		return nil, err
	}
	if len(info.Keys) == 0 {
		return nil, kindErrorf("figures: %s of %s: no setting takes more than one value", Sweep, dir)
	}
	window := o.Window
	if window <= 0 {
		window = 64
	}
	results, metric, missing, err := readSweep(dir, info, o.Metric, window)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("figures: %s: no run of the sweep has started", dir)
	}
	var plots []*panel
	leg := newLegend()
	seen := map[string]bool{}
	for _, key := range info.Keys {
		p, err := sweepPanel(key, info, results, metric, leg, seen)
		if err != nil {
			return nil, fmt.Errorf("figures: %s: %v", dir, err)
		}
		plots = append(plots, p)
	}
	cols := min(2, len(plots))
	rows := (len(plots) + cols - 1) / cols
	w, h := sized(o, vg.Length(3.3*float64(cols)+0.2)*vg.Inch, vg.Length(2.6*float64(rows)+0.35)*vg.Inch)
	f := gridFigure(Sweep, plots, leg, cols, w, h)
	if len(missing) > 0 {
		f.Note = "not started yet: " + strings.Join(missing, ", ")
	}
	return f, nil
}

// sweepResult is one run of a sweep: its values of the swept settings, and per method the
// final value of the metric (finalValue) and the number of seeds that logged it.
type sweepResult struct {
	values       map[string]string
	mean, lo, hi map[string]float64
	seeds        map[string]int
}

// readSweep reads the final values of every run of the sweep in dir, of metric (if empty,
// the first run's own, which it returns); missing are the runs not started yet.
func readSweep(dir string, info folder.SweepInfo, metric string, window int) (results []sweepResult, _ string, missing []string, _ error) {
	for _, sr := range info.Runs {
		r, err := openRun(filepath.Join(dir, sr.Dir))
		if err != nil {
			missing = append(missing, sr.Dir)
			continue
		}
		if metric == "" {
			metric = r.info.Metric
		}
		if !slices.Contains(r.info.Metrics, metric) {
			return nil, "", nil, fmt.Errorf("%w %q in %s (metrics: %s)", summary.ErrNoMetric, metric, r.dir, strings.Join(r.info.Metrics, ", "))
		}
		res := sweepResult{values: sr.Values, mean: map[string]float64{}, lo: map[string]float64{}, hi: map[string]float64{}, seeds: map[string]int{}}
		for _, m := range info.Methods {
			mean, lo, hi, n, err := finalValue(r, m, metric, window)
			if err != nil {
				return nil, "", nil, err
			}
			res.mean[m], res.lo[m], res.hi[m], res.seeds[m] = mean, lo, hi, n
		}
		results = append(results, res)
	}
	return results, metric, missing, nil
}

// sweepPanel draws the final metric against the swept setting key: one line per method
// and values of the other swept settings, each added to the legend once (seen holds the
// labels added). It fails if no final value is positive yet.
func sweepPanel(key string, info folder.SweepInfo, results []sweepResult, metric string, leg *legend.Legend, seen map[string]bool) (*panel, error) {
	xl := key
	if l, ok := settingLabels[key]; ok {
		xl = l
	}
	p := newPlot(xl, metricLabel(metric))
	addGrid(p)
	setLogY(p)
	var xs []float64
	for _, res := range results {
		xs = append(xs, parseNum(res.values[key]))
	}
	if lo, hi := slices.Min(xs), slices.Max(xs); lo > 0 && hi/lo >= 8 {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = sweepTicks(xs)
	}
	ylo, yhi := math.Inf(1), math.Inf(-1)
	groups, order := sweepGroups(key, info.Keys, results)
	for gi, g := range order {
		idx := groups[g]
		sort.Slice(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
		for mi, m := range info.Methods {
			sw, lo, hi, ok := addSweepLine(p, results, idx, xs, m, mi, gi)
			if !ok {
				continue
			}
			ylo, yhi = math.Min(ylo, lo), math.Max(yhi, hi)
			label := strings.TrimSpace(m + " " + g)
			if !seen[label] {
				seen[label] = true
				leg.Add(label, sw)
			}
		}
	}
	if math.IsInf(ylo, 1) {
		return nil, fmt.Errorf("no positive final value of %s yet", metric)
	}
	ylo = math.Max(ylo, yhi*1e-12)
	pad := math.Pow(yhi/ylo, 0.05) + 0.05
	p.Y.Min, p.Y.Max = ylo/pad, yhi*pad
	return p, nil
}

// parseNum returns the number s, or NaN if it is none.
func parseNum(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// sweepGroups groups the results by their values of the swept settings other than key
// ("k=v k2=v2"): the indices of each group's results, and the groups in order of first
// appearance.
func sweepGroups(key string, keys []string, results []sweepResult) (map[string][]int, []string) {
	groups := map[string][]int{}
	var order []string
	for i, res := range results {
		var other []string
		for _, k := range keys {
			if k != key {
				other = append(other, k+"="+res.values[k])
			}
		}
		g := strings.Join(other, " ")
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], i)
	}
	return groups, order
}

// addSweepLine adds the line of method m (the mi-th) in group gi: its final values at xs
// over the results idx, with the seeds' range as error bars where it is not empty. It
// returns the line's legend swatch and the range of its values; false if it has no point.
func addSweepLine(p *panel, results []sweepResult, idx []int, xs []float64, m string, mi, gi int) (sw legend.Swatch, lo, hi float64, ok bool) {
	var pts plotter.XYs
	var errs plotter.YErrors
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, i := range idx {
		v := results[i].mean[m]
		if !(v > 0) || math.IsInf(v, 0) || math.IsNaN(xs[i]) {
			continue
		}
		pts = append(pts, plotter.XY{X: xs[i], Y: v})
		errs = append(errs, struct{ Low, High float64 }{v - results[i].lo[m], results[i].hi[m] - v})
		lo, hi = math.Min(lo, results[i].lo[m]), math.Max(hi, results[i].hi[m])
	}
	if len(pts) == 0 {
		return legend.Swatch{}, 0, 0, false
	}
	col := seriesColor(mi)
	ls := draw.LineStyle{Color: col, Width: meanWidth, Dashes: runDashes(gi)}
	gs := draw.GlyphStyle{Color: col, Radius: vg.Points(2.4), Shape: seriesGlyph(mi)}
	ln, _ := plotter.NewLine(pts)
	ln.LineStyle = ls
	sc, _ := plotter.NewScatter(pts)
	sc.GlyphStyle = gs
	p.Add(ln, sc)
	if slices.ContainsFunc(errs, func(e struct{ Low, High float64 }) bool { return e.High > e.Low*1e-9 || e.Low > 0 }) {
		eb := &plotter.YErrorBars{XYs: pts, YErrors: errs, LineStyle: draw.LineStyle{Color: col, Width: vg.Points(0.7)}, CapWidth: vg.Points(4)}
		p.Add(eb)
	}
	return legend.Swatch{Line: &ls, Glyph: &gs}, lo, hi, true
}

// settingLabels name the swept settings of the presets on axes.
var settingLabels = map[string]string{
	"xi":  "ξ, the conditioning",
	"phi": "φ, the coupling (degrees)",
}

// sweepTicks labels a log axis at the swept values themselves.
func sweepTicks(xs []float64) plot.Ticker {
	vs := slices.Clone(xs)
	slices.Sort(vs)
	vs = slices.Compact(vs)
	var ts plot.ConstantTicks
	for _, v := range vs {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 4, 64)})
	}
	return ts
}
