package tui

import (
	"math"

	tea "github.com/charmbracelet/bubbletea"
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
	theme       *theme
	w, h        int
	title, note string
	sets        []pointSet
	contour     func(x, y float64) float64
	cache       string
	dirty       bool
}

// newXSpace returns an empty x-space panel.
func newXSpace(t *theme) *xspace { return &xspace{theme: t, dirty: true} }

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

// renderPoints draws point sets in the plane into exactly w×h cells, in braille (in
// ASCII mode or without colour, one marker per cell), over contour lines of contour (nil
// for none) at levels a factor 4 apart. The sets are drawn in order, so the last is on
// top; sets with Color < 0 and the contours are dim.
func renderPoints(t *theme, title, note string, sets []pointSet, contour func(x, y float64) float64, w, h int) string {
	head := plotTitle(t, title, " · "+note, w)
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
		return fitBlock(head+"\n"+t.Dim.Render("no snapshot yet"), w, h)
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
	f, g := rangeFrame(t, head, xlo, xhi, ylo, yhi, "x₁", w, h)
	nx, ny := g.dots()
	// set marks the dot of the point (x, y): the nearest of nx×ny dots spanning the range
	// (its ends on the first and last dots), or with one dot per cell the cell holding it.
	set := func(x, y float64, k ink) {
		if g.sx == 1 {
			g.set(int((x-xlo)/(xhi-xlo)*float64(nx)), int((yhi-y)/(yhi-ylo)*float64(ny)), k)
			return
		}
		dx := math.Round((x - xlo) * (float64(nx-1) / (xhi - xlo)))
		dy := math.Round((y - ylo) * (float64(ny-1) / (yhi - ylo)))
		g.set(int(dx), ny-1-int(dy), k)
	}
	if contour != nil {
		level := func(i, j int) float64 {
			x := xlo + (float64(i)+0.5)/float64(nx)*(xhi-xlo)
			y := yhi - (float64(j)+0.5)/float64(ny)*(yhi-ylo)
			return math.Floor(math.Log(contour(x, y)) / math.Log(4))
		}
		for j := 0; j < ny-1; j++ {
			for i := 0; i < nx-1; i++ {
				if l := level(i, j); l != level(i+1, j) || l != level(i, j+1) {
					set(xlo+(float64(i)+0.5)/float64(nx)*(xhi-xlo), yhi-(float64(j)+0.5)/float64(ny)*(yhi-ylo), inkDim)
				}
			}
		}
	}
	var items []legendItem
	for _, s := range sets {
		k := inkDim
		if s.Color >= 0 {
			k = ink(s.Color)
			items = append(items, legendItem{Name: s.Name, Color: s.Color})
		}
		for i, p := range s.Pts {
			if !isFinite(p[0]) || !isFinite(p[1]) {
				continue
			}
			set(p[0], p[1], k)
			if s.Path && i > 0 { // join consecutive points with dots ≤ half a dot apart
				q := s.Pts[i-1]
				steps := int(math.Max(math.Abs(p[0]-q[0])/(xhi-xlo)*float64(4*g.cw), math.Abs(p[1]-q[1])/(yhi-ylo)*float64(8*g.ch)))
				for m := 1; m < steps; m++ {
					u := float64(m) / float64(steps)
					set(q[0]+u*(p[0]-q[0]), q[1]+u*(p[1]-q[1]), k)
				}
			}
		}
	}
	f.legend = legend(t, items, w)
	return f.render(t, g, w, h)
}
