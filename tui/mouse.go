package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// Mouse mode. It is off by default: while a terminal reports the mouse to the app, a drag
// no longer selects text (most terminals still select with shift held). --mouse turns it on
// at start, and ctrl+t on any screen turns it on and off (a control key, so that no text
// field takes it). While it is on, the wheel scrolls whatever list or table has the keys as
// ↑/↓ would, a left click on a row selects it (on the selected row of the preset list or
// the runs it opens it, as enter does; a double click does both), and a click on an entry
// of the dashboard's legend hides or shows that line, as space does for the selected job
// (one on a paged legend's "[1/3]" turns the page, as ] does).
// Each screen hit-tests a click against the areas its last frame drew (clicker).

// mouseKey turns mouse mode on and off.
var mouseKey = key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "mouse on/off"))

// noticeFor is how long the mouse notice stays on the last line (a key clears it sooner).
const noticeFor = 6 * time.Second

// The notices, longest first: the first that fits the width is shown.
var (
	mouseOnNotice = []string{
		"mouse on: click a row or a legend entry, the wheel scrolls · shift+drag still selects text in most terminals · ctrl+t: off",
		"mouse on · shift+drag still selects text in most terminals · ctrl+t: off",
	}
	mouseOffNotice = []string{"mouse off: drag selects text again · ctrl+t: mouse on"}
)

// clicker is a screen that answers a left click at cell (x, y) of the window, hit-testing
// it against what it last drew; clicks outside its rows and entries do nothing.
type clicker interface {
	click(x, y int) tea.Cmd
}

// noticeDoneMsg clears the notice of generation gen.
type noticeDoneMsg struct{ gen int }

// setNotice shows texts on the last line (the first that fits the window's width), until a
// key or noticeFor.
func (a *App) setNotice(texts []string) tea.Cmd {
	a.notice = texts
	a.noticeGen++
	gen := a.noticeGen
	return tea.Tick(noticeFor, func(time.Time) tea.Msg { return noticeDoneMsg{gen: gen} })
}

// mouseMode handles the messages of mouse mode: mouse events, ctrl+t, the notice's
// timer; any other key clears the notice. done is false for any other message.
func (a *App) mouseMode(msg tea.Msg) (cmd tea.Cmd, done bool) {
	switch m := msg.(type) {
	case tea.MouseMsg:
		return a.mouseMsg(m), true
	case noticeDoneMsg:
		if m.gen == a.noticeGen {
			a.notice = nil
		}
		return nil, true
	case tea.KeyMsg:
		if key.Matches(m, mouseKey) {
			return a.toggleMouse(), true
		}
		a.notice = nil
	}
	return nil, false
}

// toggleMouse turns mouse mode on or off, and says so.
func (a *App) toggleMouse() tea.Cmd {
	a.mouse = !a.mouse
	if a.mouse {
		return tea.Batch(tea.EnableMouseCellMotion, a.setNotice(mouseOnNotice))
	}
	return tea.Batch(tea.DisableMouse, a.setNotice(mouseOffNotice))
}

// mouseMsg handles a mouse event: nothing unless mouse mode is on and no dialog is open;
// the wheel is ↑/↓ to the current screen, a left press a click on it; a press clears the
// notice.
func (a *App) mouseMsg(m tea.MouseMsg) tea.Cmd {
	if !a.mouse || a.quit != nil || m.Action != tea.MouseActionPress {
		return nil
	}
	a.notice = nil // as a key does: the screen's own footer says what the click did
	switch m.Button {
	case tea.MouseButtonWheelUp:
		return a.send(a.screen, tea.KeyMsg{Type: tea.KeyUp})
	case tea.MouseButtonWheelDown:
		return a.send(a.screen, tea.KeyMsg{Type: tea.KeyDown})
	case tea.MouseButtonLeft:
		if c, ok := a.screenAt(a.screen).(clicker); ok && a.w >= minWidth && a.h >= minHeight {
			return c.click(m.X, m.Y)
		}
	}
	return nil
}

// withNotice puts the notice, if any, on the last line of the frame v.
func (a *App) withNotice(v string) string {
	if len(a.notice) == 0 || a.w < minWidth || a.h < minHeight {
		return v
	}
	text := a.notice[len(a.notice)-1]
	for _, s := range a.notice {
		if ansi.StringWidth(s) <= a.w {
			text = s
			break
		}
	}
	lines := strings.Split(v, "\n")
	lines[len(lines)-1] = fitBlock(a.theme.Bold.Render(text), a.w, 1)
	return strings.Join(lines, "\n")
}
