package tui

import (
	"strings"
)

// plotFrame is what every plot panel draws around its raster, in a block of exactly w×h
// cells:
//
//	title line
//	<y label> │ <raster row>        h−4 rows (plotRows)
//	          └──┬─────────         x axis, with tick marks
//	          0     500   1000      x labels
//	■ SIP  ■ Adam ✗                 legend
//
// The y-label gutter is lw cells wide; the raster is w−lw−1 cells wide.
type plotFrame struct {
	title   string   // the title line, already styled
	yLabels []string // one per raster row, "" for none (ASCII, at most lw bytes)
	yTicks  bool     // labelled rows get a tick (┤) instead of the bar
	lw      int
	xTicks  []int  // raster columns with a tick mark (┬) on the x axis
	xLabels string // the x label line, plain, from column 0 of the panel
	legend  string // the legend line, already styled
}

// plotRows returns the number of raster rows of a plot panel h cells high.
func plotRows(h int) int { return h - 4 }

// labelWidth returns the gutter width for labels: the longest one, at least 1.
func labelWidth(labels ...string) int {
	lw := 1
	for _, l := range labels {
		lw = max(lw, len(l))
	}
	return lw
}

// render draws the frame around g into a block of exactly w×h cells.
func (f *plotFrame) render(t *theme, g *raster, w, h int) string {
	vbar, tick, corner, hbar, xtick := "│", "┤", "└", "─", '┬'
	if t.ASCII {
		vbar, tick, corner, hbar, xtick = "|", "+", "+", "-", '+'
	}
	var b strings.Builder
	b.WriteString(f.title)
	b.WriteByte('\n')
	for r := range g.ch {
		l := ""
		if r < len(f.yLabels) {
			l = f.yLabels[r]
		}
		b.WriteString(strings.Repeat(" ", f.lw-len(l)))
		b.WriteString(t.Dim.Render(l))
		if f.yTicks && l != "" {
			b.WriteString(t.Dim.Render(tick))
		} else {
			b.WriteString(t.Dim.Render(vbar))
		}
		g.writeRow(&b, r, t)
		b.WriteByte('\n')
	}
	axis := []rune(strings.Repeat(hbar, g.cw))
	for _, c := range f.xTicks {
		axis[c] = xtick
	}
	b.WriteString(strings.Repeat(" ", f.lw))
	b.WriteString(t.Dim.Render(corner + string(axis)))
	b.WriteByte('\n')
	b.WriteString(t.Dim.Render(strings.TrimRight(f.xLabels, " ")))
	b.WriteByte('\n')
	b.WriteString(f.legend)
	return fitBlock(b.String(), w, h)
}

// plotTitle returns a title line: the name in the title style, then a note (dim),
// cut to w cells.
func plotTitle(t *theme, name, note string, w int) string {
	return truncate(t.Title.Render(name)+t.Dim.Render(note), w)
}

// legendItem is one entry of a plot's legend.
type legendItem struct {
	Name     string
	Color    int
	Diverged bool // marked ✗
	key      int  // the order of the chart's legend
}

// legend renders one line "■ SIP  ■ Adam ✗" in the series colours (marker glyphs in
// ASCII mode or without colour), at most w cells; items sharing a name are listed once,
// and items that do not fit are left out.
func legend(t *theme, items []legendItem, w int) string {
	return strings.Join(legendLines(t, items, w, 1), "\n")
}

// legendLines renders the legend on up to n lines of at most w cells each, an item
// moving to the next line when it does not fit; items beyond the last line are left out.
func legendLines(t *theme, items []legendItem, w, n int) []string {
	markers := t.ASCII || t.Colorless()
	var lines []string
	var b strings.Builder
	seen := map[string]bool{}
	width := 0
	for _, s := range items {
		if seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		sw := "■"
		if markers {
			sw = string(marker(s.Color))
		}
		item := sw + " " + s.Name
		if s.Diverged {
			if t.ASCII {
				item += " X"
			} else {
				item += " ✗"
			}
		}
		if width > 0 && width+len([]rune(item))+2 > w { // on to the next line
			lines = append(lines, b.String())
			b.Reset()
			width = 0
			if len(lines) == n {
				return lines
			}
		}
		if width+len([]rune(item)) > w {
			break // wider than a line
		}
		if width > 0 {
			b.WriteString("  ")
			width += 2
		}
		width += len([]rune(item))
		if t.Colorless() {
			b.WriteString(item)
		} else {
			t.seriesSpan(s.Color).wrap(&b, item)
		}
	}
	return append(lines, b.String())
}

// rangeFrame returns the frame and the empty raster of a w×h plot labelled by its ranges
// only: yhi and ylo on the top and bottom rows, xlo and "xname xhi" at the ends of the x
// axis. The caller draws into the raster and sets the legend.
func rangeFrame(t *theme, title string, xlo, xhi, ylo, yhi float64, xname string, w, h int) (plotFrame, *raster) {
	top, bottom := formatValue(yhi), formatValue(ylo)
	f := plotFrame{title: title, lw: labelWidth(top, bottom)}
	pw, ph := w-f.lw-1, plotRows(h)
	f.yLabels = make([]string, max(ph, 1))
	f.yLabels[len(f.yLabels)-1] = bottom
	f.yLabels[0] = top
	f.xLabels = endLabels(formatValue(xlo), xname+" "+formatValue(xhi), f.lw, pw)
	return f, newRaster(pw, ph, t.ASCII || t.Colorless())
}
