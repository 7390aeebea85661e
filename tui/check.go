package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/view"
)

// checkPoll is the time between two reads of the check folder while the check screen is
// shown.
const checkPoll = time.Second

// CheckStartFunc creates a check folder at scale with the seeds and starts training it in
// a background process; it returns the folder. It runs in a command, off the UI loop.
type CheckStartFunc func(scale string, seeds []int) (dir string, err error)

// checkKeyMap holds the check screen's key bindings; they also feed its footer.
type checkKeyMap struct {
	Up, Down, Open, Stop, Scale, More, Fewer, Start, Newest, Back, Quit key.Binding
}

func defaultCheckKeyMap() checkKeyMap {
	return checkKeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous claim")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next claim")),
		Open:   key.NewBinding(key.WithKeys("enter", "o"), key.WithHelp("enter", "open the run")),
		Stop:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "stop the check")),
		Scale:  key.NewBinding(key.WithKeys("left", "right", "tab", "h", "l"), key.WithHelp("←/→", "scale")),
		More:   key.NewBinding(key.WithKeys("+", "=", "up", "k"), key.WithHelp("+", "more seeds")),
		Fewer:  key.NewBinding(key.WithKeys("-", "down", "j"), key.WithHelp("-", "fewer seeds")),
		Start:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start the check")),
		Newest: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open the newest check")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "presets")),
		Quit:   key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// checkKeys are the bindings of one mode of the check screen (help.KeyMap).
type checkKeys []key.Binding

func (k checkKeys) ShortHelp() []key.Binding  { return k }
func (k checkKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k} }

// The check screen's messages.
type (
	// checkChosenMsg asks the App for the check screen (the preset list's "paper check").
	checkChosenMsg struct{}
	// checkBackMsg asks to go back to the preset list.
	checkBackMsg struct{}
	// checkStartedMsg reports the end of a start: the check folder, or err.
	checkStartedMsg struct {
		dir string
		err error
	}
	// checkReadMsg is one reading of the check folder.
	checkReadMsg struct {
		gen   int
		table *view.Check
		err   error
	}
	checkTickMsg struct{ gen int }
	// checkNewestMsg is the newest check folder under the root, or "" (o on the set-up).
	checkNewestMsg struct{ dir string }
	// checkStoppedMsg reports that the check's trainers were asked to stop.
	checkStoppedMsg struct{}
)

// checkScreen is the Bubble Tea model of the paper check: before a check folder is
// chosen, its set-up (scale and seeds; enter starts `sipbench check` in the background);
// then the table of claims that `sipbench check` prints, one row per claim with where it
// is, the step, the measured ratio (mean, min–max over seeds), the paper's value and the
// verdict, filled in as runs finish (the folder is read every checkPoll through
// checks.Evaluate), and below it the selected claim in the paper's words. enter opens the
// run behind the selected row (the runs, compared in one dashboard, when its methods
// trained in several).
type checkScreen struct {
	theme  *theme
	keys   checkKeyMap
	help   help.Model
	start  CheckStartFunc
	stop   func(dir string) // asks the processes training a run folder to stop; nil: cannot
	checks view.Checks      // reads check folders; its funcs nil: cannot
	table  *table

	dir      string // the check folder; "" while setting up
	root     string // where the set-up looks for the newest check folder (o)
	scale    int    // index into checks.Scales (set-up)
	seeds    int    // (set-up)
	starting bool
	result   *view.Check
	err      error
	status   string // one message in the footer, until the next key
	active   bool
	reading  bool
	gen      int
	w, h     int
}

// newCheckScreen returns the check screen of the check folder dir, or its set-up if dir
// is ""; checks reads the folders (without its Evaluate the screen says it cannot), start
// may be nil (the set-up then says it cannot start), and stop (what s calls for each
// experiment's run folder) too.
func newCheckScreen(t *theme, checks view.Checks, start CheckStartFunc, stop func(dir string), root, dir string) *checkScreen {
	k := defaultCheckKeyMap()
	return &checkScreen{theme: t, keys: k, help: newHelp(t), checks: checks, start: start, stop: stop, root: root, dir: dir, seeds: 3,
		table: newTable(t, tableKeys{Up: k.Up, Down: k.Down}), w: minWidth, h: minHeight}
}

// SetSize sets the screen size.
func (c *checkScreen) SetSize(w, h int) { c.w, c.h = w, h }

// Activate shows the screen: with a check folder, it reads it now and then every
// checkPoll.
func (c *checkScreen) Activate() tea.Cmd {
	c.active = true
	c.gen++
	return c.read()
}

