package figures

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/figures/legend"
	"github.com/sipbench/sipbench/folder"
)

// pairs returns a snapshot field of shape [n, 2] as n points.
func pairs(f *folder.Field) ([][2]float64, bool) {
	if f == nil || len(f.Shape) != 2 || f.Shape[1] != 2 || len(f.Data) != 2*f.Shape[0] {
		return nil, false
	}
	out := make([][2]float64, f.Shape[0])
	for i := range out {
		out[i] = [2]float64{float64(f.Data[2*i]), float64(f.Data[2*i+1])}
	}
	return out, true
}

func finite2(p [2]float64) bool {
	return !math.IsNaN(p[0]) && !math.IsInf(p[0], 0) && !math.IsNaN(p[1]) && !math.IsInf(p[1], 0)
}

// newXSpace draws the x-space figure of snapshots of two unknowns: for points (rotation)
// the predictions beside the exact solutions (no figure of the paper), for paths the
// solvers' paths over the loss contours (trajectories, Figure 1).
func newXSpace(r *run, o Options) (*Figure, error) {
	jobs, missing, err := snapshotsByMethod(r)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, kindErrorf("figures: %s in %s: no job has written a snapshot yet", XSpace, r.dir)
	}
	var f *Figure
	if jobs[0].snap.Layout() == folder.SnapPaths {
		f, err = newPaths(r, jobs, o)
	} else {
		f, err = newPredictions(r, jobs, o)
	}
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		f.Note = "no snapshot yet: " + strings.Join(missing, ", ")
	}
	return f, nil
}

// newPredictions draws one panel per method: each example's prediction (in the method's
// colour) joined by a thin line to the exact solution closest to it (grey rings: the
// snapshot's runner.FieldNearest, written by the problem), on axes shared by all panels.
// A network that has learned lies on its rings. A snapshot without FieldNearest (one
// problem, one solution; or written before sipbench recorded it) gets the ground truth
// x* instead.
func newPredictions(r *run, jobs []fieldJob, o Options) (*Figure, error) {
	ringName := "closest exact solution"
	var panels []methodPoints
	for _, j := range jobs {
		x, ok1 := pairs(j.snap.Field(folder.FieldPrediction))
		sol, ok2 := pairs(j.snap.Field(folder.FieldNearest))
		if !ok2 {
			sol, ok2 = pairs(j.snap.Field(folder.FieldTruth))
			ringName = "ground truth x*"
		}
		if !ok1 || !ok2 || len(x) != len(sol) {
			return nil, kindErrorf("figures: %s: the snapshot of %s holds no [batch, 2] predictions and solutions (try --kind %s)", XSpace, j.job.ID, r.ownKind())
		}
		panels = append(panels, newMethodPoints(j.method, indexOf(r.info.Methods, j.method), x, sol))
	}
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, pn := range panels {
		for _, q := range slices.Concat(pn.pred, pn.sols) {
			lo[0], hi[0] = math.Min(lo[0], q.X), math.Max(hi[0], q.X)
			lo[1], hi[1] = math.Min(lo[1], q.Y), math.Max(hi[1], q.Y)
		}
	}
	if math.IsInf(lo[0], 1) {
		return nil, fmt.Errorf("figures: %s: no finite prediction in the snapshots", r.dir)
	}
	for k := range 2 {
		pad := 0.05*(hi[k]-lo[k]) + 1e-9
		lo[k], hi[k] = lo[k]-pad, hi[k]+pad
	}
	var plots []*panel
	for _, pn := range panels {
		p := newPlot("x₁", "x₂")
		addGrid(p)
		col := seriesColor(pn.i)
		for b := range pn.pred { // the distance to the closest solution
			ln, _ := plotter.NewLine(plotter.XYs{pn.pred[b], pn.sols[b]})
			ln.LineStyle = draw.LineStyle{Color: withAlpha(grey, 0.6), Width: vg.Points(0.4)}
			p.Add(ln)
		}
		sols, _ := plotter.NewScatter(pn.sols)
		sols.GlyphStyle = draw.GlyphStyle{Color: grey, Radius: vg.Points(2.2), Shape: draw.RingGlyph{}}
		pred, _ := plotter.NewScatter(pn.pred)
		pred.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(1.6), Shape: seriesGlyph(pn.i)}
		p.Add(sols, pred)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo[0], hi[0], lo[1], hi[1]
		p.Title.Text = fmt.Sprintf("%s: mean distance %.3g", pn.name, pn.dist)
		plots = append(plots, p)
	}
	leg := newLegend()
	leg.Add(ringName, legend.Swatch{Glyph: &draw.GlyphStyle{Color: grey, Radius: vg.Points(2.2), Shape: draw.RingGlyph{}}})
	for _, pn := range panels {
		leg.Add(pn.name+" prediction", legend.Swatch{Glyph: &draw.GlyphStyle{Color: seriesColor(pn.i), Radius: vg.Points(2), Shape: seriesGlyph(pn.i)}})
	}
	cols := min(3, len(plots))
	rows := (len(plots) + cols - 1) / cols
	w, h := sized(o, vg.Length(2.3*float64(cols)+0.2)*vg.Inch, vg.Length(2.2*float64(rows)+0.35)*vg.Inch)
	return gridFigure(XSpace, plots, leg, cols, w, h), nil
}

