package tui

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/summary"
)

// runsRescan is the time between two reads of the runs folder while the runs screen is
// shown (each reads only what changed: runner.RunIndex).
const runsRescan = 2 * time.Second

// statusScans is the number of reads of the runs folder after which the footer's message
// about an action ("resumed … in the background") gives way to the keys again: about 10 s.
// It stayed until the next key, saying "resumed" of a run long finished.
const statusScans = 5

// runsKeyMap holds the runs screen's key bindings; they also feed its footer and `?`
// screen.
type runsKeyMap struct {
	Up, Down, Open, Mark, Compare, Resume, Filter, Delete, Log, Sort, Back, Help, Mouse, Quit key.Binding
}

func defaultRunsKeyMap() runsKeyMap {
	return runsKeyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous run")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next run")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Mark:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark")),
		Compare: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare marked")),
		Resume:  key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resume")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Delete:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		Log:     key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "train.log, run.json")),
		Sort:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort: new/state/preset/time/ratio")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "presets")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Mouse:   mouseKey,
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp returns the footer's bindings (help.KeyMap).
func (k runsKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Open, k.Mark, k.Compare, k.Resume, k.Filter, k.Delete, k.Back, k.Quit}
}

// FullHelp returns the help screen's bindings (help.KeyMap).
func (k runsKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Open, k.Mark, k.Compare, k.Mouse}, {k.Resume, k.Filter, k.Delete, k.Log, k.Sort}, {k.Back, k.Help, k.Quit}}
}

// The runs screen's messages to the App.
type (
	// openRunMsg asks to open the dashboard of one run folder.
	openRunMsg struct {
		Dir string
		// Mark, if set, is a step the dashboard's chart marks (a claim's, from the check
		// screen), named MarkName.
		Mark     int
		MarkName string
	}
	// compareRunsMsg asks to open several run folders in one dashboard.
	compareRunsMsg struct {
		Mark     int // as openRunMsg's
		MarkName string
		Dirs     []string
		Title    string
	}
	// runsBackMsg asks to go back to the preset list.
	runsBackMsg struct{}
)

// The runs screen's own messages.
type (
	runsScannedMsg struct {
		runs []summary.Status
		err  error
	}
	runsTickMsg struct{ gen int }
	// runsDoneMsg reports the end of an action (resume, delete) run in a command.
	runsDoneMsg struct {
		status string
		err    error
	}
)

// ResumeFunc resumes the run folder dir in a background process (the app's R key).
type ResumeFunc func(dir string) error

// runsScreen is the Bubble Tea model of the runs screen: every run (and sweep) folder
// under the runs folder, newest first, one row each with its start, preset, scale,
// methods, seeds, steps, state, training time, headline ratio and trend, and below the
// table the selected run's details. It reads the folder through a runner.RunIndex in a
// command every runsRescan while it is shown; keys open a run's dashboard, mark runs and
// compare them, resume an interrupted or lost run in the background, filter, and delete
// a run after a confirmation that names it.
type runsScreen struct {
	theme  *theme
	keys   runsKeyMap
	help   help.Model
	index  *summary.Index
	resume ResumeFunc
	loc    *time.Location // of the start times shown

	all         []summary.Status
	shown       []int // indices into all that pass the filter
	err         error
	loaded      bool
	marked      map[string]bool // by folder
	table       *table
	filter      lineEdit
	editing     bool            // the filter line has the keys
	confirm     *summary.Status // the run to delete, while the question is open
	log         *logView        // the selected run's train.log and run.json, while shown (l)
	sortBy      int             // index into runSorts: the rows' order (o)
	status      string          // one message in the footer, until the next key or statusScans reads
	statusScans int             // the reads of the runs folder since status was set
	showHelp    bool
	tableTop    int  // the window line of the table's header as last drawn; -1: no table
	helpTop     int  // the help screen's first line shown
	active      bool // shown: rescans on its tick
	scanning    bool
	gen         int
	w, h        int
}

// newRunsScreen returns the runs screen of the folders index lists; resume may be nil
// (R then says it cannot).
func newRunsScreen(t *theme, index *summary.Index, resume ResumeFunc) *runsScreen {
	k := defaultRunsKeyMap()
	return &runsScreen{
		theme: t, keys: k, help: newHelp(t), index: index, resume: resume, loc: time.Local,
		marked: map[string]bool{}, table: newTable(t, tableKeys{Up: k.Up, Down: k.Down}),
		w: minWidth, h: minHeight,
	}
}

// SetSize sets the screen size.
func (r *runsScreen) SetSize(w, h int) { r.w, r.h = w, h }

// Activate shows the screen: it reads the folder now and then every runsRescan.
func (r *runsScreen) Activate() tea.Cmd {
	r.active = true
	r.gen++
	return r.scan()
}

// Deactivate stops the rescans while another screen is shown.
func (r *runsScreen) Deactivate() { r.active = false }

func (r *runsScreen) scan() tea.Cmd {
	if r.scanning {
		return nil
	}
	r.scanning = true
	x := r.index
	return func() tea.Msg {
		rs, err := x.Scan()
		return runsScannedMsg{runs: rs, err: err}
	}
}

