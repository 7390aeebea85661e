package tui

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/metrics"
)

// smoothWindow is the smoothing window: the running mean over the last 64 logged values
// (runner.RunningMean, as `show` and the figures smooth), carried by every stored point.
// It is applied to the values before the log transform (a mean of losses, not a geometric
// mean).
const smoothWindow = metrics.DefaultWindow

// curve is one series handed to a chart.
type curve struct {
	Name     string
	Color    int     // palette index (Okabe–Ito colour, or ASCII marker)
	Points   []point // finite values, in increasing step order
	Diverged bool    // draw a ✗ after the last point
	// Key orders the legend (the curves' order is the drawing order: the last on top).
	Key int
	// Lo and Hi, if set (one per point), are a band around the curve (the range of a
	// method's seeds around their mean), drawn dimmer in the curve's colour, under every
	// line. The points' Value and Mean are then the same (the caller has chosen).
	Lo, Hi []float64
	// Hidden curves are not drawn (a line toggled off or filtered out); the legend lists
	// them, hollow and faint, and the axes fit the curves shown.
	Hidden bool
	// Faded curves are drawn faint, under the others (a tune rung's dropped rates).
	Faded bool
}

// chartMode is how a chart draws its series; it is comparable.
type chartMode struct {
	LogY   bool
	XWall  bool // X is training seconds instead of steps
	Smooth bool
	// Window is the smoothing's running mean, in logged steps; 0 for smoothWindow (64).
	Window int
}

// smoothWindows are the windows s cycles through after off (TensorBoard's slider, in
// steps): off, 16, 64, 256.
var smoothWindows = []int{16, smoothWindow, 256}

// window returns the smoothing's window, or 0 when it is off.
func (m chartMode) window() int {
	switch {
	case !m.Smooth:
		return 0
	case m.Window > 0:
		return m.Window
	}
	return smoothWindow
}

// nextSmoothing returns m with the next smoothing of the cycle off, 16, 64, 256.
func (m chartMode) nextSmoothing() chartMode {
	w := m.window()
	i := slices.Index(smoothWindows, w)
	switch {
	case w == 0:
		m.Smooth, m.Window = true, smoothWindows[0]
	case i < 0 || i == len(smoothWindows)-1:
		m.Smooth, m.Window = false, 0
	default:
		m.Smooth, m.Window = true, smoothWindows[i+1]
	}
	return m
}

// runningMeans returns, for each point, the mean of the values of the last w logged
// steps up to it (each point weighted by the steps it averages, N), as
// runner.RunningMean computes it over unthinned rows; NaN for none.
func runningMeans(pts []point, w int) []float64 {
	out := make([]float64, len(pts))
	sum, n, j := 0.0, 0, 0
	for i, p := range pts {
		k := max(p.N, 1)
		sum += p.Value * float64(k)
		n += k
		for j < i && n-max(pts[j].N, 1) >= w {
			sum -= pts[j].Value * float64(max(pts[j].N, 1))
			n -= max(pts[j].N, 1)
			j++
		}
		out[i] = sum / float64(n)
	}
	return out
}

// chartKeys are the bindings a chart answers in Update.
type chartKeys struct{ LogY, XAxis, Smooth key.Binding }

// chart is the multi-series line chart panel, drawn in braille (2×4 dots per cell), or
// with one marker glyph per series in ASCII mode and without colour. It owns no data: the
// caller sets the series; the chart downsamples them to its pixel columns (min and max of
// every column, so spikes survive), with a true log10 Y axis labelled in real values.
// View returns a cached string rebuilt only after a change.
type chart struct {
	theme *theme
	keys  chartKeys
	w, h  int
	title string
	note  string // after the mode on the title line
	mode  chartMode

	series []curve
	cache  string
	dirty  bool

	// the legend: the page asked (< 0: the page of the selected line), the key of the
	// selected line (drawn bold), and the page and number of pages last drawn
	legendPage, selKey int
	shownPage, pages   int
	// the legend's lines last drawn and the line of the block the first one is on: the
	// hit areas of legendAt (legendTop < 0: no legend drawn)
	legendLines []legendLine
	legendTop   int

	// xName, if set, makes X a setting's value (the points' Wall) instead of the step or
	// time: the view of the final metric against a swept setting; xLog says that the
	// values are log10 positions.
	xName string
	xLog  bool

	// markStep, if > 0, is a step marked by a dotted vertical line and named markName in
	// the title (a claim's step, when the check screen opened the run)
	markStep int
	markName string
}

