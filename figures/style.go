package figures

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/figures/canvas"
	"github.com/sipbench/sipbench/figures/legend"
)

// The look of every figure: one sans-serif face at sizes that read at the width of one
// paper column (about 8 cm), thin black axes, light grid lines, and the dashboard's
// colours.
const (
	tickSize   = vg.Length(7.5) // points
	labelSize  = vg.Length(8.5)
	legendSize = vg.Length(8)
	titleSize  = vg.Length(8.5)
	meanWidth  = vg.Length(1.3)
	rawWidth   = vg.Length(0.4)
)

// PNGDPI is the resolution of PNG figures: a width of n pixels is n/PNGDPI inches in
// SVG and PDF.
const PNGDPI = canvas.PNGDPI

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// okabeIto is the Okabe–Ito colour-blind-safe palette in the dashboard's order
// (tui/theme.go): orange, sky blue, bluish green, yellow, blue, vermillion, reddish
// purple. Method i of a run has colour i, in the dashboard and in figures alike.
var okabeIto = []color.NRGBA{
	{0xE6, 0x9F, 0x00, 0xFF}, {0x56, 0xB4, 0xE9, 0xFF}, {0x00, 0x9E, 0x73, 0xFF}, {0xF0, 0xE4, 0x42, 0xFF},
	{0x00, 0x72, 0xB2, 0xFF}, {0xD5, 0x5E, 0x00, 0xFF}, {0xCC, 0x79, 0xA7, 0xFF},
}

// seriesColor returns the colour of series i (cycling through the palette).
func seriesColor(i int) color.NRGBA { return okabeIto[i%len(okabeIto)] }

// withAlpha returns c with opacity a in [0, 1].
func withAlpha(c color.NRGBA, a float64) color.NRGBA {
	c.A = uint8(math.Round(a * 255))
	return c
}

// glyphs are the per-series marker shapes, so that a figure printed in grey still tells
// the series apart.
var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{},
	draw.RingGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{},
}

// seriesGlyph returns the marker of series i: it shifts by one each time the colours
// cycle, so that series i and i+7 (same colour) differ in marker, and colour and marker
// together tell 49 series apart.
func seriesGlyph(i int) draw.GlyphDrawer { return glyphs[(i+i/len(okabeIto))%len(glyphs)] }

// seriesDashes returns the line style of series i when many series share a figure (a
// sweep's or a comparison's runs, coloured each): solid for the first 7, then a new dash
// pattern each time the colours cycle, so that colour and line style tell 28 apart.
func seriesDashes(i int) []vg.Length { return dashes[(i/len(okabeIto))%len(dashes)] }

// dashes are the line styles of the runs when several run folders share a figure.
var dashes = [][]vg.Length{nil, {vg.Points(4), vg.Points(2)}, {vg.Points(1), vg.Points(1.5)}, {vg.Points(5), vg.Points(1.5), vg.Points(1), vg.Points(1.5)}}

func runDashes(i int) []vg.Length { return dashes[i%len(dashes)] }

var (
	black     = color.NRGBA{0, 0, 0, 0xFF}
	white     = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	grey      = color.NRGBA{0x80, 0x80, 0x80, 0xFF}
	lightGrey = color.NRGBA{0xE4, 0xE4, 0xE4, 0xFF}
	// lightGreyContour draws contour lines, darker than the grid.
	lightGreyContour = color.NRGBA{0xB0, 0xB0, 0xB0, 0xFF}
)

var handler = supText{text.Plain{Fonts: font.DefaultCache}}

// supText is plain text with superscripts: "10^{−3}" draws −3 raised and smaller. The
// fonts have no superscript minus or zero, so 10⁻³ cannot be written with Unicode
// superscripts. Text without "^{" (or rotated text) is drawn as plain text.
type supText struct{ text.Plain }

const (
	supScale = 0.72 // superscript size / text size
	supRaise = 0.40 // baseline shift / text size
)

// split returns base and superscript of "base^{sup}"; ok is false for other text.
func (supText) split(txt string) (base, sup string, ok bool) {
	base, rest, ok := strings.Cut(txt, "^{")
	if !ok || !strings.HasSuffix(rest, "}") || strings.Contains(txt, "\n") {
		return "", "", false
	}
	return base, strings.TrimSuffix(rest, "}"), true
}

