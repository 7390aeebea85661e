package tui

import (
	"fmt"
	"slices"
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
	// legendAt is the line of the block on which render drew the legend's first line
	legendAt int
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
	f.legendAt = strings.Count(b.String(), "\n")
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
	Hidden   bool // a line not drawn (toggled off, filtered out): a hollow swatch, faint
	Faded    bool // a line drawn faint (a tune rung's dropped rate): faint
	Selected bool // the selected line: bold
	key      int  // the order of the chart's legend
}

// lineStyles is the number of line styles (solid, dashed, dotted, dash-dot) that, with
// the 7 colours, tell 28 lines apart: line i has colour i mod 7 and style ⌊i/7⌋ mod 4.
const lineStyles = 4

// lineStyle returns the line style of palette index i.
func lineStyle(i int) int { return (i / len(okabeIto)) % lineStyles }

// styleSwatches are the legend's swatches of the line styles, in colour.
var styleSwatches = []string{"■", "╍", "┈", "┉"}

// dashOn reports whether dot column x of a line of style s is inked: solid, dashes of 4
// dots with gaps of 2, a dot every 3, or a dash of 4 and a dot.
func dashOn(s, x int) bool {
	switch s {
	case 1:
		return x%6 < 4
	case 2:
		return x%3 == 0
	case 3:
		return x%8 < 4 || x%8 == 5
	}
	return true
}

// legend renders one line "■ SIP  ■ Adam ✗" in the series colours (marker glyphs in
// ASCII mode or without colour), at most w cells; items sharing a name are listed once,
// and items that do not fit are left out.
func legend(t *theme, items []legendItem, w int) string {
	return strings.Join(legendLines(t, items, w, 1), "\n")
}

// legendItemText returns an item's text and its styled form.
func legendItemText(t *theme, s legendItem) (plain, styled string) {
	markers := t.ASCII || t.Colorless()
	sw := styleSwatches[lineStyle(s.Color)]
	if markers {
		sw = string(marker(s.Color))
	}
	if s.Hidden {
		sw = "□"
		if markers {
			sw = "-"
		}
	}
	item := sw + " " + s.Name
	if s.Diverged {
		if t.ASCII {
			item += " X"
		} else {
			item += " ✗"
		}
	}
	var b strings.Builder
	switch {
	case t.Colorless():
		b.WriteString(item)
	case s.Hidden || s.Faded:
		t.dim.wrap(&b, item)
	default:
		t.seriesSpan(s.Color).wrap(&b, item)
	}
	out := b.String()
	if s.Selected {
		out = t.Bold.Render(out)
	}
	return item, out
}

// legendLines renders the legend on up to n lines of at most w cells each, an item
// moving to the next line when it does not fit; items beyond the last line are left out.
func legendLines(t *theme, items []legendItem, w, n int) []string {
	lines := legendLayout(t, items, w)
	if len(lines) > n {
		lines = lines[:n]
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out
}

// legendLine is a laid-out line of a legend: its styled text and the keys of its items,
// with the columns each item spans (its hit area for a click).
type legendLine struct {
	text  string
	width int
	keys  []int
	spans [][2]int // per item: its first column and the column after its last
}

// keyAt returns the key of the item drawn at column x of the line; ok is false between
// items and beyond them.
func (l legendLine) keyAt(x int) (key int, ok bool) {
	for i, s := range l.spans {
		if x >= s[0] && x < s[1] {
			return l.keys[i], true
		}
	}
	return 0, false
}

// legendLayout lays every item out on lines of at most w cells (an item wider than a
// line is cut); items sharing a name are listed once.
func legendLayout(t *theme, items []legendItem, w int) []legendLine {
	var lines []legendLine
	var cur legendLine
	var b strings.Builder
	seen := map[string]bool{}
	for _, s := range items {
		if seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		plain, styled := legendItemText(t, s)
		iw := len([]rune(plain))
		if cur.width > 0 && cur.width+iw+2 > w { // on to the next line
			cur.text = b.String()
			lines = append(lines, cur)
			cur, b = legendLine{}, strings.Builder{}
		}
		if iw > w {
			styled = truncate(styled, w)
			iw = w
		}
		if cur.width > 0 {
			b.WriteString("  ")
			cur.width += 2
		}
		cur.spans = append(cur.spans, [2]int{cur.width, cur.width + iw})
		cur.width += iw
		cur.keys = append(cur.keys, s.key)
		b.WriteString(styled)
	}
	cur.text = b.String()
	return append(lines, cur)
}

// legendPaged renders the legend on pages of up to n lines of at most w cells, so that
// no entry is lost however many lines the chart has: when it takes more than one page,
// the page's last line ends with "[2/3]" ([ and ] turn the pages). page < 0 shows the page
// holding the item whose key is sel (the selected line). It returns the page's lines,
// their layout (each item's key and columns: the legend's hit areas), the page shown and
// the number of pages.
func legendPaged(t *theme, items []legendItem, w, n, page, sel int) (lines []string, laid []legendLine, shown, pages int) {
	n = max(n, 1)
	all := legendLayout(t, items, w)
	if len(all) > n {
		all = legendLayout(t, items, w-8)
	}
	pages = (len(all) + n - 1) / n
	if page < 0 {
		page = 0
		for i, l := range all {
			if slices.Contains(l.keys, sel) {
				page = i / n
			}
		}
	}
	page = min(max(page, 0), pages-1)
	laid = all[page*n : min(len(all), (page+1)*n)]
	for _, l := range laid {
		lines = append(lines, l.text)
	}
	if pages > 1 {
		last := all[min(len(all), (page+1)*n)-1]
		mark := fmt.Sprintf("[%d/%d]", page+1, pages)
		at := last.width + max(1, w-last.width-len(mark))
		lines[len(lines)-1] += strings.Repeat(" ", at-last.width) + t.Dim.Render(mark)
		// the mark is a hit area too: a click on it turns the page
		last.keys = append(slices.Clone(last.keys), legendNextPage)
		last.spans = append(slices.Clone(last.spans), [2]int{at, at + len(mark)})
		laid = append(slices.Clone(laid[:len(laid)-1]), last)
	}
	return lines, laid, page, pages
}

// legendNextPage is the key of a paged legend's "[2/3]" mark in its layout: a click on it
// turns the page on.
const legendNextPage = -1

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
