// Package inline shows a PNG image in a terminal that speaks the kitty graphics protocol or
// DEC sixel (sipbench plot --inline): Detect asks the terminal which one it speaks, Write
// writes the image for it.
package inline

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-sixel"
)

// Protocol is a way for a terminal to show images.
type Protocol int

// The protocols Write can write. NoImages, the zero value, writes nothing.
const (
	NoImages Protocol = iota
	// Kitty is the kitty graphics protocol (kitty, WezTerm, Ghostty, Konsole).
	Kitty
	// Sixel is DEC sixel graphics (xterm -ti vt340, foot, mlterm, WezTerm, Windows
	// Terminal, tmux ≥ 3.4 built with sixel).
	Sixel
)

func (p Protocol) String() string {
	switch p {
	case Kitty:
		return "kitty"
	case Sixel:
		return "sixel"
	}
	return "none"
}

// The queries and their replies. The kitty query asks the terminal to check a 1×1 image
// without showing it (a=q); a terminal that speaks the protocol answers
// "ESC _ G i=31;OK ESC \". Every terminal answers Primary Device Attributes (DA1,
// "ESC [ c") with "ESC [ ? a;b;…c", where attribute 4 means sixel. DA1 goes last, so
// that its answer ends the wait: a terminal answers in order, so a kitty reply, if any,
// has come by then.
const (
	kittyQuery = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
	da1Query   = "\x1b[c"
)

// DefaultQueryTimeout is how long Detect waits for the terminal's answers. It is
// long enough for a terminal at the end of an SSH connection across a continent.
const DefaultQueryTimeout = 1500 * time.Millisecond

// termConn is a terminal in raw mode, to query: writes go to it, and ReadTimeout waits at
// most d for bytes (returning 0 bytes and no error when none came).
type termConn interface {
	Write(p []byte) (int, error)
	ReadTimeout(p []byte, d time.Duration) (int, error)
}

// Detect reports which protocol the terminal tty shows images with. The caller
// must have checked that the output is a terminal (Write must never write escape codes
// into a file or pipe). getenv reads the environment (nil: none): SIPBENCH_IMAGES=kitty,
// sixel or none decides without asking; TERM empty or "dumb" means none without asking
// (such a terminal would print the queries). Otherwise the terminal is asked (kitty
// graphics query, then DA1) and its answers are read for at most timeout; no answer in
// time means none. Detect restores the terminal's mode before it returns.
func Detect(tty TTY, getenv func(string) string, timeout time.Duration) Protocol {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	switch strings.ToLower(getenv("SIPBENCH_IMAGES")) {
	case "kitty":
		return Kitty
	case "sixel":
		return Sixel
	case "none", "no", "0":
		return NoImages
	}
	if t := getenv("TERM"); t == "" || t == "dumb" {
		return NoImages
	}
	conn, restore, err := tty.raw()
	if err != nil {
		return NoImages
	}
	defer restore()
	return query(conn, timeout)
}

// query sends the kitty and DA1 queries and reads the answers until DA1's arrives or the
// time is up.
func query(c termConn, timeout time.Duration) Protocol {
	if _, err := c.Write([]byte(kittyQuery + da1Query)); err != nil {
		return NoImages
	}
	deadline := time.Now().Add(timeout)
	var got []byte
	buf := make([]byte, 256)
	for len(got) < 4096 {
		left := time.Until(deadline)
		if left <= 0 {
			return NoImages
		}
		n, err := c.ReadTimeout(buf, left)
		got = append(got, buf[:n]...)
		if attrs, ok := da1Reply(got); ok {
			switch {
			case bytes.Contains(got, []byte("\x1b_Gi=31;OK")):
				return Kitty
			case attrs["4"]:
				return Sixel
			}
			return NoImages
		}
		if err != nil {
			return NoImages
		}
	}
	return NoImages
}

// da1Reply finds a complete DA1 answer "ESC [ ? a;b;…c" in b and returns its attributes.
func da1Reply(b []byte) (map[string]bool, bool) {
	i := bytes.Index(b, []byte("\x1b[?"))
	if i < 0 {
		return nil, false
	}
	rest := b[i+3:]
	end := bytes.IndexByte(rest, 'c')
	if end < 0 {
		return nil, false
	}
	attrs := map[string]bool{}
	for _, a := range bytes.Split(rest[:end], []byte(";")) {
		attrs[string(a)] = true
	}
	return attrs, true
}

// kittyChunk is the largest base64 payload of one kitty graphics escape.
const kittyChunk = 4096

// Write writes the PNG image to w for a terminal that speaks protocol p, followed by a
// newline; with NoImages it writes nothing. Kitty gets the PNG itself (f=100), in
// chunks, with replies suppressed (q=2) so that nothing comes back to the shell; sixel
// gets the image quantised by github.com/mattn/go-sixel.
func Write(w io.Writer, p Protocol, pngData []byte) error {
	switch p {
	case Kitty:
		enc := base64.StdEncoding.EncodeToString(pngData)
		var b strings.Builder
		for i := 0; i < len(enc); i += kittyChunk {
			chunk := enc[i:min(i+kittyChunk, len(enc))]
			more := 0
			if i+kittyChunk < len(enc) {
				more = 1
			}
			if i == 0 {
				fmt.Fprintf(&b, "\x1b_Ga=T,f=100,q=2,m=%d;%s\x1b\\", more, chunk)
			} else {
				fmt.Fprintf(&b, "\x1b_Gm=%d;%s\x1b\\", more, chunk)
			}
		}
		b.WriteString("\n")
		_, err := io.WriteString(w, b.String())
		return err
	case Sixel:
		img, err := png.Decode(bytes.NewReader(pngData))
		if err != nil {
			return fmt.Errorf("inline: %v", err)
		}
		var b bytes.Buffer
		if err := sixel.NewEncoder(&b).Encode(img); err != nil {
			return fmt.Errorf("inline: sixel: %v", err)
		}
		b.WriteString("\n")
		_, err = w.Write(b.Bytes())
		return err
	}
	return nil
}
