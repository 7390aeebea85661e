package tui

import (
	"math"
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/sipbench/sipbench/runner"
)

// pointSet is one set of 2-D points in x space: a method's predictions, the ground truth
// (Color < 0: drawn dim), or an optimisation path (Path: consecutive points joined).
type pointSet struct {
	Name  string
	Color int
	Pts   [][2]float64
	Path  bool
}

// xspace is the panel of point sets in the plane of the unknowns x: for rotation the
// exact solutions x* and each method's predictions, for Figure 1 the optimisation paths
// over contour lines of the loss. View returns a cached string rebuilt only after a
// change.
type xspace struct {
	theme       *Theme
	w, h        int
	title, note string
	sets        []pointSet
	contour     func(x, y float64) float64
	cache       string
	dirty       bool
}

// newXSpace returns an empty x-space panel.
func newXSpace(t *Theme) *xspace { return &xspace{theme: t, dirty: true} }

// SetSize sets the panel's outer size in cells.
func (p *xspace) SetSize(w, h int) {
	if w != p.w || h != p.h {
		p.w, p.h, p.dirty = w, h, true
	}
}

// SetData sets the title line, the point sets (the last drawn on top) and the function
// whose contours are drawn under them (nil for none).
func (p *xspace) SetData(title, note string, sets []pointSet, contour func(x, y float64) float64) {
	p.title, p.note, p.sets, p.contour, p.dirty = title, note, sets, contour, true
}

// Update does nothing: the panel has no keys.
func (p *xspace) Update(tea.Msg) (*xspace, tea.Cmd) { return p, nil }

// View renders the panel (cached).
func (p *xspace) View() string {
	if p.dirty {
		p.cache = renderPoints(p.theme, p.title, p.note, p.sets, p.contour, p.w, p.h)
		p.dirty = false
	}
	return p.cache
}

// pairs returns the rows of a [n, 2] field as points, or nil.
func pairs(f *runner.Field) [][2]float64 {
	if f == nil || len(f.Shape) != 2 || f.Shape[1] != 2 {
		return nil
	}
	out := make([][2]float64, f.Shape[0])
	for i := range out {
		out[i] = [2]float64{float64(f.Data[2*i]), float64(f.Data[2*i+1])}
	}
	return out
}

