package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/sipbench/sipbench/presets"
)

// maxSeeds is the most seeds the set-up screen accepts.
const maxSeeds = 64

// setupKeyMap holds the set-up screen's key bindings; they also feed its footer and `?`
// screen. Letters are typed into the focused field, so no binding is a letter except ?.
type setupKeyMap struct {
	Up, Down, Toggle, Start, Back, Help, Mouse, Quit key.Binding
}

// defaultSetupKeyMap returns the set-up screen's default bindings.
func defaultSetupKeyMap() setupKeyMap {
	return setupKeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "shift+tab"), key.WithHelp("↑", "previous")),
		Down:   key.NewBinding(key.WithKeys("down", "tab"), key.WithHelp("↓/tab", "next")),
		Toggle: key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick method / change scale")),
		Start:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Mouse:  mouseKey,
		Quit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// ShortHelp returns the footer's bindings (help.KeyMap).
func (k setupKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Start, k.Back, k.Down, k.Toggle, k.Help}
}

// FullHelp returns the help screen's bindings (help.KeyMap).
func (k setupKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Toggle}, {k.Start, k.Back, k.Help, k.Mouse, k.Quit}}
}

// setupDoneMsg is emitted when the user starts a valid set-up: the resolved spec and the
// seeds (one job per method and seed).
type setupDoneMsg struct {
	Spec  *presets.Spec
	Seeds []int
}

// setupBackMsg is emitted when the user leaves the set-up screen with esc.
type setupBackMsg struct{}

type rowKind int

const (
	rowMethod rowKind = iota
	rowScale
	rowField
)

// setupRow is one focusable line of the set-up screen.
type setupRow struct {
	kind   rowKind
	method int    // rowMethod: index in Preset.Methods
	key    string // rowField: "steps", "seeds" or a preset key; rowMethod: "lr.<method>"
	label  string
	doc    string
	input  textField // rowField: the value; rowMethod: the learning rate
	edited bool      // the user typed into it: a scale change keeps the value
	err    string    // why the value is refused, shown under the row
}

// setup is the Bubble Tea model of a preset's set-up screen: the methods as checkboxes
// (the defaults ticked) with their learning rates, the scale, steps, seeds and the
// preset's own settings as editable fields. Every change is validated through Preset.Resolve and a refused value
// shows its reason under its field; enter starts only a valid set-up.
type setup struct {
	theme    *theme
	keys     setupKeyMap
	help     help.Model
	preset   *presets.Preset
	rows     []setupRow
	checked  []bool
	scale    int
	focus    int
	showHelp bool
	helpTop  int // the help screen's first line shown
	w, h     int

	err   string // an error not tied to one field (no method ticked, start failed)
	spec  *presets.Spec
	seeds []int
	busy  bool // start requested, waiting for the run folder
}

// newSetup returns the set-up screen of p at its default scale, drawn with t.
func newSetup(t *theme, p *presets.Preset) *setup {
	s := &setup{theme: t, keys: defaultSetupKeyMap(), help: newHelp(t), preset: p, w: minWidth, h: minHeight}
	for i, m := range p.Methods {
		s.checked = append(s.checked, m.Default)
		s.rows = append(s.rows, setupRow{kind: rowMethod, method: i, key: "lr." + m.Name, label: m.Name, doc: methodDoc(m)})
	}
	s.rows = append(s.rows, setupRow{kind: rowScale, label: "scale"})
	s.rows = append(s.rows, setupRow{kind: rowField, key: presets.KeySteps, label: presets.KeySteps, doc: "training steps per job"})
	seeds := setupRow{kind: rowField, key: "seeds", label: "seeds", doc: "one job per method and seed"}
	seeds.input.Set("1")
	s.rows = append(s.rows, seeds)
	for _, k := range p.Keys() {
		s.rows = append(s.rows, setupRow{kind: rowField, key: k.Name, label: k.Name, doc: k.Doc})
	}
	s.applyScale()
	s.validate()
	return s
}

// plural returns "1 job", "2 jobs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// methodDoc is what a method's row says beside its learning rate: the optimizer, and the
// network if the method has its own.
func methodDoc(m presets.MethodDef) string {
	d := m.Optimizer
	if m.Optimizer == "hig" {
		d += fmt.Sprintf(" κ %g, τ %g (--set kappa.%s, tau.%s)", m.Kappa, m.Tau, m.Name, m.Name)
	}
	if m.Network != "" {
		d += ", " + m.Network
	}
	return d
}

