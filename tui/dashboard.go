package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/summary"
	"github.com/sipbench/sipbench/view"
)

// minWidth and minHeight are the smallest screen the dashboard draws; below it, it shows
// a message asking for a larger terminal.
const (
	minWidth  = 80
	minHeight = 24
)

// wideWidth is the width from which the chart and the fields sit side by side; below it
// tab switches the lower pane between them.
const wideWidth = 150

// controller sends commands to the jobs of a live run. It may be nil (a finished run read
// from disk), in which case pause and cancel are refused with a message.
type controller interface {
	Pause(job string)
	Resume(job string)
	Cancel(job string)
}

// eventsMsg carries a batch of runner events to the dashboard. Callers drain the event
// channel without blocking and send what they got as one message (never one per step):
// the dashboard only stores them; drawing happens on its refresh tick.
type eventsMsg []runner.Event

// quitRequestMsg is emitted (as a command's message) when the user presses q; the caller
// decides whether to stop the run or leave it running.
type quitRequestMsg struct{}

// tickMsg is the dashboard's refresh tick. Gen identifies the tick chain, so that only one
// chain runs.
type tickMsg struct{ Gen int }

// dashboard is the Bubble Tea model of the live run screen: a title line, the run table,
// the loss chart and the fields pane (heatmaps, the x-vs-x* scatter for scalar problems,
// or the x-space plot for two unknowns), and a footer of keys. Each pane is a component
// (table, chart, fields, scatter, xspace) that the dashboard sizes, feeds and joins. It
// redraws on a timer (Options.Refresh, heatmaps at most every Options.HeatmapRefresh),
// never once per event, and View only returns the cached frame.
//
// Measured render cost of a full frame (every panel redrawn) with 6 jobs × 10k points
// and 6 snapshots of 64×64 fields, at 200×60, 256 colours, on the 2-core dev box:
// BenchmarkDashboardFrame, about 4 ms of CPU, 3.2k allocations (2 MB) and 51 KB of output
// per frame, so a 4 Hz refresh costs under 2% of one core. A keypress redraws the table
// and the chart at once and leaves the heatmaps to the next tick (BenchmarkDashboardKey:
// 3–4 ms for 16 jobs over 4 seeds); the tick pauses while nothing changes.
type dashboard struct {
	store *store
	opts  Options
	theme *theme
	keys  keyMap
	help  help.Model
	runs  []dashRun // one, or several compared (store.Runs)
	title string    // of several runs: what they are ("sweep …", "2 marked runs")

	lines  []dashLine // the chart's lines: each run × method
	lineOf []int      // each job's line
	rows   []dashRow  // the table's rows
	heads  []string   // each run's heading in the table, when runs are compared

	w, h       int
	metric     int
	showHelp   bool
	helpTop    int  // the help screen's first line shown
	showFields bool // narrow screens: lower pane shows the fields instead of the chart
	eachSeed   bool // the chart draws each seed rather than the mean and band over seeds
	channel    int  // the channel of the fields pane's fields (the key v cycles it)
	channels   int  // the number of channels of the fields last shown
	status     string
	draw       view.FigureFunc // draws the f and F keys' figures; nil: cannot

	// which lines the chart draws: those not hidden (space), the solo line alone (o;
	// -1 for none), those whose label the filter matches (/); typing is true while the
	// filter is typed, typed holding it
	hidden     map[int]bool
	solo       int
	filter     *regexp.Regexp
	typing     bool
	typed      string
	legendPage int  // the legend's page asked ([ ]), -1 for the selected line's
	setting    bool // the chart shows the final value against a setting (g)
	// kept marks a tune rung's scored lines: true kept (✓), false dropped (faded)
	kept map[int]bool
	// ownTitle: the title says all (a tune rung's), without "compare N runs"
	ownTitle bool
	sys      sysReading // the machine's load and the trainers' use, read every sysPoll

	table   *table
	chart   *chart
	fields  *fields
	scatter *scatter
	xspace  *xspace

	gen       int
	heatTicks int
	ticking   bool // a refresh tick is armed

	// each line's curve over its seeds, kept until its jobs' data, the metric or the
	// smoothing change (a keypress that only moves the selection aggregates nothing)
	lineCurves map[int]lineCurveCache

	// the hit areas of the frame last drawn (dashHits; ok false: help, too small)
	hits dashHits

	// caches and the versions they were built from
	frame      string
	chartKey   string
	heatKey    string
	heatSize   string // the fields pane's size when last drawn
	heatStr    string
	needRedraw bool
}

// dashRun is one run of a dashboard: its record, its folder, and what sends its jobs
// commands (nil for none).
type dashRun struct {
	info folder.Info
	dir  string
	ctrl controller
}

// newDashboard returns the dashboard of run info (in the folder Options.RunDir). ctrl
// may be nil.
func newDashboard(info folder.Info, opts Options, ctrl controller) *dashboard {
	return newRunsDashboard([]dashRun{{info: info, dir: opts.RunDir, ctrl: ctrl}}, opts, "")
}

