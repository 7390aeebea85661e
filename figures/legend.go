package figures

import (
	"image/color"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legend is a horizontal legend that figures draw above their plots, outside the data, so
// that it covers no curve whatever the data. Entries flow left to right and wrap.
type legend struct {
	entries []legendEntry
	sty     text.Style
}

type legendEntry struct {
	label string
	key   swatch
}

// swatch is what a legend entry shows before its label: a band, a line, a glyph, or a
// filled square, in any combination.
type swatch struct {
	band  color.Color      // a filled band behind the line, if not nil
	line  *draw.LineStyle  // a line across, if not nil
	glyph *draw.GlyphStyle // a marker in the middle, if not nil
}

const (
	swatchWidth = vg.Length(16)
	swatchGap   = vg.Length(3)
	entryGap    = vg.Length(9)
	legendPad   = vg.Length(3) // between the legend and what is below it
)

func newLegend() *legend { return &legend{sty: textStyle(legendSize)} }

func (l *legend) add(label string, key swatch) {
	l.entries = append(l.entries, legendEntry{label: label, key: key})
}

func (l *legend) rowHeight() vg.Length {
	e := l.sty.FontExtents()
	return e.Height * 1.15
}

// rows lays the entries out within width: the entries of each row.
func (l *legend) rows(width vg.Length) [][]legendEntry {
	var rows [][]legendEntry
	var row []legendEntry
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

// height returns the height the legend takes at the given width, padding included; 0
// without entries.
func (l *legend) height(width vg.Length) vg.Length {
	n := len(l.rows(width))
	if n == 0 {
		return 0
	}
	return vg.Length(n)*l.rowHeight() + legendPad
}

// draw draws the legend at the top of c, each row centred.
func (l *legend) draw(c draw.Canvas) {
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

func (s swatch) draw(c draw.Canvas, r vg.Rectangle) {
	mid := (r.Min.Y + r.Max.Y) / 2
	if s.band != nil {
		c.FillPolygon(s.band, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
	}
	if s.line != nil {
		c.StrokeLine2(*s.line, r.Min.X, mid, r.Max.X, mid)
	}
	if s.glyph != nil {
		c.DrawGlyphNoClip(*s.glyph, vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: mid})
	}
}
