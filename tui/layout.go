package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// panel is what a screen's layout needs of a component. Each panel (chart, table,
// fields, scatter, xspace) is a file of its own with new…, SetSize, Update (returning its
// concrete type, as bubbles' components do), View and a setter for its data; View
// returns exactly the size set.
type panel interface {
	SetSize(w, h int)
	View() string
}

// truncate cuts s (one line, may hold escapes) to at most w cells.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "")
}

// fitBlock returns s cut or padded to exactly h lines of exactly w cells, so that panels
// join side by side and stack without shifting.
func fitBlock(s string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	for i := range h {
		l := ""
		if i < len(lines) {
			l = truncate(lines[i], w)
		}
		b.WriteString(l)
		if pad := w - ansi.StringWidth(l); pad > 0 {
			b.WriteString(strings.Repeat(" ", pad))
		}
		if i < h-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// hjoin places blocks (each already fitted to its width and to h lines) side by side
// with gap spaces between them.
func hjoin(gap int, blocks ...string) string {
	split := make([][]string, len(blocks))
	h := 0
	for i, bl := range blocks {
		split[i] = strings.Split(bl, "\n")
		h = max(h, len(split[i]))
	}
	sep := strings.Repeat(" ", gap)
	var b strings.Builder
	for r := range h {
		for i, ls := range split {
			if i > 0 {
				b.WriteString(sep)
			}
			if r < len(ls) {
				b.WriteString(ls[r])
			} else if len(ls) > 0 {
				b.WriteString(strings.Repeat(" ", ansi.StringWidth(ls[0])))
			}
		}
		if r < h-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// wordWrap wraps s (plain text; newlines kept) at spaces to lines of at most w cells; a
// word longer than w is cut. Unlike ansi.Wordwrap it never breaks at a hyphen, which cut
// "2e-6" into "2e" and "6" and dropped the sign.
func wordWrap(s string, w int) string {
	if w <= 0 {
		return s
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line, lw := "", 0
		for i, word := range strings.Split(para, " ") { // "" where spaces were doubled
			if word == "" && i > 0 && lw == 0 {
				continue // no spaces at the start of a wrapped line
			}
			ww := ansi.StringWidth(word)
			switch {
			case i > 0 && lw+1+ww <= w:
				line, lw = line+" "+word, lw+1+ww
				continue
			case i > 0:
				out = append(out, line)
			}
			for ww > w { // a word longer than a line: cut it
				out = append(out, ansi.Truncate(word, w, ""))
				word = ansi.TruncateLeft(word, w, "")
				ww = ansi.StringWidth(word)
			}
			line, lw = word, ww
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