// Preset returns the preset being set up.
func (s *setup) Preset() *presets.Preset { return s.preset }

// Valid returns the resolved spec and seeds, or nil if a value is refused.
func (s *setup) Valid() (*presets.Spec, []int) { return s.spec, s.seeds }

// SetError shows err (a failed start) and allows starting again.
func (s *setup) SetError(err error) {
	s.busy = false
	s.err = err.Error()
}

// SetSize sets the screen size.
func (s *setup) SetSize(w, h int) { s.w, s.h = w, h }

// Activate shows the set-up; it needs no commands.
func (s *setup) Activate() tea.Cmd { return nil }

// Deactivate does nothing: the set-up reads nothing while shown.
func (s *setup) Deactivate() {}

// applyScale puts the scale's values into the fields the user has not edited.
func (s *setup) applyScale() {
	vals := s.preset.Scales[s.scale].Settings()
	for i := range s.rows {
		r := &s.rows[i]
		if r.kind != rowField || r.edited || r.key == "seeds" {
			continue
		}
		r.input.Set(vals[r.key])
	}
}

// validate checks every field through Resolve (one at a time, so that each refusal is
// shown under its own field), then the whole set-up.
func (s *setup) validate() {
	s.spec, s.seeds, s.err = nil, nil, ""
	p := s.preset
	scale := p.Scales[s.scale].Name
	var sets []string
	bad := false
	for i := range s.rows {
		r := &s.rows[i]
		r.err = ""
		if r.kind == rowScale || (r.kind == rowMethod && !r.edited) {
			continue
		}
		v := strings.TrimSpace(r.input.Value())
		if r.key == "seeds" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxSeeds {
				r.err = fmt.Sprintf("seeds=%q: want a whole number from 1 to %d", v, maxSeeds)
				bad = true
			}
			continue
		}
		set := r.key + "=" + v
		if _, err := p.Resolve(scale, nil, []string{set}); err != nil {
			r.err = settingText(err)
			bad = true
			continue
		}
		sets = append(sets, set)
	}
	if base, err := p.Resolve(scale, nil, sets); err == nil {
		for i := range s.rows { // learning rates may depend on the settings
			if r := &s.rows[i]; r.kind == rowMethod && !r.edited {
				r.input.Set(base.Values()[r.key])
			}
		}
	}
	methods := []string{}
	for i, on := range s.checked {
		if on {
			methods = append(methods, p.Methods[i].Name)
		}
	}
	if len(methods) == 0 {
		s.err = "tick at least one method (space)"
		return
	}
	if bad {
		return
	}
	spec, err := p.Resolve(scale, methods, sets)
	if err != nil {
		s.err = settingText(err)
		return
	}
	n, _ := strconv.Atoi(strings.TrimSpace(s.rowByKey("seeds").input.Value()))
	s.spec = spec
	for i := range n {
		s.seeds = append(s.seeds, i)
	}
}

func (s *setup) rowByKey(k string) *setupRow {
	for i := range s.rows {
		if s.rows[i].key == k {
			return &s.rows[i]
		}
	}
	return nil
}

// Update handles keys and window sizes. Enter on a valid set-up emits setupDoneMsg; esc
// emits setupBackMsg.
func (s *setup) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.SetSize(msg.Width, msg.Height)
	case tea.KeyMsg:
		return s, s.key(msg)
	}
	return s, nil
}

// key handles a key: ctrl+c quits; the help screen closes on ? or esc; otherwise the key
// table (setupKeys) acts, and any other key edits the focused row (rowKey).
func (s *setup) key(msg tea.KeyMsg) tea.Cmd {
	k := s.keys
	if key.Matches(msg, k.Quit) {
		return tea.Quit
	}
	if s.showHelp {
		if key.Matches(msg, k.Help, k.Back) {
			s.showHelp, s.helpTop = false, 0
		}
		scrollHelp(&s.helpTop, msg, k.Up, k.Down)
		return nil
	}
	if cmd, ok := dispatchKey(s, s.setupKeys(), msg); ok {
		return cmd
	}
	s.rowKey(&s.rows[s.focus], msg)
	return nil
}