// newRunsDashboard returns the dashboard of one run or of several compared side by side:
// the chart draws every run × method, labelled by the settings in which the runs differ,
// and the table groups its rows by run. title says what the runs are.
func newRunsDashboard(runs []dashRun, opts Options, title string) *dashboard {
	t := newTheme(resolveProfile(opts.Color, opts.Getenv), opts.ASCII)
	keys := defaultKeyMap()
	infos := make([]folder.Info, len(runs))
	dirs := make([]string, len(runs))
	solver := true
	for i, r := range runs {
		infos[i], dirs[i] = r.info, r.dir
		solver = solver && r.info.Solver
	}
	d := &dashboard{
		store:   newRunsStore(infos, opts.MaxPoints),
		opts:    opts,
		theme:   t,
		keys:    keys,
		help:    newHelp(t),
		runs:    runs,
		title:   title,
		table:   newTable(t, tableKeys{Up: keys.Up, Down: keys.Down}),
		chart:   newChart(t, chartKeys{LogY: keys.LogY, XAxis: keys.XAxis, Smooth: keys.Smooth}),
		fields:  newFields(t),
		scatter: newScatter(t),
		xspace:  newXSpace(t),
		w:       minWidth, h: minHeight,
		needRedraw: true,
		solo:       -1,
		legendPage: -1,
	}
	d.lines, d.lineOf = dashLines(d.store, dirs)
	d.rows = dashRows(d.store, d.lines)
	if len(runs) > 1 {
		labels := summary.RunLabels(infos, dirs)
		for i, r := range runs {
			d.heads = append(d.heads, fmt.Sprintf("── %s · %s", labels[i], sanitize.Path(r.dir)))
		}
	}
	// Per-batch metrics are noisy: smooth over 64 steps by default, as the paper's plots
	// do ('s' shows the raw curves). Solver iterates are exact: no smoothing.
	d.chart.SetMode(chartMode{LogY: true, Smooth: !solver})
	for i, m := range infos[0].Metrics {
		if m == infos[0].Metric {
			d.metric = i
		}
	}
	d.table.SetRows(make([]tableRow, len(d.rows))) // the selection's range, until drawn
	for i, r := range d.rows {
		if r.kind == dashJob {
			d.table.Select(i)
			break
		}
	}
	d.redraw(true)
	return d
}

// Selected returns the index in store.Jobs of the selected job (the table selects job
// rows only).
func (d *dashboard) Selected() int {
	if i := d.table.Selected(); i >= 0 && i < len(d.rows) && d.rows[i].kind == dashJob {
		return d.rows[i].job
	}
	return 0
}

// metricName returns the name of the metric shown.
func (d *dashboard) metricName() string {
	if ms := d.store.Info.Metrics; d.metric < len(ms) {
		return ms[d.metric]
	}
	return ""
}

// Init starts the refresh tick.
func (d *dashboard) Init() tea.Cmd { return tea.Batch(d.tick(), d.readSys()) }

// SetSize sets the dashboard's size and redraws it.
func (d *dashboard) SetSize(w, h int) {
	d.w, d.h = w, h
	d.redraw(true)
}

// Activate shows the dashboard: it starts the refresh tick.
func (d *dashboard) Activate() tea.Cmd { return d.Init() }

// Deactivate stops the refresh tick (a tick of an older generation is ignored).
func (d *dashboard) Deactivate() {
	d.gen++
	d.ticking = false
}

// tick arms the next refresh tick. The chain pauses on a tick with nothing to redraw (a
// finished run costs no wakeups) and is re-armed by the next events or key (wake).
func (d *dashboard) tick() tea.Cmd {
	d.ticking = true
	gen := d.gen
	return tea.Tick(d.opts.refresh(), func(time.Time) tea.Msg { return tickMsg{Gen: gen} })
}

// wake re-arms the paused tick chain when something waits to be drawn.
func (d *dashboard) wake() tea.Cmd {
	if d.ticking || !d.needRedraw {
		return nil
	}
	return d.tick()
}

// Update handles window sizes, keys, event batches and ticks.
func (d *dashboard) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.SetSize(msg.Width, msg.Height)
	case eventsMsg:
		for _, ev := range msg {
			d.store.Apply(ev)
		}
		d.needRedraw = true
		return d, d.wake()
	case runEventsOf:
		for _, ev := range msg.events {
			d.store.ApplyRun(msg.run, ev)
		}
		d.needRedraw = true
		return d, d.wake()
	case sysTickMsg:
		if msg.gen == d.gen {
			return d, d.readSys()
		}
	case sysReadMsg:
		if msg.gen == d.gen {
			d.sys = msg.r
			d.redraw(false)
			return d, d.sysTick()
		}
	case tickMsg:
		if msg.Gen != d.gen {
			return d, nil
		}
		d.heatTicks++
		if d.needRedraw {
			d.redraw(false)
		}
		if !d.needRedraw && d.heatTicks >= d.opts.heatEvery() {
			d.ticking = false // nothing left to draw: pause until events or a key
			return d, nil
		}
		return d, d.tick()
	case tea.KeyMsg:
		cmd := d.key(msg)
		return d, tea.Batch(cmd, d.wake())
	case figureMsg:
		if msg.err != nil {
			d.status = "figure: " + msg.err.Error()
		} else {
			d.status = "figure written: " + msg.path
		}
		d.redraw(true)
	}
	return d, nil
}