// newChart returns an empty chart with log-scale Y and step X.
func newChart(t *theme, keys chartKeys) *chart {
	return &chart{theme: t, keys: keys, mode: chartMode{LogY: true}, dirty: true, legendPage: -1}
}

// SetSelected sets the key of the selected line: the legend draws it bold and, unless a
// page was asked, shows its page.
func (c *chart) SetSelected(key int) {
	if key != c.selKey {
		c.selKey, c.dirty = key, true
	}
}

// SetLegendPage asks for the legend's page p (counting from 0), or, with p < 0, the page
// of the selected line.
func (c *chart) SetLegendPage(p int) {
	if p != c.legendPage {
		c.legendPage, c.dirty = p, true
	}
}

// LegendPage returns the legend's page last drawn and its number of pages.
func (c *chart) LegendPage() (page, pages int) {
	c.View()
	return c.shownPage, c.pages
}

// SetMark marks step (> 0; 0 removes the mark) with a dotted vertical line, named name
// on the title line; it shows while X counts steps.
func (c *chart) SetMark(step int, name string) {
	if step != c.markStep || name != c.markName {
		c.markStep, c.markName, c.dirty = step, name, true
	}
}

// SetXSetting makes X the value of the setting name (the points' Wall, log10 positions
// when log), or, with name "", the step or time again.
func (c *chart) SetXSetting(name string, log bool) {
	if name != c.xName || log != c.xLog {
		c.xName, c.xLog, c.dirty = name, log, true
	}
}

// SetSize sets the panel's outer size in cells.
func (c *chart) SetSize(w, h int) {
	if w != c.w || h != c.h {
		c.w, c.h, c.dirty = w, h, true
	}
}

// SetTitle sets the name shown on the title line.
func (c *chart) SetTitle(s string) {
	if s != c.title {
		c.title, c.dirty = s, true
	}
}

// SetNote sets a remark shown on the title line after the mode.
func (c *chart) SetNote(s string) {
	if s != c.note {
		c.note, c.dirty = s, true
	}
}

// SetMode sets how the series are drawn.
func (c *chart) SetMode(m chartMode) {
	if m != c.mode {
		c.mode, c.dirty = m, true
	}
}

// Mode returns how the series are drawn.
func (c *chart) Mode() chartMode { return c.mode }

// SetSeries replaces the curves; the last one is drawn on top.
func (c *chart) SetSeries(s []curve) { c.series, c.dirty = s, true }

// Update toggles log Y, the X quantity and smoothing on their keys.
func (c *chart) Update(msg tea.Msg) (*chart, tea.Cmd) {
	if msg, ok := msg.(tea.KeyMsg); ok {
		m := c.mode
		switch {
		case key.Matches(msg, c.keys.LogY):
			m.LogY = !m.LogY
		case key.Matches(msg, c.keys.XAxis):
			m.XWall = !m.XWall
		case key.Matches(msg, c.keys.Smooth):
			m = m.nextSmoothing()
		}
		c.SetMode(m)
	}
	return c, nil
}

