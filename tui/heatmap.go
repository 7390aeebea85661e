package tui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/folder"
)

// heatTile is one field to draw with an explicit value range. Ranges are explicit so that
// tiles that should be compared (ground truth and predictions) share one.
type heatTile struct {
	Title     string
	Short     []string // shorter titles, tried in order when Title does not fit
	Field     *folder.Field
	Lo, Hi    float64 // value range; Lo < Hi (see fieldRange)
	Diverging bool    // blue–white–red scale (errors) instead of the sequential one
}

// fieldDims returns the height, width and channel count of f: shape [c,h,w], [h,w] or
// [n] (one row).
func fieldDims(f *folder.Field) (h, w, c int) {
	switch len(f.Shape) {
	case 3:
		return f.Shape[1], f.Shape[2], f.Shape[0]
	case 2:
		return f.Shape[0], f.Shape[1], 1
	case 1:
		return 1, f.Shape[0], 1
	}
	return 0, 0, 0
}

// fieldRange returns the value range of the fields (channel 0 only, as drawn) on the
// colour scale: runner.ValueRange, which the figures use too.
func fieldRange(symmetric bool, fs ...*folder.Field) (lo, hi float64) {
	var data [][]float32
	for _, f := range fs {
		if f != nil {
			h, w, _ := fieldDims(f)
			data = append(data, f.Data[:max(0, min(len(f.Data), h*w))])
		}
	}
	return folder.ValueRange(symmetric, data...)
}

// resample returns channel 0 of f as a th×tw image: each target pixel is the mean of the
// finite source pixels it covers (area averaging when shrinking, nearest when growing);
// NaN where none is finite.
func resample(f *folder.Field, th, tw int) []float64 {
	h, w, _ := fieldDims(f)
	out := make([]float64, th*tw)
	for i := range th {
		r0 := i * h / th
		r1 := max(r0+1, (i+1)*h/th)
		for j := range tw {
			c0 := j * w / tw
			c1 := max(c0+1, (j+1)*w/tw)
			sum, n := 0.0, 0
			for r := r0; r < r1; r++ {
				for c := c0; c < c1; c++ {
					k := r*w + c
					if k >= len(f.Data) {
						continue
					}
					v := float64(f.Data[k])
					if math.IsNaN(v) || math.IsInf(v, 0) {
						continue
					}
					sum += v
					n++
				}
			}
			if n == 0 {
				out[i*tw+j] = math.NaN()
			} else {
				out[i*tw+j] = sum / float64(n)
			}
		}
	}
	return out
}

// fitImage returns the largest image size (pixel rows, columns) that keeps f's aspect
// ratio within cols columns and prows pixel rows (small fields grow by nearest
// neighbour).
func fitImage(f *folder.Field, cols, prows int) (th, tw int) {
	h, w, _ := fieldDims(f)
	if h <= 0 || w <= 0 || cols <= 0 || prows <= 0 {
		return 0, 0
	}
	s := math.Max(float64(w)/float64(cols), float64(h)/float64(prows))
	tw = max(1, min(cols, int(math.Round(float64(w)/s))))
	th = max(1, min(prows, int(math.Round(float64(h)/s))))
	return th, tw
}

// scaleIndex maps v in [lo, hi] onto n colours; NaN maps to n (the non-finite colour).
func scaleIndex(v, lo, hi float64, n int) int {
	if math.IsNaN(v) {
		return n
	}
	i := int((v - lo) / (hi - lo) * float64(n))
	return min(max(i, 0), n-1)
}