func (r *runsScreen) tick() tea.Cmd {
	gen := r.gen
	return tea.Tick(runsRescan, func(time.Time) tea.Msg { return runsTickMsg{gen: gen} })
}

// Selected returns the selected run, or nil.
func (r *runsScreen) Selected() *summary.Status {
	i := r.table.Selected()
	if i < 0 || i >= len(r.shown) {
		return nil
	}
	return &r.all[r.shown[i]]
}

// Marked returns the marked folders in the order listed.
func (r *runsScreen) Marked() []string {
	var out []string
	for _, rs := range r.all {
		if r.marked[rs.Dir] {
			out = append(out, rs.Dir)
		}
	}
	return out
}

// Update handles scans, ticks and keys.
func (r *runsScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.SetSize(msg.Width, msg.Height)
	case runsScannedMsg:
		r.scanning = false
		r.loaded = true
		if r.status != "" { // a message about an action is news for a few reads only
			if r.statusScans++; r.statusScans > statusScans {
				r.status, r.statusScans = "", 0
			}
		}
		r.setRuns(msg.runs, msg.err)
		if r.active {
			return r, r.tick()
		}
	case runsTickMsg:
		if msg.gen == r.gen && r.active {
			return r, r.scan()
		}
	case logReadMsg:
		if r.log != nil && r.log.dir == msg.dir {
			r.log.names, r.log.texts = msg.names, msg.texts
			r.log.top = len(msg.texts[0]) // train.log from its end, the latest lines
			r.log.SetSize(r.w, r.h)
		}
	case runsDoneMsg:
		r.status, r.statusScans = msg.status, 0
		if msg.err != nil {
			r.status = msg.err.Error()
		}
		return r, r.scan()
	case tea.KeyMsg:
		return r, r.key(msg)
	}
	return r, nil
}

// setRuns replaces the list, keeping the selection on the same folder.
func (r *runsScreen) setRuns(rs []summary.Status, err error) {
	var sel string
	if s := r.Selected(); s != nil {
		sel = s.Dir
	}
	if errors.Is(err, fs.ErrNotExist) { // no runs folder yet: a new user's first look
		err = nil
	}
	r.all, r.err = rs, err
	for d := range r.marked {
		if !slices.ContainsFunc(rs, func(x summary.Status) bool { return x.Dir == d }) {
			delete(r.marked, d)
		}
	}
	r.applyFilter(sel)
}

// applyFilter recomputes the rows that pass the filter and selects the folder sel if it is
// among them.
func (r *runsScreen) applyFilter(sel string) {
	q := strings.ToLower(strings.TrimSpace(r.filter.Value()))
	r.shown = r.shown[:0]
	idx := 0
	for i := range r.all {
		if q != "" && !strings.Contains(runText(&r.all[i]), q) {
			continue
		}
		if r.all[i].Dir == sel {
			idx = len(r.shown)
		}
		r.shown = append(r.shown, i)
	}
	if by := runSorts[r.sortBy]; by.cmp != nil {
		slices.SortStableFunc(r.shown, func(a, b int) int { return by.cmp(&r.all[a], &r.all[b]) })
		for k, i := range r.shown {
			if r.all[i].Dir == sel {
				idx = k
			}
		}
	}
	r.table.SetRows(make([]tableRow, len(r.shown)))
	r.table.sel = min(idx, max(len(r.shown)-1, 0))
	if sel == "" {
		r.table.sel = min(r.table.sel, max(len(r.shown)-1, 0))
	}
}

// runText is what the filter matches: preset, scale, methods, state and folder name, in
// lower case.
func runText(rs *summary.Status) string {
	parts := []string{rs.Info.Preset, rs.Info.Scale, strings.Join(rs.Info.Methods, " "), rs.StateText(), rs.Name()}
	if rs.Sweep != nil {
		parts = append(parts, "sweep", rs.Sweep.Preset, strings.Join(rs.Sweep.Methods, " "))
	}
	return strings.ToLower(strings.Join(parts, " "))
}

// key handles a key. The delete question, the log view and the filter being typed take
// every key; o (sort) and l (logs) act even over the help screen, which otherwise closes
// on ? or esc and lets only quit through; then the key tables act: runsKeys, and, when a
// run is selected, selectedRunKeys.
func (r *runsScreen) key(msg tea.KeyMsg) tea.Cmd {
	r.status = ""
	switch {
	case r.confirm != nil:
		return r.confirmKey(msg)
	case r.log != nil:
		if !r.log.key(msg) {
			r.log = nil
		}
		return nil
	case r.editing:
		r.filterKey(msg)
		return nil
	}
	k := r.keys
	if cmd, ok := dispatchKey(r, []keyAction[*runsScreen]{
		{on(k.Sort), (*runsScreen).nextSort},
		{on(k.Log), (*runsScreen).openLog},
	}, msg); ok {
		return cmd
	}
	if r.showHelp {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help), msg.Type == tea.KeyEsc:
			r.showHelp, r.helpTop = false, 0
		default:
			scrollHelp(&r.helpTop, msg, k.Up, k.Down)
		}
		return nil
	}
	if cmd, ok := dispatchKey(r, r.runsKeys(), msg); ok || r.Selected() == nil {
		return cmd
	}
	cmd, _ := dispatchKey(r, r.selectedRunKeys(), msg)
	return cmd
}