func (h supText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	base, sup, ok := h.split(txt)
	if !ok {
		return h.Plain.Box(txt, fnt)
	}
	bw, bh, bd := h.Plain.Box(base, fnt)
	sw, sh, _ := h.Plain.Box(sup, font.From(fnt, fnt.Size*supScale))
	return bw + sw, max(bh, fnt.Size*supRaise+sh), bd
}

func (h supText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	base, sup, ok := h.split(txt)
	if !ok || sty.Rotation != 0 {
		h.Plain.Draw(c, txt, sty, pt)
		return
	}
	w, ht, d := h.Box(txt, sty.Font)
	bw, _, _ := h.Plain.Box(base, sty.Font)
	left := pt.X + vg.Length(sty.XAlign)*w
	baseline := pt.Y + vg.Length(sty.YAlign)*(ht+d) + d
	c.SetColor(sty.Color)
	c.FillString(h.Fonts.Lookup(sty.Font, sty.Font.Size), vg.Point{X: left, Y: baseline}, base)
	small := sty.Font.Size * supScale
	c.FillString(h.Fonts.Lookup(sty.Font, small), vg.Point{X: left + bw, Y: baseline + sty.Font.Size*supRaise}, sup)
}

// newLegend returns a legend in the figures' style.
func newLegend() *legend.Legend { return legend.New(textStyle(legendSize)) }

// belowLegend draws leg (if not nil) at the top of c and returns the rest of c, below it.
func belowLegend(c draw.Canvas, leg *legend.Legend) draw.Canvas {
	if leg == nil {
		return c
	}
	lh := leg.Height(c.Max.X - c.Min.X)
	leg.Draw(c)
	return draw.Crop(c, 0, 0, 0, -lh)
}

func textStyle(size vg.Length) text.Style {
	return text.Style{Color: black, Font: font.From(sans, size), Handler: handler,
		XAlign: draw.XLeft, YAlign: draw.YBottom}
}

// newPlot returns a plot in the figures' style: no title, labelled axes, ticks outside.
func newPlot(xlabel, ylabel string) *panel {
	p := plot.New()
	p.TextHandler = handler
	p.Title.TextStyle.Font = font.From(sans, titleSize)
	p.Title.TextStyle.Handler = handler
	p.Title.Padding = vg.Points(3)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, labelSize)
		a.Label.TextStyle.Handler = handler
		a.Label.Padding = vg.Points(2)
		a.Tick.Label.Font = font.From(sans, tickSize)
		a.Tick.Label.Handler = handler
		a.Tick.Length = vg.Points(3)
		a.Tick.Width = vg.Points(0.5)
		a.Width = vg.Points(0.6)
		a.Padding = vg.Points(2)
		a.Tick.Marker = niceTicks{}
	}
	p.X.Label.Text = xlabel
	p.Legend.TextStyle.Font = font.From(sans, legendSize)
	return &panel{Plot: p, ylabel: ylabel}
}

// addGrid adds light grid lines at the major ticks, behind what comes after.
func addGrid(p *panel) {
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: lightGrey, Width: vg.Points(0.4)}
	g.Horizontal = g.Vertical
	p.Add(g)
}

// setLogY makes p's y axis logarithmic with ticks at the powers of ten.
func setLogY(p *panel) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
}

// niceTicks are gonum's default ticks with compact labels: 2k, 1.5M instead of 2000 and
// 1.5e+06, and a proper minus sign.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	big := math.Max(math.Abs(lo), math.Abs(hi)) >= 1e4
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		ts[i].Label = formatTick(ts[i].Value, big)
	}
	return ts
}

func formatTick(v float64, big bool) string {
	if v == 0 {
		return "0"
	}
	s := ""
	switch a := math.Abs(v); {
	case big && a >= 1e6:
		s = strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case big && a >= 1e3:
		s = strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	default:
		s = strconv.FormatFloat(v, 'g', 4, 64)
		if strings.Contains(s, "e") {
			m, e, _ := strings.Cut(s, "e")
			n, _ := strconv.Atoi(e)
			s = m + "×" + pow10(n)
		}
	}
	return strings.ReplaceAll(s, "-", "−")
}

