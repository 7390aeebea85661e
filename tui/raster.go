package tui

import (
	"math"
	"strings"
)

// ink is what a raster cell is drawn in: a series colour (an index into the theme's
// palette, ≥ 0), inkDim for reference marks (diagonals, contours, exact solutions), a
// band (bandInk: a series colour, dimmer, under the lines), or inkNone for an empty cell.
type ink int16

const (
	inkNone ink = -2
	inkDim  ink = -1
)

// bandInk returns the ink of the band of series colour c (a method's range over seeds).
func bandInk(c int) ink { return ink(-3 - c) }

// band reports whether k is a band's ink, and its series colour.
func (k ink) band() (int, bool) { return int(-3 - k), k <= -3 }

// brailleBit[dy][dx] is the dot bit of sub-pixel (dx, dy) in a braille cell.
var brailleBit = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// raster is the one rasteriser of every plot: a plot area of cw×ch cells with sx×sy dots
// per cell, 2×4 for braille, or 1×1 when each cell shows one marker glyph (ASCII mode,
// no colour). Dots set in a cell accumulate (their bits are OR-ed); the cell takes the
// ink of the last dot set in it, so the series drawn last is on top. Bands stay under
// lines: a line's dot replaces a band's dots in its cell, and a band's dot leaves a cell
// that a line has drawn in alone. Dot coordinates
// count from the top-left; dots outside the area are ignored, so callers may pass any
// finite position (callers skip non-finite values: int(NaN) is undefined).
type raster struct {
	cw, ch, sx, sy int
	bits           []uint8
	ink            []ink
	over           []rune // glyph replacing the dots (markers such as ✗), 0 if none
}

// newRaster returns an empty raster of cw×ch cells, in braille dots or, with markers,
// one dot per cell.
func newRaster(cw, ch int, markers bool) *raster {
	g := &raster{cw: cw, ch: ch, sx: 2, sy: 4, bits: make([]uint8, cw*ch), ink: make([]ink, cw*ch), over: make([]rune, cw*ch)}
	if markers {
		g.sx, g.sy = 1, 1
	}
	for i := range g.ink {
		g.ink[i] = inkNone
	}
	return g
}

// dots returns the raster's size in dots.
func (g *raster) dots() (nx, ny int) { return g.cw * g.sx, g.ch * g.sy }

// set sets dot (x, y) in ink k.
func (g *raster) set(x, y int, k ink) {
	if x < 0 || y < 0 || x >= g.cw*g.sx || y >= g.ch*g.sy {
		return
	}
	i := (y/g.sy)*g.cw + x/g.sx
	_, newBand := k.band()
	_, oldBand := g.ink[i].band()
	switch {
	case newBand && g.ink[i] >= 0 && g.bits[i] != 0:
		return // a line's cell
	case !newBand && oldBand:
		g.bits[i] = 0 // the line replaces the band in this cell
	}
	g.bits[i] |= brailleBit[y%g.sy][x%g.sx]
	g.ink[i] = k
}

// vspan sets the dots of column x from row y0 to row y1 (either order).
func (g *raster) vspan(x, y0, y1 int, k ink) {
	if y0 > y1 {
		y0, y1 = y1, y0
	}
	for y := y0; y <= y1; y++ {
		g.set(x, y, k)
	}
}

// lineDash draws from dot (x0, y0) to (x1, y1), x0 < x1, as vertical spans per column, in
// line style s (dashOn): the columns a dash pattern leaves out stay empty.
func (g *raster) lineDash(x0 int, y0 float64, x1 int, y1 float64, k ink, s int) {
	prev := y0
	for x := x0; x <= x1; x++ {
		y := y0 + (y1-y0)*float64(x-x0+1)/float64(x1-x0+1)
		if x == x1 {
			y = y1
		}
		if dashOn(s, x) {
			g.vspan(x, int(math.Round(prev)), int(math.Round(y)), k)
		}
		prev = y
	}
}

// mark shows glyph r in ink k in cell (cx, cy) instead of its dots.
func (g *raster) mark(cx, cy int, r rune, k ink) {
	if i := cy*g.cw + cx; i >= 0 && i < len(g.over) {
		g.over[i] = r
		g.ink[i] = k
	}
}

// writeRow writes cell row r: braille patterns, or in marker mode each series' marker
// glyph ('.' for inkDim, ':' for a band), with runs of cells of one ink sharing one escape
// sequence. Series inks are drawn in their palette colour (plain without colour), bands
// in it dimmer, inkDim faint.
func (g *raster) writeRow(b *strings.Builder, r int, t *theme) {
	markers := g.sx == 1
	cur, open := inkNone, span{}
	for x := range g.cw {
		i := r*g.cw + x
		k := g.ink[i]
		if g.bits[i] == 0 && g.over[i] == 0 {
			k = inkNone
		}
		if x == 0 || k != cur {
			b.WriteString(open.suf)
			cur, open = k, t.inkSpan(k)
			b.WriteString(open.pre)
		}
		switch {
		case g.over[i] != 0:
			b.WriteRune(g.over[i])
		case k == inkNone:
			b.WriteByte(' ')
		case markers && k == inkDim:
			b.WriteByte('.')
		case markers && k < inkDim:
			b.WriteByte(':')
		case markers:
			b.WriteRune(marker(int(k)))
		default:
			b.WriteRune(rune(0x2800 + int(g.bits[i])))
		}
	}
	b.WriteString(open.suf)
}