// runsKeys returns the runs screen's key table for the keys that need no selected run.
func (r *runsScreen) runsKeys() []keyAction[*runsScreen] {
	k := r.keys
	return []keyAction[*runsScreen]{
		{on(k.Quit), func(*runsScreen, tea.KeyMsg) tea.Cmd { return tea.Quit }},
		{on(k.Help), func(r *runsScreen, _ tea.KeyMsg) tea.Cmd { r.showHelp = true; return nil }},
		{on(k.Up, k.Down), func(r *runsScreen, msg tea.KeyMsg) tea.Cmd { r.table.Update(msg); return nil }},
		{on(k.Filter), func(r *runsScreen, _ tea.KeyMsg) tea.Cmd { r.editing = true; return nil }},
		{on(k.Back), (*runsScreen).back},
	}
}

// selectedRunKeys returns the runs screen's key table for the keys that act on the
// selected run.
func (r *runsScreen) selectedRunKeys() []keyAction[*runsScreen] {
	k := r.keys
	return []keyAction[*runsScreen]{
		{on(k.Mark), (*runsScreen).toggleMark},
		{on(k.Open), func(r *runsScreen, _ tea.KeyMsg) tea.Cmd { return r.open(r.Selected()) }},
		{on(k.Compare), (*runsScreen).compareMarked},
		{on(k.Resume), func(r *runsScreen, _ tea.KeyMsg) tea.Cmd { return r.resumeRun(r.Selected()) }},
		{on(k.Delete), (*runsScreen).askDelete},
	}
}

// filterKey edits the filter being typed: enter keeps it, esc clears it, the arrows
// still move the selection.
func (r *runsScreen) filterKey(msg tea.KeyMsg) {
	switch msg.Type {
	case tea.KeyEnter:
		r.editing = false
	case tea.KeyEsc:
		r.editing = false
		r.filter.SetValue("")
		r.applySameSelection()
	case tea.KeyUp, tea.KeyDown:
		r.table.Update(msg)
	default:
		if r.filter.Update(msg) {
			r.applySameSelection()
		}
	}
}

// nextSort sorts the list by the next order, keeping the selection.
func (r *runsScreen) nextSort(tea.KeyMsg) tea.Cmd {
	var sel string
	if s := r.Selected(); s != nil {
		sel = s.Dir
	}
	r.sortBy = (r.sortBy + 1) % len(runSorts)
	r.applyFilter(sel)
	return nil
}

// openLog opens the log view of the selected run, if any, and reads its logs.
func (r *runsScreen) openLog(tea.KeyMsg) tea.Cmd {
	sel := r.Selected()
	if sel == nil {
		return nil
	}
	r.log = &logView{dir: sel.Dir}
	r.log.SetSize(r.w, r.h)
	return readLogs(sel.Dir)
}

// back clears the filter, else the marks, else goes back to the presets.
func (r *runsScreen) back(tea.KeyMsg) tea.Cmd {
	switch {
	case r.filter.Value() != "":
		r.filter.SetValue("")
		r.applySameSelection()
	case len(r.marked) > 0:
		clear(r.marked)
	default:
		return func() tea.Msg { return runsBackMsg{} }
	}
	return nil
}

// toggleMark marks or unmarks the selected run (an unreadable one cannot be marked) and
// moves to the next.
func (r *runsScreen) toggleMark(tea.KeyMsg) tea.Cmd {
	sel := r.Selected()
	if r.marked[sel.Dir] {
		delete(r.marked, sel.Dir)
	} else if sel.State != summary.RunUnreadable {
		r.marked[sel.Dir] = true
	}
	r.table.Update(tea.KeyMsg{Type: tea.KeyDown})
	return nil
}

// compareMarked opens the marked runs in one dashboard (one run: its own), titled with
// their number and, when they are of different presets, a warning; none says how to mark.
func (r *runsScreen) compareMarked(tea.KeyMsg) tea.Cmd {
	dirs := r.Marked()
	if len(dirs) == 0 {
		r.status = "mark runs with space first, then c compares them in one chart (enter on a sweep compares its runs)"
		return nil
	}
	if len(dirs) == 1 {
		return r.open(r.find(dirs[0]))
	}
	title := fmt.Sprintf("%d marked runs", len(dirs))
	var ps []string // runs of different presets share no metric scale: say so
	for _, d := range dirs {
		if rs := r.find(d); rs != nil && !slices.Contains(ps, runPreset(rs)) {
			ps = append(ps, runPreset(rs))
		}
	}
	if len(ps) > 1 {
		title += " · different presets (" + sanitize.Lines(strings.Join(ps, ", "), 60) + "): not comparable"
	}
	return func() tea.Msg { return compareRunsMsg{Dirs: dirs, Title: title} }
}