// setupKeys returns the set-up screen's key table for the keys that do not edit a row.
func (s *setup) setupKeys() []keyAction[*setup] {
	k := s.keys
	return []keyAction[*setup]{
		{on(k.Back), func(*setup, tea.KeyMsg) tea.Cmd { return func() tea.Msg { return setupBackMsg{} } }},
		{on(k.Start), (*setup).start},
		{on(k.Up), func(s *setup, _ tea.KeyMsg) tea.Cmd { s.focus = (s.focus + len(s.rows) - 1) % len(s.rows); return nil }},
		{on(k.Down), func(s *setup, _ tea.KeyMsg) tea.Cmd { s.focus = (s.focus + 1) % len(s.rows); return nil }},
		{on(k.Help), func(s *setup, _ tea.KeyMsg) tea.Cmd { s.showHelp = true; return nil }},
	}
}

// start starts a valid set-up (setupDoneMsg), once; an invalid one says to fix it.
func (s *setup) start(tea.KeyMsg) tea.Cmd {
	if s.spec == nil || s.busy {
		if s.err == "" && !s.busy {
			s.err = "fix the values marked above first"
		}
		return nil
	}
	s.busy = true
	spec, seeds := s.spec, s.seeds
	return func() tea.Msg { return setupDoneMsg{Spec: spec, Seeds: seeds} }
}

// rowKey edits the focused row r: space ticks a method; space or → takes the next scale,
// ← the previous; any other key types into a field or a method's learning rate.
func (s *setup) rowKey(r *setupRow, msg tea.KeyMsg) {
	toggle := key.Matches(msg, s.keys.Toggle) || msg.Type == tea.KeySpace
	switch {
	case r.kind == rowMethod && toggle:
		s.checked[r.method] = !s.checked[r.method]
		s.validate()
	case r.kind == rowScale && (toggle || msg.Type == tea.KeyRight):
		s.scale = (s.scale + 1) % len(s.preset.Scales)
		s.applyScale()
		s.validate()
	case r.kind == rowScale && msg.Type == tea.KeyLeft:
		s.scale = (s.scale + len(s.preset.Scales) - 1) % len(s.preset.Scales)
		s.applyScale()
		s.validate()
	case r.kind == rowField || r.kind == rowMethod: // a method's row edits its learning rate
		if r.input.Update(msg) {
			r.edited = true
			s.validate()
		}
	}
}

// setupInputW is the width of the set-up screen's value column.
const setupInputW = 12

// View renders the set-up screen at its size: the title, the preset's description (what
// the rows leave of the height, at most 4 lines on small screens), the rows, the status
// and the key help.
func (s *setup) View() string {
	t := s.theme
	if v, small := tooSmall(t, s.w, s.h); small {
		return v
	}
	if s.showHelp {
		return s.helpView()
	}
	body := s.rowLines()
	status := s.statusLine()
	title := t.Title.Render(dots(t, "sipbench · "+s.preset.Name+" · set-up"))
	fixed := 1 + 1 + len(body) + 1 + 1 + 1 // title, blank, rows, blank, status, footer
	descH := s.h - fixed - 1
	if s.h < 40 {
		descH = min(descH, 4)
	}
	var b strings.Builder
	b.WriteString(title)
	b.WriteByte('\n')
	if descH > 0 {
		b.WriteString(t.Dim.Render(s.description(descH)))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(body, "\n"))
	b.WriteString("\n\n")
	b.WriteString(fitBlock(status, s.w, 1))
	lines := strings.Count(b.String(), "\n") + 1
	if pad := s.h - lines - 1; pad > 0 {
		b.WriteString(strings.Repeat("\n", pad))
	}
	b.WriteByte('\n')
	h := s.help
	h.Width = s.w
	b.WriteString(h.View(s.keys))
	return fitBlock(b.String(), s.w, s.h)
}

// description returns the preset's description wrapped to the screen's width, cut to
// descH lines (> 0) with "..." when longer.
func (s *setup) description(descH int) string {
	desc := wordWrap(s.preset.Description, s.w)
	if n := strings.Count(desc, "\n") + 1; n > descH {
		lines := strings.Split(desc, "\n")[:descH]
		lines[descH-1] = ansi.Truncate(lines[descH-1], s.w-3, "") + "..."
		desc = strings.Join(lines, "\n")
	}
	return desc
}

// badMark returns the mark of a refused value: ✗, or x in ASCII.
func badMark(t *theme) string {
	if t.ASCII {
		return "x"
	}
	return "✗"
}