// renderPoints draws point sets in the plane into exactly w×h cells with ntcharts' canvas
// and braille grid (in ASCII mode, one marker per cell): for rotation the exact solutions
// x* and each method's predictions, for Figure 1 the optimisation paths over contour
// lines of contour (nil for none), which are drawn at levels a factor 4 apart.
func renderPoints(t *Theme, title, note string, sets []pointSet, contour func(x, y float64) float64, w, h int) string {
	var b strings.Builder
	b.WriteString(t.Title.Render(title))
	b.WriteString(t.Dim.Render(" · " + note))
	b.WriteByte('\n')
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range sets {
		for _, p := range s.Pts {
			if isFinite(p[0]) && isFinite(p[1]) {
				xlo, xhi = math.Min(xlo, p[0]), math.Max(xhi, p[0])
				ylo, yhi = math.Min(ylo, p[1]), math.Max(yhi, p[1])
			}
		}
	}
	if math.IsInf(xlo, 0) || w < 20 || h < 6 {
		b.WriteString(t.Dim.Render("no snapshot yet"))
		return fitBlock(b.String(), w, h)
	}
	pad := func(lo, hi float64) (float64, float64) {
		d := 0.05 * (hi - lo)
		if d == 0 {
			d = math.Max(0.5, 0.05*math.Abs(lo))
		}
		return lo - d, hi + d
	}
	xlo, xhi = pad(xlo, xhi)
	ylo, yhi = pad(ylo, yhi)
	ylab := []string{formatValue(yhi), formatValue(ylo)}
	lw := max(len(ylab[0]), len(ylab[1]))
	pw, ph := w-lw-1, h-4 // title, axis, x labels, legend
	c := canvas.New(pw, ph)
	markers := t.ASCII || t.Colorless()
	style := func(color int) lipgloss.Style {
		if color < 0 || t.Colorless() {
			return t.Dim
		}
		return t.seriesStyle(color)
	}
	// Each layer is drawn over the previous ones; a cell shows the last layer's dots.
	layer := func(plot func(set func(x, y float64)), st lipgloss.Style, glyph rune) {
		if markers {
			plot(func(x, y float64) {
				cx := int((x - xlo) / (xhi - xlo) * float64(pw))
				cy := int((yhi - y) / (yhi - ylo) * float64(ph))
				if cx >= 0 && cx < pw && cy >= 0 && cy < ph {
					c.SetRuneWithStyle(canvas.Point{X: cx, Y: cy}, glyph, st)
				}
			})
			return
		}
		g := graph.NewBrailleGrid(pw, ph, xlo, xhi, ylo, yhi)
		plot(func(x, y float64) { g.Set(g.GridPoint(canvas.Float64Point{X: x, Y: y})) })
		// Draw only the cells this layer touches, so that earlier layers stay visible.
		pat := g.BraillePatterns()
		for cy, row := range pat {
			for cx, r := range row {
				if r != 0 && r != 0x2800 {
					c.SetRuneWithStyle(canvas.Point{X: cx, Y: cy}, r, st)
				}
			}
		}
	}
	if contour != nil {
		nx, ny := pw*2, ph*4
		if markers {
			nx, ny = pw, ph
		}
		level := func(i, j int) float64 {
			x := xlo + (float64(i)+0.5)/float64(nx)*(xhi-xlo)
			y := yhi - (float64(j)+0.5)/float64(ny)*(yhi-ylo)
			return math.Floor(math.Log(contour(x, y)) / math.Log(4))
		}
		layer(func(set func(x, y float64)) {
			for j := 0; j < ny-1; j++ {
				for i := 0; i < nx-1; i++ {
					if l := level(i, j); l != level(i+1, j) || l != level(i, j+1) {
						set(xlo+(float64(i)+0.5)/float64(nx)*(xhi-xlo), yhi-(float64(j)+0.5)/float64(ny)*(yhi-ylo))
					}
				}
			}
		}, t.Dim, '.')
	}
	for _, s := range sets {
		glyph := '.'
		if s.Color >= 0 {
			glyph = marker(s.Color)
		}
		layer(func(set func(x, y float64)) {
			for k, p := range s.Pts {
				if !isFinite(p[0]) || !isFinite(p[1]) {
					continue
				}
				set(p[0], p[1])
				if s.Path && k > 0 { // join consecutive points with dots ≤ half a dot apart
					q := s.Pts[k-1]
					steps := int(math.Max(math.Abs(p[0]-q[0])/(xhi-xlo)*float64(4*pw), math.Abs(p[1]-q[1])/(yhi-ylo)*float64(8*ph)))
					for m := 1; m < steps; m++ {
						f := float64(m) / float64(steps)
						set(q[0]+f*(p[0]-q[0]), q[1]+f*(p[1]-q[1]))
					}
				}
			}
		}, style(s.Color), glyph)
	}
	vbar, hbar := "│", "└"+strings.Repeat("─", pw)
	if t.ASCII {
		vbar, hbar = "|", "+"+strings.Repeat("-", pw)
	}
	for r, line := range strings.Split(c.View(), "\n") {
		if r >= ph {
			break
		}
		l := ""
		if r == 0 {
			l = ylab[0]
		} else if r == ph-1 {
			l = ylab[1]
		}
		b.WriteString(strings.Repeat(" ", lw-len(l)) + t.Dim.Render(l+vbar) + line + "\n")
	}
	b.WriteString(strings.Repeat(" ", lw) + t.Dim.Render(hbar) + "\n")
	xl, xh := formatValue(xlo), "x₁ "+formatValue(xhi)
	b.WriteString(strings.Repeat(" ", lw+1) + t.Dim.Render(xl+strings.Repeat(" ", max(1, pw-len([]rune(xl))-len([]rune(xh))))+xh) + "\n")
	var items []legendItem
	for _, s := range sets {
		if s.Color >= 0 {
			items = append(items, legendItem{Name: s.Name, Color: s.Color})
		}
	}
	b.WriteString(legend(t, items, w))
	return fitBlock(b.String(), w, h)
}