// askDelete asks whether to delete the selected run, unless it is training.
func (r *runsScreen) askDelete(tea.KeyMsg) tea.Cmd {
	sel := r.Selected()
	if sel.State == summary.RunTraining {
		r.status = sanitize.Path(sel.Dir) + " is training: open it (enter) and stop it first (q, then s)"
		return nil
	}
	r.confirm = sel
	return nil
}

func (r *runsScreen) applySameSelection() {
	var sel string
	if s := r.Selected(); s != nil {
		sel = s.Dir
	}
	r.applyFilter(sel)
}

func (r *runsScreen) find(dir string) *summary.Status {
	for i := range r.all {
		if r.all[i].Dir == dir {
			return &r.all[i]
		}
	}
	return nil
}

// lost reports whether the run folder dir (listed, or a listed sweep's run) has jobs
// that the list found lost: their trainer gone, not merely not started yet.
func (r *runsScreen) lost(dir string) bool {
	for i := range r.all {
		for _, rs := range append([]summary.Status{r.all[i]}, r.all[i].Runs...) {
			if rs.Dir == dir {
				return rs.Count[summary.JobLost] > 0
			}
		}
	}
	return false
}

// open opens a run's dashboard, or a sweep's runs in one dashboard.
func (r *runsScreen) open(sel *summary.Status) tea.Cmd {
	switch {
	case sel == nil:
		return nil
	case sel.State == summary.RunUnreadable:
		r.status = "cannot open " + sanitize.Path(sel.Dir) + ": " + sel.Err.Error()
		return nil
	case sel.Sweep != nil:
		var dirs []string
		for _, s := range sel.Runs {
			dirs = append(dirs, s.Dir)
		}
		if len(dirs) == 0 {
			r.status = "sweep " + sanitize.Path(sel.Dir) + " has no run yet"
			return nil
		}
		title := "sweep " + sel.Name()
		if n := len(sel.Sweep.Runs); len(dirs) < n {
			title += fmt.Sprintf(" (%d of %d runs started)", len(dirs), n)
		}
		return func() tea.Msg { return compareRunsMsg{Dirs: dirs, Title: title} }
	}
	dir := sel.Dir
	return func() tea.Msg { return openRunMsg{Dir: dir} }
}

// resumeRun resumes an interrupted or lost run, or a sweep as a whole (its begun runs
// continue, the others start), in the background.
func (r *runsScreen) resumeRun(sel *summary.Status) tea.Cmd {
	var dirs []string
	if sel.State.Resumable() {
		dirs = []string{sel.Dir}
	}
	switch {
	case len(dirs) == 0:
		r.status = fmt.Sprintf("%s is %s: nothing to resume (R resumes interrupted and lost runs)", sel.Name(), sel.StateText())
		return nil
	case r.resume == nil:
		r.status = "this app cannot start processes: sipbench resume " + sanitize.Path(sel.Dir)
		return nil
	}
	resume := r.resume
	r.status = "resuming " + sanitize.Path(sel.Dir) + " …"
	return func() tea.Msg {
		for _, d := range dirs {
			if err := resume(d); err != nil {
				return runsDoneMsg{err: err}
			}
		}
		return runsDoneMsg{status: fmt.Sprintf("resumed %s in the background: enter opens it", strings.Join(dirs, ", "))}
	}
}

// confirmKey answers the delete question: y deletes, anything else keeps the run.
func (r *runsScreen) confirmKey(msg tea.KeyMsg) tea.Cmd {
	rs := r.confirm
	r.confirm = nil
	if msg.String() != "y" && msg.String() != "Y" {
		r.status = "kept " + sanitize.Path(rs.Dir)
		return nil
	}
	dir := rs.Dir
	delete(r.marked, dir)
	return func() tea.Msg {
		if err := summary.DeleteRun(dir); err != nil {
			return runsDoneMsg{err: err}
		}
		return runsDoneMsg{status: "deleted " + dir}
	}
}

// View renders the screen at its size.
func (r *runsScreen) View() string {
	t := r.theme
	r.tableTop = -1
	if s, small := tooSmall(t, r.w, r.h); small {
		return s
	}
	if r.showHelp {
		return r.helpView()
	}
	if r.log != nil {
		r.log.SetSize(r.w, r.h)
		return r.log.view(t)
	}
	var b strings.Builder
	b.WriteString(fitBlock(t.Title.Render(dots(t, r.title())), r.w, 1))
	b.WriteByte('\n')
	detailH := r.detailH()
	tableH := r.h - 2 - detailH - 1
	switch {
	case !r.loaded:
		b.WriteString(fitBlock(t.Dim.Render("reading "+r.index.Root+" …"), r.w, tableH))
	case r.err != nil:
		b.WriteString(fitBlock(t.Bad.Render("cannot read "+sanitize.Path(r.index.Root)+": ")+r.err.Error()+"\n"+
			t.Dim.Render("start a run first: esc shows the presets"), r.w, tableH))
	case len(r.all) == 0:
		b.WriteString(fitBlock(t.Dim.Render(ansi.Wordwrap("no runs in "+r.index.Root+" yet: esc shows the presets; choose one to start a run", r.w, "/ ")), r.w, tableH))
	case len(r.shown) == 0:
		b.WriteString(fitBlock(t.Dim.Render(fmt.Sprintf("no run matches %q: esc clears the filter", r.filter.Value())), r.w, tableH))
	default:
		cols, rows := r.tableRows()
		r.table.SetSize(r.w, tableH)
		r.table.SetColumns(cols)
		r.table.SetRows(rows)
		r.tableTop = strings.Count(b.String(), "\n")
		b.WriteString(r.table.View())
	}
	b.WriteByte('\n')
	b.WriteString(fitBlock(t.Dim.Render(strings.Repeat(rule(t), r.w)), r.w, 1))
	b.WriteByte('\n')
	b.WriteString(fitBlock(r.detail(), r.w, detailH))
	b.WriteByte('\n')
	b.WriteString(fitBlock(r.footer(), r.w, 1))
	v := b.String()
	if r.confirm != nil {
		v = overlay(v, r.confirmView(), r.w, r.h)
	}
	return v
}

