package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SmoothWindow is the smoothing window, in training steps: a running mean over the last 64
// batches, as in the paper's plots. It is applied to the values before the log transform
// (a mean of losses, not a geometric mean).
const SmoothWindow = 64

// ChartSeries is one curve handed to a Chart.
type ChartSeries struct {
	Name     string
	Color    int     // palette index (Okabe–Ito colour, or ASCII marker)
	Points   []Point // finite values, in increasing step order
	Diverged bool    // draw a ✗ after the last point
}

// Chart is a multi-series line chart panel drawn in braille (2×4 dots per cell), or with
// one marker glyph per series in ASCII mode and without colour. It owns no data: the
// caller sets the series; the chart downsamples them to its pixel columns (min and max of
// every column, so spikes survive), with a true log10 Y axis labelled in real values.
// View returns a cached string rebuilt only after a change.
type Chart struct {
	theme  *Theme
	w, h   int
	Title  string
	LogY   bool
	XWall  bool // X is training seconds instead of steps
	Smooth bool

	series []ChartSeries
	cache  string
	dirty  bool
}

// NewChart returns an empty chart with log-scale Y and step X.
func NewChart(theme *Theme) *Chart { return &Chart{theme: theme, LogY: true, dirty: true} }

// SetSize sets the panel's outer size in cells.
func (c *Chart) SetSize(w, h int) {
	if w != c.w || h != c.h {
		c.w, c.h, c.dirty = w, h, true
	}
}

// SetSeries replaces the curves; the last one is drawn on top.
func (c *Chart) SetSeries(s []ChartSeries) { c.series, c.dirty = s, true }

// Invalidate forces the next View to redraw (after a change of mode fields).
func (c *Chart) Invalidate() { c.dirty = true }

// View renders the chart (cached).
func (c *Chart) View() string {
	if c.dirty {
		c.cache = c.render()
		c.dirty = false
	}
	return c.cache
}

// colAgg summarises the points falling in one pixel column.
type colAgg struct {
	N                     int
	Min, Max, First, Last float64
}

// downsample buckets the points (xs[i], ys[i]) into n pixel columns spanning [x0, x1] and
// returns, per column, the count, min, max, first and last value. Points outside the
// range are clamped into the edge columns.
func downsample(xs, ys []float64, x0, x1 float64, n int) []colAgg {
	out := make([]colAgg, n)
	if n == 0 {
		return out
	}
	span := x1 - x0
	for i, x := range xs {
		c := 0
		if span > 0 {
			c = int((x - x0) / span * float64(n))
		}
		c = min(max(c, 0), n-1)
		a := &out[c]
		y := ys[i]
		if a.N == 0 {
			*a = colAgg{N: 1, Min: y, Max: y, First: y, Last: y}
			continue
		}
		a.N++
		a.Min, a.Max, a.Last = math.Min(a.Min, y), math.Max(a.Max, y), y
	}
	return out
}

// smooth returns the running mean of ys over the points whose step lies in
// (step_i − window, step_i]. Each stored point stands for its bucket, so decimated
// series are weighted by nothing more than their count of stored points.
func smooth(pts []Point, window int) []float64 {
	out := make([]float64, len(pts))
	sum, lo := 0.0, 0
	for i, p := range pts {
		sum += p.Value
		for pts[lo].Step <= p.Step-window {
			sum -= pts[lo].Value
			lo++
		}
		out[i] = sum / float64(i-lo+1)
	}
	return out
}

// niceStep returns the smallest step of the form {1,2,5}×10^k that is ≥ raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	e := math.Floor(math.Log10(raw))
	for _, m := range []float64{1, 2, 5, 10} {
		if s := m * math.Pow(10, e); s >= raw*(1-1e-9) {
			return s
		}
	}
	return 10 * math.Pow(10, e)
}

// linTicks returns at most maxN round tick values in [lo, hi] and their step.
func linTicks(lo, hi float64, maxN int) ([]float64, float64) {
	maxN = max(maxN, 2)
	step := niceStep((hi - lo) / float64(maxN-1))
	var out []float64
	for {
		out = out[:0]
		for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
			out = append(out, k*step)
		}
		if len(out) <= maxN {
			return out, step
		}
		step = niceStep(step * 1.01)
	}
}