// Deactivate stops the reads while another screen is shown.
func (c *checkScreen) Deactivate() { c.active = false }

func (c *checkScreen) read() tea.Cmd {
	if c.dir == "" || c.reading {
		return nil
	}
	c.reading = true
	dir, gen, evaluate := c.dir, c.gen, c.checks.Evaluate
	return func() tea.Msg {
		if evaluate == nil {
			return checkReadMsg{gen: gen, err: errNoChecks}
		}
		t, err := evaluate(dir)
		return checkReadMsg{gen: gen, table: t, err: err}
	}
}

func (c *checkScreen) tick() tea.Cmd {
	gen := c.gen
	return tea.Tick(checkPoll, func(time.Time) tea.Msg { return checkTickMsg{gen: gen} })
}

// Selected returns the selected row, or nil.
func (c *checkScreen) Selected() *view.CheckRow {
	i := c.table.Selected()
	if c.result == nil || i < 0 || i >= len(c.result.Rows) {
		return nil
	}
	return &c.result.Rows[i]
}

// Update handles readings, ticks and keys.
func (c *checkScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.SetSize(msg.Width, msg.Height)
	case checkStartedMsg:
		c.starting = false
		if msg.err != nil {
			c.status = msg.err.Error()
			return c, nil
		}
		c.dir = msg.dir
		return c, c.Activate()
	case checkReadMsg:
		c.reading = false
		if msg.err == nil {
			c.result = msg.table
			c.table.SetRows(make([]tableRow, len(c.result.Rows)))
		}
		c.err = msg.err
		if c.active && msg.gen == c.gen {
			return c, c.tick()
		}
	case checkTickMsg:
		if msg.gen == c.gen && c.active {
			return c, c.read()
		}
	case checkNewestMsg:
		switch {
		case c.dir != "": // a check opened meanwhile
		case msg.dir == "":
			c.status = "no check folder in " + c.root + " yet: enter starts one"
		default:
			c.dir = msg.dir
			return c, c.Activate()
		}
	case checkStoppedMsg:
		c.status = "asked the check to stop (checkpoints are kept): sipbench check --out " + c.dir + " continues it"
	case tea.KeyMsg:
		c.status = ""
		if c.dir == "" {
			return c, c.setupKey(msg)
		}
		return c, c.key(msg)
	}
	return c, nil
}

func (c *checkScreen) setupKey(msg tea.KeyMsg) tea.Cmd {
	k := c.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Back):
		return func() tea.Msg { return checkBackMsg{} }
	case key.Matches(msg, k.Scale):
		c.scale = (c.scale + 1) % max(1, len(c.checks.Scales))
	case key.Matches(msg, k.More):
		c.seeds = min(c.seeds+1, 16)
	case key.Matches(msg, k.Fewer):
		c.seeds = max(c.seeds-1, 1)
	case key.Matches(msg, k.Newest): // the folder is read in a command, not in Update
		root, isCheck := c.root, c.checks.IsCheck
		return func() tea.Msg { return checkNewestMsg{dir: newestCheck(root, isCheck)} }
	case key.Matches(msg, k.Start):
		if c.starting {
			return nil
		}
		if c.start == nil || len(c.checks.Scales) == 0 {
			c.status = "this app cannot start processes: sipbench check --scale " + c.scaleName()
			return nil
		}
		c.starting = true
		start, scale, seeds := c.start, c.scaleName(), make([]int, c.seeds)
		for i := range seeds {
			seeds[i] = i
		}
		return func() tea.Msg {
			dir, err := start(scale, seeds)
			return checkStartedMsg{dir: dir, err: err}
		}
	}
	return nil
}

func (c *checkScreen) key(msg tea.KeyMsg) tea.Cmd {
	k := c.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Back):
		return func() tea.Msg { return checkBackMsg{} }
	case key.Matches(msg, k.Up, k.Down):
		c.table.Update(msg)
	case key.Matches(msg, k.Stop):
		return c.stopCheck()
	case key.Matches(msg, k.Open):
		r := c.Selected()
		switch {
		case r == nil:
		case len(r.Runs) == 0:
			c.status = "no run behind this claim yet"
		case len(r.Runs) == 1:
			dir, mark, name := r.Runs[0], r.MarkStep, r.ID
			return func() tea.Msg { return openRunMsg{Dir: dir, Mark: mark, MarkName: name} }
		default: // the claim compares methods trained in several runs: one dashboard
			dirs, title, mark, name := r.Runs, "paper check: "+r.Where+" ("+r.ID+")", r.MarkStep, r.ID
			return func() tea.Msg { return compareRunsMsg{Dirs: dirs, Title: title, Mark: mark, MarkName: name} }
		}
	}
	return nil
}

