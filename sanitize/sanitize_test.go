package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// screenSafe returns an error text unless s is valid UTF-8 without a control character
// (C0, DEL, C1) or another character Sanitize escapes.
func screenSafe(s string) string {
	if !utf8.ValidString(s) {
		return "not UTF-8"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || unsafeRune(r) {
			return "holds " + strings.TrimPrefix(strings.TrimSuffix(N(string(r), 1), ""), "")
		}
	}
	return ""
}

func TestSanitize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain run-2026", "plain run-2026"},
		{"ξ = 32, ÷ SIP", "ξ = 32, ÷ SIP"},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},                       // OSC 0: the window's title
		{"\x1b]52;c;cHduZWQ=\x07", `\x1b]52;c;cHduZWQ=\x07`},           // OSC 52: the clipboard
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},                             // clear the screen
		{"a\u009b31mred", `a\u009b31mred`},                             // 8-bit CSI as a character
		{"a\x9b31m", `a\x9b31m`},                                       // and as a raw byte
		{"tab\there\nnew\rline\x7f", `tab\x09here\x0anew\x0dline\x7f`}, // every C0 and DEL
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},                     // right-to-left override
		{"\xff\xfe", `\xff\xfe`},
	} {
		if got := String(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q; want %q", c.in, got, c.want)
		}
	}
	long := strings.Repeat("a", 100<<10)
	if got := String(long); !strings.HasPrefix(got, strings.Repeat("a", MaxShown)+"…(") || len(got) > MaxShown+40 {
		t.Errorf("a 100 KB string is shown as %d bytes: %q", len(got), got[:min(len(got), 300)])
	}
	if got := Lines("one\x1b\ntwo", 10); got != `one\x1b`+"\ntwo" {
		t.Errorf("SanitizeLines = %q", got)
	}
}

// FuzzSanitize: whatever a folder holds, what Sanitize returns is valid UTF-8 with no
// control character (no ESC 0x1b, no CSI 0x9b, no BEL 0x07, no other C0 or C1 control,
// no DEL) and no bidirectional control, is the input itself when that was safe and short,
// and is bounded in length. (Bytes 0x80–0x9f occur only inside multi-byte UTF-8
// characters, where a UTF-8 terminal reads them as part of that character.)
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]0;pwned\x07", "\x1b]52;c;cHduZWQ=\x1b\\", "\u009b2J", "\x9b2J", "\xc2\x9b", "a\u202eb", "Ü", "\xf0\x9f\x98"} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = 1 + abs(n)%300
		got := N(s, n)
		if msg := screenSafe(got); msg != "" {
			t.Fatalf("SanitizeN(%q, %d) = %q: %s", s, n, got, msg)
		}
		for _, b := range []byte(got) {
			if b < 0x20 || b == 0x7f {
				t.Fatalf("SanitizeN(%q) = %q holds byte %#x", s, got, b)
			}
		}
		if screenSafe(s) == "" && utf8.RuneCountInString(s) <= n && got != s {
			t.Fatalf("SanitizeN(%q) = %q changed a safe string", s, got)
		}
		if len(got) > 6*n+40 {
			t.Fatalf("SanitizeN(%d bytes, %d) = %d bytes", len(s), n, len(got))
		}
		if lines := Lines(s, n); screenSafe(strings.ReplaceAll(lines, "\n", "")) != "" {
			t.Fatalf("SanitizeLines(%q) = %q", s, lines)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
