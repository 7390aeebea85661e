package tui

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// tableMinBar is the narrowest progress bar drawn; below it the column is left out.
const tableMinBar = 4

// column is one column of a table.
type column struct {
	Title string
	Width int  // cells; for the bar column, the least width worth drawing
	Right bool // right-aligned
	// Bar makes this the table's flexible column: it takes the width the other columns
	// leave, draws each row's Frac as a progress bar, and is left out when narrower than
	// Width. At most one column is a bar or flexible.
	Bar bool
	// Flex makes this the table's flexible column, as Bar does, for text.
	Flex bool
}

// flexible reports whether the column takes the width the others leave.
func (c column) flexible() bool { return c.Bar || c.Flex }

// tableCell is one cell of a table row.
type tableCell struct {
	Text  string
	Frac  float64         // the bar column's fill, in [0, 1]
	Style *lipgloss.Style // drawn in this style unless the row is selected; nil: plain
}

// tableRow is one row of a table: a 2-cell mark (a colour swatch, already styled) and
// one cell per column, or a Span across the width (a group's heading).
type tableRow struct {
	Mark  string
	Cells []tableCell
	Span  string // if set, the row is this text (styled) instead of cells
	Skip  bool   // the selection passes over it (headings, summaries)
	// Pin keeps the row in view: when the rows do not all fit, the pinned ones (summaries)
	// are shown below a window of the others.
	Pin bool
}

// tableKeys are the bindings a table answers in Update.
type tableKeys struct{ Up, Down key.Binding }

// table is a panel of rows in fixed columns, one space apart, under an underlined header:
// a window of rows around the selected one when they do not all fit, the selected row in
// reverse video (without colour, a › in its mark). Up and down move the selection. View returns a cached string rebuilt
// only after a change.
type table struct {
	theme *theme
	keys  tableKeys
	w, h  int
	cols  []column
	rows  []tableRow
	sel   int
	cache string
	dirty bool
	// shown are the rows the last render drew, in order, one line each below the
	// header: what rowAt hit-tests a click against
	shown []int
}

// newTable returns an empty table.
func newTable(t *theme, keys tableKeys) *table { return &table{theme: t, keys: keys, dirty: true} }

// SetSize sets the panel's outer size in cells.
func (tb *table) SetSize(w, h int) {
	if w != tb.w || h != tb.h {
		tb.w, tb.h, tb.dirty = w, h, true
	}
}

// SetColumns sets the columns.
func (tb *table) SetColumns(cols []column) { tb.cols, tb.dirty = cols, true }

// SetRows replaces the rows; the selection stays at its index.
func (tb *table) SetRows(rows []tableRow) { tb.rows, tb.dirty = rows, true }

// Selected returns the index of the selected row.
func (tb *table) Selected() int { return tb.sel }

// Update moves the selection on the up and down keys to the previous or next row that
// is not skipped, staying put at the first and last.
func (tb *table) Update(msg tea.Msg) (*table, tea.Cmd) {
	if msg, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(msg, tb.keys.Up):
			tb.move(-1)
		case key.Matches(msg, tb.keys.Down):
			tb.move(1)
		}
	}
	return tb, nil
}

// move moves the selection by one selectable row in direction d.
func (tb *table) move(d int) {
	for i := tb.sel + d; i >= 0 && i < len(tb.rows); i += d {
		if !tb.rows[i].Skip {
			tb.sel, tb.dirty = i, true
			return
		}
	}
}

// Select selects row i (clamped to the rows).
func (tb *table) Select(i int) {
	tb.sel, tb.dirty = min(max(i, 0), max(len(tb.rows)-1, 0)), true
}

// rowAt returns the row drawn on line y of the table's block (0 is the header) and x
// cells from its left, as the last View drew it; ok is false for the header, the hint, a
// line or column outside the block, and a row the selection passes over.
func (tb *table) rowAt(x, y int) (row int, ok bool) {
	tb.View()
	if x < 0 || x >= tb.w || y < 1 || y > len(tb.shown) {
		return 0, false
	}
	row = tb.shown[y-1]
	if row >= len(tb.rows) || tb.rows[row].Skip {
		return 0, false
	}
	return row, true
}

// View renders the table (cached) into exactly w×h cells.
func (tb *table) View() string {
	if tb.dirty {
		tb.cache = tb.render()
		tb.dirty = false
	}
	return tb.cache
}

// barWidth returns the width of the flexible (bar or Flex) column at the table's width, 0
// when left out.
func (tb *table) barWidth() int {
	fixed, n := 2, 0 // the mark
	for _, c := range tb.cols {
		if !c.flexible() {
			fixed += c.Width
			n++
		}
	}
	fixed += max(n-1, 0) // separators
	for _, c := range tb.cols {
		if c.flexible() {
			if bar := tb.w - fixed - 1; bar >= c.Width {
				return bar
			}
		}
	}
	return 0
}