// renderHeatmap draws tile into a block of exactly w×h cells: a title line, the image
// (two pixels per cell with '▀', foreground = upper pixel, background = lower; or one
// glyph of " .:-=+*#%@" per two pixel rows without colour or in ASCII mode), and a colour
// bar between the range's min and max labels. Fields larger than the space are
// averaged down; the aspect ratio is kept.
func renderHeatmap(t *theme, tile heatTile, w, h int) string {
	var b strings.Builder
	b.WriteString(t.Bold.Render(truncate(heatTitle(tile, w), w)))
	b.WriteByte('\n')
	if tile.Field == nil || h < 3 {
		b.WriteString(t.Dim.Render("no snapshot yet"))
		return fitBlock(b.String(), w, h)
	}
	glyphs := t.heatGlyphs()
	k := 0 // the scale: sequential, or diverging
	if tile.Diverging {
		k = 1
	}
	th, tw := fitImage(tile.Field, w, 2*(h-2))
	img := resample(tile.Field, th, tw)
	for r := 0; r < th; r += 2 {
		upper, lower := img[r*tw:(r+1)*tw], []float64(nil)
		if r+1 < th {
			lower = img[(r+1)*tw : (r+2)*tw]
		}
		if glyphs {
			glyphRow(&b, upper, lower, tile.Lo, tile.Hi)
		} else {
			t.colourRow(&b, k, upper, lower, tile.Lo, tile.Hi)
		}
		b.WriteByte('\n')
	}
	t.colourBar(&b, k, tile.Lo, tile.Hi, w, glyphs)
	lines := strings.Split(b.String(), "\n")
	// Keep the colour bar as the last line whatever the image height.
	bar := lines[len(lines)-1]
	body := lines[:len(lines)-1]
	for len(body) < h-1 {
		body = append(body, "")
	}
	return fitBlock(strings.Join(append(body[:h-1], bar), "\n"), w, h)
}

// heatTitle returns the tile's title, or the first of its short forms that fits in w
// cells, with the number of channels when there are several.
func heatTitle(tile heatTile, w int) string {
	title := tile.Title
	for _, s := range tile.Short {
		if ansi.StringWidth(title) <= w {
			break
		}
		title = s
	}
	if tile.Field != nil {
		if _, _, c := fieldDims(tile.Field); c > 1 {
			title += fmt.Sprintf(" [ch 0/%d]", c)
		}
	}
	return title
}

// glyphRow writes one row of cells in glyphs of the ramp: each the mean of its upper and
// lower pixel (the upper alone when lower is nil, the odd last row), '?' for NaN.
func glyphRow(b *strings.Builder, upper, lower []float64, lo, hi float64) {
	for j, v := range upper {
		if lower != nil {
			v = (v + lower[j]) / 2
		}
		if math.IsNaN(v) {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(glyphRamp[scaleIndex(v, lo, hi, len(glyphRamp))])
	}
}

// colourRow writes one row of '▀' cells in scale k's colours: the upper pixel's as
// foreground, the lower's as background (none when lower is nil, the odd last row). Runs
// of cells with the same colour pair share one escape sequence.
func (t *theme) colourRow(b *strings.Builder, k int, upper, lower []float64, lo, hi float64) {
	n := scaleLen(k)
	prev, count := -1, 0
	emit := func() {
		if count == 0 {
			return
		}
		var sp span
		if prev < 0 { // odd last row: upper pixel only
			sp = t.fgSpan(k, -prev-1)
		} else {
			sp = t.pairs[k][prev]
		}
		sp.wrap(b, strings.Repeat("▀", count))
	}
	for j, v := range upper {
		top := scaleIndex(v, lo, hi, n)
		key := -top - 1
		if lower != nil {
			key = top*(n+1) + scaleIndex(lower[j], lo, hi, n)
		}
		if key != prev {
			emit()
			prev, count = key, 0
		}
		count++
	}
	emit()
}

// colourBar writes the colour bar of scale k between the labels of lo and hi, in w
// cells (in glyphs of the ramp when glyphs), or only the labels when it has no room.
func (t *theme) colourBar(b *strings.Builder, k int, lo, hi float64, w int, glyphs bool) {
	n := scaleLen(k)
	los, his := formatValue(lo), formatValue(hi)
	room := w - len(los) - len(his) - 2
	if room < 3 {
		b.WriteString(t.Dim.Render(los + ".." + his))
		return
	}
	b.WriteString(t.Dim.Render(los))
	b.WriteByte(' ')
	for i := range room {
		if glyphs {
			b.WriteByte(glyphRamp[i*len(glyphRamp)/room])
		} else {
			t.fgSpan(k, i*n/room).wrap(b, "█")
		}
	}
	b.WriteByte(' ')
	b.WriteString(t.Dim.Render(his))
}

// scaleLen returns the number of colours of scale k (0 sequential, 1 diverging).
func scaleLen(k int) int {
	if k == 1 {
		return len(divScale)
	}
	return len(seqScale)
}

// fgSpan returns the foreground-only style of colour i of scale k (0 sequential,
// 1 diverging); i equal to the scale's length is the non-finite colour.
func (t *theme) fgSpan(k, i int) span {
	sc := t.seq
	if k == 1 {
		sc = t.div
	}
	if i >= len(sc) {
		return t.nan
	}
	return sc[i]
}