// key handles a key: the filter being typed takes every key but ctrl+c; the help screen
// closes on ? or esc and lets only quit through; otherwise the key table (dashKeys)
// acts, and the dashboard is redrawn after any action but quit.
func (d *dashboard) key(msg tea.KeyMsg) tea.Cmd {
	k := d.keys
	if d.typing && msg.Type != tea.KeyCtrlC {
		d.filterKey(msg)
		d.redraw(false)
		return nil
	}
	if d.showHelp {
		if key.Matches(msg, k.Help) || msg.String() == "esc" {
			d.showHelp, d.helpTop = false, 0
			d.redraw(true)
			return nil
		}
		if scrollHelp(&d.helpTop, msg, k.Up, k.Down) {
			d.redraw(false)
			return nil
		}
		if !key.Matches(msg, k.Quit) {
			return nil
		}
	}
	if key.Matches(msg, k.Quit) {
		return func() tea.Msg { return quitRequestMsg{} }
	}
	cmd, ok := dispatchKey(d, d.dashKeys(), msg)
	if !ok {
		return nil
	}
	d.redraw(false)
	return cmd
}

// dashKeys returns the dashboard's key table (but quit): what each binding of its key
// map does.
func (d *dashboard) dashKeys() []keyAction[*dashboard] {
	k := d.keys
	return []keyAction[*dashboard]{
		{on(k.Help), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { d.showHelp = true; return nil }},
		{on(k.Up, k.Down), (*dashboard).moveSelection},
		{on(k.Toggle), (*dashboard).toggleLine},
		{on(k.Solo), (*dashboard).soloLine},
		{on(k.Filter), (*dashboard).startFilter},
		{on(k.ShowAll), (*dashboard).showAll},
		{on(k.LegendPrev, k.LegendNext), (*dashboard).turnLegend},
		{on(k.Setting), (*dashboard).toggleSetting},
		{on(k.NextMetric), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { return d.stepMetric(1) }},
		{on(k.PrevMetric), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { return d.stepMetric(-1) }},
		{on(k.LogY, k.XAxis, k.Smooth), func(d *dashboard, msg tea.KeyMsg) tea.Cmd { d.chart, _ = d.chart.Update(msg); return nil }},
		{on(k.Seeds), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { d.eachSeed = !d.eachSeed; return nil }},
		{on(k.Pane), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { d.showFields = !d.showFields; return nil }},
		{on(k.Channel), (*dashboard).nextChannel},
		{on(k.Figure), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { return d.figure(false) }},
		{on(k.FieldsFig), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { return d.figure(true) }},
		{on(k.Pause), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { return d.control(false) }},
		{on(k.Cancel), func(d *dashboard, _ tea.KeyMsg) tea.Cmd { return d.control(true) }},
	}
}

// moveSelection moves the job table's selection; the legend follows it.
func (d *dashboard) moveSelection(msg tea.KeyMsg) tea.Cmd {
	d.table, _ = d.table.Update(msg)
	d.legendPage = -1
	return nil
}

// toggleLine hides or shows the selected job's line.
func (d *dashboard) toggleLine(tea.KeyMsg) tea.Cmd {
	d.toggleLineAt(d.lineOf[d.Selected()])
	return nil
}

// toggleLineAt hides or shows line li.
func (d *dashboard) toggleLineAt(li int) {
	if li < 0 || li >= len(d.lines) {
		return
	}
	if d.hidden == nil {
		d.hidden = map[int]bool{}
	}
	d.hidden[li] = !d.hidden[li]
	if !d.visible(li) {
		d.status = d.lines[li].Label + " hidden (space shows it, a shows every line)"
	}
}

// soloLine shows the selected job's line alone, or, if it already is, the others again.
func (d *dashboard) soloLine(tea.KeyMsg) tea.Cmd {
	li := d.lineOf[d.Selected()]
	if d.solo == li {
		d.solo = -1
		d.status = "every line shown but those hidden"
	} else {
		d.solo = li
		d.status = d.lines[li].Label + " alone (o again: the others too)"
	}
	return nil
}

// startFilter opens the filter for typing, with the current pattern.
func (d *dashboard) startFilter(tea.KeyMsg) tea.Cmd {
	d.typing, d.typed = true, ""
	if d.filter != nil {
		d.typed = d.filter.String()
	}
	return nil
}

// showAll shows every line again: none hidden, none alone, no filter.
func (d *dashboard) showAll(tea.KeyMsg) tea.Cmd {
	d.hidden, d.solo, d.filter = nil, -1, nil
	d.status = "every line shown"
	return nil
}

// turnLegend turns the legend's page back or on, round, or says that it has one page.
func (d *dashboard) turnLegend(msg tea.KeyMsg) tea.Cmd {
	page, pages := d.chart.LegendPage()
	if pages < 2 {
		d.status = "the legend shows every line"
		return nil
	}
	if key.Matches(msg, d.keys.LegendPrev) {
		page--
	} else {
		page++
	}
	d.legendPage = (page + pages) % pages
	return nil
}

// nextLegendPage turns the legend's page on, round, as ] does.
func (d *dashboard) nextLegendPage() { d.turnLegend(tea.KeyMsg{}) }

// toggleSetting switches the chart to the final metric against a setting the runs
// differ in and back, or says that they differ in none.
func (d *dashboard) toggleSetting(tea.KeyMsg) tea.Cmd {
	if _, ok := d.settingAxis(); !ok && !d.setting {
		d.status = "the runs shown differ in no setting with numeric values (a sweep does)"
	} else {
		d.setting = !d.setting
	}
	return nil
}

