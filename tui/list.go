package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/sipbench/sipbench/presets"
)

// listKeyMap holds the preset list's key bindings; they also feed its footer and `?`
// screen.
type listKeyMap struct {
	Up, Down, Choose, Runs, Help, Mouse, Quit key.Binding
}

// defaultListKeyMap returns the preset list's default bindings.
func defaultListKeyMap() listKeyMap {
	return listKeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous preset")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next preset")),
		Choose: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Runs:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "runs")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Mouse:  mouseKey,
		Quit:   key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp returns the footer's bindings (help.KeyMap).
func (k listKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Choose, k.Runs, k.Help, k.Quit}
}

// FullHelp returns the help screen's bindings (help.KeyMap).
func (k listKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Choose, k.Runs, k.Help, k.Mouse, k.Quit}}
}

// presetChosenMsg is emitted (as a command's message) when the user chooses a preset on
// the list.
type presetChosenMsg struct{ Preset *presets.Preset }

// showRunsMsg is emitted when the user asks for the runs screen.
type showRunsMsg struct{}

// list is the Bubble Tea model of the preset list: one line per preset (name, network,
// parameter count, default methods), and below it the selected preset's description,
// methods, scales and settings, wrapped to the screen.
type list struct {
	theme    *theme
	keys     listKeyMap
	help     help.Model
	presets  []*presets.Preset
	params   []int // parameter count of each preset's network at its default scale
	selected int
	showHelp bool
	helpTop  int // the help screen's first line shown
	rowsTop  int // the window line of the first preset as last drawn; -1: none drawn
	w, h     int
}

// newList returns the list of ps drawn with theme t. It builds each preset's network
// once to count its parameters.
func newList(t *theme, ps []*presets.Preset) *list {
	l := &list{theme: t, keys: defaultListKeyMap(), help: newHelp(t), presets: ps, w: minWidth, h: minHeight}
	for _, p := range ps {
		l.params = append(l.params, p.ParamCount(""))
	}
	return l
}

// checkEntry is the name of the list's last entry, after the presets: the paper check.
const checkEntry = "paper check"

// checkSelected reports whether the paper check entry (after the presets) is selected.
func (l *list) checkSelected() bool { return l.selected == len(l.presets) }

// Selected returns the selected preset, or nil if the list is empty or the paper check is
// selected.
func (l *list) Selected() *presets.Preset {
	if l.selected < len(l.presets) {
		return l.presets[l.selected]
	}
	return nil
}

// SetSize sets the screen size.
func (l *list) SetSize(w, h int) { l.w, l.h = w, h }

// Activate shows the list; it needs no commands.
func (l *list) Activate() tea.Cmd { return nil }

// Deactivate does nothing: the list reads nothing while shown.
func (l *list) Deactivate() {}

// Update handles keys and window sizes. Choosing emits presetChosenMsg; quitting
// returns tea.Quit.
func (l *list) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		l.SetSize(msg.Width, msg.Height)
	case tea.KeyMsg:
		k := l.keys
		if l.showHelp {
			switch {
			case key.Matches(msg, k.Help), msg.Type == tea.KeyEsc:
				l.showHelp, l.helpTop = false, 0
			case key.Matches(msg, k.Quit):
				return l, tea.Quit
			default:
				scrollHelp(&l.helpTop, msg, k.Up, k.Down)
			}
			return l, nil
		}
		switch {
		case key.Matches(msg, k.Quit):
			return l, tea.Quit
		case key.Matches(msg, k.Help):
			l.showHelp = true
		case key.Matches(msg, k.Up):
			l.selected = max(0, l.selected-1)
		case key.Matches(msg, k.Down):
			l.selected = max(0, min(len(l.presets), l.selected+1)) // the paper check last
		case key.Matches(msg, k.Choose):
			return l, l.choose()
		case key.Matches(msg, k.Runs):
			return l, func() tea.Msg { return showRunsMsg{} }
		}
	}
	return l, nil
}

// choose opens the selected entry: the preset's set-up, or the paper check.
func (l *list) choose() tea.Cmd {
	if p := l.Selected(); p != nil {
		return func() tea.Msg { return presetChosenMsg{Preset: p} }
	}
	if l.checkSelected() {
		return func() tea.Msg { return checkChosenMsg{} }
	}
	return nil
}

// click selects the entry on the row at (x, y), or opens it if it is selected already (a
// double click does both); clicks elsewhere, or over the help, do nothing.
func (l *list) click(x, y int) tea.Cmd {
	l.View() // the hit areas of the frame the list is in now
	i := y - l.rowsTop
	if l.rowsTop < 0 || x < 0 || x >= l.w || y < 0 || y >= l.h || i < 0 || i > len(l.presets) {
		return nil
	}
	if i == l.selected {
		return l.choose()
	}
	l.selected = i
	return nil
}