// line joins one row's cells; cell returns the text of column i, bar draws the bar column.
func (tb *table) line(bar int, cell func(i int, c column, w int) string) string {
	var b strings.Builder
	first := true
	for i, c := range tb.cols {
		w := c.Width
		if c.flexible() {
			if bar == 0 {
				continue
			}
			w = bar
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		s := cell(i, c, w)
		if c.Right {
			b.WriteString(padLeft(s, w))
		} else {
			b.WriteString(padRight(s, w))
		}
	}
	return b.String()
}

// render draws the table into exactly h lines of at most w cells: the header, the rows
// shown (visibleRows), and, when rows are hidden, a line that says how many.
func (tb *table) render() string {
	t, w, h := tb.theme, tb.w, tb.h
	if h <= 0 || w <= 0 {
		tb.shown = nil
		return ""
	}
	bar := tb.barWidth()
	var out strings.Builder
	header := tb.line(bar, func(_ int, c column, _ int) string { return c.Title })
	out.WriteString(t.Header.Render(truncate("  "+header, w)))
	show, hint := tb.visibleRows()
	tb.shown = show[:min(len(show), h-1)] // fitBlock keeps the header and h-1 rows
	for _, i := range show {
		out.WriteByte('\n')
		out.WriteString(tb.rowLine(i, bar))
	}
	if hint != "" {
		out.WriteByte('\n')
		out.WriteString(t.Dim.Render(truncate(hint, w)))
	}
	return fitBlock(out.String(), w, h)
}

// visibleRows returns the rows drawn, in order, and the hint of how many are hidden above
// and below ("" for none). When they do not all fit under the header, the pinned rows
// come last (leaving room for one other at least), the others scroll around the
// selection, and, from 3 rows, one line is the hint.
func (tb *table) visibleRows() (show []int, hint string) {
	show = make([]int, 0, len(tb.rows))
	n := tb.h - 1
	if len(tb.rows) <= n {
		for i := range tb.rows {
			show = append(show, i)
		}
		return show, ""
	}
	var pinned, rest []int
	for i, r := range tb.rows {
		if r.Pin {
			pinned = append(pinned, i)
		} else {
			rest = append(rest, i)
		}
	}
	if n >= 3 {
		n-- // a line that says how many rows are above and below (a 24-job table showed 4 with no hint)
	}
	pinned = pinned[:min(len(pinned), max(n-1, 0))] // at least one other row
	n -= len(pinned)
	sel := max(slices.Index(rest, tb.sel), 0)
	first := 0
	if len(rest) > n && n > 0 {
		first = min(max(sel-n/2, 0), len(rest)-n)
	}
	show = append(show, rest[first:min(first+n, len(rest))]...)
	show = append(show, pinned...)
	if tb.h-1 >= 3 {
		hint = scrollHint(first, max(len(rest)-first-n, 0), len(tb.rows)-len(show), tb.theme.ASCII)
	}
	return show, hint
}

// rowLine returns row i's line: a span as it is, or the mark and the cells (the bar
// column bar cells wide), the selected row in reverse video (without colour, a pointer
// in its mark).
func (tb *table) rowLine(i, bar int) string {
	t, r := tb.theme, tb.rows[i]
	sel := i == tb.sel
	if r.Span != "" {
		return truncate(r.Span, tb.w)
	}
	text := tb.line(bar, func(k int, c column, cw int) string {
		if k >= len(r.Cells) {
			return ""
		}
		cl := r.Cells[k]
		if c.Bar {
			b := progressBar(t, cl.Frac, cw)
			if sel && !t.Colorless() {
				// Out of the selection's reverse video, which turned the bar's
				// full blocks into the background colour: a black bar.
				b = ansi.SGR(ansi.NoReverseAttr) + b + ansi.SGR(ansi.ReverseAttr)
			}
			return b
		}
		if cl.Style != nil && !sel {
			return cl.Style.Render(cl.Text)
		}
		return cl.Text
	})
	line, mark := truncate(text, tb.w-2), r.Mark
	if sel {
		line = t.Selected.Render(line)
		if t.Colorless() { // no reverse video either: a pointer in the mark's second cell
			mark = selectedMark(mark, t.ASCII)
		}
	}
	return mark + line
}

// scrollHint is the text of that line: "↑ 3 more · ↓ 17 more (↑/↓ scroll)".
func scrollHint(above, below, hidden int, ascii bool) string {
	up, down := "↑", "↓"
	if ascii {
		up, down = "^", "v"
	}
	var parts []string
	if above > 0 {
		parts = append(parts, fmt.Sprintf("%s %d more", up, above))
	}
	if below > 0 {
		parts = append(parts, fmt.Sprintf("%s %d more", down, below))
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d more rows", hidden))
	}
	return "  " + strings.Join(parts, " · ") + " (" + up + "/" + down + " scroll)"
}

// selectedMark is a colourless row mark (2 cells, no escapes) with the pointer that shows
// the selected row when no style can: "› " for no mark, "*›" after a series marker or a
// run's mark; ">" for "›" in ASCII.
func selectedMark(mark string, ascii bool) string {
	p := "›"
	if ascii {
		p = ">"
	}
	first := ansi.Truncate(mark, 1, "")
	if strings.TrimSpace(first) == "" {
		return p + " "
	}
	return first + p
}

// progressBar returns a bar of width cells filled to f in [0, 1].
func progressBar(t *theme, f float64, width int) string {
	if width <= 0 {
		return ""
	}
	full := int(math.Round(f * float64(width)))
	on, off := "█", "░"
	if t.ASCII {
		on, off = "#", "-"
	}
	return strings.Repeat(on, full) + strings.Repeat(off, width-full)
}

func padRight(s string, w int) string {
	s = truncate(s, w)
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

func padLeft(s string, w int) string {
	s = truncate(s, w)
	return strings.Repeat(" ", max(0, w-ansi.StringWidth(s))) + s
}
