package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/sipbench/sipbench/runner"
)

// MinWidth and MinHeight are the smallest screen the dashboard draws; below it, it shows
// a message asking for a larger terminal.
const (
	MinWidth  = 80
	MinHeight = 24
)

// wideWidth is the width from which the chart and the fields sit side by side; below it
// tab switches the lower pane between them.
const wideWidth = 150

// Controller sends commands to the jobs of a live run. It may be nil (a finished run read
// from disk), in which case pause and cancel are refused with a message.
type Controller interface {
	Pause(job string)
	Resume(job string)
	Cancel(job string)
}

// EventsMsg carries a batch of runner events to the dashboard. Callers drain the event
// channel without blocking and send what they got as one message (never one per step):
// the dashboard only stores them; drawing happens on its refresh tick.
type EventsMsg []runner.Event

// QuitRequestMsg is emitted (as a command's message) when the user presses q; the caller
// decides whether to stop the run or leave it running.
type QuitRequestMsg struct{}

// TickMsg is the dashboard's refresh tick. Gen identifies the tick chain, so that only one
// chain runs.
type TickMsg struct{ Gen int }

// Dashboard is the Bubble Tea model of the live run screen: a title line, the run table,
// the loss chart and the field heatmaps (or the x-vs-x* scatter for scalar problems), and
// a footer of keys. It redraws on a timer (Options.Refresh, heatmaps at most every
// Options.HeatmapRefresh), never once per event, and View only returns the cached frame.
//
// Measured render cost of a full frame (every panel redrawn) with 6 jobs × 10k points
// and 6 snapshots of 64×64 fields, at 200×60, 256 colours, on the 2-core dev box:
// BenchmarkDashboardFrame, about 3.8 ms, 4.0k allocations (2 MB) and 51 KB of output per
// frame, so a 4 Hz refresh costs under 2% of one core.
type Dashboard struct {
	store *Store
	opts  Options
	theme *Theme
	keys  KeyMap
	help  help.Model
	ctrl  Controller

	w, h       int
	selected   int
	metric     int
	showHelp   bool
	showFields bool // narrow screens: lower pane shows the fields instead of the chart
	status     string
	colors     map[string]int

	chart     *chart
	gen       int
	heatTicks int

	// caches and the versions they were built from
	frame      string
	tableStr   string
	lowerStr   string
	chartKey   string
	heatKey    string
	heatStr    string
	needRedraw bool
}

// NewDashboard returns the dashboard of run info. ctrl may be nil.
func NewDashboard(info runner.RunInfo, opts Options, ctrl Controller) *Dashboard {
	t := NewTheme(ResolveProfile(opts.Color, opts.Getenv), opts.ASCII)
	d := &Dashboard{
		store:  NewStore(info, opts.MaxPoints),
		opts:   opts,
		theme:  t,
		keys:   DefaultKeyMap(),
		help:   newHelp(t),
		ctrl:   ctrl,
		chart:  newChart(t, chartKeys{}),
		colors: map[string]int{},
		w:      MinWidth, h: MinHeight,
		needRedraw: true,
	}
	// Per-batch metrics are noisy: smooth over 64 steps by default, as the paper's plots
	// do ('s' shows the raw curves). Solver iterates are exact: no smoothing.
	d.chart.mode.Smooth = !info.Solver
	for i, m := range d.store.Methods() {
		d.colors[m] = i
	}
	for i, m := range info.Metrics {
		if m == info.Metric {
			d.metric = i
		}
	}
	d.redraw(true)
	return d
}

// Store returns the dashboard's event store (read-only use).
func (d *Dashboard) Store() *Store { return d.store }

// Selected returns the index of the selected job.
func (d *Dashboard) Selected() int { return d.selected }

// Init starts the refresh tick.
func (d *Dashboard) Init() tea.Cmd { return d.tick() }

func (d *Dashboard) tick() tea.Cmd {
	gen := d.gen
	return tea.Tick(d.opts.refresh(), func(time.Time) tea.Msg { return TickMsg{Gen: gen} })
}

// Update handles window sizes, keys, event batches and ticks.
func (d *Dashboard) Update(msg tea.Msg) (*Dashboard, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.w, d.h = msg.Width, msg.Height
		d.redraw(true)
	case EventsMsg:
		for _, ev := range msg {
			d.store.Apply(ev)
		}
		d.needRedraw = true
	case TickMsg:
		if msg.Gen != d.gen {
			return d, nil
		}
		d.heatTicks++
		if d.needRedraw {
			d.redraw(false)
		}
		return d, d.tick()
	case tea.KeyMsg:
		return d, d.key(msg)
	}
	return d, nil
}