// methodPoints are one method's finite predictions, each with its solution, and their
// mean distance.
type methodPoints struct {
	name       string
	i          int
	pred, sols plotter.XYs
	dist       float64
}

// newMethodPoints pairs the method's predictions x with the solutions sol, leaving out
// the pairs that are not finite.
func newMethodPoints(name string, i int, x, sol [][2]float64) methodPoints {
	pn := methodPoints{name: name, i: i}
	for b := range x {
		if !finite2(x[b]) || !finite2(sol[b]) {
			continue
		}
		pn.pred = append(pn.pred, plotter.XY{X: x[b][0], Y: x[b][1]})
		pn.sols = append(pn.sols, plotter.XY{X: sol[b][0], Y: sol[b][1]})
		pn.dist += math.Hypot(x[b][0]-sol[b][0], x[b][1]-sol[b][1])
	}
	if n := len(pn.pred); n > 0 {
		pn.dist /= float64(n)
	}
	return pn
}

// gridFigure lays plots out on a grid of cols columns under a legend.
func gridFigure(kind Kind, plots []*panel, leg *legend.Legend, cols int, w, h vg.Length) *Figure {
	f := &Figure{Kind: kind, Width: w, Height: h, Panels: len(plots)}
	if leg != nil {
		f.Labels = leg.Labels()
	}
	rows := (len(plots) + cols - 1) / cols
	f.draw = func(c draw.Canvas) {
		c = belowLegend(page(c), leg)
		grid := make([][]*plot.Plot, rows)
		for i := range grid {
			grid[i] = make([]*plot.Plot, cols)
			for j := range cols {
				if k := i*cols + j; k < len(plots) {
					grid[i][j] = plots[k].Plot
				}
			}
		}
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(10), PadY: vg.Points(8)}
		canvases := plot.Align(grid, tiles, c)
		f.rects = nil
		for i := range grid {
			for j := range grid[i] {
				if k := i*cols + j; k < len(plots) {
					f.rects = append(f.rects, drawPanel(plots[k], canvases[i][j]))
				}
			}
		}
	}
	return f
}

// contours returns the contour lines of the snapshot's loss grid g over the view [lo, hi]:
// a factor 4 apart, from the largest loss in view down (the grid is interpolated,
// runner.Field.At, on a finer grid over the view).
func contours(g *folder.Field, lo, hi [2]float64) *plotter.Contour {
	lg := lossGrid{n: 120, x0: lo[0], x1: hi[0], y0: lo[1], y1: hi[1], f: g.At}
	top := math.Max(math.Max(lg.f(lo[0], lo[1]), lg.f(hi[0], hi[1])), math.Max(lg.f(lo[0], hi[1]), lg.f(hi[0], lo[1])))
	var levels []float64
	for v := top; v > top*1e-6 && len(levels) < 14; v /= 4 {
		levels = append(levels, v)
	}
	ct := plotter.NewContour(lg, levels, palette.Palette(nil))
	ct.LineStyles = []draw.LineStyle{{Color: lightGreyContour, Width: vg.Points(0.5)}}
	return ct
}

// lossGrid samples a function of two variables on a grid, for contour lines.
type lossGrid struct {
	n              int
	x0, x1, y0, y1 float64
	f              func(x, y float64) float64
}

func (g lossGrid) Dims() (c, r int)   { return g.n, g.n }
func (g lossGrid) X(c int) float64    { return g.x0 + (g.x1-g.x0)*float64(c)/float64(g.n-1) }
func (g lossGrid) Y(r int) float64    { return g.y0 + (g.y1-g.y0)*float64(r)/float64(g.n-1) }
func (g lossGrid) Z(c, r int) float64 { return g.f(g.X(c), g.Y(r)) }