// stopCheck asks the processes that train the check's runs to stop (their checkpoints
// written), in a command.
func (c *checkScreen) stopCheck() tea.Cmd {
	switch {
	case c.result == nil || len(c.result.Folders) == 0:
		return nil
	case c.stop == nil:
		c.status = "this app cannot stop processes"
		return nil
	}
	stop, dir, exps := c.stop, c.dir, c.result.Folders
	c.status = "stopping the check …"
	return func() tea.Msg {
		for _, e := range exps {
			if d := filepath.Join(dir, e); isDir(d) {
				stop(d)
			}
		}
		return checkStoppedMsg{}
	}
}

// isDir reports whether path is a folder (not a link).
func isDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
}

// View renders the screen at its size.
func (c *checkScreen) View() string {
	t := c.theme
	if s, small := tooSmall(t, c.w, c.h); small {
		return s
	}
	if c.dir == "" {
		return c.setupView()
	}
	var b strings.Builder
	b.WriteString(fitBlock(t.Title.Render(dots(t, c.title())), c.w, 1))
	b.WriteByte('\n')
	detailH := 5
	if c.h >= 40 {
		detailH = 9
	}
	tableH := c.h - 2 - detailH - 1
	switch {
	case c.err != nil:
		b.WriteString(fitBlock(t.Bad.Render("cannot read "+c.dir+": ")+c.err.Error(), c.w, tableH))
	case c.result == nil:
		b.WriteString(fitBlock(t.Dim.Render("reading "+c.dir+" …"), c.w, tableH))
	default:
		cols, rows := c.tableRows()
		c.table.SetSize(c.w, tableH)
		c.table.SetColumns(cols)
		c.table.SetRows(rows)
		b.WriteString(c.table.View())
	}
	b.WriteByte('\n')
	b.WriteString(fitBlock(t.Dim.Render(strings.Repeat(rule(t), c.w)), c.w, 1))
	b.WriteByte('\n')
	b.WriteString(fitBlock(c.detail(), c.w, detailH))
	b.WriteByte('\n')
	b.WriteString(fitBlock(c.footer(checkKeys{c.keys.Up, c.keys.Down, c.keys.Open, c.keys.Stop, c.keys.Back, c.keys.Quit}), c.w, 1))
	return b.String()
}

// title is the screen's first line: the scale, seeds and folder, and how many claims
// have a verdict. Where it does not fit the width, it drops "sipbench", then the folder,
// then shortens the verdicts' words ("5 not measured"), so that the counts are never
// cut ("5 not measured at" was all 80 cells showed).
func (c *checkScreen) title() string {
	s := "sipbench · paper check · " + c.dir
	r := c.result
	if r == nil {
		return s
	}
	head := r.Scale + " scale"
	if r.Seeds > 0 {
		head += " · " + plural(r.Seeds, "seed")
	}
	counts := func(short bool) string {
		var parts []string
		for _, n := range r.Counts {
			v := n.Verdict
			if short {
				v = strings.TrimSuffix(strings.TrimSuffix(v, " at this scale"), " of the paper")
			}
			parts = append(parts, fmt.Sprintf("%d %s", n.N, v))
		}
		return strings.Join(parts, ", ")
	}
	for _, s := range []string{
		"sipbench · paper check · " + head + " · " + c.dir + " · " + counts(false),
		"paper check · " + head + " · " + c.dir + " · " + counts(false),
		"paper check · " + head + " · " + counts(false),
		"paper check · " + head + " · " + counts(true),
	} {
		if ansi.StringWidth(s) <= c.w {
			return s
		}
	}
	return "check · " + counts(true)
}