func (d *Dashboard) key(msg tea.KeyMsg) tea.Cmd {
	k := d.keys
	if d.showHelp {
		if key.Matches(msg, k.Help) || msg.String() == "esc" {
			d.showHelp = false
			d.redraw(true)
			return nil
		}
		if !key.Matches(msg, k.Quit) {
			return nil
		}
	}
	var cmd tea.Cmd
	switch {
	case key.Matches(msg, k.Quit):
		return func() tea.Msg { return QuitRequestMsg{} }
	case key.Matches(msg, k.Help):
		d.showHelp = true
	case key.Matches(msg, k.Up):
		d.selected = max(0, d.selected-1)
	case key.Matches(msg, k.Down):
		d.selected = min(len(d.store.Jobs)-1, d.selected+1)
	case key.Matches(msg, k.NextMetric):
		if n := len(d.store.Info.Metrics); n > 0 {
			d.metric = (d.metric + 1) % n
		}
	case key.Matches(msg, k.PrevMetric):
		if n := len(d.store.Info.Metrics); n > 0 {
			d.metric = (d.metric + n - 1) % n
		}
	case key.Matches(msg, k.LogY):
		d.chart.mode.LogY = !d.chart.mode.LogY
	case key.Matches(msg, k.XAxis):
		d.chart.mode.XWall = !d.chart.mode.XWall
	case key.Matches(msg, k.Smooth):
		d.chart.mode.Smooth = !d.chart.mode.Smooth
	case key.Matches(msg, k.Pane):
		d.showFields = !d.showFields
	case key.Matches(msg, k.Pause):
		cmd = d.control(false)
	case key.Matches(msg, k.Cancel):
		cmd = d.control(true)
	default:
		return nil
	}
	d.redraw(true)
	return cmd
}

// control pauses/resumes (cancel false) or cancels the selected job through the
// Controller, in a command so that Update never blocks on it.
func (d *Dashboard) control(cancel bool) tea.Cmd {
	if len(d.store.Jobs) == 0 {
		return nil
	}
	j := d.store.Jobs[d.selected]
	id, st := j.Info.ID, j.Status()
	if d.ctrl == nil {
		d.status = "read-only run: no job can be paused or cancelled"
		return nil
	}
	ctrl := d.ctrl
	switch {
	case st.Final():
		d.status = fmt.Sprintf("%s is %s", id, st)
		return nil
	case cancel:
		d.status = "cancel sent to " + id
		return func() tea.Msg { ctrl.Cancel(id); return nil }
	case st == runner.Paused:
		d.status = "resume sent to " + id
		return func() tea.Msg { ctrl.Resume(id); return nil }
	default:
		d.status = "pause sent to " + id
		return func() tea.Msg { ctrl.Pause(id); return nil }
	}
}

// View returns the cached frame; it does no drawing.
func (d *Dashboard) View() string { return d.frame }

// layout returns the heights of the table and of the lower pane.
func (d *Dashboard) layout() (tableH, lowerH int) {
	tableH = min(len(d.store.Jobs)+1, max(3, (d.h-2)/3))
	return tableH, d.h - 2 - tableH
}

// redraw rebuilds the frame. Panels whose inputs did not change keep their cached
// strings; heatmaps are redrawn at most every Options.HeatmapRefresh unless force.
func (d *Dashboard) redraw(force bool) {
	d.needRedraw = false
	t := d.theme
	if d.w < MinWidth || d.h < MinHeight {
		msg := fmt.Sprintf("Terminal too small: %d×%d.\nsipbench needs at least %d×%d.\nEnlarge the window, or press q to quit.",
			d.w, d.h, MinWidth, MinHeight)
		if t.ASCII {
			msg = strings.ReplaceAll(msg, "×", "x")
		}
		d.frame = fitBlock(msg, max(d.w, 1), max(d.h, 1))
		return
	}
	if d.showHelp {
		d.frame = helpView(t, d.help, d.keys, d.w, d.h)
		return
	}
	info := d.store.Info
	title := fmt.Sprintf("sipbench · %s · scale %s", info.Preset, info.Scale)
	if d.opts.RunDir != "" {
		title += " · " + d.opts.RunDir
	}
	if t.ASCII {
		title = strings.ReplaceAll(title, "·", "|")
	}
	tableH, lowerH := d.layout()
	d.tableStr = renderTable(t, d.store, d.metric, d.selected, d.colors, d.w, tableH)

	wide := d.w >= wideWidth
	chartW, fieldW := d.w, d.w
	if wide {
		chartW = d.w * 11 / 20
		fieldW = d.w - chartW - 2
	}
	var chartStr, fieldStr string
	if wide || !d.showFields {
		chartStr = d.chartView(chartW, lowerH)
	}
	if wide || d.showFields {
		fieldStr = d.fieldsView(fieldW, lowerH, force)
	}
	switch {
	case wide:
		d.lowerStr = hjoin(2, chartStr, fieldStr)
	case d.showFields:
		d.lowerStr = fieldStr
	default:
		d.lowerStr = chartStr
	}
	footer := d.status
	if footer == "" {
		h := d.help
		h.Width = d.w
		footer = h.View(d.keys)
	}
	var b strings.Builder
	b.WriteString(fitBlock(t.Title.Render(title), d.w, 1))
	b.WriteByte('\n')
	b.WriteString(d.tableStr)
	b.WriteByte('\n')
	b.WriteString(d.lowerStr)
	b.WriteByte('\n')
	b.WriteString(fitBlock(footer, d.w, 1))
	d.frame = b.String()
	d.status = ""
}