// stepMetric shows the next (by = 1) or previous (by = -1) metric, round.
func (d *dashboard) stepMetric(by int) tea.Cmd {
	if n := len(d.store.Info.Metrics); n > 0 {
		d.metric = (d.metric + by + n) % n
	}
	return nil
}

// nextChannel shows the fields' next channel, round, or says that there is one.
func (d *dashboard) nextChannel(tea.KeyMsg) tea.Cmd {
	if d.channels > 1 {
		d.channel = (d.channel + 1) % d.channels
		d.status = fmt.Sprintf("fields: channel %d of %d", d.channel+1, d.channels)
	} else {
		d.status = "fields: one channel only"
	}
	return nil
}

// filterKey edits the filter being typed: enter applies it (an empty one clears it), esc
// leaves it as it was; a pattern that does not compile says why and stays open.
func (d *dashboard) filterKey(msg tea.KeyMsg) {
	switch msg.Type {
	case tea.KeyEnter:
		if d.typed == "" {
			d.filter, d.typing = nil, false
			return
		}
		re, err := regexp.Compile(d.typed)
		if err != nil {
			d.status = "not a regular expression: " + err.Error()
			return
		}
		d.filter, d.typing = re, false
		n := 0
		for i := range d.lines {
			if re.MatchString(d.lines[i].Label) {
				n++
			}
		}
		d.status = fmt.Sprintf("filter /%s/: %d of %d lines", d.typed, n, len(d.lines))
	case tea.KeyEsc:
		d.typing = false
	case tea.KeyBackspace:
		if r := []rune(d.typed); len(r) > 0 {
			d.typed = string(r[:len(r)-1])
		}
	case tea.KeyRunes, tea.KeySpace:
		if len(d.typed) < 200 {
			d.typed += string(msg.Runes)
		}
	}
}

// hiddenLines returns, per line, whether the chart leaves it out; nil when it draws all.
func (d *dashboard) hiddenLines() []bool {
	var out []bool
	for i := range d.lines {
		if !d.visible(i) {
			if out == nil {
				out = make([]bool, len(d.lines))
			}
			out[i] = true
		}
	}
	return out
}

// SetTune sets the title of a tune folder's rung and its scored lines: kept (true, ✓ in
// the legend) or dropped (false, drawn faded); lines not in kept are unscored.
func (d *dashboard) SetTune(title string, kept map[int]bool) {
	d.title, d.kept, d.ownTitle = title, kept, true
	d.chartKey = ""
	d.redraw(true)
}

// SetMark marks step on the chart, named name (the step of the paper's claim that opened
// the run), with a dotted vertical line while X counts steps.
func (d *dashboard) SetMark(step int, name string) {
	d.chart.SetMark(step, name)
	d.chartKey = ""
	d.redraw(true)
}

// Typing reports whether the filter is being typed (keys are text, esc cancels it).
func (d *dashboard) Typing() bool { return d.typing }

// visible reports whether the chart draws line li: not hidden, the solo line if there is
// one, and matched by the filter if there is one.
func (d *dashboard) visible(li int) bool {
	if d.solo >= 0 {
		return li == d.solo
	}
	if d.hidden[li] {
		return false
	}
	return d.filter == nil || d.filter.MatchString(d.lines[li].Label)
}

// control pauses/resumes (cancel false) or cancels the selected job through the
// controller, in a command so that Update never blocks on it.
func (d *dashboard) control(cancel bool) tea.Cmd {
	if len(d.store.Jobs) == 0 {
		return nil
	}
	j := d.store.Jobs[d.Selected()]
	id, st := j.Info.ID, j.Status()
	ctrl := d.runs[j.Run].ctrl
	if ctrl == nil {
		d.status = "read-only run: no job can be paused or cancelled"
		return nil
	}
	switch {
	case st.Final():
		d.status = fmt.Sprintf("%s is %s", id, st)
		return nil
	case st == folder.Lost: // nobody would read a control
		d.status = id + ": " + j.Message
		return nil
	case cancel:
		d.status = "cancel sent to " + id
		return func() tea.Msg { ctrl.Cancel(id); return nil }
	case st == folder.Paused:
		d.status = "resume sent to " + id
		return func() tea.Msg { ctrl.Resume(id); return nil }
	default:
		d.status = "pause sent to " + id
		return func() tea.Msg { ctrl.Pause(id); return nil }
	}
}

// View returns the cached frame; it does no drawing.
func (d *dashboard) View() string { return d.frame }

// layout sizes the panels: the table on top (a row per job, at most a third of the
// screen), then the chart and the fields pane side by side from wideWidth columns, or
// one of them (tab switches) below it. It returns the table's and the lower pane's
// heights and the chart's and fields pane's widths (0 for a pane not shown).
func (d *dashboard) layout() (tableH, lowerH, chartW, fieldW int) {
	tableH = min(len(d.rows)+1, max(3, (d.h-2)/3))
	lowerH = d.h - 2 - tableH
	switch {
	case d.w >= wideWidth:
		chartW = d.w * 11 / 20
		fieldW = d.w - chartW - 2
	case d.showFields:
		fieldW = d.w
	default:
		chartW = d.w
	}
	return tableH, lowerH, chartW, fieldW
}