// click selects the run on the row at (x, y), or opens it if it is selected already (a
// double click does both); clicks elsewhere, or over the help, the log, the delete
// question, do nothing.
func (r *runsScreen) click(x, y int) tea.Cmd {
	r.View() // the hit areas of the frame the screen is in now
	if r.tableTop < 0 || r.log != nil || r.confirm != nil {
		return nil
	}
	i, ok := r.table.rowAt(x, y-r.tableTop)
	if !ok {
		return nil
	}
	r.status = ""
	if i == r.table.Selected() && !r.editing {
		return r.open(r.Selected())
	}
	r.table.Select(i)
	return nil
}

// rule is the horizontal line glyph.
func rule(t *theme) string {
	if t.ASCII {
		return "-"
	}
	return "─"
}

func (r *runsScreen) title() string {
	s := fmt.Sprintf("sipbench · runs in %s", r.index.Root)
	if !r.loaded || r.err != nil {
		return s
	}
	count := map[summary.State]int{}
	for _, rs := range r.all {
		count[rs.State]++
	}
	s += " · " + plural(len(r.all), "run")
	if len(r.shown) != len(r.all) {
		s += fmt.Sprintf(" (%d shown)", len(r.shown))
	}
	var parts []string
	for _, st := range []summary.State{summary.RunTraining, summary.RunQueued, summary.RunUnknown, summary.RunLost, summary.RunInterrupted} {
		if n := count[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	if n := len(r.marked); n > 0 {
		s += fmt.Sprintf(" · %d marked", n)
	}
	if r.sortBy > 0 {
		s += " · by " + runSorts[r.sortBy].name
	}
	if ansi.StringWidth(s) > r.w { // the counts matter more than the name
		s = strings.TrimPrefix(s, "sipbench · ")
	}
	return s
}

// runsColumn is one candidate column of the runs table: dropped, least important first,
// until the table fits the width.
type runsColumn struct {
	col  column
	drop int // 0: never dropped; higher: dropped earlier
	cell func(rs *summary.Status) tableCell
}

// tableRows returns the columns that fit the width and a row per shown run.
func (r *runsScreen) tableRows() ([]column, []tableRow) {
	t := r.theme
	wide := r.w >= 150
	presetW, folderW, stepsW := len("preset"), len("folder"), len("steps")
	for _, i := range r.shown {
		rs := &r.all[i]
		presetW = max(presetW, ansi.StringWidth(runPreset(rs)))
		folderW = max(folderW, ansi.StringWidth(rs.Name()))
		stepsW = max(stepsW, len(rs.Progress()))
	}
	presetW, folderW = min(presetW, 12), min(folderW, 40)
	trendW := 12
	if wide {
		trendW = 24
	}
	timeFmt, timeW := "01-02 15:04", 11
	if wide {
		timeFmt, timeW = "2006-01-02 15:04", 16
	}
	all := []runsColumn{
		{column{Title: "started", Width: timeW}, 0, func(rs *summary.Status) tableCell {
			if rs.Started.IsZero() {
				return tableCell{Text: "-"}
			}
			return tableCell{Text: rs.Started.In(r.loc).Format(timeFmt)}
		}},
		{column{Title: "preset", Width: presetW}, 0, func(rs *summary.Status) tableCell { return tableCell{Text: runPreset(rs)} }},
		{column{Title: "scale", Width: 5}, 4, func(rs *summary.Status) tableCell { return tableCell{Text: runScale(rs)} }},
		{column{Title: "methods", Width: 12, Flex: true}, 5, func(rs *summary.Status) tableCell { return tableCell{Text: runMethods(rs)} }},
		{column{Title: "seeds", Width: 5, Right: true}, 3, func(rs *summary.Status) tableCell { return tableCell{Text: runSeeds(rs)} }},
		{column{Title: "steps", Width: stepsW, Right: true}, 0, func(rs *summary.Status) tableCell { return tableCell{Text: rs.Progress()} }},
		{column{Title: "state", Width: 14}, 0, func(rs *summary.Status) tableCell {
			return tableCell{Text: rs.StateText(), Style: runStateStyle(t, rs.State)}
		}},
		{column{Title: "trained", Width: 7, Right: true}, 2, func(rs *summary.Status) tableCell { return tableCell{Text: trainedOf(rs)} }},
		{column{Title: "best ÷ ref", Width: 11}, 0, func(rs *summary.Status) tableCell { return tableCell{Text: headlineOf(rs, 11)} }},
		{column{Title: "trend", Width: trendW}, 1, func(rs *summary.Status) tableCell {
			if rs.Sweep != nil { // no trend of its own; at 80 cells, the one word that tells it apart
				return tableCell{Text: fmt.Sprintf("sweep of %d", len(rs.Sweep.Runs)), Style: &t.Dim}
			}
			return tableCell{Text: sparklineOf(rs.Trend, trendW, t.ASCII), Style: &t.Spark}
		}},
		{column{Title: "folder", Width: folderW}, 6, func(rs *summary.Status) tableCell { return tableCell{Text: rs.Name()} }},
	}
	// The methods column takes what the others leave, at least its width: at 120 cells
	// the folder (its name is most often the start and the preset again, and the detail
	// below names it) makes room for it.
	fits := func(cs []runsColumn) bool {
		w := 2 - 1
		for _, c := range cs {
			w += 1 + c.col.Width
		}
		return w <= r.w
	}
	for drop := 6; drop >= 1 && !fits(all); drop-- {
		all = slices.DeleteFunc(all, func(c runsColumn) bool { return c.drop == drop })
	}
	cols := make([]column, len(all))
	for i, c := range all {
		cols[i] = c.col
	}
	rows := make([]tableRow, len(r.shown))
	mark := "● "
	if t.ASCII {
		mark = "* "
	}
	for k, i := range r.shown {
		rs := &r.all[i]
		row := tableRow{Mark: "  "}
		if r.marked[rs.Dir] {
			row.Mark = t.Warn.Render(mark)
		}
		for _, c := range all {
			row.Cells = append(row.Cells, c.cell(rs))
		}
		rows[k] = row
	}
	return cols, rows
}

func runPreset(rs *summary.Status) string {
	if rs.Sweep != nil {
		return rs.Sweep.Preset
	}
	if rs.Info.Preset == "" {
		return "?"
	}
	return rs.Info.Preset
}

func runScale(rs *summary.Status) string {
	if rs.Sweep != nil {
		return rs.Sweep.Scale
	}
	return rs.Info.Scale
}

func runMethods(rs *summary.Status) string {
	if rs.Sweep != nil {
		return fmt.Sprintf("sweep of %s: %d runs", strings.Join(rs.Sweep.Keys, ","), len(rs.Sweep.Runs))
	}
	return strings.Join(rs.Info.Methods, ",")
}

func runSeeds(rs *summary.Status) string {
	if rs.Sweep != nil || rs.Err != nil {
		return "-"
	}
	return fmt.Sprint(len(rs.Info.Seeds))
}

// trainedOf is how long the run trained (RunStatus.TrainedFor: jobs that trained one
// after another add up), "-" before any.
func trainedOf(rs *summary.Status) string {
	t := rs.TrainedFor()
	if t <= 0 {
		return "-"
	}
	return formatDur(t)
}

// headlineOf is "Adam 3.12": the best method other than the reference and its ratio to
// the reference at the end, in w cells: a long method name is cut (with an ellipsis),
// never the ratio.
func headlineOf(rs *summary.Status, w int) string {
	if math.IsNaN(rs.Headline.Ratio) {
		return "-"
	}
	ratio := fmt.Sprintf("%.3g", rs.Headline.Ratio)
	return ansi.Truncate(rs.Headline.Method, max(1, w-len(ratio)-1), "…") + " " + ratio
}

// runStateStyle colours a run state: problems red, waiting yellow, finished green.
func runStateStyle(t *theme, s summary.State) *lipgloss.Style {
	switch s {
	case summary.RunLost, summary.RunFailed, summary.RunDiverged, summary.RunUnreadable:
		return &t.Bad
	case summary.RunInterrupted, summary.RunQueued, summary.RunUnknown:
		return &t.Warn
	case summary.RunFinished:
		return &t.Good
	}
	return nil
}

// detail describes the selected run: its folder and jobs, and what can be done with it.
func (r *runsScreen) detail() string {
	t := r.theme
	rs := r.Selected()
	if rs == nil {
		return ""
	}
	var lines []string
	head := sanitize.Path(rs.Dir)
	switch {
	case rs.Sweep != nil:
		head += fmt.Sprintf(" · sweep of %s (%s scale) over %s · %d of %d runs started", rs.Sweep.Preset, rs.Sweep.Scale,
			strings.Join(rs.Sweep.Keys, ", "), len(rs.Runs), len(rs.Sweep.Runs))
	case rs.Err == nil:
		head += fmt.Sprintf(" · %s (%s scale) · %s · seeds %s", rs.Info.Preset, rs.Info.Scale, strings.Join(rs.Info.Methods, ", "), joinInts(rs.Info.Seeds))
	}
	lines = append(lines, t.Bold.Render(head))
	if rs.Err != nil {
		lines = append(lines, t.Bad.Render(rs.Err.Error()))
		return strings.Join(lines, "\n")
	}
	hint := r.hint(rs)
	if rs.Sweep == nil {
		var js []string
		for _, j := range rs.Jobs {
			s := fmt.Sprintf("%s %s %d/%d", j.Info.ID, j.Kind, min(j.Step, j.Info.Steps), j.Info.Steps)
			if j.Cluster.State != cluster.None {
				s += " (" + j.Cluster.Short() + ")"
			}
			js = append(js, s)
		}
		// The hint says what to do: the jobs give way to it when the lines run short.
		jobs := strings.Split(wordWrap("jobs: "+strings.Join(js, " · "), r.w), "\n")
		if room := max(r.detailH()-1-(strings.Count(hint, "\n")+1), 1); len(jobs) > room {
			jobs = jobs[:room]
			ell := "…"
			if t.ASCII {
				ell = "..."
			}
			jobs[room-1] = ansi.Truncate(jobs[room-1], r.w-ansi.StringWidth(ell), "") + ell
		}
		lines = append(lines, t.Dim.Render(strings.Join(jobs, "\n")))
	}
	lines = append(lines, hint)
	return strings.Join(lines, "\n")
}

// detailH is the height of the detail below the table.
func (r *runsScreen) detailH() int {
	if r.h >= 40 {
		return 8
	}
	return 4
}

// hint says what the selected run's state means and what to do with it.
func (r *runsScreen) hint(rs *summary.Status) string {
	t := r.theme
	opens := func(what string) string {
		if rs.Sweep != nil {
			return "enter compares its runs in one chart"
		}
		return "enter opens its " + what
	}
	var s string
	switch rs.State {
	case summary.RunTraining:
		s = "Training: " + opens("dashboard")
		for _, j := range rs.Jobs {
			if j.Owner != nil {
				s += fmt.Sprintf(" (trained by pid %d on %s)", j.Owner.PID, j.Owner.Host)
				break
			}
		}
		s += "."
	case summary.RunQueued:
		s = "Waiting to start"
		if rs.Cluster {
			s = "Waiting in " + cluster.Title(rs.Engine) + "'s queue"
		}
		s += ": " + opens("dashboard") + "."
	case summary.RunUnknown:
		terms := cluster.TermsOf(rs.Engine)
		s = terms.Title + " does not answer (" + terms.Queue + " failed), so nobody can say whether its jobs still run: R offers no resume until it answers."
	case summary.RunLost:
		s = lostHint(rs)
	case summary.RunInterrupted:
		s = "Stopped with checkpoints kept: R resumes it in the background."
		if rs.Unstarted > 0 {
			s = "Not all its runs have started: R continues the sweep in the background (begun runs resume, the others start)."
		}
	case summary.RunFailed:
		s = "A job failed: enter shows its message in the dashboard; sipbench resume --job ID retries it."
	case summary.RunDiverged, summary.RunFinished:
		s = "Finished: " + opens("curves")
		if !math.IsNaN(rs.Headline.Ratio) {
			s += fmt.Sprintf("; %s ÷ %s = %.3g at the end (above 1, %s is ahead)", rs.Headline.Method, rs.Info.Reference, rs.Headline.Ratio, rs.Info.Reference)
		}
		s += "."
	}
	if rs.Sweep != nil {
		switch rs.State {
		case summary.RunLost, summary.RunInterrupted:
			s += " enter compares its runs in one chart."
		}
		if n := len(rs.Sweep.Runs); len(rs.Runs) < n {
			s += fmt.Sprintf(" %d of its %d runs have started; the chart shows those started when it opens.", len(rs.Runs), n)
		}
	}
	return t.Dim.Render(wordWrap(s, r.w))
}

// lostHint says what a lost run is and what R does with its lost jobs: resume them from
// their checkpoints, or, for those that have written none yet, train them again from
// step 0 (R works in the background). Two lines of 80 cells, as the detail has 4.
func lostHint(rs *summary.Status) string {
	lost, bare := 0, 0
	for _, j := range rs.Jobs {
		if j.Kind == summary.JobLost {
			lost++
			if !j.Checkpoint {
				bare++
			}
		}
	}
	jobs := plural(lost, "unfinished job") + " have"
	if lost == 1 {
		jobs = "1 unfinished job has"
	}
	every := ""
	if n := rs.Info.Settings["checkpoint_every"]; n != "" {
		every = " (one every " + n + " steps)"
	}
	switch {
	case bare == 0:
		return jobs + " no live trainer (the process was killed, or the machine restarted): R resumes them in the background from their checkpoints."
	case bare == lost:
		return jobs + " no live trainer (killed, or the machine restarted) and no checkpoint yet" + every +
			": R trains them again from step 0."
	}
	return fmt.Sprintf("%s no live trainer (killed, or the machine restarted): R resumes them from their checkpoints, %d without one from step 0.", jobs, bare)
}

func joinInts(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ",")
}

func (r *runsScreen) footer() string {
	switch {
	case r.editing:
		return "/" + r.filter.Value() + r.theme.Selected.Render(" ") + r.theme.Dim.Render("  preset, method, state or folder · enter keeps · esc clears")
	case r.status != "":
		return sanitize.String(r.status) // it may quote a folder's name or content
	case r.filter.Value() != "":
		return r.theme.Dim.Render(fmt.Sprintf("filter %q · / edits · esc clears", r.filter.Value()))
	}
	return footerWithMouse(r.help, r.keys, r.keys.Mouse, r.w)
}

// confirmView is the delete question, naming the run.
func (r *runsScreen) confirmView() string {
	t := r.theme
	rs := r.confirm
	what := "run"
	if rs.Sweep != nil {
		what = fmt.Sprintf("sweep (%d runs)", len(rs.Runs))
	}
	desc := rs.StateText()
	if rs.Err == nil {
		desc = fmt.Sprintf("%s, %s, %s", runPreset(rs), runMethods(rs), rs.StateText())
	}
	inner := min(r.w-4, 76)
	lines := []string{
		t.Bold.Render("Delete this " + what + "?"),
		"",
		ansi.Wordwrap(sanitize.Path(rs.Dir), inner, "/"),
		t.Dim.Render(wordWrap(desc, inner)),
		"",
		t.HelpKey.Render("[y]") + " delete the folder and everything in it   " + t.HelpKey.Render("[n]") + " keep it",
	}
	return newDialogStyle(t).Render(strings.Join(lines, "\n"))
}

func (r *runsScreen) helpView() string {
	return helpScreen(r.theme, r.help, r.keys, "sipbench: runs",
		"Every run folder under "+r.index.Root+", newest first. "+
			"State: training (a live process trains it), queued (waiting to start, or in its cluster's queue), "+
			"lost (unfinished jobs that no process trains: killed, or the machine restarted; R resumes them), "+
			"interrupted (stopped with checkpoints; R resumes), failed or diverged (jobs that did; the others finished), finished. "+
			"best ÷ ref: the method with the lowest metric other than the reference (SIP), and its value divided by the "+
			"reference's at the end (running mean of 64 steps, mean over seeds): above 1 the reference is ahead. "+
			"trend: the metric of the run's best job over its training, log scale. "+
			"Mark runs with space and press c to see them in one chart, labelled by the settings in which they differ; "+
			"enter on a sweep does the same for its runs. Press ? or esc to close.", r.w, r.h, &r.helpTop)
}

// runsRoot is the folder a runs screen lists when the app is given none.
func runsRoot(root string) string {
	if root == "" {
		return folder.RunsDir
	}
	return filepath.Clean(root)
}

// lineEdit is a one-line text field: typed characters append, backspace deletes the last,
// ctrl+u clears.
type lineEdit struct{ text []rune }

// Value returns the text.
func (e *lineEdit) Value() string { return string(e.text) }

// SetValue replaces the text.
func (e *lineEdit) SetValue(s string) { e.text = []rune(s) }

// Update edits the text on a key and reports whether it changed.
func (e *lineEdit) Update(msg tea.KeyMsg) bool {
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		if len(e.text)+len(msg.Runes) > 64 {
			return false
		}
		e.text = append(e.text, msg.Runes...)
		if msg.Type == tea.KeySpace && len(msg.Runes) == 0 {
			e.text = append(e.text, ' ')
		}
	case tea.KeyBackspace:
		if len(e.text) == 0 {
			return false
		}
		e.text = e.text[:len(e.text)-1]
	case tea.KeyCtrlU:
		e.text = nil
	default:
		return false
	}
	return true
}