// View renders the list at its size.
func (l *list) View() string {
	t := l.theme
	l.rowsTop = -1
	if s, small := tooSmall(t, l.w, l.h); small {
		return s
	}
	if l.showHelp {
		return l.helpView()
	}
	ell := "…"
	if t.ASCII {
		ell = "..."
	}
	nameW := len(checkEntry)
	for _, p := range l.presets {
		nameW = max(nameW, ansi.StringWidth(p.Name))
	}
	const paramsW = 7
	rest := l.w - 2 - nameW - 2 - paramsW - 2 - 2
	netW := 0
	for _, p := range l.presets {
		netW = max(netW, ansi.StringWidth(p.Network))
	}
	netW = min(netW, rest/2)
	methW := max(0, rest-netW)
	cell := func(s string, w int) string { return padRight(ansi.Truncate(s, w, ell), w) }

	var b strings.Builder
	b.WriteString(t.Title.Render(dots(t, "sipbench · choose a preset")))
	b.WriteString("\n\n")
	b.WriteString(t.Header.Render(fmt.Sprintf("  %s  %s  %s  %s", cell("PRESET", nameW), cell("NETWORK", netW),
		padLeft("PARAMS", paramsW), cell("DEFAULT METHODS", methW))))
	b.WriteByte('\n')
	l.rowsTop = strings.Count(b.String(), "\n")
	for i, p := range l.presets {
		params := "-"
		if l.params[i] > 0 {
			params = groupDigits(l.params[i])
		}
		row := fmt.Sprintf("%s  %s  %s  %s", cell(p.Name, nameW), cell(p.Network, netW),
			padLeft(params, paramsW), cell(strings.Join(p.DefaultMethods(), ", "), methW))
		if i == l.selected {
			b.WriteString(t.Selected.Render(pointer(t) + " " + row))
		} else {
			b.WriteString("  " + row)
		}
		b.WriteByte('\n')
	}
	row := fmt.Sprintf("%s  %s", cell(checkEntry, nameW), cell("every claim of the paper beside a fresh measurement", l.w-4-nameW-2))
	if l.checkSelected() {
		b.WriteString(t.Selected.Render(pointer(t) + " " + row))
	} else {
		b.WriteString("  " + row)
	}
	b.WriteByte('\n')
	b.WriteByte('\n')
	footer := l.footer()
	detailH := l.h - strings.Count(b.String(), "\n") - 2
	b.WriteString(fitBlock(l.detail(), l.w, max(detailH, 0)))
	b.WriteByte('\n')
	b.WriteString(footer)
	return fitBlock(b.String(), l.w, l.h)
}

// detail describes the selected preset, wrapped to the width.
func (l *list) detail() string {
	t := l.theme
	if l.checkSelected() {
		return t.Bold.Render(dots(t, checkEntry+" · sipbench check")) + "\n" + wordWrap("Each claim of the paper "+
			"(Figures 1, 2, 5, 6 and 7, Table 1) in its words, with the ratio measured on fresh runs (mean and min–max "+
			"over seeds), the paper's value and a verdict: holds, short of the paper (with the fraction reached), does not hold, "+
			"not comparable or not measured at this scale. Choose it to pick the scale and seeds; the runs train in the background and the table fills in "+
			"as they finish.", l.w)
	}
	p := l.Selected()
	if p == nil {
		return t.Dim.Render("no presets")
	}
	w := l.w
	var b strings.Builder
	head := p.Name + " · " + p.Network
	if n := l.params[l.selected]; n > 0 {
		head += " · " + groupDigits(n) + " parameters"
	}
	b.WriteString(t.Bold.Render(dots(t, head)))
	b.WriteByte('\n')
	b.WriteString(wordWrap(p.Description, w))
	b.WriteByte('\n')
	b.WriteString(t.Dim.Render(wordWrap("methods: "+strings.Join(p.MethodLabels(), " ")+"  (* by default)", w)))
	b.WriteByte('\n')
	var sc []string
	for _, s := range p.Scales {
		if s.Note != "" {
			sc = append(sc, s.Name+" ("+s.Note+")")
		} else {
			sc = append(sc, s.Name)
		}
	}
	b.WriteString(t.Dim.Render(wordWrap("scales: "+strings.Join(sc, ", "), w)))
	if len(p.Keys()) > 0 {
		var ks []string
		for _, k := range p.Keys() {
			ks = append(ks, k.Name+": "+k.Doc)
		}
		b.WriteByte('\n')
		b.WriteString(t.Dim.Render(wordWrap("settings: "+strings.Join(ks, "; "), w)))
	}
	return b.String()
}

func (l *list) footer() string {
	return footerWithMouse(l.help, l.keys, l.keys.Mouse, l.w)
}

func (l *list) helpView() string {
	return helpScreen(l.theme, l.help, l.keys, "sipbench: presets",
		"Each preset is one experiment of the paper: a problem, a network and the "+
			"methods it compares. Choose one to set up its methods, scale, steps, seeds and settings; the run trains "+
			"in a background process that keeps going if you quit or lose the connection (r lists the runs, and "+
			"sipbench watch comes back to them). Without a terminal, sipbench prints this list. Press ? or esc to close.", l.w, l.h, &l.helpTop)
}

// tooSmall returns the "terminal too small" screen and true when w×h is below the
// smallest screen the app draws.
func tooSmall(t *theme, w, h int) (string, bool) {
	if w >= minWidth && h >= minHeight {
		return "", false
	}
	msg := fmt.Sprintf("Terminal too small: %d×%d.\nsipbench needs at least %d×%d.\nEnlarge the window, or press q to quit.",
		w, h, minWidth, minHeight)
	if t.ASCII {
		msg = strings.ReplaceAll(msg, "×", "x")
	}
	return fitBlock(msg, max(w, 1), max(h, 1)), true
}

// dots replaces the title separator · by | in ASCII mode.
func dots(t *theme, s string) string {
	if t.ASCII {
		return strings.ReplaceAll(s, "·", "|")
	}
	return s
}

// pointer returns the selection marker.
func pointer(t *theme) string {
	if t.ASCII {
		return ">"
	}
	return "›"
}

// groupDigits formats n with thousands separators: 37697 → "37,697".
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