// redraw rebuilds the frame. Panels whose inputs did not change keep their cached
// strings; heatmaps are redrawn at most every Options.HeatmapRefresh unless force.
func (d *dashboard) redraw(force bool) {
	d.needRedraw = false
	d.hits = dashHits{}
	t := d.theme
	if small, ok := tooSmall(t, d.w, d.h); ok {
		d.frame = small
		return
	}
	if d.showHelp {
		d.frame = helpView(t, d.help, d.keys, d.w, d.h, &d.helpTop)
		return
	}
	title := d.titleText()
	tableH, lowerH, chartW, fieldW := d.layout()
	d.table.SetSize(d.w, tableH)
	cols, rows := jobTable(t, d.store, tableView{rows: d.rows, lines: d.lines, lineOf: d.lineOf,
		metric: d.metricName(), window: d.chart.Mode().window(), heads: d.heads, width: d.w, hidden: d.hiddenLines()})
	d.table.SetColumns(cols)
	d.table.SetRows(rows)

	var lower []string
	if chartW > 0 {
		lower = append(lower, d.chartView(chartW, lowerH))
	}
	if fieldW > 0 {
		lower = append(lower, d.fieldsView(fieldW, lowerH, force))
	}
	footer := d.footer()
	var b strings.Builder
	b.WriteString(fitBlock(d.titleLine(title), d.w, 1))
	b.WriteByte('\n')
	d.hits = dashHits{ok: true, tableTop: strings.Count(b.String(), "\n"), chartW: chartW}
	b.WriteString(d.table.View())
	b.WriteByte('\n')
	d.hits.lowerTop = strings.Count(b.String(), "\n") // the chart, if shown, first in it
	b.WriteString(hjoin(2, lower...))
	b.WriteByte('\n')
	b.WriteString(fitBlock(footer, d.w, 1))
	d.frame = b.String()
	d.status = ""
}

// titleText returns the title's words, sanitized: the preset and scale, or the
// comparison, and the run's folder or the dashboard's own title.
func (d *dashboard) titleText() string {
	info := d.store.Info
	title := fmt.Sprintf("sipbench · %s · scale %s", info.Preset, info.Scale)
	switch {
	case d.ownTitle:
		title = "sipbench · " + d.title
	case len(d.runs) > 1:
		title = fmt.Sprintf("sipbench · compare %d runs of %s", len(d.runs), summary.Presets(d.store.Runs))
		if d.title != "" {
			title += " · " + d.title
		}
	case d.title != "": // one run of a sweep, opened as its comparison
		title += " · " + d.title + " · " + d.runs[0].dir
	case d.opts.RunDir != "":
		title += " · " + d.opts.RunDir
	}
	title = sanitize.Path(title) // it holds folder names, untrusted input
	return dots(d.theme, title)
}

// titleLine styles the title and, when there is room, puts the machine's load at the
// right end.
func (d *dashboard) titleLine(title string) string {
	t := d.theme
	sys := d.sys.text()
	if sys == "" || d.w-ansi.StringWidth(sys)-2 < 40 {
		return t.Title.Render(title)
	}
	title = truncate(title, d.w-ansi.StringWidth(sys)-2)
	return t.Title.Render(title) + strings.Repeat(" ", d.w-ansi.StringWidth(title)-ansi.StringWidth(sys)) + t.Dim.Render(sys)
}

// footer returns the footer: the filter being typed, else the status, else a lost job's
// state (the command that resumes it), else the key help.
func (d *dashboard) footer() string {
	footer := d.status
	if footer == "" && len(d.store.Jobs) > 0 { // a lost job: the command that resumes it
		if j := d.store.Jobs[d.Selected()]; j.Cluster.State == cluster.Lost {
			footer = j.Info.ID + " " + j.Cluster.String()
		} else if j.State == folder.Lost {
			footer = j.Info.ID + " lost: " + j.Message
		}
	}
	footer = sanitize.Lines(footer, 1000) // a job's message, a folder's name: untrusted
	if d.typing {
		help := " (enter applies, empty clears; esc cancels)"
		if footer != "" { // why the pattern was refused
			help = " · " + footer
		}
		footer = "filter lines: /" + sanitize.Lines(d.typed, 200) + "▏" + help
	}
	if footer == "" {
		footer = footerHelp(d.help, d.keys, d.w)
	}
	return footer
}

// chartView returns the chart panel, rebuilding its series only when a job's data, the
// selection, the metric, a mode or the size changed. Each line over several seeds is
// drawn as their mean with a band from their minimum to their maximum (as the figures
// draw it), or, with eachSeed, seed by seed; the selected job's line is drawn last, on
// top.
func (d *dashboard) chartView(w, h int) string {
	var ver uint64
	for _, j := range d.store.Jobs {
		ver += j.DataVersion
	}
	c := d.chart
	m := c.Mode()
	vis := make([]bool, len(d.lines))
	for i := range vis {
		vis[i] = d.visible(i)
	}
	k := fmt.Sprint(ver, d.Selected(), d.metric, w, h, m.LogY, m.XWall, m.window(), d.eachSeed, vis, d.legendPage, d.setting)
	if k == d.chartKey {
		return c.View()
	}
	d.chartKey = k
	name := d.metricName()
	c.SetTitle(name)
	c.SetLegendPage(d.legendPage)
	c.SetSize(w, h)
	if a, ok := d.settingAxis(); ok && d.setting {
		d.setSettingSeries(a, name, vis)
		return c.View()
	}
	c.SetXSetting("", false)
	c.SetSelected(d.lineOf[d.Selected()])
	ss, banded := d.lineSeries(name, vis)
	switch {
	case banded:
		c.SetNote(" · seeds: mean, band min–max (e: each)")
	case d.eachSeed:
		c.SetNote(" · each seed (e: mean and band)")
	default:
		c.SetNote("")
	}
	c.SetSeries(ss)
	return c.View()
}