// logTicks returns at most maxN tick values (real values, not logs) between 10^lo and
// 10^hi, preferring the densest of the mantissa sets 1–9, {1,2,5}, {1,3}, {1}, then every
// k-th decade. When fewer than two such ticks fit (a range under a factor of ~3), it
// falls back to linear ticks in value space. The second result is the step of the linear
// fallback, or 0.
func logTicks(lo, hi float64, maxN int) ([]float64, float64) {
	maxN = max(maxN, 2)
	sets := [][]float64{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}, {1, 3}, {1}}
	collect := func(ms []float64, every int) []float64 {
		var out []float64
		for e := int(math.Floor(lo)) - 1; e <= int(math.Ceil(hi)); e++ {
			if every > 1 && e%every != 0 {
				continue
			}
			for _, m := range ms {
				v := m * math.Pow(10, float64(e))
				if l := math.Log10(v); l >= lo-1e-9 && l <= hi+1e-9 {
					out = append(out, v)
				}
			}
		}
		return out
	}
	fits := false
	for _, ms := range sets {
		t := collect(ms, 1)
		if len(t) > maxN {
			continue
		}
		fits = true
		if len(t) >= 2 {
			return t, 0
		}
		break
	}
	if !fits {
		for every := 2; ; every++ {
			if t := collect([]float64{1}, every); len(t) <= maxN {
				return t, 0
			}
		}
	}
	return linTicks(math.Pow(10, lo), math.Pow(10, hi), maxN)
}

// formatLog formats a log-axis tick with one significant digit: plainly between 0.01 and
// 9999 ("0.03", "2", "500"), otherwise as "3e-5" or "1e6".
func formatLog(v float64) string {
	if v <= 0 {
		return "0"
	}
	e := math.Floor(math.Log10(v) + 1e-9)
	m := math.Round(v / math.Pow(10, e))
	if m >= 10 {
		m, e = 1, e+1
	}
	if e >= -2 && e <= 3 {
		return strconv.FormatFloat(m*math.Pow(10, e), 'f', int(max(0, -e)), 64)
	}
	return fmt.Sprintf("%de%d", int(m), int(e))
}

// formatLin formats a linear tick whose spacing is step.
func formatLin(v, step float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e5 || a < 1e-4 {
		d := max(0, int(math.Ceil(math.Log10(a)-math.Log10(step)))-1)
		return strconv.FormatFloat(v, 'e', min(d, 3), 64)
	}
	d := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	return strconv.FormatFloat(v, 'f', d, 64)
}

// formatCount formats a step count compactly: 950, 12k, 1.5M.
func formatCount(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatDur formats seconds compactly: 45s, 2m30s, 1h05m.
func formatDur(s float64) string {
	if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return "-"
	}
	t := int(math.Round(s))
	switch {
	case t < 60:
		return fmt.Sprintf("%ds", t)
	case t < 3600:
		if t%60 == 0 {
			return fmt.Sprintf("%dm", t/60)
		}
		return fmt.Sprintf("%dm%02ds", t/60, t%60)
	}
	return fmt.Sprintf("%dh%02dm", t/3600, (t%3600)/60)
}

// durTicks returns round wall-clock ticks (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min,
// 1, 2, 6, 12 h …) in [lo, hi].
func durTicks(lo, hi float64, maxN int) []float64 {
	maxN = max(maxN, 2)
	for _, st := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400} {
		var out []float64
		for k := math.Ceil(lo / st); k*st <= hi+1e-9; k++ {
			out = append(out, k*st)
		}
		if len(out) <= maxN {
			return out
		}
	}
	t, _ := linTicks(lo, hi, maxN)
	return t
}

// brailleBit[dy][dx] is the dot bit of sub-pixel (dx, dy) in a braille cell.
var brailleBit = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

// dotGrid is a plot area of cw×ch cells with sx×sy dots per cell.
type dotGrid struct {
	cw, ch, sx, sy int
	bits           []uint8
	owner          []int8 // series slot drawn last in each cell, −1 if none
	over           []rune // overriding glyph (markers), 0 if none
}

func newDotGrid(cw, ch, sx, sy int) *dotGrid {
	g := &dotGrid{cw: cw, ch: ch, sx: sx, sy: sy, bits: make([]uint8, cw*ch), owner: make([]int8, cw*ch), over: make([]rune, cw*ch)}
	for i := range g.owner {
		g.owner[i] = -1
	}
	return g
}

func (g *dotGrid) set(x, y, slot int) {
	if x < 0 || y < 0 || x >= g.cw*g.sx || y >= g.ch*g.sy {
		return
	}
	i := (y/g.sy)*g.cw + x/g.sx
	g.bits[i] |= brailleBit[y%g.sy][x%g.sx]
	g.owner[i] = int8(slot)
}

func (g *dotGrid) vspan(x, y0, y1, slot int) {
	if y0 > y1 {
		y0, y1 = y1, y0
	}
	for y := y0; y <= y1; y++ {
		g.set(x, y, slot)
	}
}