// newPaths draws Figure 1: each solver's path in x space over the contours of the loss
// (for the trajectories L = x₁² + x₂⁴), and in y space over the contours of the loss in y
// (|y|²), both the grids the run ships in its snapshots, towards the minimum the problem
// names (the origin); a marker on every iterate (or on ten of them for long paths).
func newPaths(r *run, jobs []fieldJob, o Options) (*Figure, error) {
	var paths []solverPath
	for _, j := range jobs {
		pn := solverPath{name: j.method, i: indexOf(r.info.Methods, j.method)}
		for s, name := range []string{folder.FieldPath, folder.FieldPathY} {
			pts, ok := pairs(j.snap.Field(name))
			if !ok {
				return nil, kindErrorf("figures: %s: the snapshot of %s has no %s of [n, 2] points", XSpace, j.job.ID, name)
			}
			for _, q := range pts {
				if finite2(q) {
					pn.pts[s] = append(pn.pts[s], plotter.XY{X: q[0], Y: q[1]})
				}
			}
		}
		paths = append(paths, pn)
	}
	// The loss grids and the minimum the run ships in its snapshots (any job's; the same
	// in all). Snapshots from before kinds are Figure 1's, whose minimum is the origin.
	var losses [2]*folder.Field
	var mins [2]*[2]float64
	for _, j := range jobs {
		for s, name := range []string{folder.FieldLoss, folder.FieldLossY} {
			if g := j.snap.Field(name); g.Grid() && losses[s] == nil {
				losses[s] = g
			}
		}
		for s, name := range []string{folder.FieldMinimum, folder.FieldMinimumY} {
			if p, ok := pairs(j.snap.Field(name)); ok && len(p) == 1 && finite2(p[0]) && mins[s] == nil {
				mins[s] = &p[0]
			} else if j.snap.Kind == "" && mins[s] == nil {
				mins[s] = &[2]float64{}
			}
		}
	}
	plots := []*panel{pathsPlot(paths, 0, losses[0], mins[0]), pathsPlot(paths, 1, losses[1], mins[1])}
	leg := newLegend()
	for _, pn := range paths {
		col := seriesColor(pn.i)
		leg.Add(fmt.Sprintf("%s (%d iterations)", pn.name, max(0, pn.pts[0].Len()-1)), legend.Swatch{
			Line:  &draw.LineStyle{Color: col, Width: meanWidth},
			Glyph: &draw.GlyphStyle{Color: col, Radius: vg.Points(1.8), Shape: seriesGlyph(pn.i)}})
	}
	if mins[0] != nil {
		leg.Add("minimum", legend.Swatch{Glyph: &draw.GlyphStyle{Color: black, Radius: vg.Points(2.5), Shape: draw.PlusGlyph{}}})
	}
	w, h := sized(o, 6*vg.Inch, 3.1*vg.Inch)
	return gridFigure(XSpace, plots, leg, 2, w, h), nil
}

// solverPath is one method's path, in x space and in y space.
type solverPath struct {
	name string
	i    int
	pts  [2]plotter.XYs // x space, y space
}

// pathsPlot draws the paths in space s (0: x, 1: y) over the contours of loss (none if
// nil), with the minimum, if known, marked and in view.
func pathsPlot(paths []solverPath, s int, loss *folder.Field, minimum *[2]float64) *panel {
	labels := [2][2]string{{"x₁", "x₂"}, {"y₁", "y₂"}}
	p := newPlot(labels[s][0], labels[s][1])
	p.Title.Text = [2]string{"x space, contours of the loss", "y space, contours of the loss in y"}[s]
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	if minimum != nil { // in view
		lo, hi = *minimum, *minimum
	}
	for _, pn := range paths {
		for _, q := range pn.pts[s] {
			lo[0], hi[0] = math.Min(lo[0], q.X), math.Max(hi[0], q.X)
			lo[1], hi[1] = math.Min(lo[1], q.Y), math.Max(hi[1], q.Y)
		}
	}
	for k := range 2 {
		if math.IsInf(lo[k], 1) { // no finite point
			lo[k], hi[k] = -1, 1
		}
		pad := 0.08*(hi[k]-lo[k]) + 1e-3
		lo[k], hi[k] = lo[k]-pad, hi[k]+pad
	}
	if loss != nil {
		p.Add(contours(loss, lo, hi))
	} else {
		p.Title.Text = [2]string{"x space", "y space"}[s] // no loss grid in this snapshot
	}
	for _, pn := range paths {
		col := seriesColor(pn.i)
		ln, _ := plotter.NewLine(pn.pts[s])
		ln.LineStyle = draw.LineStyle{Color: col, Width: meanWidth}
		p.Add(ln)
		marks := pn.pts[s]
		if len(marks) > 30 {
			marks = nil
			for m := range 10 {
				marks = append(marks, pn.pts[s][m*(len(pn.pts[s])-1)/9])
			}
		}
		sc, _ := plotter.NewScatter(marks)
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(1.8), Shape: seriesGlyph(pn.i)}
		p.Add(sc)
	}
	if minimum != nil {
		m, _ := plotter.NewScatter(plotter.XYs{{X: minimum[0], Y: minimum[1]}})
		m.GlyphStyle = draw.GlyphStyle{Color: black, Radius: vg.Points(2.5), Shape: draw.PlusGlyph{}}
		p.Add(m)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo[0], hi[0], lo[1], hi[1]
	return p
}
