package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/view"
)

// tunePoll is the time between two reads of a tune folder while its rung is shown.
const tunePoll = 2 * time.Second

// The tune view's messages.
type (
	// tuneReadMsg is one reading of the tune folder.
	tuneReadMsg struct {
		v   *view.Tune
		err error
	}
	tuneTickMsg struct{}
)

// tuneView is the app's view of a tune folder (sipbench tune): the dashboard of one rung,
// every rate's run compared, its learning curves a line per rate and method; once the
// rung is scored, the points kept for the next rung are marked ✓ and the dropped ones
// faded. < and > show the previous and next rung; the newest is followed as the search
// goes on.
type tuneView struct {
	dir    string
	v      *view.Tune
	rung   int  // the rung shown, -1 before the first
	follow bool // show each new rung as it starts
	runs   int  // the number of run folders of the rung when its dashboard opened
}

// readTune reads the tune folder in a command.
func (a *App) readTune() tea.Cmd {
	dir, read := a.tune.dir, a.cfg.Tunes.Read
	return func() tea.Msg {
		if read == nil {
			return tuneReadMsg{err: appError("tui: this app cannot read tune folders")}
		}
		v, err := read(dir)
		return tuneReadMsg{v: v, err: err}
	}
}

// tuneMsg handles the tune view's messages; done is false for any other.
func (a *App) tuneMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tuneTickMsg:
		if a.tune == nil {
			return nil, true
		}
		return a.readTune(), true
	case tuneReadMsg:
		if a.tune == nil {
			return nil, true
		}
		return a.tuneRead(msg), true
	case tea.KeyMsg:
		return a.tuneKey(msg)
	}
	return nil, false
}

// tuneRead takes a reading of the tune folder: it shows the rung asked (the newest when
// following) if it changed or gained runs, else marks the kept rates, and polls again.
// Before the dashboard opens, an error or a search with no rung yet quits the app (with
// a.err); after, an error shows in the dashboard's status.
func (a *App) tuneRead(msg tuneReadMsg) tea.Cmd {
	t := a.tune
	next := tea.Tick(tunePoll, func(time.Time) tea.Msg { return tuneTickMsg{} })
	if msg.err != nil {
		if a.dash == nil {
			a.err = msg.err
			return tea.Quit
		}
		a.dash.status = msg.err.Error()
		return next
	}
	t.v = msg.v
	last := len(t.v.Rungs) - 1
	if last < 0 {
		if a.dash == nil {
			a.err = appError(fmt.Sprintf("tui: %s: no rung has started yet", t.dir))
			return tea.Quit
		}
		return next
	}
	want := t.rung
	if t.follow || want < 0 || want > last {
		want = last
	}
	if want != t.rung || len(t.v.Rungs[want].Runs) != t.runs || a.dash == nil {
		return tea.Batch(a.showRung(want), next)
	}
	a.markTune()
	return next
}

// tuneKey turns the rungs on < (or ,) and > (or .) on the tune's dashboard, when it
// takes keys; at the newest rung it follows the search. done is false for any other key.
func (a *App) tuneKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	if a.tune == nil || a.tune.v == nil || a.screen != screenDashboard || a.dash == nil || a.quit != nil || a.dash.Typing() || a.dash.showHelp {
		return nil, false
	}
	t := a.tune
	switch msg.String() {
	case "<", ",":
		if t.rung > 0 {
			t.follow = false
			return a.showRung(t.rung - 1), true
		}
		a.dash.status = "the first rung"
		a.dash.redraw(true)
		return nil, true
	case ">", ".":
		if t.rung < len(t.v.Rungs)-1 {
			t.follow = t.rung+1 == len(t.v.Rungs)-1
			return a.showRung(t.rung + 1), true
		}
		t.follow = true
		a.dash.status = "the newest rung: it is followed as the search goes on"
		a.dash.redraw(true)
		return nil, true
	}
	return nil, false
}

// showRung opens the dashboard of rung r's runs, compared.
func (a *App) showRung(r int) tea.Cmd {
	t := a.tune
	rg := t.v.Rungs[r]
	t.rung, t.runs = r, len(rg.Runs)
	if len(rg.Runs) == 0 {
		return nil
	}
	return openCompare(slices.Clone(rg.Runs), a.tuneTitle())
}

// tuneTitle says what the tune view shows: the folder, the rung and its steps, and
// where the search is.
func (a *App) tuneTitle() string {
	t := a.tune
	rg := t.v.Rungs[t.rung]
	s := fmt.Sprintf("tune %s · rung %d/%d", t.dir, t.rung+1, len(t.v.Rungs))
	if rg.Steps > 0 {
		s += fmt.Sprintf(" (%d steps)", rg.Steps)
	}
	switch {
	case t.v.Done && t.rung == len(t.v.Rungs)-1:
		s += " · done: " + strings.Join(t.v.Best, "; ")
	case rg.Kept == nil:
		s += " · training"
	default:
		kept := 0
		for _, k := range rg.Kept {
			if k {
				kept++
			}
		}
		s += fmt.Sprintf(" · %d of %d kept ✓ (held-out %s), the rest faded", kept, len(rg.Kept), t.v.Metric)
	}
	return s + " · <>: rungs"
}

// tuneCurrent reports whether ws are the runs of the rung the tune view wants: a rung
// opened before the keys moved on is not shown.
func (a *App) tuneCurrent(ws []*runner.Watch) bool {
	t := a.tune
	if t == nil || t.v == nil || t.rung < 0 || t.rung >= len(t.v.Rungs) {
		return true
	}
	runs := t.v.Rungs[t.rung].Runs
	if len(ws) != len(runs) {
		return false
	}
	for i, w := range ws {
		if w.Dir != runs[i] {
			return false
		}
	}
	return true
}

// markTune marks the dashboard's lines by the rung's scores: kept ✓, dropped faded.
func (a *App) markTune() {
	t := a.tune
	if a.dash == nil || t == nil || t.v == nil || t.rung < 0 || t.rung >= len(t.v.Rungs) {
		return
	}
	rg := t.v.Rungs[t.rung]
	kept := map[int]bool{}
	for i, l := range a.dash.lines {
		if l.Run >= len(a.dash.runs) {
			continue
		}
		if k, ok := rg.Kept[filepath.Base(a.dash.runs[l.Run].dir)+"/"+l.Method]; ok {
			kept[i] = k
		}
	}
	a.dash.SetTune(a.tuneTitle(), kept)
}