// setSettingSeries sets the chart to the final value of metric name against the setting
// a, one curve per group of runs (settingCurves), the selected line's on top; a group is
// hidden when all its lines are (vis says which are shown).
func (d *dashboard) setSettingSeries(a settingAxis, name string, vis []bool) {
	c := d.chart
	cs, groupOf := d.settingCurves(a, name, c.Mode().window())
	shown := make([]bool, len(cs))
	for li, g := range groupOf {
		shown[g] = shown[g] || vis[li]
	}
	sel := groupOf[d.lineOf[d.Selected()]]
	var ss []curve
	for g := range cs { // the selected line's curve on top
		if g != sel {
			cs[g].Hidden = !shown[g]
			ss = append(ss, cs[g])
		}
	}
	cs[sel].Hidden = !shown[sel]
	ss = append(ss, cs[sel])
	c.SetXSetting(a.key, a.log)
	c.SetSelected(cs[sel].Key)
	c.SetNote(" · each point a run (g: curves)")
	c.SetSeries(ss)
}

// lineSeries returns the curves of metric name, line by line with the selected line last:
// a line's mean and band over its seeds (banded is then true) or, with eachSeed or when it
// has none, one curve per job, the selected job's last. The curves of the lines not
// shown (vis) are hidden, and a tune rung's dropped rates faded, its kept ones ticked.
func (d *dashboard) lineSeries(name string, vis []bool) (ss []curve, banded bool) {
	selLine := d.lineOf[d.Selected()]
	order := make([]int, 0, len(d.lines))
	for i := range d.lines {
		if i != selLine {
			order = append(order, i)
		}
	}
	order = append(order, selLine)
	for _, li := range order {
		l := d.lines[li]
		if !d.eachSeed {
			if cv, ok := d.lineCurve(li, name, d.chart.Mode().window()); ok {
				ss = append(ss, cv) // a copy: Hidden is set on it below
				banded = true
				continue
			}
		}
		jobs := l.jobs
		if li == selLine { // the selected seed on top
			sel := d.Selected()
			jobs = append(slices.DeleteFunc(slices.Clone(jobs), func(x int) bool { return x == sel }), sel)
		}
		for _, ji := range jobs {
			j := d.store.Jobs[ji]
			mi := j.Metric(name)
			if mi < 0 {
				continue
			}
			ss = append(ss, curve{Name: l.Label, Color: l.Color, Points: j.Series[mi].Points, Diverged: j.Status() == folder.Diverged, Key: li})
		}
	}
	for i := range ss {
		ss[i].Hidden = !vis[ss[i].Key]
		if k, ok := d.kept[ss[i].Key]; ok {
			ss[i].Faded = !k
			if k {
				ss[i].Name += " ✓"
			}
		}
	}
	return ss, banded
}

// lineCurveCache is a line's curve over its seeds and what it was made from.
type lineCurveCache struct {
	key string
	c   curve
	ok  bool
}

// lineCurve returns line li's curve over its seeds (lineCurve), from the cache unless
// its jobs' data, the metric or the smoothing changed.
func (d *dashboard) lineCurve(li int, name string, window int) (curve, bool) {
	l := d.lines[li]
	var ver uint64
	for _, ji := range l.jobs {
		ver += d.store.Jobs[ji].DataVersion
	}
	k := fmt.Sprint(ver, name, window)
	if c, hit := d.lineCurves[li]; hit && c.key == k {
		return c.c, c.ok
	}
	c, ok := lineCurve(d.store, l, name, window)
	c.Key = li
	if d.lineCurves == nil {
		d.lineCurves = map[int]lineCurveCache{}
	}
	d.lineCurves[li] = lineCurveCache{key: k, c: c, ok: ok}
	return c, ok
}

// channelOf returns channel ch of f as a field of shape [h, w] sharing f's data; f itself
// if it has one channel (or is nil or too short).
func channelOf(f *folder.Field, ch int) *folder.Field {
	if f == nil {
		return nil
	}
	h, w, c := fieldDims(f)
	if c <= 1 || ch <= 0 || ch >= c || len(f.Data) < c*h*w {
		if c > 1 && len(f.Data) >= h*w {
			return &folder.Field{Name: f.Name, Shape: []int{h, w}, Data: f.Data[:h*w]}
		}
		return f
	}
	return &folder.Field{Name: f.Name, Shape: []int{h, w}, Data: f.Data[ch*h*w : (ch+1)*h*w]}
}