// pow10 writes 10ⁿ for supText.
func pow10(n int) string {
	return "10^{" + strings.ReplaceAll(strconv.Itoa(n), "-", "−") + "}"
}

// logTicks marks a log axis: every power of ten labelled 10ⁿ, with unlabelled minor
// ticks at 2…9 times it. A range with fewer than three powers of ten in it also labels the
// minor ticks at 2 and 5 (and 3, within one power of ten) with plain numbers, so that a
// short axis never shows a single label.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return nil
	}
	e0, e1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	majors := 0
	for e := e0; e <= e1; e++ {
		if v := math.Pow(10, float64(e)); v >= lo && v <= hi {
			majors++
		}
	}
	var ts []plot.Tick
	for e := e0; e <= e1; e++ {
		base := math.Pow(10, float64(e))
		for k := 1; k <= 9; k++ {
			v := base * float64(k)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case k == 1:
				t.Label = pow10(e)
			case majors < 3 && (k == 2 || k == 5 || k == 3 && hi/lo < 10):
				t.Label = "minor"
			}
			ts = append(ts, t)
		}
	}
	if majors < 3 { // plain numbers throughout, e.g. 0.1 0.2 0.5 rather than 10⁻¹ 0.2 0.5
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = strings.ReplaceAll(strconv.FormatFloat(ts[i].Value, 'g', 3, 64), "-", "−")
			}
		}
	}
	return ts
}

// The colour maps of field plots, as the dashboard's heatmaps: a sequential map for
// values and a diverging blue–white–red map (white at zero) for errors.
func sequentialMap() palette.ColorMap {
	// A viridis-like ramp (dark violet, blue, teal, green, yellow) with luminance rising
	// monotonically, so that it reads in grey and for colour-blind readers.
	cm, err := moreland.NewLuminance([]color.Color{
		color.NRGBA{0x44, 0x01, 0x54, 0xFF}, color.NRGBA{0x3B, 0x52, 0x8B, 0xFF}, color.NRGBA{0x21, 0x91, 0x8C, 0xFF},
		color.NRGBA{0x5E, 0xC9, 0x62, 0xFF}, color.NRGBA{0xFD, 0xE7, 0x25, 0xFF},
	})
	if err != nil {
		panic(fmt.Sprintf("figures: sequential map: %v", err))
	}
	return cm
}

func divergingMap() palette.ColorMap {
	return moreland.SmoothBlueRed()
}

// panel is a plot of a figure. Its y label is drawn by drawPanel rather than by gonum,
// which centres it on the arithmetic middle of the axis range (far off centre on a log
// axis) and shrinks the plot to make room for it.
type panel struct {
	*plot.Plot
	ylabel string
}

// drawPanel draws p in c, its y label centred on the data area and broken into two lines
// if it is longer than the axis. It returns the data area.
func drawPanel(p *panel, c draw.Canvas) vg.Rectangle {
	sty := p.Y.Label.TextStyle
	label := p.ylabel
	inner := c
	if label != "" {
		room := (c.Max.Y - c.Min.Y) * 0.85
		if sty.Width(label) > room {
			words := strings.Fields(label)
			best, bestW := label, sty.Width(label)
			for i := 1; i < len(words); i++ {
				l := strings.Join(words[:i], " ") + "\n" + strings.Join(words[i:], " ")
				if w := sty.Width(l); w < bestW {
					best, bestW = l, w
				}
			}
			label = best
		}
		inner = draw.Crop(c, sty.Height(label)+p.Y.Label.Padding, 0, 0, 0)
	}
	p.Plot.Draw(inner)
	dc := p.Plot.DataCanvas(inner)
	if label == "" {
		return dc.Rectangle
	}
	rot := sty
	rot.Rotation += math.Pi / 2
	rot.XAlign, rot.YAlign = draw.XCenter, draw.YBottom
	x := c.Min.X + sty.Height(label) - sty.FontExtents().Descent
	c.FillText(rot, vg.Point{X: x, Y: (dc.Min.Y + dc.Max.Y) / 2}, label)
	return dc.Rectangle
}
