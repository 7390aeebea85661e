package tui

import (
	"math"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/folder"
)

// scatterSeries is one method's predictions for the scatter plot.
type scatterSeries struct {
	Name  string
	Color int
	X     *folder.Field // predicted x, index-aligned with the truth
}

// scatter is the panel of predicted x against the true x* (the paper's Figure 2, for
// problems whose examples are scalars): one colour (or ASCII marker) per method, the
// diagonal x = x* as a dotted reference, and the axis ranges. Non-finite predictions are
// skipped. View returns a cached string rebuilt only after a change.
type scatter struct {
	theme *theme
	w, h  int
	truth *folder.Field
	preds []scatterSeries
	cache string
	dirty bool
}

// newScatter returns an empty scatter panel.
func newScatter(t *theme) *scatter { return &scatter{theme: t, dirty: true} }

// SetSize sets the panel's outer size in cells.
func (p *scatter) SetSize(w, h int) {
	if w != p.w || h != p.h {
		p.w, p.h, p.dirty = w, h, true
	}
}

// SetData sets the true values and each method's predictions (the last drawn on top).
func (p *scatter) SetData(truth *folder.Field, preds []scatterSeries) {
	p.truth, p.preds, p.dirty = truth, preds, true
}

// Update does nothing: the panel has no keys.
func (p *scatter) Update(tea.Msg) (*scatter, tea.Cmd) { return p, nil }

// View renders the panel (cached).
func (p *scatter) View() string {
	if p.dirty {
		p.cache = p.render()
		p.dirty = false
	}
	return p.cache
}

func (p *scatter) render() string {
	t, truth, w, h := p.theme, p.truth, p.w, p.h
	title := plotTitle(t, "x vs x*", " · predicted against true, diagonal = exact", w)
	if truth == nil || w < 16 || h < 5 {
		return fitBlock(title+"\n"+t.Dim.Render("no snapshot yet"), w, h)
	}
	xlo, xhi := fieldRange(false, truth)
	ylo, yhi := xlo, xhi
	for _, s := range p.preds {
		if s.X == nil {
			continue
		}
		lo, hi := fieldRange(false, s.X)
		ylo, yhi = math.Min(ylo, lo), math.Max(yhi, hi)
	}
	f, g := rangeFrame(t, title, xlo, xhi, ylo, yhi, folder.FieldTruth, w, h)
	nx, ny := g.dots()
	px := func(v float64) int { return int(math.Round((v - xlo) / (xhi - xlo) * float64(nx-1))) }
	py := func(v float64) int { return int(math.Round((yhi - v) / (yhi - ylo) * float64(ny-1))) }
	// The diagonal, dim, every other dot.
	for x := 0; x < nx; x += 2 {
		v := xlo + (xhi-xlo)*float64(x)/float64(nx-1)
		if v >= ylo && v <= yhi {
			g.set(x, py(v), inkDim)
		}
	}
	items := make([]legendItem, len(p.preds))
	for k, s := range p.preds {
		items[k] = legendItem{Name: s.Name, Color: s.Color}
		if s.X == nil {
			continue
		}
		for i, xt := range truth.Data {
			if i >= len(s.X.Data) {
				break
			}
			xv, yv := float64(xt), float64(s.X.Data[i])
			if !isFinite(xv + yv) {
				continue
			}
			g.set(px(xv), py(yv), ink(s.Color))
		}
	}
	f.legend = legend(t, items, w)
	return f.render(t, g, w, h)
}