// fieldsView returns the fields pane (see fieldsPane), rebuilt only when a snapshot,
// the selection or the size changed, and then at most every Options.HeatmapRefresh
// unless force or the size changed. Keys do not force it: a keypress is answered at once
// by the table and the chart, the heatmaps follow on a tick.
func (d *dashboard) fieldsView(w, h int, force bool) string {
	var ver uint64
	for _, j := range d.store.Jobs {
		ver += j.SnapVersion
	}
	k := fmt.Sprint(ver, d.Selected(), w, h, d.channel)
	sized := fmt.Sprint(w, h)
	force = force || sized != d.heatSize
	d.heatSize = sized
	if k == d.heatKey || (!force && d.heatTicks < d.opts.heatEvery() && d.heatStr != "") {
		if d.heatStr != "" && k != d.heatKey {
			d.needRedraw = true // come back on a later tick
		}
		return d.heatStr
	}
	d.heatKey, d.heatTicks = k, 0
	p := d.fieldsPane()
	p.SetSize(w, h)
	d.heatStr = p.View()
	return d.heatStr
}

// fieldsPane feeds and returns the panel that suits the snapshots' kind (Layout): for
// paths the solvers' paths over the loss contours, for points the truths and the
// predictions in x space, for a scatter the x-vs-x* scatter, for fields the heatmaps of
// x* and y* (from the selected job's snapshot, or the first job that has one) followed by
// each job's prediction and error, the selected job first.
func (d *dashboard) fieldsPane() panel {
	// The selected job first; plots draw in reverse, so that it ends on top. Of runs
	// compared, the selected job's run.
	sel := d.Selected()
	jobs := make([]*job, 0, len(d.store.Jobs))
	if sel >= 0 && sel < len(d.store.Jobs) {
		jobs = append(jobs, d.store.Jobs[sel])
	}
	for i, j := range d.store.Jobs {
		if i != sel && j.Run == d.store.Jobs[sel].Run {
			jobs = append(jobs, j)
		}
	}
	var src *folder.Snapshot
	for _, j := range jobs {
		if j.Snap != nil {
			src = j.Snap
			break
		}
	}
	if src == nil {
		d.fields.SetTiles(nil)
		d.fields.empty = "no snapshot yet"
		for _, j := range jobs {
			if j.SnapNote != "" { // not "none yet": it exists and is invalid
				d.fields.empty = "the snapshot.json of " + sanitize.String(j.Info.ID) + " is invalid, not shown: " + j.SnapNote
				break
			}
		}
		return d.fields
	}
	switch src.Layout() {
	case folder.SnapPaths: // Figure 1: the solvers' paths over the contours of the loss
		var sets []pointSet
		var contour func(x, y float64) float64 // from the loss grid the run ships in its snapshots
		for i := len(jobs) - 1; i >= 0; i-- {
			j := jobs[i]
			sets = append(sets, pointSet{Name: j.Info.Method, Color: d.jobColor(j), Pts: j.Snap.Field(folder.FieldPath).Pairs(), Path: true})
			if g := j.Snap.Field(folder.FieldLoss); g.Grid() {
				contour = g.At
			}
		}
		d.xspace.SetData("paths in x", "contours of the loss, a factor 4 apart", sets, contour)
		return d.xspace
	case folder.SnapPoints:
		sets := []pointSet{{Name: folder.FieldTruth, Color: -1, Pts: src.Field(folder.FieldTruth).Pairs()}}
		for i := len(jobs) - 1; i >= 0; i-- {
			j := jobs[i]
			sets = append(sets, pointSet{Name: j.Info.Method, Color: d.jobColor(j), Pts: j.Snap.Field(folder.FieldPrediction).Pairs()})
		}
		d.xspace.SetData("predictions in x", "dim: one exact solution per example", sets, nil)
		return d.xspace
	case folder.SnapScatter:
		var ps []scatterSeries
		for i := len(jobs) - 1; i >= 0; i-- {
			j := jobs[i]
			ps = append(ps, scatterSeries{Name: j.Info.Method, Color: d.jobColor(j), X: j.Snap.Field(folder.FieldPrediction)})
		}
		d.scatter.SetData(src.Field(folder.FieldTruth), ps)
		return d.scatter
	}
	d.fields.SetTiles(d.heatTiles(jobs, src))
	return d.fields
}

// jobColor returns the palette index of job j's line.
func (d *dashboard) jobColor(j *job) int {
	for _, l := range d.lines {
		if l.Run == j.Run && l.Method == j.Info.Method {
			return l.Color
		}
	}
	return 0
}

// heatShown is one job's row of heatmaps: its prediction and error, and its own truth if
// it differs from the selected job's.
type heatShown struct {
	j         *job
	own       bool // its x* differs from the selected job's: draw it beside
	x, e, tru *folder.Field
}

