package canvas

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TestCP1252Text: characters of code page 1252 keep their byte, its 0x80–0x9F block
// included; others become their fallback, else '?'. (The rasterised comparison with
// the PNG is figures' TestFormatsAgree.)
func TestCP1252Text(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc 1.5", "abc 1.5"},
		{"é°±", "\xe9\xb0\xb1"},
		{"€–—", "\x80\x96\x97"},
		{"10^{−3}", "10^{\x963}"},
		{"‖x‖₂ ≤ ξ", "||x||2 <= xi"},
		{"中?", "??"},
	} {
		if got := cp1252Text(tc.in); got != tc.want {
			t.Errorf("cp1252Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestEncode: every format starts as its files do, the SVG's images are labelled PNG and
// stretched without keeping their aspect ratio, and another format is ErrFormat.
func TestEncode(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 4))
	for y := range 4 {
		img.Set(0, y, color.NRGBA{uint8(60 * y), 0, 0, 0xFF})
	}
	paint := func(c draw.Canvas) {
		c.DrawImage(vg.Rectangle{Min: vg.Point{X: 10, Y: 10}, Max: vg.Point{X: 20, Y: 100}}, img)
	}
	magic := map[string]string{"png": "\x89PNG", "svg": "<?xml", "pdf": "%PDF-"}
	for format, m := range magic {
		b, err := Encode(format, 2*vg.Inch, 2*vg.Inch, paint)
		if err != nil || !bytes.HasPrefix(b, []byte(m)) {
			t.Errorf("%s: %q…, %v", format, b[:min(len(b), 8)], err)
		}
		if format == "png" {
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil || cfg.Width != 2*PNGDPI {
				t.Errorf("png: %d wide at %d dpi, want %d (%v)", cfg.Width, PNGDPI, 2*PNGDPI, err)
			}
		}
		if format == "svg" && (!bytes.Contains(b, []byte(`"data:image/png;base64,`)) || !bytes.Contains(b, []byte(`<image preserveAspectRatio="none" x=`))) {
			t.Errorf("svg: the image is not a stretched PNG: %s", b)
		}
	}
	if _, err := Encode("jpg", vg.Inch, vg.Inch, paint); !errors.Is(err, ErrFormat) {
		t.Errorf("jpg: %v, want ErrFormat", err)
	}
}
