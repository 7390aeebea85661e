package tui

import tea "github.com/charmbracelet/bubbletea"

// screen is one full-window screen of the App: the preset list, a preset's set-up, the
// dashboard, the runs and the paper check. The App keeps one current screen, gives every
// screen it has made the window's size, and routes to the current one the messages that
// are not its own; it calls Deactivate on the screen it leaves and Activate on the one it
// shows.
type screen interface {
	// SetSize sets the screen's size in cells.
	SetSize(w, h int)
	// Activate is called when the screen is shown; it returns the commands it needs
	// while shown (a read of its folder, a tick), or nil.
	Activate() tea.Cmd
	// Deactivate is called when another screen is shown: the screen stops its reads and
	// ticks until the next Activate.
	Deactivate()
	// Update handles a message (keys, the screen's own readings) and returns the
	// screen and the commands to run.
	Update(msg tea.Msg) (screen, tea.Cmd)
	// View renders the screen at its size.
	View() string
}

// screenID names the App's screens.
type screenID int

const (
	screenList screenID = iota
	screenSetup
	screenDashboard
	screenRuns
	screenCheck
	screenCount
)

// String returns the screen's name ("list", "setup", "dashboard", "runs", "check").
func (id screenID) String() string {
	return [screenCount]string{"list", "setup", "dashboard", "runs", "check"}[id]
}

// The App's screens.
var (
	_ screen = (*list)(nil)
	_ screen = (*setup)(nil)
	_ screen = (*dashboard)(nil)
	_ screen = (*runsScreen)(nil)
	_ screen = (*checkScreen)(nil)
)

// screenAt returns the screen id if the App has made it, else nil.
func (a *App) screenAt(id screenID) screen {
	var s screen
	switch id {
	case screenList:
		if a.list != nil {
			s = a.list
		}
	case screenSetup:
		if a.setup != nil {
			s = a.setup
		}
	case screenDashboard:
		if a.dash != nil {
			s = a.dash
		}
	case screenRuns:
		if a.runs != nil {
			s = a.runs
		}
	case screenCheck:
		if a.check != nil {
			s = a.check
		}
	}
	return s
}

// show makes id (already made) the current screen: it deactivates the current one if it
// is another, sizes and activates id.
func (a *App) show(id screenID) tea.Cmd {
	if old := a.screenAt(a.screen); old != nil && a.screen != id {
		old.Deactivate()
	}
	a.screen = id
	s := a.screenAt(id)
	s.SetSize(a.w, a.h)
	return s.Activate()
}

// send gives msg to the screen id if it is made (its own messages reach it even while
// another screen is shown), and returns its commands.
func (a *App) send(id screenID, msg tea.Msg) tea.Cmd {
	s := a.screenAt(id)
	if s == nil {
		return nil
	}
	_, cmd := s.Update(msg)
	return cmd
}
