package tui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// asciiRunes are the ASCII stand-ins, one cell each, for the glyphs beyond ASCII that
// the screens draw in text: separators, signs, arrows, marks.
var asciiRunes = map[rune]rune{
	'·': '.', '×': 'x', '÷': '/', '±': '~', '–': '-', '—': '-', '…': '.',
	'↑': '^', '↓': 'v', '←': '<', '→': '>', '›': '>', '‹': '<', '≤': '<', '≥': '>',
	'✗': 'x', '✓': 'v', '●': '*', '■': '#', '○': 'o', '□': '-', '╍': '=', '┈': '.', '┉': '-', '┆': ':', '°': 'o', '²': '2', '⁻': '-',
}

// asciiOnly returns frame with each rune beyond ASCII replaced, cell for cell, so that
// the layout stays: by its stand-in in asciiRunes, else by '?' per cell it takes (a
// preset's description may hold ∇ or ξ). The escape sequences are ASCII and kept. The
// frames of --ascii are ASCII only, as the flag says, whatever the text they show.
func asciiOnly(frame string) string {
	i := 0
	for i < len(frame) && frame[i] < utf8.RuneSelf {
		i++
	}
	if i == len(frame) {
		return frame
	}
	var b strings.Builder
	b.Grow(len(frame))
	b.WriteString(frame[:i])
	for _, r := range frame[i:] {
		switch a, ok := asciiRunes[r]; {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case ok:
			b.WriteRune(a)
		default:
			b.WriteString(strings.Repeat("?", ansi.StringWidth(string(r))))
		}
	}
	return b.String()
}
