package tui

import (
	"slices"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// keyMap holds the dashboard's key bindings. The same bindings drive Update's dispatch,
// the footer (ShortHelp) and the `?` screen (FullHelp), so they cannot disagree.
type keyMap struct {
	Up, Down   key.Binding
	NextMetric key.Binding
	PrevMetric key.Binding
	LogY       key.Binding
	XAxis      key.Binding
	Smooth     key.Binding
	Seeds      key.Binding // mean and band over seeds, or each seed
	Toggle     key.Binding // hide or show the selected job's line
	Solo       key.Binding // the selected job's line alone
	Filter     key.Binding // a regular expression over the lines' labels
	ShowAll    key.Binding // every line again
	LegendPrev key.Binding // the legend's pages
	LegendNext key.Binding
	Setting    key.Binding // the final metric against a setting the runs differ in
	Pane       key.Binding
	Channel    key.Binding // the fields' channel (fluid: v_x, v_y; m_0, m_T)
	Figure     key.Binding // the chart as a figure in the run folder
	FieldsFig  key.Binding // the fields pane as a figure in the run folder
	Pause      key.Binding
	Cancel     key.Binding
	Help       key.Binding
	Back       key.Binding // to the runs screen (the App handles it)
	Mouse      key.Binding // mouse mode on and off (the App handles it)
	Quit       key.Binding
}

// defaultKeyMap returns the default bindings.
func defaultKeyMap() keyMap {
	return keyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous job")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next job")),
		NextMetric: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "next metric")),
		PrevMetric: key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "previous metric")),
		LogY:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "log/linear Y")),
		XAxis:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "X: step/time")),
		Smooth:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "smooth: off/16/64/256")),
		Seeds:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "seeds: mean+band/each")),
		Toggle:     key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "hide/show line")),
		Solo:       key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "line alone")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter (regexp)")),
		ShowAll:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all lines")),
		LegendPrev: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "legend page back")),
		LegendNext: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "legend page on")),
		Setting:    key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "end value vs setting")),
		Pane:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "chart/fields pane")),
		Channel:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "fields: next channel")),
		Figure:     key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "chart as a PNG figure")),
		FieldsFig:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "fields as a PNG figure")),
		Pause:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume job")),
		Cancel:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cancel job")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the runs")),
		Mouse:      mouseKey,
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp returns the footer's bindings (help.KeyMap).
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Up, k.Down, k.NextMetric, k.LogY, k.XAxis, k.Smooth, k.Pause, k.Cancel, k.Quit}
}

// FullHelp returns the help screen's bindings in columns (help.KeyMap).
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Pause, k.Cancel, k.Toggle, k.Solo, k.Filter, k.ShowAll, k.LegendPrev, k.LegendNext, k.Mouse},
		{k.NextMetric, k.PrevMetric, k.LogY, k.XAxis, k.Smooth, k.Seeds, k.Setting},
		{k.Pane, k.Channel, k.Figure, k.FieldsFig, k.Help, k.Back, k.Quit},
	}
}

// bindings is a list of key bindings as a help.KeyMap (its short help).
type bindings []key.Binding

func (b bindings) ShortHelp() []key.Binding  { return b }
func (b bindings) FullHelp() [][]key.Binding { return [][]key.Binding{b} }

// shortWithMouse renders km's short help and the mouse key on one line, and whether that
// line fits in w cells.
func shortWithMouse(h help.Model, km help.KeyMap, mouse key.Binding, w int) (string, bool) {
	h.Width = 0
	full := h.View(append(bindings(km.ShortHelp()), mouse))
	return full, ansi.StringWidth(full) <= w
}

// footerWithMouse renders a screen's footer help in w cells: its short help and the mouse
// key when both fit on one line, else its short help alone (cut to w), so that ctrl+t shows
// wherever there is room for it.
func footerWithMouse(h help.Model, km help.KeyMap, mouse key.Binding, w int) string {
	if full, ok := shortWithMouse(h, km, mouse, w); ok {
		return full
	}
	h.Width = w
	return h.View(km)
}

// footerHelp renders the footer's key help in w cells: with the mouse key where it fits.
// When the full help does not fit, it shortens each key's words and then drops the view
// keys (x, y, m, s, j/k) one by one, so that help, pause, cancel and quit always show (at
// 120 columns the full line was cut before p, c and q).
func footerHelp(h help.Model, k keyMap, w int) string {
	if full, ok := shortWithMouse(h, k, k.Mouse, w); ok {
		return full
	}
	h.Width = 0
	if full := h.View(k); ansi.StringWidth(full) <= w {
		return full
	}
	short := func(b key.Binding, keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(keys, desc))
	}
	list := bindings{short(k.Help, "?", "help"), short(k.Up, "↑↓", "job"), short(k.NextMetric, "m", "metric"),
		short(k.LogY, "y", "log Y"), short(k.XAxis, "x", "step/time"), short(k.Smooth, "s", "smooth"),
		short(k.Pause, "p", "pause"), short(k.Cancel, "c", "cancel"), short(k.Quit, "q", "quit")}
	for _, drop := range []string{"x", "y", "s", "m", "↑↓"} {
		if out := h.View(list); ansi.StringWidth(out) <= w {
			return out
		}
		list = slices.DeleteFunc(list, func(b key.Binding) bool { return b.Help().Key == drop })
	}
	h.Width = w
	return h.View(list)
}

// keyAction is one row of a screen's key table: the bindings that trigger it and what it
// does to the screen m, returning a command or nil. A table of them, built from the
// screen's key map, replaces one long switch: the keys stay data, as the key map they
// come from.
type keyAction[M any] struct {
	on []key.Binding
	do func(m M, msg tea.KeyMsg) tea.Cmd
}

// dispatchKey runs, on m, the action of the first row of table whose bindings match msg
// and returns its command; ok is false when no row matches.
func dispatchKey[M any](m M, table []keyAction[M], msg tea.KeyMsg) (cmd tea.Cmd, ok bool) {
	for _, a := range table {
		if key.Matches(msg, a.on...) {
			return a.do(m, msg), true
		}
	}
	return nil, false
}

// on returns its bindings as a list (a key table row's).
func on(b ...key.Binding) []key.Binding { return b }