// line draws from dot (x0, y0) to (x1, y1), x0 < x1, as vertical spans per column.
func (g *dotGrid) line(x0 int, y0 float64, x1 int, y1 float64, slot int) {
	prev := y0
	for x := x0; x <= x1; x++ {
		y := y0 + (y1-y0)*float64(x-x0+1)/float64(x1-x0+1)
		if x == x1 {
			y = y1
		}
		g.vspan(x, int(math.Round(prev)), int(math.Round(y)), slot)
		prev = y
	}
}

// render draws the chart into a string of exactly c.h lines of at most c.w cells.
func (c *Chart) render() string {
	t := c.theme
	if c.w < 20 || c.h < 6 {
		return fitBlock(t.Dim.Render("(chart: no room)"), c.w, c.h)
	}
	markers := t.ASCII || t.Colorless()

	// Transform the series: x, then smoothed y, then log10 with clipping.
	type tr struct {
		xs, ys []float64
		s      *ChartSeries
	}
	var all []tr
	clipped := 0
	x0, x1 := math.Inf(1), math.Inf(-1)
	y0, y1 := math.Inf(1), math.Inf(-1)
	for i := range c.series {
		s := &c.series[i]
		vals := make([]float64, len(s.Points))
		if c.Smooth {
			vals = smooth(s.Points, SmoothWindow)
		} else {
			for k, p := range s.Points {
				vals[k] = p.Value
			}
		}
		r := tr{s: s}
		for k, p := range s.Points {
			x, y := float64(p.Step), vals[k]
			if c.XWall {
				x = p.Wall
			}
			if c.LogY {
				if y <= 0 {
					clipped++
					continue
				}
				y = math.Log10(y)
			}
			r.xs, r.ys = append(r.xs, x), append(r.ys, y)
			x0, x1 = math.Min(x0, x), math.Max(x1, x)
			y0, y1 = math.Min(y0, y), math.Max(y1, y)
		}
		all = append(all, r)
	}

	// Title line.
	var tb strings.Builder
	tb.WriteString(t.Title.Render(c.Title))
	mode := " · linear"
	if c.LogY {
		mode = " · log"
	}
	if c.XWall {
		mode += " · vs time"
	} else {
		mode += " · vs step"
	}
	if c.Smooth {
		mode += fmt.Sprintf(" · mean of %d", SmoothWindow)
	}
	if clipped > 0 {
		mode += fmt.Sprintf(" · %d values ≤0 hidden", clipped)
	}
	tb.WriteString(t.Dim.Render(mode))
	title := truncate(tb.String(), c.w)

	legend := c.legend(markers)
	if math.IsInf(x0, 1) {
		body := t.Dim.Render("waiting for metrics…")
		return fitBlock(title+"\n"+body+"\n"+legend, c.w, c.h)
	}
	if x1 == x0 {
		x1 = x0 + 1
	}
	if y1-y0 < 1e-12 {
		if c.LogY {
			y0, y1 = y0-0.5, y1+0.5
		} else {
			d := math.Max(math.Abs(y0)*0.1, 1e-6)
			y0, y1 = y0-d, y1+d
		}
	} else {
		pad := (y1 - y0) * 0.04
		y0, y1 = y0-pad, y1+pad
	}

	ph := c.h - 4 // title, x axis, x labels, legend
	// Y ticks and their labels.
	var yt []float64
	var ylab []string
	if c.LogY {
		ticks, step := logTicks(y0, y1, max(2, ph/2))
		for _, v := range ticks {
			yt = append(yt, math.Log10(v))
			if step > 0 {
				ylab = append(ylab, formatLin(v, step))
			} else {
				ylab = append(ylab, formatLog(v))
			}
		}
	} else {
		ticks, step := linTicks(y0, y1, max(2, ph/2))
		for _, v := range ticks {
			yt = append(yt, v)
			ylab = append(ylab, formatLin(v, step))
		}
	}
	lw := 1
	for _, l := range ylab {
		lw = max(lw, len(l))
	}
	pw := c.w - lw - 1
	sx, sy := 2, 4
	if markers {
		sx, sy = 1, 1
	}
	g := newDotGrid(pw, ph, sx, sy)
	nx, ny := pw*sx, ph*sy
	ydot := func(y float64) float64 { return (y1 - y) / (y1 - y0) * float64(ny-1) }

	for slot, r := range all {
		cols := downsample(r.xs, r.ys, x0, x1, nx)
		prevX, prevY := -1, 0.0
		for x, a := range cols {
			if a.N == 0 {
				continue
			}
			if prevX >= 0 && x > prevX+1 {
				g.line(prevX+1, prevY, x-1, ydot(a.First), slot)
			}
			lo, hi := ydot(a.Max), ydot(a.Min)
			if prevX == x-1 {
				lo, hi = math.Min(lo, prevY), math.Max(hi, prevY)
			}
			g.vspan(x, int(math.Round(lo)), int(math.Round(hi)), slot)
			prevX, prevY = x, ydot(a.Last)
		}
		if r.s.Diverged && prevX >= 0 {
			cx := min(prevX/sx+1, pw-1)
			i := int(math.Round(prevY))/sy*pw + cx
			if i >= 0 && i < len(g.over) {
				g.over[i] = '✗'
				if t.ASCII {
					g.over[i] = 'X'
				}
				g.owner[i] = int8(slot)
			}
		}
	}

	// Which cell row carries each Y tick.
	rowLabel := make([]string, ph)
	for i, v := range yt {
		r := int(math.Round(ydot(v))) / sy
		if r >= 0 && r < ph && rowLabel[r] == "" {
			rowLabel[r] = ylab[i]
		}
	}
	vbar, tick, corner, hbar, xtick := "│", "┤", "└", "─", "┬"
	if t.ASCII {
		vbar, tick, corner, hbar, xtick = "|", "+", "+", "-", "+"
	}

	var b strings.Builder
	b.WriteString(title)
	b.WriteByte('\n')
	for r := range ph {
		b.WriteString(strings.Repeat(" ", lw-len(rowLabel[r])))
		b.WriteString(t.Dim.Render(rowLabel[r]))
		if rowLabel[r] != "" {
			b.WriteString(t.Dim.Render(tick))
		} else {
			b.WriteString(t.Dim.Render(vbar))
		}
		// Emit runs of cells sharing a series colour.
		run := strings.Builder{}
		cur := -2
		flush := func() {
			if run.Len() == 0 {
				return
			}
			if cur >= 0 && !t.Colorless() {
				t.seriesSpan(all[cur].s.Color).wrap(&b, run.String())
			} else {
				b.WriteString(run.String())
			}
			run.Reset()
		}
		for x := range pw {
			i := r*pw + x
			o := int(g.owner[i])
			if o != cur {
				flush()
				cur = o
			}
			switch {
			case g.over[i] != 0:
				run.WriteRune(g.over[i])
			case g.bits[i] == 0:
				run.WriteByte(' ')
			case markers:
				run.WriteRune(marker(all[o].s.Color))
			default:
				run.WriteRune(rune(0x2800 + int(g.bits[i])))
			}
		}
		flush()
		b.WriteByte('\n')
	}

	// X axis and labels.
	var xt []float64
	if c.XWall {
		xt = durTicks(x0, x1, max(2, pw/10))
	} else {
		xt, _ = linTicks(x0, x1, max(2, pw/10))
	}
	axis := []rune(strings.Repeat(hbar, pw))
	labels := []rune(strings.Repeat(" ", pw+lw+1))
	next := 0
	for _, v := range xt {
		col := int((v - x0) / (x1 - x0) * float64(pw))
		if col < 0 || col >= pw {
			continue
		}
		axis[col] = []rune(xtick)[0]
		l := formatCount(v)
		if c.XWall {
			l = formatDur(v)
		}
		start := lw + 1 + col - len(l)/2
		start = max(start, next)
		if start+len(l) > len(labels) {
			continue
		}
		copy(labels[start:], []rune(l))
		next = start + len(l) + 1
	}
	b.WriteString(strings.Repeat(" ", lw))
	b.WriteString(t.Dim.Render(corner + string(axis)))
	b.WriteByte('\n')
	b.WriteString(t.Dim.Render(strings.TrimRight(string(labels), " ")))
	b.WriteByte('\n')
	b.WriteString(legend)
	return fitBlock(b.String(), c.w, c.h)
}

// legend renders one line "■ SIP  ■ Adam ✗" in the series colours (markers in ASCII
// mode); series sharing a name are listed once.
func (c *Chart) legend(markers bool) string {
	t := c.theme
	var b strings.Builder
	seen := map[string]bool{}
	width := 0
	for _, s := range c.series {
		if seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		sw := "■"
		if markers {
			sw = string(marker(s.Color))
		}
		item := sw + " " + s.Name
		if s.Diverged {
			if t.ASCII {
				item += " X"
			} else {
				item += " ✗"
			}
		}
		if width+len([]rune(item))+2 > c.w {
			break
		}
		if width > 0 {
			b.WriteString("  ")
			width += 2
		}
		width += len([]rune(item))
		if t.Colorless() {
			b.WriteString(item)
		} else {
			t.seriesSpan(s.Color).wrap(&b, item)
		}
	}
	return b.String()
}
