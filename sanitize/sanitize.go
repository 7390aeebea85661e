package sanitize

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// A run folder is untrusted input, and so is every string read from it: its name, the
// names and values in run.json, sweep.json and config.json, a status's message, a lock's
// host, and errors that quote any of them. Sanitize is the one gate through which such a
// string reaches a screen or a line of output: nothing in it can move the cursor, clear
// the screen, retitle the terminal, write the clipboard (OSC 52) or reorder text.

// MaxShown is the longest string, in characters, that Sanitize shows whole.
const MaxShown = 200

// String returns s as it may be shown on a terminal: every control character (C0,
// DEL, C1, so ESC and the 8-bit CSI 0x9b and BEL among them), every invisible character
// that reorders or separates text (bidirectional controls, line and paragraph separators)
// and every byte that is not UTF-8 are shown visibly as Go escapes (\x1b, \u009b, \u202e,
// \xff), and a string longer than MaxShown characters is cut, saying how much was left
// out. What it returns holds no control character and is valid UTF-8.
func String(s string) string { return N(s, MaxShown) }

// N is Sanitize with a limit of n characters (of the input) instead of MaxShown.
func N(s string, n int) string {
	if clean(s) && utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	count := 0
	for i := 0; i < len(s); {
		if count >= n {
			b.WriteString("…(" + strconv.Itoa(len(s)-i) + " more bytes)")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + hex2(s[i]))
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x` + hex2(byte(r)))
		case unsafeRune(r):
			b.WriteString(`\u` + strconv.FormatInt(int64(r)|0x10000, 16)[1:])
		default:
			b.WriteString(s[i : i+size])
		}
		count++
		i += size
	}
	return b.String()
}

// Lines is SanitizeN for text of several lines (an error message): newlines are
// kept, everything else as SanitizeN.
func Lines(s string, n int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = N(l, n)
	}
	return strings.Join(lines, "\n")
}

// clean reports whether s needs no escaping.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			if c < 0x80 {
				return false
			}
			for _, r := range s[i:] { // the rest, rune by rune
				if r == utf8.RuneError || r < 0x20 || r == 0x7f || unsafeRune(r) {
					return false
				}
			}
			return true
		}
	}
	return true
}

// unsafeRune reports whether r, not below 0x80, is a C1 control or an invisible
// character that reorders or breaks lines of text.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1: CSI (0x9b), OSC (0x9d), ST (0x9c)…
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidirectional
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff, r == utf8.RuneError: // separators, BOM, a literal U+FFFD
		return true
	}
	return false
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// Path is Sanitize for a folder's path, which may be longer than a name.
func Path(p string) string { return N(p, 1000) }

// Error returns err with its message sanitized (SanitizeLines, lines cut at 1000
// characters); errors.Is and errors.As still see err. Nil stays nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return shownError{err: err, msg: Lines(err.Error(), 1000)}
}

type shownError struct {
	err error
	msg string
}

func (e shownError) Error() string { return e.msg }
func (e shownError) Unwrap() error { return e.err }