// View renders the chart (cached).
func (c *chart) View() string {
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

// xy is a series transformed for drawing: x (steps or seconds), y (smoothed, log10), and
// its band's bounds likewise (nil without a band).
type xy struct {
	xs, ys   []float64
	los, his []float64
	s        *curve
}

// transform applies the mode to the series: X quantity, smoothing, then log10, dropping
// the values ≤ 0 on a log axis. It returns the curves, the number of dropped values and
// the data's bounding box (x0 = +Inf when there is no point).
func (c *chart) transform() (all []xy, clipped int, x0, x1, y0, y1 float64) {
	x0, x1 = math.Inf(1), math.Inf(-1)
	y0, y1 = math.Inf(1), math.Inf(-1)
	for i := range c.series {
		s := &c.series[i]
		if s.Hidden {
			continue
		}
		n := len(s.Points)
		r := xy{s: s, xs: make([]float64, 0, n), ys: make([]float64, 0, n)}
		band := len(s.Lo) == n && len(s.Hi) == n
		if band {
			r.los, r.his = make([]float64, 0, n), make([]float64, 0, n)
		}
		var means []float64 // a window other than the points' own Mean's
		if w := c.mode.window(); w > 0 && w != smoothWindow && !band && c.xName == "" {
			means = runningMeans(s.Points, w)
		}
		for k, p := range s.Points {
			x, y := float64(p.Step), p.Value
			if c.mode.Smooth {
				if y = p.Mean; means != nil {
					y = means[k]
				}
				if math.IsNaN(y) {
					continue
				}
			}
			if c.mode.XWall || c.xName != "" {
				x = p.Wall
			}
			lo, hi := y, y
			if band {
				lo, hi = s.Lo[k], s.Hi[k]
			}
			if c.mode.LogY {
				if y <= 0 {
					clipped++
					continue
				}
				y = math.Log10(y)
				if band {
					lo, hi = y-12, math.Log10(hi) // a band reaching 0 stops 12 decades down
					if l := s.Lo[k]; l > 0 {
						lo = math.Log10(l)
					}
				}
			}
			r.xs, r.ys = append(r.xs, x), append(r.ys, y)
			if band {
				r.los, r.his = append(r.los, lo), append(r.his, hi)
				y0, y1 = math.Min(y0, lo), math.Max(y1, hi)
			}
			x0, x1 = math.Min(x0, x), math.Max(x1, x)
			y0, y1 = math.Min(y0, y), math.Max(y1, y)
		}
		all = append(all, r)
	}
	return all, clipped, x0, x1, y0, y1
}

// render draws the chart into a string of exactly c.h lines of at most c.w cells: the
// title with the mode, the legend, then (once there is a point) the axes' ranges, the
// raster of the mark, bands and lines, and the frame with its ticks.
func (c *chart) render() string {
	t := c.theme
	c.legendLines, c.legendTop = nil, -1
	if c.w < 20 || c.h < 6 {
		return fitBlock(t.Dim.Render("(chart: no room)"), c.w, c.h)
	}
	all, clipped, x0, x1, y0, y1 := c.transform()
	marked := c.markStep > 0 && !c.mode.XWall && c.xName == ""
	f := plotFrame{title: plotTitle(t, c.title, c.modeLine(clipped, marked), c.w), yTicks: true}
	legendRows, hidden := c.legend()
	f.legend = strings.Join(legendRows, "\n")
	if math.IsInf(x0, 1) {
		body := t.Dim.Render("waiting for metrics…")
		if hidden > 0 && hidden == len(c.series) {
			body = t.Dim.Render("every line is hidden (a: show all)")
		}
		c.legendTop = 2 // below the title and the body
		return fitBlock(f.title+"\n"+body+"\n"+f.legend, c.w, c.h)
	}
	if x1 == x0 {
		x1 = x0 + 1
	}
	y0, y1 = c.padY(y0, y1)

	ph := plotRows(c.h) - (len(legendRows) - 1)
	yt, ylab := yTicks(y0, y1, c.mode.LogY, max(2, ph/2))
	f.lw = labelWidth(ylab...)
	pw := c.w - f.lw - 1
	g := newRaster(pw, ph, t.ASCII || t.Colorless())
	nx, ny := g.dots()
	ydot := func(y float64) float64 { return (y1 - y) / (y1 - y0) * float64(ny-1) }

	if marked { // under the bands and lines
		c.drawMark(g, x0, x1)
	}
	for _, r := range all { // the bands first: the lines are drawn over them
		if r.los != nil {
			drawBand(g, r, x0, x1, nx, ydot)
		}
	}
	slices.SortStableFunc(all, func(a, b xy) int { return boolCmp(b.s.Faded, a.s.Faded) }) // the faded first, under
	for _, r := range all {
		c.drawLine(g, r, x0, x1, ydot)
	}
	f.yLabels = tickRows(yt, ylab, ydot, g.sy, ph)
	f.xTicks, f.xLabels = xTickLine(x0, x1, c.xKind(), f.lw, pw)
	out := f.render(t, g, c.w, c.h)
	c.legendTop = f.legendAt
	return out
}

// legendAt returns the key of the legend entry drawn at column x and line y of the
// chart's block, as the last View drew it; ok is false anywhere else.
func (c *chart) legendAt(x, y int) (key int, ok bool) {
	c.View()
	i := y - c.legendTop
	if c.legendTop < 0 || x < 0 || x >= c.w || y >= c.h || i < 0 || i >= len(c.legendLines) {
		return 0, false
	}
	return c.legendLines[i].keyAt(x)
}

// modeLine returns the title line's account of the mode: the Y scale, the X quantity, the
// smoothing, the values a log axis hides, the note and, if marked, the marked step.
func (c *chart) modeLine(clipped int, marked bool) string {
	mode := " · linear"
	if c.mode.LogY {
		mode = " · log"
	}
	switch {
	case c.xName != "":
		mode += " · at the end, vs " + c.xName
	case c.mode.XWall:
		mode += " · vs time"
	default:
		mode += " · vs step"
	}
	if w := c.mode.window(); w > 0 {
		mode += fmt.Sprintf(" · mean of %d", w)
	}
	if clipped > 0 {
		mode += fmt.Sprintf(" · %d values ≤0 hidden", clipped)
	}
	mode += c.note
	if marked {
		mode += fmt.Sprintf(" · ┆ %s at step %d", c.markName, c.markStep)
	}
	return mode
}

// legend lays out the legend's page (one to three rows, as the chart's height allows),
// records the page shown and the number of pages, and returns the rows and the number of
// hidden curves. The selected line is bold when there are several keys.
func (c *chart) legend() (rows []string, hidden int) {
	items := make([]legendItem, len(c.series))
	keys := map[int]bool{}
	for i, s := range c.series {
		items[i] = legendItem{Name: s.Name, Color: s.Color, Diverged: s.Diverged, Hidden: s.Hidden, Faded: s.Faded, key: s.Key}
		keys[s.Key] = true
		if s.Hidden {
			hidden++
		}
	}
	for i := range items {
		items[i].Selected = len(keys) > 1 && items[i].key == c.selKey
	}
	slices.SortStableFunc(items, func(a, b legendItem) int { return a.key - b.key })
	maxLegend := 1
	switch {
	case c.h >= 30:
		maxLegend = 3
	case c.h >= 14:
		maxLegend = 2 // a comparison's labels are long: a second line rather than a page
	}
	rows, c.legendLines, c.shownPage, c.pages = legendPaged(c.theme, items, c.w, maxLegend, c.legendPage, c.selKey)
	return rows, hidden
}

// padY widens the data's Y range [y0, y1] for drawing: by 4% each side, or, when flat,
// by half a decade on a log axis and 10% of the value (at least 1e-6) on a linear one.
func (c *chart) padY(y0, y1 float64) (float64, float64) {
	if y1-y0 >= 1e-12 {
		pad := (y1 - y0) * 0.04
		return y0 - pad, y1 + pad
	}
	if c.mode.LogY {
		return y0 - 0.5, y1 + 0.5
	}
	d := math.Max(math.Abs(y0)*0.1, 1e-6)
	return y0 - d, y1 + d
}

// drawMark draws the marked step as a dotted vertical line, if it is in [x0, x1].
func (c *chart) drawMark(g *raster, x0, x1 float64) {
	if float64(c.markStep) < x0 || float64(c.markStep) > x1 {
		return
	}
	nx, ny := g.dots()
	mx := min(int((float64(c.markStep)-x0)/(x1-x0)*float64(nx)), nx-1) // as downsample's columns
	for y := 0; y < ny; y += 2 {
		g.set(mx, y, inkDim)
	}
}

// drawLine draws one curve, downsampled to the pixel columns: each column's span from
// its min to its max (joined to the previous column's last value), the gaps between
// columns bridged by a line, in the curve's style and colour (band ink when faded), and a
// ✗ (X in ASCII) after a diverged curve's last point.
func (c *chart) drawLine(g *raster, r xy, x0, x1 float64, ydot func(float64) float64) {
	k := ink(r.s.Color)
	if r.s.Faded {
		k = bandInk(r.s.Color)
	}
	style := lineStyle(r.s.Color)
	nx, _ := g.dots()
	cols := downsample(r.xs, r.ys, x0, x1, nx)
	prevX, prevY := -1, 0.0
	for x, a := range cols {
		if a.N == 0 {
			continue
		}
		if prevX >= 0 && x > prevX+1 {
			g.lineDash(prevX+1, prevY, x-1, ydot(a.First), k, style)
		}
		lo, hi := ydot(a.Max), ydot(a.Min)
		if prevX == x-1 {
			lo, hi = math.Min(lo, prevY), math.Max(hi, prevY)
		}
		if dashOn(style, x) || a.N > 0 && c.xName != "" {
			g.vspan(x, int(math.Round(lo)), int(math.Round(hi)), k)
		}
		prevX, prevY = x, ydot(a.Last)
	}
	if r.s.Diverged && prevX >= 0 {
		glyph := '✗'
		if c.theme.ASCII {
			glyph = 'X'
		}
		g.mark(min(prevX/g.sx+1, g.cw-1), int(math.Round(prevY))/g.sy, glyph, k)
	}
}

// tickRows returns, for each of the ph cell rows, the label of the first Y tick falling
// in it, or "".
func tickRows(yt []float64, ylab []string, ydot func(float64) float64, sy, ph int) []string {
	rows := make([]string, ph)
	for i, v := range yt {
		r := int(math.Round(ydot(v))) / sy
		if r >= 0 && r < ph && rows[r] == "" {
			rows[r] = ylab[i]
		}
	}
	return rows
}

// xKind returns the X axis's kind of ticks: a setting's values (log10 or linear), time,
// or steps.
func (c *chart) xKind() xKind {
	switch {
	case c.xName != "" && c.xLog:
		return xLog10
	case c.xName != "":
		return xLinear
	case c.mode.XWall:
		return xWall
	}
	return xSteps
}

// drawBand fills, in each pixel column, the dots from the lowest to the highest bound of
// the band's points in it, in the band ink of the curve's colour; the columns between
// two filled ones are filled by linear interpolation, as lines are.
func drawBand(g *raster, r xy, x0, x1 float64, nx int, ydot func(float64) float64) {
	k := bandInk(r.s.Color)
	lo := downsample(r.xs, r.los, x0, x1, nx)
	hi := downsample(r.xs, r.his, x0, x1, nx)
	prev := -1
	for x := range nx {
		if lo[x].N == 0 {
			continue
		}
		if prev >= 0 && x > prev+1 {
			for m := prev + 1; m < x; m++ {
				t := float64(m-prev) / float64(x-prev)
				l := lo[prev].Last + t*(lo[x].First-lo[prev].Last)
				h := hi[prev].Last + t*(hi[x].First-hi[prev].Last)
				g.vspan(m, int(math.Round(ydot(h))), int(math.Round(ydot(l))), k)
			}
		}
		g.vspan(x, int(math.Round(ydot(hi[x].Max))), int(math.Round(ydot(lo[x].Min))), k)
		prev = x
	}
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
