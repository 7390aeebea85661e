// Package canvas writes a drawing as PNG, SVG or PDF through gonum.org/v1/plot's vg back
// ends, and mends their faults: the PDF canvas drew images upside down and mangled every
// character outside code page 1252, and the SVG canvas labelled its PNG images as JPEG
// and stretched them with the wrong aspect ratio. It knows nothing of what is drawn.
package canvas

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PNGDPI is the resolution of PNG output: a width of n pixels is n/PNGDPI inches in SVG
// and PDF.
const PNGDPI = 200

// ErrFormat: an output format other than png, svg and pdf.
var ErrFormat = errors.New("figures: unknown format")

// Encode draws with paint on a canvas of w×h in format png, svg or pdf and returns the
// file's bytes.
func Encode(format string, w, h vg.Length, paint func(draw.Canvas)) ([]byte, error) {
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PNGDPI))}
	case "svg":
		c = vgsvg.New(w, h)
	case "pdf":
		p := vgpdf.New(w, h)
		p.EmbedFonts(true)
		c = pdfCanvas{p}
	default:
		return nil, fmt.Errorf("%w %q (want png, svg or pdf)", ErrFormat, format)
	}
	paint(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("writing %s: %v", format, err)
	}
	if format == "svg" {
		return svgImageType(b.Bytes()), nil
	}
	return b.Bytes(), nil
}

// pdfCanvas mends two faults of gonum's PDF canvas: it draws images upside down (the
// page's y axis is flipped for everything but images), and it writes text in code page
// 1252, so a character outside it (the minus sign −, subscripts, ‖) became mojibake.
type pdfCanvas struct{ *vgpdf.Canvas }

// DrawImage draws img the right way up: flipped, so that the canvas's flip restores it.
func (c pdfCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	b := img.Bounds()
	flip := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			flip.Set(x, b.Dy()-1-y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	c.Canvas.DrawImage(rect, flip)
}

// FillString writes str in code page 1252, each character that it lacks replaced by its
// nearest one there (cp1252Text).
func (c pdfCanvas) FillString(fnt font.Face, pt vg.Point, str string) {
	c.Canvas.FillString(fnt, pt, cp1252Text(str))
}

// cp1252Fallback maps characters outside code page 1252 that figures write to the nearest
// characters inside it.
var cp1252Fallback = map[rune]string{
	'−': "–", // minus sign: en dash, of the same width and height in Liberation Sans
	'‖': "||", '≈': "~", '≤': "<=", '≥': ">=", '←': "<-", '→': "->", '∂': "d", 'Δ': "D",
	'₀': "0", '₁': "1", '₂': "2", '₃': "3", '₄': "4", '₅': "5", '₆': "6", '₇': "7", '₈': "8", '₉': "9",
	'ₓ': "x", 'ᵧ': "y", '⁰': "0", '⁴': "4", '⁵': "5", '⁶': "6", '⁷': "7", '⁸': "8", '⁹': "9", '⁻': "–",
	'θ': "theta", 'φ': "phi", 'ξ': "xi", 'λ': "lambda", 'η': "eta", 'σ': "sigma", '∞': "inf",
}

// cp1252Text returns s encoded in code page 1252, as the PDF canvas writes it (its bytes
// are not UTF-8): every character that the code page lacks is replaced by cp1252Fallback,
// else by '?'.
func cp1252Text(s string) string {
	b := make([]byte, 0, len(s))
	var put func(r rune)
	put = func(r rune) {
		switch i := strings.IndexRune(cp1252High, r); {
		case r < 0x80 || r >= 0xA0 && r <= 0xFF:
			b = append(b, byte(r))
		case i >= 0 && r != '?':
			b = append(b, byte(0x80+len([]rune(cp1252High[:i]))))
		case cp1252Fallback[r] != "":
			for _, f := range cp1252Fallback[r] {
				put(f)
			}
		default:
			b = append(b, '?')
		}
	}
	for _, r := range s {
		put(r)
	}
	return string(b)
}

// cp1252High lists the characters of code page 1252 at 0x80 to 0x9F, '?' where it has none.
const cp1252High = "€?‚ƒ„…†‡ˆ‰Š‹Œ?Ž??‘’“”•–—˜™š›œ?žŸ"

// svgImageType mends two faults of gonum's embedded SVG images. They are PNG but labelled
// "image/jpg", and a strict reader (librsvg, so GNOME's viewers and rsvg-convert) then
// draws nothing where a heat map should be. And they keep SVG's default aspect ratio, so
// a colour bar (an image 1 pixel wide stretched to a bar) was drawn a hair wide.
func svgImageType(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(`"data:image/jpg;base64,iVBORw0KGgo`), []byte(`"data:image/png;base64,iVBORw0KGgo`))
	return bytes.ReplaceAll(b, []byte("<image x="), []byte(`<image preserveAspectRatio="none" x=`))
}
