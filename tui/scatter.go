package tui

import (
	"math"
	"strings"

	"github.com/sipbench/sipbench/runner"
)

// scatterSeries is one method's predictions for the scatter plot.
type scatterSeries struct {
	Name  string
	Color int
	X     *runner.Field // predicted x, index-aligned with the truth
}

// RenderScatter draws the predicted x against the true x* (the paper's Figure 2, for
// problems whose examples are scalars) into exactly w×h cells: one colour (or ASCII
// marker) per method, the diagonal x = x* as a dotted reference, and the axis ranges.
// Non-finite predictions are skipped.
func renderScatter(t *Theme, truth *runner.Field, preds []scatterSeries, w, h int) string {
	var b strings.Builder
	b.WriteString(t.Title.Render("x vs x*"))
	b.WriteString(t.Dim.Render(" · predicted against true, diagonal = exact"))
	b.WriteByte('\n')
	if truth == nil || w < 16 || h < 5 {
		b.WriteString(t.Dim.Render("no snapshot yet"))
		return fitBlock(b.String(), w, h)
	}
	xlo, xhi := fieldRange(false, truth)
	ylo, yhi := xlo, xhi
	for _, p := range preds {
		if p.X == nil {
			continue
		}
		lo, hi := fieldRange(false, p.X)
		ylo, yhi = math.Min(ylo, lo), math.Max(yhi, hi)
	}
	ylab := []string{formatValue(yhi), formatValue(ylo)}
	lw := max(len(ylab[0]), len(ylab[1]))
	pw, ph := w-lw-1, h-4 // title, axis, x labels, legend
	markers := t.ASCII || t.Colorless()
	sx, sy := 2, 4
	if markers {
		sx, sy = 1, 1
	}
	g := newDotGrid(pw, ph, sx, sy)
	nx, ny := pw*sx, ph*sy
	px := func(v float64) int { return int(math.Round((v - xlo) / (xhi - xlo) * float64(nx-1))) }
	py := func(v float64) int { return int(math.Round((yhi - v) / (yhi - ylo) * float64(ny-1))) }
	// Diagonal, owned by no series (drawn plain), every other dot.
	for x := 0; x < nx; x += 2 {
		v := xlo + (xhi-xlo)*float64(x)/float64(nx-1)
		if v >= ylo && v <= yhi {
			g.set(x, py(v), -1)
		}
	}
	for slot, p := range preds {
		if p.X == nil {
			continue
		}
		for i, xt := range truth.Data {
			if i >= len(p.X.Data) {
				break
			}
			xv, yv := float64(xt), float64(p.X.Data[i])
			if math.IsNaN(xv+yv) || math.IsInf(xv+yv, 0) {
				continue
			}
			g.set(px(xv), py(yv), slot)
		}
	}
	vbar := "│"
	if t.ASCII {
		vbar = "|"
	}
	for r := range ph {
		l := ""
		if r == 0 {
			l = ylab[0]
		} else if r == ph-1 {
			l = ylab[1]
		}
		b.WriteString(strings.Repeat(" ", lw-len(l)))
		b.WriteString(t.Dim.Render(l + vbar))
		for x := range pw {
			i := r*pw + x
			o := int(g.owner[i])
			var cell string
			switch {
			case g.bits[i] == 0:
				cell = " "
			case o < 0 && markers:
				cell = "."
			case o < 0:
				cell = string(rune(0x2800 + int(g.bits[i])))
			case markers:
				cell = string(marker(preds[o].Color))
			default:
				cell = string(rune(0x2800 + int(g.bits[i])))
			}
			if o >= 0 && !t.Colorless() {
				t.seriesSpan(preds[o].Color).wrap(&b, cell)
			} else if o < 0 && g.bits[i] != 0 {
				b.WriteString(t.Dim.Render(cell))
			} else {
				b.WriteString(cell)
			}
		}
		b.WriteByte('\n')
	}
	hbar := "└" + strings.Repeat("─", pw)
	if t.ASCII {
		hbar = "+" + strings.Repeat("-", pw)
	}
	b.WriteString(strings.Repeat(" ", lw) + t.Dim.Render(hbar) + "\n")
	xl, xh := formatValue(xlo), "x* "+formatValue(xhi)
	b.WriteString(strings.Repeat(" ", lw+1) + t.Dim.Render(xl+strings.Repeat(" ", max(1, pw-len(xl)-len(xh)))+xh) + "\n")
	c := Chart{theme: t, w: w}
	for _, p := range preds {
		c.series = append(c.series, ChartSeries{Name: p.Name, Color: p.Color})
	}
	b.WriteString(c.legend(markers))
	return fitBlock(b.String(), w, h)
}