// heatTiles returns the heatmaps of the jobs' snapshots of fields, the first snapshot
// (selSnap) heading them. A snapshot is one example of the batch at its step, so each
// job's x* may be another example: the selected job's x* and y* head the grid, and a job
// whose x* differs from it gets its own x* beside its prediction. Every tile names its job,
// seed and step. A field of several channels (fluid: v_x and v_y; m_0 and m_T) shows
// channel d.channel.
func (d *dashboard) heatTiles(jobs []*job, selSnap *folder.Snapshot) []heatTile {
	var owner *job
	for _, j := range jobs {
		if j.Snap == selSnap {
			owner = j
			break
		}
	}
	truth, obs := selSnap.Field(folder.FieldTruth), selSnap.Field(folder.FieldObserved)
	nch := 1
	if truth != nil {
		_, _, nch = fieldDims(truth)
	}
	ch := d.channel % max(nch, 1)
	d.channels = nch
	var rows []heatShown
	preds := []*folder.Field{channelOf(truth, ch)}
	var errs []*folder.Field
	for _, j := range jobs {
		if j.Snap == nil {
			continue
		}
		r := heatShown{j: j, x: channelOf(j.Snap.Field(folder.FieldPrediction), ch), e: channelOf(j.Snap.Field(folder.FieldError), ch)}
		if jt := j.Snap.Field(folder.FieldTruth); j.Snap != selSnap && (jt == nil || truth == nil || !slices.Equal(jt.Data, truth.Data)) {
			r.own, r.tru = true, channelOf(jt, ch)
			preds = append(preds, r.tru)
		}
		preds = append(preds, r.x)
		errs = append(errs, r.e)
		rows = append(rows, r)
	}
	lo, hi := fieldRange(false, preds...)
	elo, ehi := fieldRange(true, errs...)
	obsCh := channelOf(obs, ch)
	olo, ohi := fieldRange(false, obsCh)
	with := func(t heatTile, f *folder.Field, lo, hi float64, div bool) heatTile {
		t.Field, t.Lo, t.Hi, t.Diverging = f, lo, hi, div
		return t
	}
	tiles := []heatTile{
		with(d.heatTile(folder.FieldTruth, truth, owner, selSnap, ch, ""), preds[0], lo, hi, false),
		with(d.heatTile(folder.FieldObserved, obs, owner, selSnap, ch, ""), obsCh, olo, ohi, false)}
	for _, r := range rows {
		status := ""
		if st := r.j.Status(); st == folder.Diverged || st == folder.Failed {
			status = " (" + string(st) + ")"
		}
		if r.own {
			tiles = append(tiles, with(d.heatTile(folder.FieldTruth, r.j.Snap.Field(folder.FieldTruth), r.j, r.j.Snap, ch, ""), r.tru, lo, hi, false))
		}
		tiles = append(tiles,
			with(d.heatTile(folder.FieldPrediction, r.j.Snap.Field(folder.FieldPrediction), r.j, r.j.Snap, ch, status), r.x, lo, hi, false),
			with(d.heatTile(folder.FieldError, r.j.Snap.Field(folder.FieldError), r.j, r.j.Snap, ch, status), r.e, elo, ehi, true))
	}
	return tiles
}

// heatTile is a tile of the field name of job j's snapshot s, channel ch: titled "name
// [channel] method sSEED@STEP", or without the method, or the step, where that does not
// fit (never a cut number).
func (d *dashboard) heatTile(name string, f *folder.Field, j *job, s *folder.Snapshot, ch int, status string) heatTile {
	t := name
	if f != nil {
		if _, _, c := fieldDims(f); c > 1 {
			t += " " + f.ChannelNames(d.store.Info.Preset, c)[min(ch, c-1)]
		}
	}
	if j == nil {
		return heatTile{Title: t}
	}
	seed, step := fmt.Sprintf(" s%d", j.Info.Seed), fmt.Sprintf("@%d", s.Step)
	short := []string{t + seed + step + status, t + seed + status, t + status}
	if name == folder.FieldPrediction { // a prediction is named by its method
		short = append([]string{strings.TrimPrefix(t, "x ") + " " + j.Info.Method + seed + step + status}, short...)
		short[0] = strings.TrimPrefix(strings.TrimPrefix(short[0], "x"), " ")
	}
	return heatTile{Title: t + " " + j.Info.Method + seed + step + status, Short: short}
}

// runEventsOf is a batch of events of one of the runs a dashboard compares.
type runEventsOf struct {
	run    int
	events []runner.Event
}

// dashHits are where the dashboard's last frame drew what a click can hit: the window
// lines of the job table's header and of the lower pane's top, and the width of the chart
// at the lower pane's left (0 when the fields pane is shown instead).
type dashHits struct {
	ok                 bool
	tableTop, lowerTop int
	chartW             int
}

// click selects the job on the table's row at (x, y), or hides or shows the line of the
// legend entry at (x, y), as space does for the selected job, or turns the page of a paged
// legend on a click on its "[2/3]" mark, as ] does; clicks elsewhere, over the
// help, while the filter is typed or on the legend of the values against a setting (one
// entry per group of runs, not per line), do nothing.
func (d *dashboard) click(x, y int) tea.Cmd {
	h := d.hits
	if !h.ok || d.showHelp || d.typing {
		return nil
	}
	if i, ok := d.table.rowAt(x, y-h.tableTop); ok {
		if i < len(d.rows) && d.rows[i].kind == dashJob && i != d.table.Selected() {
			d.table.Select(i)
			d.legendPage = -1 // the legend follows the selection, as with ↑/↓
			d.redraw(false)
		}
		return d.wake()
	}
	if x < h.chartW && !d.setting {
		if li, ok := d.chart.legendAt(x, y-h.lowerTop); ok {
			if li == legendNextPage {
				d.nextLegendPage()
			} else {
				d.toggleLineAt(li)
			}
			d.redraw(false)
			return d.wake()
		}
	}
	return nil
}