// runSorts are the orders o cycles the runs screen through (k9s sorts its columns): as
// listed (newest first), by state (what needs you first), preset, training time (longest
// first) and headline ratio (highest first, runs without one last); ties keep the
// listed order.
var runSorts = []struct {
	name string
	cmp  func(a, b *summary.Status) int
}{
	{"newest", nil},
	{"state", func(a, b *summary.Status) int { return cmp.Compare(stateRank(a.State), stateRank(b.State)) }},
	{"preset", func(a, b *summary.Status) int { return strings.Compare(a.Info.Preset, b.Info.Preset) }},
	{"training time", func(a, b *summary.Status) int { return cmp.Compare(b.TrainedFor(), a.TrainedFor()) }},
	{"best ÷ ref", func(a, b *summary.Status) int {
		x, y := a.Headline.Ratio, b.Headline.Ratio
		switch {
		case math.IsNaN(x) && math.IsNaN(y):
			return 0
		case math.IsNaN(x):
			return 1
		case math.IsNaN(y):
			return -1
		}
		return cmp.Compare(y, x)
	}},
}

// stateRank orders run states by how much they need the user: problems and live runs
// first, finished last.
func stateRank(s summary.State) int {
	for i, st := range []summary.State{summary.RunLost, summary.RunFailed, summary.RunDiverged, summary.RunUnreadable,
		summary.RunTraining, summary.RunQueued, summary.RunUnknown, summary.RunInterrupted, summary.RunFinished} {
		if s == st {
			return i
		}
	}
	return 99
}