// tableRows returns the columns and a row per claim.
func (c *checkScreen) tableRows() ([]column, []tableRow) {
	t := c.theme
	cols := []column{
		{Title: "WHERE", Width: 9},
		{Title: "STEP", Width: 16},
		{Title: "MEASURED", Width: 22, Right: true},
		{Title: "PAPER", Width: 16},
		{Title: "VERDICT", Width: 15},
		{Title: "CLAIM", Width: 8, Flex: true},
	}
	if c.w < 100 { // the step and paper's value go to the detail below
		cols = []column{cols[0], cols[2], cols[4], cols[5]}
	}
	var rows []tableRow
	for _, r := range c.result.Rows {
		cells := map[string]tableCell{
			"WHERE": {Text: r.Where}, "STEP": {Text: r.Step}, "MEASURED": {Text: r.Measured},
			"PAPER": {Text: r.Paper}, "VERDICT": {Text: r.Verdict, Style: toneStyle(t, r.Tone)},
			"CLAIM": {Text: r.Words},
		}
		var row tableRow
		row.Mark = "  "
		for _, col := range cols {
			row.Cells = append(row.Cells, cells[col.Title])
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// toneStyle colours a verdict's tone.
func toneStyle(t *theme, tone view.Tone) *lipgloss.Style {
	switch tone {
	case view.Good:
		return &t.Good
	case view.Warn:
		return &t.Warn
	case view.Bad:
		return &t.Bad
	}
	return &t.Dim
}

// detail describes the selected claim: the paper's words and where, what was measured
// with the note, and the run folder behind it.
func (c *checkScreen) detail() string {
	t := c.theme
	r := c.Selected()
	if r == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(t.Bold.Render(truncate(r.Head, c.w)))
	b.WriteByte('\n')
	b.WriteString(wordWrap(r.Quote, c.w))
	b.WriteByte('\n')
	b.WriteString(t.Dim.Render(wordWrap("measured ("+r.ID+"): "+r.Detail, c.w)))
	if len(r.Runs) > 0 {
		b.WriteByte('\n')
		open := " (enter opens it)"
		if len(r.Runs) > 1 {
			open = " (enter opens them in one dashboard)"
		}
		b.WriteString(t.Dim.Render(truncate("runs: "+strings.Join(r.Runs, ", ")+open, c.w)))
	}
	return b.String()
}

// setupView is the set-up: the scale and seeds, and what the check will do.
func (c *checkScreen) setupView() string {
	t := c.theme
	var b strings.Builder
	b.WriteString(t.Title.Render(dots(t, "sipbench · paper check")))
	b.WriteString("\n\n")
	b.WriteString(wordWrap("Every claim of the paper that sipbench can measure, put beside a fresh measurement: "+
		"the check trains the runs each claim needs, in a background process (quitting leaves it running; "+
		"sipbench check DIR prints the table), and fills in the table as they finish.", c.w))
	b.WriteString("\n\n")
	var sc []string
	for i, s := range c.checks.Scales {
		if i == c.scale {
			sc = append(sc, t.Selected.Render("["+s.Name+"]"))
		} else {
			sc = append(sc, " "+s.Name+" ")
		}
	}
	b.WriteString("scale  " + strings.Join(sc, " "))
	b.WriteByte('\n')
	b.WriteString(fmt.Sprintf("seeds  %d", c.seeds))
	b.WriteString("\n\n")
	note := "this app cannot read paper checks"
	if c.scale < len(c.checks.Scales) {
		note = c.checks.Scales[c.scale].Note
	}
	b.WriteString(t.Dim.Render(wordWrap(note, c.w)))
	if c.starting {
		b.WriteString("\n\n" + t.Dim.Render("starting …"))
	}
	footer := c.footer(checkKeys{c.keys.Scale, withHelp(c.keys.More, "+/-", "seeds"), c.keys.Start, c.keys.Newest, c.keys.Back, c.keys.Quit})
	body := fitBlock(b.String(), c.w, c.h-1)
	return body + "\n" + fitBlock(footer, c.w, 1)
}

// newestCheck returns the newest check folder directly under root (their names start with
// the date and time), or "".
func newestCheck(root string, isCheck func(dir string) bool) string {
	entries, err := os.ReadDir(root)
	if err != nil || isCheck == nil {
		return ""
	}
	for i := len(entries) - 1; i >= 0; i-- { // ReadDir sorts by name
		if dir := filepath.Join(root, entries[i].Name()); entries[i].IsDir() && isCheck(dir) {
			return dir
		}
	}
	return ""
}

// scaleName is the name of the scale chosen in the set-up.
func (c *checkScreen) scaleName() string {
	if c.scale < len(c.checks.Scales) {
		return c.checks.Scales[c.scale].Name
	}
	return ""
}

// errNoChecks: the app was given no way to read check folders.
const errNoChecks = appError("tui: this app cannot read paper checks")

// withHelp returns b with another help text.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// footer is the status message, if any, else the keys.
func (c *checkScreen) footer(keys checkKeys) string {
	if c.status != "" {
		return c.theme.Warn.Render(truncate(c.status, c.w))
	}
	h := c.help
	h.Width = c.w
	return h.View(keys)
}
