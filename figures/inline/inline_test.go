package inline

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// fakeTerm is a terminal that answers the queries it is sent with reply, after delay.
type fakeTerm struct {
	reply   string
	delay   time.Duration
	written bytes.Buffer
	sent    bool
}

func (f *fakeTerm) Write(p []byte) (int, error) { return f.written.Write(p) }

func (f *fakeTerm) ReadTimeout(p []byte, d time.Duration) (int, error) {
	if f.sent || f.reply == "" || f.delay > d {
		time.Sleep(min(d, 5*time.Millisecond))
		return 0, nil
	}
	f.sent = true
	return copy(p, f.reply), nil
}

func TestQuery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply string
		delay time.Duration
		want  Protocol
	}{
		{"kitty", "\x1b_Gi=31;OK\x1b\\\x1b[?62;22c", 0, Kitty},
		{"kitty and sixel", "\x1b_Gi=31;OK\x1b\\\x1b[?62;4;22c", 0, Kitty},
		{"sixel", "\x1b[?62;4;6;22c", 0, Sixel},
		{"sixel last", "\x1b[?64;1;4c", 0, Sixel},
		{"no images", "\x1b[?62;22c", 0, NoImages},
		{"kitty error", "\x1b_Gi=31;ENOTSUPPORTED\x1b\\\x1b[?62;c", 0, NoImages},
		{"no answer", "", 0, NoImages},
		{"too late", "\x1b[?62;4c", time.Hour, NoImages},
		{"garbage", "xyz\x1b[?", 0, NoImages},
	} {
		f := &fakeTerm{reply: tc.reply, delay: tc.delay}
		start := time.Now()
		if got := query(f, 100*time.Millisecond); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%s: took %v, beyond the timeout", tc.name, el)
		}
		if f.written.String() != kittyQuery+da1Query {
			t.Errorf("%s: sent %q", tc.name, f.written.String())
		}
	}
}

// TestDetectWithoutAsking: the environment decides before any query, and a dumb or
// unknown terminal is never sent one (it would print it).
func TestDetectWithoutAsking(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want Protocol
	}{
		{map[string]string{"SIPBENCH_IMAGES": "kitty"}, Kitty},
		{map[string]string{"SIPBENCH_IMAGES": "sixel"}, Sixel},
		{map[string]string{"SIPBENCH_IMAGES": "none", "TERM": "xterm-kitty"}, NoImages},
		{map[string]string{"TERM": "dumb"}, NoImages},
		{map[string]string{}, NoImages},
	} {
		// TTY{} is no terminal: reaching the query would fail; these must not need it.
		if got := Detect(TTY{}, func(k string) string { return tc.env[k] }, time.Second); got != tc.want {
			t.Errorf("env %v: %v, want %v", tc.env, got, tc.want)
		}
	}
	if got := Detect(TTY{}, func(k string) string { return map[string]string{"TERM": "xterm"}[k] }, time.Second); got != NoImages {
		t.Errorf("no terminal to ask: %v", got)
	}
}

// testPNG returns a w×h PNG of seeded noise, which PNG cannot compress: its base64 spans
// several kitty chunks.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), 0xFF})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWrite(t *testing.T) {
	pngData := testPNG(t, 60, 40)
	if n := base64.StdEncoding.EncodedLen(len(pngData)); n <= 2*kittyChunk {
		t.Fatalf("the test image is %d bytes of base64, not more than two kitty chunks", n)
	}
	var none bytes.Buffer
	if err := Write(&none, NoImages, pngData); err != nil || none.Len() != 0 {
		t.Errorf("NoImages wrote %d bytes, %v", none.Len(), err)
	}
	var k bytes.Buffer
	if err := Write(&k, Kitty, pngData); err != nil {
		t.Fatal(err)
	}
	// Reassemble the chunks: together they are the PNG.
	var payload strings.Builder
	chunks := strings.Split(strings.TrimSuffix(k.String(), "\n"), "\x1b\\")
	for i, c := range chunks[:len(chunks)-1] {
		ctl, data, ok := strings.Cut(strings.TrimPrefix(c, "\x1b_G"), ";")
		last := i == len(chunks)-2
		if !ok || !strings.HasPrefix(c, "\x1b_G") || len(data) > kittyChunk || strings.HasSuffix(ctl, "m=1") == last {
			t.Fatalf("chunk %d: %q…", i, c[:min(len(c), 40)])
		}
		if i == 0 && !strings.HasPrefix(ctl, "a=T,f=100,q=2,") {
			t.Errorf("first chunk's controls %q", ctl)
		}
		payload.WriteString(data)
	}
	if got, err := base64.StdEncoding.DecodeString(payload.String()); err != nil || !bytes.Equal(got, pngData) {
		t.Errorf("kitty payload is not the PNG (%v)", err)
	}
	var s bytes.Buffer
	if err := Write(&s, Sixel, pngData); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(s.Bytes(), []byte("\x1bP")) || !bytes.Contains(s.Bytes(), []byte("\x1b\\")) {
		t.Errorf("sixel output starts %q", s.Bytes()[:min(s.Len(), 12)])
	}
}