// chartView returns the chart panel, rebuilding its series only when a job's data, the
// selection, the metric, a mode or the size changed.
func (d *Dashboard) chartView(w, h int) string {
	var ver uint64
	for _, j := range d.store.Jobs {
		ver += j.DataVersion
	}
	c := d.chart
	k := fmt.Sprint(ver, d.selected, d.metric, w, h, c.mode.LogY, c.mode.XWall, c.mode.Smooth)
	if k == d.chartKey {
		return c.View()
	}
	d.chartKey = k
	if d.metric < len(d.store.Info.Metrics) {
		c.SetTitle(d.store.Info.Metrics[d.metric])
	}
	var ss []curve
	add := func(j *Job) {
		if d.metric >= len(j.Series) {
			return
		}
		ss = append(ss, curve{
			Name: j.Info.Method, Color: d.colors[j.Info.Method],
			Points: j.Series[d.metric].Points, Diverged: j.Status() == runner.Diverged,
		})
	}
	for i, j := range d.store.Jobs {
		if i != d.selected {
			add(j)
		}
	}
	if d.selected < len(d.store.Jobs) {
		add(d.store.Jobs[d.selected]) // on top
	}
	c.SetSize(w, h)
	c.SetSeries(ss)
	return c.View()
}

// field returns the field of s called name, or nil.
func field(s *runner.Snapshot, name string) *runner.Field {
	if s == nil {
		return nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// fieldsView returns the fields panel: x* and y* (from the selected job's snapshot, or
// the first job that has one), then each job's prediction and error, the selected job
// first, on a grid of equal tiles; for scalar problems, the x-vs-x* scatter.
func (d *Dashboard) fieldsView(w, h int, force bool) string {
	var ver uint64
	for _, j := range d.store.Jobs {
		ver += j.SnapVersion
	}
	k := fmt.Sprint(ver, d.selected, w, h)
	if k == d.heatKey || (!force && d.heatTicks < d.opts.heatEvery() && d.heatStr != "") {
		if d.heatStr != "" && k != d.heatKey {
			d.needRedraw = true // come back on a later tick
		}
		return d.heatStr
	}
	d.heatKey, d.heatTicks = k, 0
	d.heatStr = d.renderFields(w, h)
	return d.heatStr
}

func (d *Dashboard) renderFields(w, h int) string {
	t := d.theme
	jobs := make([]*Job, 0, len(d.store.Jobs))
	if d.selected < len(d.store.Jobs) {
		jobs = append(jobs, d.store.Jobs[d.selected])
	}
	for i, j := range d.store.Jobs {
		if i != d.selected {
			jobs = append(jobs, j)
		}
	}
	var src *runner.Snapshot
	for _, j := range jobs {
		if j.Snap != nil {
			src = j.Snap
			break
		}
	}
	if src == nil {
		return fitBlock(t.Bold.Render("fields")+"\n"+t.Dim.Render("no snapshot yet"), w, h)
	}
	if field(src, "path") != nil { // Figure 1: the solvers' paths over the contours of the loss
		var sets []pointSet
		var contour func(x, y float64) float64 // from the loss grid the run ships in its snapshots
		for i := len(jobs) - 1; i >= 0; i-- {  // selected last, on top
			j := jobs[i]
			sets = append(sets, pointSet{Name: j.Info.Method, Color: d.colors[j.Info.Method], Pts: pairs(field(j.Snap, "path")), Path: true})
			if g := field(j.Snap, "loss"); g.Grid() {
				contour = g.At
			}
		}
		return renderPoints(t, "paths in x", "contours of the loss, a factor 4 apart", sets, contour, w, h)
	}
	truth, obs := field(src, "x*"), field(src, "y*")
	if p := pairs(truth); p != nil { // two unknowns (rotation): solutions and predictions
		sets := []pointSet{{Name: "x*", Color: -1, Pts: p}}
		for i := len(jobs) - 1; i >= 0; i-- {
			j := jobs[i]
			sets = append(sets, pointSet{Name: j.Info.Method, Color: d.colors[j.Info.Method], Pts: pairs(field(j.Snap, "x"))})
		}
		return renderPoints(t, "predictions in x", "dim: one exact solution per example", sets, nil, w, h)
	}
	if truth != nil && (len(truth.Shape) == 1 || len(truth.Shape) == 2 && truth.Shape[1] == 1) {
		var ps []scatterSeries
		for i := len(jobs) - 1; i >= 0; i-- { // selected last, on top
			j := jobs[i]
			ps = append(ps, scatterSeries{Name: j.Info.Method, Color: d.colors[j.Info.Method], X: field(j.Snap, "x")})
		}
		sc := newScatter(t)
		sc.SetSize(w, h)
		sc.SetData(truth, ps)
		return sc.View()
	}
	preds := []*runner.Field{truth}
	var errs []*runner.Field
	for _, j := range jobs {
		preds = append(preds, field(j.Snap, "x"))
		errs = append(errs, field(j.Snap, "x-x*"))
	}
	lo, hi := fieldRange(false, preds...)
	elo, ehi := fieldRange(true, errs...)
	olo, ohi := fieldRange(false, obs)
	tiles := []HeatTile{{Title: "x* truth", Field: truth, Lo: lo, Hi: hi}, {Title: "y* observed", Field: obs, Lo: olo, Hi: ohi}}
	for i, j := range jobs {
		if j.Snap == nil {
			continue
		}
		name := j.Info.ID
		if st := j.Status(); st == runner.Diverged || st == runner.Failed {
			name += " (" + string(st) + ")"
		}
		tiles = append(tiles,
			HeatTile{Title: name + " x", Field: preds[i+1], Lo: lo, Hi: hi},
			HeatTile{Title: name + " x-x*", Field: errs[i], Lo: elo, Hi: ehi, Diverging: true})
	}
	return tileGrid(t, tiles, w, h)
}

// tileGrid lays tiles out on a grid of equal cells as large as fits in w×h, keeping the
// fields' aspect ratio; tiles that do not fit at the smallest readable size are left out
// and counted in a last line.
func tileGrid(t *Theme, tiles []HeatTile, w, h int) string {
	const gap, minW, minImg = 1, 12, 3
	fh, fw := 1, 1
	if len(tiles) > 0 && tiles[0].Field != nil {
		fh, fw, _ = fieldDims(tiles[0].Field)
	}
	best := struct{ cols, tw, th int }{}
	for cols := 1; cols <= len(tiles); cols++ {
		tw := (w - (cols-1)*gap) / cols
		if tw < minW {
			break
		}
		img := max(minImg, (tw*fh/max(fw, 1)+1)/2)
		rows := (len(tiles) + cols - 1) / cols
		if rows*(img+2) <= h && tw > best.tw {
			best = struct{ cols, tw, th int }{cols, tw, img + 2}
		}
	}
	shown := len(tiles)
	if best.tw == 0 { // not all fit: smallest tiles, as many as fit
		cols := max(1, (w+gap)/(minW+gap))
		th := minImg + 2
		rows := max(1, (h-1)/th)
		best = struct{ cols, tw, th int }{cols, (w - (cols-1)*gap) / cols, th}
		shown = min(len(tiles), cols*rows)
	}
	var rows []string
	for i := 0; i < shown; i += best.cols {
		var blocks []string
		for k := i; k < min(i+best.cols, shown); k++ {
			blocks = append(blocks, RenderHeatmap(t, tiles[k], best.tw, best.th))
		}
		rows = append(rows, hjoin(gap, blocks...))
	}
	out := strings.Join(rows, "\n")
	if shown < len(tiles) {
		out += "\n" + t.Dim.Render(fmt.Sprintf("+%d more fields: enlarge the terminal or select a job", len(tiles)-shown))
	}
	return fitBlock(out, w, h)
}
