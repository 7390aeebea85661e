package figures

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/summary"
)

// newTable1 draws Table 1 as a figure: per row (the network, then each iterative solver)
// a bar of the time per example to reach the network's x MAE, on a log axis, annotated
// with the iterations it took; a solver that never reached it gets no bar but says so.
func newTable1(r *run, o Options) (*Figure, error) {
	res, err := summary.ReadTable1(r.dir)
	if err != nil {
		if _, serr := os.Lstat(filepath.Join(r.dir, summary.Table1File)); errors.Is(serr, os.ErrNotExist) {
			return nil, kindErrorf("figures: %s in %s: no table1 result (run `sipbench table1 %s` first)", Table1, r.dir, r.dir)
		}
		return nil, err
	}
	if len(res.Rows) == 0 {
		return nil, kindErrorf("figures: %s in %s: the table1 result has no rows", Table1, r.dir)
	}
	// Rows bottom-up on the plot: the network on top, as in the paper's table.
	rows := slices.Clone(res.Rows)
	slices.Reverse(rows)
	var names []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range rows {
		name, _, _ := strings.Cut(row.Name, ",")
		names = append(names, name)
		if row.Seconds > 0 && (row.Network || row.Reached > 0) {
			lo, hi = math.Min(lo, row.Seconds), math.Max(hi, row.Seconds)
		}
	}
	if math.IsInf(lo, 1) {
		return nil, fmt.Errorf("figures: %s: the table1 result has no positive time", r.dir)
	}
	p := newPlot("time per example to reach the network's x MAE (s)", "")
	addGrid(p)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	base := lo / 4
	p.X.Min, p.X.Max = base, hi*40 // room for the annotations
	p.NominalY(names...)
	p.Y.Tick.Label.Font.Size = tickSize
	var labels plotter.XYLabels
	for i, row := range rows {
		y := float64(i)
		x := base
		if row.Network || row.Reached > 0 {
			col := seriesColor(len(rows) - 1 - i)
			if row.Network {
				col = black
			}
			bar, err := plotter.NewPolygon(plotter.XYs{{X: base, Y: y - 0.3}, {X: row.Seconds, Y: y - 0.3}, {X: row.Seconds, Y: y + 0.3}, {X: base, Y: y + 0.3}})
			if err == nil {
				bar.Color = withAlpha(col, 0.85)
				bar.LineStyle.Width = 0
				p.Add(bar)
			}
			x = row.Seconds
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: x, Y: y})
		labels.Labels = append(labels.Labels, table1Note(row))
	}
	lb, err := plotter.NewLabels(labels)
	if err == nil {
		for i := range lb.TextStyle {
			lb.TextStyle[i] = textStyle(tickSize)
			lb.TextStyle[i].YAlign = draw.YCenter
		}
		p.Add(lb)
	}
	p.Title.Text = fmt.Sprintf("Table 1: %s, job %s at step %d, %d examples", r.info.Preset, res.Job, res.Step, res.Examples)
	w, h := sized(o, 5*vg.Inch, vg.Length(0.9+0.35*float64(len(rows)))*vg.Inch)
	f := &Figure{Kind: Table1, Width: w, Height: h, Panels: 1}
	f.draw = func(c draw.Canvas) {
		f.rects = []vg.Rectangle{drawPanel(p, page(c))}
	}
	return f, nil
}

// table1Note is the annotation of a row at the end of its bar: the network's x MAE, or a
// solver's iterations (and how many examples reached the MAE, if not all), or that it
// never reached it.
func table1Note(row summary.Table1Row) string {
	switch {
	case row.Network:
		return fmt.Sprintf("  x MAE %.3g", row.MAE)
	case row.Reached == 0:
		return fmt.Sprintf("not reached in %d iterations", row.Limit)
	}
	note := fmt.Sprintf("  %.3g iteration", row.Iters)
	if row.Iters != 1 {
		note += "s"
	}
	if row.Reached < row.N {
		note += fmt.Sprintf(" (%d/%d reached)", row.Reached, row.N)
	}
	return note
}
