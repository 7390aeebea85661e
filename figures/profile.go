package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/figures/legend"
	"github.com/sipbench/sipbench/profile"
)

// newProfile draws a Dolan–Moré performance profile (runner.ProfileOf) of the run folders
// dirs: for each method, the fraction of problems (a seed of a run) it solves within τ
// times the best method's steps (or training time, o.Wall) to the problem's target,
// against τ on a log₂ axis, as a step function. A method's line ends at the largest
// finite ratio; the height it reaches there is the share of problems it solves at all.
func newProfile(dirs []string, o Options) (*Figure, error) {
	pr, err := profile.Of(dirs, profile.Options{Wall: o.Wall, Window: o.Window})
	if err != nil {
		return nil, err
	}
	cost := "steps"
	if o.Wall {
		cost = "training time"
	}
	p := newPlot(fmt.Sprintf("τ: within τ× the best method's %s to the target", cost), "fraction of problems solved")
	addGrid(p)
	tmax := 4.0
	for m := range pr.Methods {
		for _, r := range pr.Steps(m) {
			tmax = math.Max(tmax, r*1.25)
		}
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = profileTicks{}
	p.X.Min, p.X.Max = 1, tmax
	p.Y.Min, p.Y.Max = 0, 1.02
	leg := newLegend()
	for m, name := range pr.Methods {
		var pts plotter.XYs
		y := pr.At(m, 1)
		pts = append(pts, plotter.XY{X: 1, Y: y})
		for _, r := range pr.Steps(m) {
			if r <= 1 {
				continue
			}
			pts = append(pts, plotter.XY{X: r, Y: y}) // the step up at r
			y = pr.At(m, r)
			pts = append(pts, plotter.XY{X: r, Y: y})
		}
		pts = append(pts, plotter.XY{X: tmax, Y: y})
		ln, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		ln.LineStyle = draw.LineStyle{Color: seriesColor(m), Width: meanWidth, Dashes: runDashes(m)}
		p.Add(ln)
		leg.Add(fmt.Sprintf("%s (solves %.0f %%)", name, 100*pr.At(m, math.Inf(1))), legend.Swatch{Line: &ln.LineStyle})
	}
	w, h := sized(o, vg.Length(3.5)*vg.Inch, vg.Length(2.8)*vg.Inch)
	f := gridFigure(Profile, []*panel{p}, leg, 1, w, h)
	f.Note = fmt.Sprintf("%d problems (a seed of a run each), target at %.0f %% of the best method's reduction (log scale)",
		len(pr.Problems), 100*(1-profile.DefaultTolerance))
	return f, nil
}

// profileTicks mark τ at 1, 2, 4, 8, … (and 1.5, 3 between the first ones).
type profileTicks struct{}

func (profileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for v := 1.0; v <= hi; v *= 2 {
		if v >= lo {
			ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%g", v)})
		}
		if v <= 2 && v*1.5 <= hi {
			ts = append(ts, plot.Tick{Value: v * 1.5})
		}
	}
	return ts
}
