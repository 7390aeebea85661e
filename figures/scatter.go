package figures

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/figures/legend"
	"github.com/sipbench/sipbench/folder"
)

// snapshotsByMethod returns, per method of the run in order, the snapshot of its first
// seed that has one, and the methods that have none yet.
func snapshotsByMethod(r *run) (jobs []fieldJob, missing []string, err error) {
	for _, m := range r.info.Methods {
		var got *fieldJob
		for _, j := range r.jobs(m) {
			s, err := folder.ReadSnapshot(r.dir, j.ID)
			if err != nil {
				return nil, nil, err
			}
			if s != nil {
				got = &fieldJob{method: m, job: j, snap: s}
				break
			}
		}
		if got == nil {
			missing = append(missing, m)
			continue
		}
		jobs = append(jobs, *got)
	}
	return jobs, missing, nil
}

// scalars returns a snapshot field of shape [n] or [n, 1] as n values.
func scalars(f *folder.Field) ([]float64, bool) {
	if f == nil || !(len(f.Shape) == 1 || len(f.Shape) == 2 && f.Shape[1] == 1) || len(f.Data) != f.Shape[0] {
		return nil, false
	}
	out := make([]float64, len(f.Data))
	for i, v := range f.Data {
		out[i] = float64(v)
	}
	return out, true
}

// newScatter draws exp's Figure 2: each method's predicted x against the true x* over the
// snapshot's batch, with the line x = x* where a perfect network would lie. The batch's
// points are joined in order of x* (the network is a smooth function of y* = e^x*), as the
// paper draws them, with a few markers per method.
func newScatter(r *run, o Options) (*Figure, error) {
	jobs, missing, err := snapshotsByMethod(r)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, kindErrorf("figures: %s in %s: no job has written a snapshot yet", Scatter, r.dir)
	}
	p := newPlot("true x*", "predicted x")
	addGrid(p)
	leg := newLegend()
	var lo, hi = math.Inf(1), math.Inf(-1)
	type set struct {
		name string
		pts  plotter.XYs
		i    int
	}
	var sets []set
	for _, j := range jobs {
		xt, ok1 := scalars(j.snap.Field(folder.FieldTruth))
		x, ok2 := scalars(j.snap.Field(folder.FieldPrediction))
		if !ok1 || !ok2 || len(x) != len(xt) {
			return nil, kindErrorf("figures: %s for %s: its snapshots are not scalar predictions (try --kind %s)", Scatter, r.info.Preset, r.ownKind())
		}
		var pts plotter.XYs
		for i := range x {
			if math.IsNaN(x[i]) || math.IsInf(x[i], 0) || math.IsNaN(xt[i]) || math.IsInf(xt[i], 0) {
				continue
			}
			pts = append(pts, plotter.XY{X: xt[i], Y: x[i]})
			lo, hi = math.Min(lo, math.Min(xt[i], x[i])), math.Max(hi, math.Max(xt[i], x[i]))
		}
		sort.Slice(pts, func(a, b int) bool { return pts[a].X < pts[b].X })
		sets = append(sets, set{name: j.method, pts: pts, i: indexOf(r.info.Methods, j.method)})
	}
	if math.IsInf(lo, 1) {
		return nil, fmt.Errorf("figures: %s: no finite prediction in the snapshots", r.dir)
	}
	// The identity x = x*, dashed grey, across the whole range.
	id, _ := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	id.LineStyle = draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
	p.Add(id)
	leg.Add("x = x*", legend.Swatch{Line: &id.LineStyle})
	for k, s := range sets {
		col := seriesColor(s.i)
		ls := draw.LineStyle{Color: col, Width: meanWidth}
		gs := draw.GlyphStyle{Color: col, Radius: vg.Points(2.2), Shape: seriesGlyph(s.i)}
		ln, _ := plotter.NewLine(s.pts)
		ln.LineStyle = ls
		p.Add(ln)
		if m := markers(s.pts, k, len(sets)); len(m) > 0 {
			sc, _ := plotter.NewScatter(m)
			sc.GlyphStyle = gs
			p.Add(sc)
		}
		leg.Add(s.name, legend.Swatch{Line: &ls, Glyph: &gs})
	}
	pad := 0.03 * (hi - lo)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo-pad, hi+pad, lo-pad, hi+pad
	w, h := sized(o, 3.6*vg.Inch, 3.4*vg.Inch)
	f := &Figure{Kind: Scatter, Width: w, Height: h, Panels: 1}
	f.Labels = leg.Labels()
	if len(missing) > 0 {
		f.Note = "no snapshot yet: " + strings.Join(missing, ", ")
	}
	f.draw = func(c draw.Canvas) {
		f.rects = []vg.Rectangle{drawPanel(p, belowLegend(page(c), leg))}
	}
	return f, nil
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}