// rowLines returns the lines of the rows: the methods under a header (checkbox, name,
// learning rate, optimizer), then the settings (the scale and the fields), each refused
// value's reason under its row; the focused row is pointed at.
func (s *setup) rowLines() []string {
	t := s.theme
	labelW := len("methods")
	for _, r := range s.rows {
		labelW = max(labelW, ansi.StringWidth(r.label))
	}
	var body []string
	section := ""
	for i := range s.rows {
		r := &s.rows[i]
		focused := i == s.focus
		mark := "  "
		if focused {
			mark = pointer(t) + " "
		}
		var line string
		switch r.kind {
		case rowMethod:
			if section != "methods" {
				section = "methods"
				pad := strings.Repeat(" ", 2+4+labelW+2-len("methods"))
				body = append(body, t.Header.Render("methods")+pad+t.Header.Render("lr")+
					strings.Repeat(" ", setupInputW+2-len("lr"))+t.Header.Render("optimizer"))
			}
			line = mark + s.methodLine(r, focused, labelW)
		case rowScale:
			if section != "settings" {
				section = "settings"
				body = append(body, "", t.Header.Render("settings"))
			}
			line = mark + padRight(r.label, labelW+4) + "  " + s.scaleValue(focused)
		case rowField:
			line = mark + padRight(r.label, labelW+4) + "  " + r.input.View(t, focused, setupInputW) + "  " + t.Dim.Render(r.doc)
		}
		body = append(body, line)
		if r.err != "" {
			body = append(body, strings.Repeat(" ", 2+labelW+4+2)+t.Bad.Render(badMark(t)+" "+r.err))
		}
	}
	return body
}

// methodLine returns a method's row after its pointer: checkbox, name, learning rate and
// optimizer.
func (s *setup) methodLine(r *setupRow, focused bool, labelW int) string {
	t := s.theme
	box := "[ ]"
	if s.checked[r.method] {
		box = "[x]"
	}
	label := box + " " + padRight(r.label, labelW)
	if focused {
		label = t.Selected.Render(label)
	}
	return label + "  " + r.input.View(t, focused, setupInputW) + "  " + t.Dim.Render(r.doc)
}

// scaleValue returns the scale row's value, ‹ name ›, and the scales' names with the
// chosen one's note.
func (s *setup) scaleValue(focused bool) string {
	t, p := s.theme, s.preset
	sc := p.Scales[s.scale]
	val := "‹ " + sc.Name + " ›"
	if t.ASCII {
		val = "< " + sc.Name + " >"
	}
	val = padRight(val, setupInputW)
	if focused {
		val = t.Selected.Render(val)
	}
	doc := strings.Join(p.ScaleNames(), " / ")
	if sc.Note != "" {
		doc += ": " + sc.Note
	}
	return val + "  " + t.Dim.Render(doc)
}

// statusLine returns the set-up's status: starting, the start's error, the jobs that
// enter starts, or a call to fix the refused values.
func (s *setup) statusLine() string {
	t := s.theme
	bad := badMark(t)
	var status string
	switch {
	case s.busy:
		status = t.Dim.Render("creating the run folder and starting the training process…")
	case s.err != "":
		status = t.Bad.Render(bad + " " + s.err)
	case s.spec != nil:
		jobs := len(s.spec.Methods) * len(s.seeds)
		status = t.Good.Render(fmt.Sprintf("%s of %s steps · enter starts training in the background",
			plural(jobs, "job"), strconv.Itoa(s.spec.Common.Steps)))
	default:
		status = t.Bad.Render(bad + " fix the values marked above")
	}
	if t.ASCII {
		status = strings.ReplaceAll(strings.ReplaceAll(status, "×", "x"), "…", "...")
	}
	return status
}

func (s *setup) helpView() string {
	return helpScreen(s.theme, s.help, s.keys, dots(s.theme, "sipbench · "+s.preset.Name+" · set-up: keys"),
		"Tick the methods to compare (one job per method and seed, every method of a "+
			"seed sees the same initial weights and data); type on a method's row to change its learning rate. "+
			"Type into a field to change it; ←/→ move the cursor, "+
			"backspace deletes. A refused value says why under its field. The scale sets every value that you have "+
			"not typed. Enter creates the run folder under runs/ and starts training in a background process; "+
			"the dashboard follows it, and quitting can leave it running. Press ? or esc to close.", s.w, s.h, &s.helpTop)
}

// settingText is what the set-up screen shows for a refused setting: the setting's own
// message (without the preset's name) if err holds a *presets.SettingError.
func settingText(err error) string {
	if se, ok := errors.AsType[*presets.SettingError](err); ok {
		return se.Error()
	}
	return err.Error()
}
