// Package legend draws a figure's legend as a block of its own above its plots, outside
// the data, so that it covers no curve whatever the data: entries of a swatch (a band, a
// line, a marker) and a label flow left to right and wrap, each row centred.
package legend

import (
	"image/color"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Legend is a horizontal legend, drawn above plots. Its zero value has no entries and
// draws nothing; New gives it a text style.
type Legend struct {
	entries []entry
	sty     text.Style
}

type entry struct {
	label string
	key   Swatch
}

// Swatch is what a legend entry shows before its label: a band, a line, a glyph, or a
// filled square, in any combination.
type Swatch struct {
	Band  color.Color      // a filled band behind the line, if not nil
	Line  *draw.LineStyle  // a line across, if not nil
	Glyph *draw.GlyphStyle // a marker in the middle, if not nil
}

const (
	swatchWidth = vg.Length(16)
	swatchGap   = vg.Length(3)
	entryGap    = vg.Length(9)
	pad         = vg.Length(3) // between the legend and what is below it
)

// New returns a legend without entries whose labels are written in sty.
func New(sty text.Style) *Legend { return &Legend{sty: sty} }

// Add adds an entry: key, then label.
func (l *Legend) Add(label string, key Swatch) {
	l.entries = append(l.entries, entry{label: label, key: key})
}

// Labels returns the entries' labels, in order (nil without entries).
func (l *Legend) Labels() []string {
	var out []string
	for _, e := range l.entries {
		out = append(out, e.label)
	}
	return out
}

func (l *Legend) rowHeight() vg.Length {
	e := l.sty.FontExtents()
	return e.Height * 1.15
}

// rows lays the entries out within width: the entries of each row.
func (l *Legend) rows(width vg.Length) [][]entry {
	var rows [][]entry
	var row []entry
	var x vg.Length
	for _, e := range l.entries {
		w := swatchWidth + swatchGap + l.sty.Width(e.label)
		if len(row) > 0 && x+entryGap+w > width {
			rows = append(rows, row)
			row, x = nil, 0
		}
		if len(row) > 0 {
			x += entryGap
		}
		row = append(row, e)
		x += w
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// Height returns the height the legend takes at the given width, padding included; 0
// without entries.
func (l *Legend) Height(width vg.Length) vg.Length {
	n := len(l.rows(width))
	if n == 0 {
		return 0
	}
	return vg.Length(n)*l.rowHeight() + pad
}

// Draw draws the legend at the top of c, each row centred.
func (l *Legend) Draw(c draw.Canvas) {
	width := c.Max.X - c.Min.X
	rh := l.rowHeight()
	e := l.sty.FontExtents()
	y := c.Max.Y
	for _, row := range l.rows(width) {
		var w vg.Length
		for i, en := range row {
			if i > 0 {
				w += entryGap
			}
			w += swatchWidth + swatchGap + l.sty.Width(en.label)
		}
		x := c.Min.X + (width-w)/2
		mid := y - rh/2
		for _, en := range row {
			box := vg.Rectangle{Min: vg.Point{X: x, Y: mid - rh*0.3}, Max: vg.Point{X: x + swatchWidth, Y: mid + rh*0.3}}
			en.key.draw(c, box)
			x += swatchWidth + swatchGap
			c.FillText(l.sty, vg.Point{X: x, Y: mid - (e.Ascent-e.Descent)/2}, en.label)
			x += l.sty.Width(en.label) + entryGap
		}
		y -= rh
	}
}

// draw draws the swatch in r.
func (s Swatch) draw(c draw.Canvas, r vg.Rectangle) {
	mid := (r.Min.Y + r.Max.Y) / 2
	if s.Band != nil {
		c.FillPolygon(s.Band, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
	}
	if s.Line != nil {
		c.StrokeLine2(*s.Line, r.Min.X, mid, r.Max.X, mid)
	}
	if s.Glyph != nil {
		c.DrawGlyphNoClip(*s.Glyph, vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: mid})
	}
}
