package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
	"github.com/sipbench/sipbench/view"
)

// StartFunc creates the run folder of spec with one job per method and seed and starts
// training it in a background process; it returns the folder. It runs in a command, off
// the UI loop.
type StartFunc func(spec *presets.Spec, seeds []int) (dir string, err error)

// AppConfig configures the App. Only Options is needed to watch a run (Watch set);
// Start is needed to start runs from the preset list.
type AppConfig struct {
	Options Options
	// Presets are listed on the first screen; if nil, presets.All().
	Presets []*presets.Preset
	Start   StartFunc
	// Stop, if set, is called (in a command) after cancel has been written to every
	// unfinished job of the run in dir, when the user chooses to stop the runs; for
	// example to signal the training process.
	Stop func(dir string)
	// Watch, if set, opens the app on the dashboard of this run folder instead of the
	// preset list. The app calls its Follow; nobody else may.
	Watch *runner.Watch
	// Poll is the interval between reads of the run folder; if 0, 500ms.
	Poll time.Duration
	// Runs opens the app on the runs screen (when Watch is nil).
	Runs bool
	// Compare, if it names several run folders (and Watch is nil), opens the app on
	// their dashboard, compared side by side; CompareTitle says what they are.
	Compare      []string
	CompareTitle string
	// RunsRoot is the folder the runs screen lists; if "", runner.RunsDir.
	RunsRoot string
	// Index, if set, is what the runs screen reads RunsRoot through (tests give one whose
	// Slurm commands are fakes); if nil, runner.NewRunIndex(RunsRoot).
	Index *summary.Index
	// Resume, if set, resumes a run folder in a background process (R on the runs screen).
	Resume ResumeFunc
	// StartCheck, if set, starts a paper check in the background (the preset list's
	// "paper check").
	StartCheck CheckStartFunc
	// Checks reads paper check folders for the paper check screen (the command line
	// gives check.Viewer()); without it the screen says it cannot read them.
	Checks view.Checks
	// Figure draws the figures of the dashboard's f and F keys (the command line gives
	// figures.Draw); without it the keys say the app cannot draw figures.
	Figure view.FigureFunc
	// Check, if set (and Watch is nil), opens the app on the paper check screen of this
	// check folder.
	Check string
	// Tunes reads tune folders; Tune, if set (and Watch is nil), opens the app on the
	// tune folder's rungs (its newest, followed).
	Tunes view.Tunes
	Tune  string
}

// Outcome says how the app ended.
type Outcome int

// The outcomes. OutcomeNone: quit before any run was opened.
const (
	OutcomeNone     Outcome = iota
	OutcomeFinished         // quit with no job left training
	OutcomeLeft             // quit, jobs left training in the background
	OutcomeStopped          // quit after asking the jobs to stop
	OutcomeLost             // quit with unfinished jobs that no process trains (Lost)
)

// runStartedMsg reports the end of a start: the run folder opened for watching, or err.
type runStartedMsg struct {
	w   *runner.Watch
	err error
}

// attachedMsg reports that the app follows w's folder (the dashboard's run run) through
// sub.
type attachedMsg struct {
	w   *runner.Watch
	run int
	sub *runner.Subscription
}

// runEventsMsg is a batch drained from the subscription sub of the dashboard's run run;
// open is false once it closed.
type runEventsMsg struct {
	sub    *runner.Subscription
	run    int
	events []runner.Event
	open   bool
}

// compareOpenedMsg reports the end of opening several run folders to compare.
type compareOpenedMsg struct {
	ws    []*runner.Watch
	title string
	err   error
}

// watchOpenedMsg reports the end of opening a run folder from the runs screen.
type watchOpenedMsg struct {
	w   *runner.Watch
	err error
}

// App is the root Bubble Tea model of `sipbench`: the preset list, a preset's set-up
// screen, and the dashboard of the run, which it always reads from the run folder
// through a runner.Watch (the training runs in another process, so that quitting or a
// dropped connection loses nothing). q on the dashboard asks, while jobs still train,
// whether to leave them running or to stop them.
type App struct {
	ctx    context.Context
	cfg    AppConfig
	theme  *theme
	dialog lipgloss.Style

	screen screenID // the current screen
	list   *list
	setup  *setup
	runs   *runsScreen  // made on first use
	check  *checkScreen // made on first use
	mark   stepMark     // the step the dashboard being opened marks (a claim's)
	tune   *tuneView    // the tune folder the app shows, if any
	// back is the screen esc on the dashboard returns to: the runs screen, or the paper
	// check that opened it.
	back    screenID
	dash    *dashboard
	watch   *runner.Watch          // the dashboard's (first) run folder
	watches []*runner.Watch        // every run folder of the dashboard
	subs    []*runner.Subscription // per watch, once attached
	unwatch context.CancelFunc     // stops following the dashboard's folders
	quit    *quitDialog            // non-nil while the quit dialog is open
	err     error                  // why the app could not open what it was asked to
	outcome Outcome
	w, h    int
	// mouse mode (mouse.go): on, and the notice on the last line that says so, until a
	// key or the tick of generation noticeGen
	mouse     bool
	notice    []string // the notice, longest first: the first that fits is shown
	noticeGen int
}

// NewApp returns the app. ctx bounds the goroutine that follows the run folder: cancel
// it after the program has ended.
func NewApp(ctx context.Context, cfg AppConfig) *App {
	if cfg.Presets == nil {
		cfg.Presets = presets.All()
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	t := newTheme(resolveProfile(cfg.Options.Color, cfg.Options.Getenv), cfg.Options.ASCII)
	a := &App{ctx: ctx, cfg: cfg, theme: t, dialog: newDialogStyle(t), w: minWidth, h: minHeight, mouse: cfg.Options.Mouse}
	if cfg.Watch == nil {
		a.list = newList(t, cfg.Presets)
	}
	return a
}

// Init opens the run given in the config, or the runs screen, if asked; in mouse mode
// (Options.Mouse, which the program enables) it says so on the last line.
func (a *App) Init() tea.Cmd {
	var notice tea.Cmd
	if a.mouse {
		notice = a.setNotice(mouseOnNotice)
	}
	return tea.Batch(a.open(), notice)
}

// open opens the screen the config asks for.
func (a *App) open() tea.Cmd {
	if a.cfg.Watch != nil {
		return a.openDashboard(a.cfg.Watch)
	}
	if len(a.cfg.Compare) > 0 {
		dirs, title := a.cfg.Compare, a.cfg.CompareTitle
		return func() tea.Msg { return compareRunsMsg{Dirs: dirs, Title: title} }
	}
	if a.cfg.Tune != "" {
		a.tune = &tuneView{dir: a.cfg.Tune, rung: -1, follow: true}
		return a.readTune()
	}
	if a.cfg.Check != "" {
		a.check = newCheckScreen(a.theme, a.cfg.Checks, a.cfg.StartCheck, a.cfg.Stop, runsRoot(a.cfg.RunsRoot), a.cfg.Check)
		return a.show(screenCheck)
	}
	if a.cfg.Runs {
		return a.showRuns()
	}
	return nil
}

// showList goes back to the preset list (made on first use: the app may have opened on
// the runs or a dashboard).
func (a *App) showList() tea.Cmd {
	if a.list == nil {
		a.list = newList(a.theme, a.cfg.Presets)
	}
	return a.show(screenList)
}

// showCheck switches to the paper check screen, making its set-up on first use.
func (a *App) showCheck() tea.Cmd {
	if a.check == nil {
		a.check = newCheckScreen(a.theme, a.cfg.Checks, a.cfg.StartCheck, a.cfg.Stop, runsRoot(a.cfg.RunsRoot), "")
	}
	return a.show(screenCheck)
}

// showRuns switches to the runs screen, making it on first use.
func (a *App) showRuns() tea.Cmd {
	if a.runs == nil {
		idx := a.cfg.Index
		if idx == nil {
			idx = summary.NewIndex(runsRoot(a.cfg.RunsRoot))
		}
		a.runs = newRunsScreen(a.theme, idx, a.cfg.Resume)
	}
	return a.show(screenRuns)
}

// closeDashboard stops following the dashboard's folder and forgets it.
func (a *App) closeDashboard() {
	if a.unwatch != nil {
		a.unwatch()
		a.unwatch = nil
	}
	a.dash, a.watch, a.watches, a.subs = nil, nil, nil, nil
	a.outcome = OutcomeNone
}

// Err returns why the app could not open the runs it was asked to compare, if so.
func (a *App) Err() error { return a.err }

// Result returns the run folder ("" if none was opened) and how the app ended.
func (a *App) Result() (dirs []string, o Outcome) {
	for _, w := range a.watches {
		dirs = append(dirs, w.Dir)
	}
	return dirs, a.outcome
}

// screenName names the current screen: "list", "setup", "dashboard", "runs" or "check"
// (with "+quit" while the quit dialog is open).
func (a *App) screenName() string {
	s := a.screen.String()
	if a.quit != nil {
		s += "+quit"
	}
	return s
}

// Update routes messages to the current screen and handles the moves between screens.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, done := a.mouseMode(msg); done {
		return a, cmd
	}
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste {
		return a, a.eachKey(k)
	}
	if cmd, done := a.navigate(msg); done {
		return a, cmd
	}
	if cmd, done := a.follow(msg); done {
		return a, cmd
	}
	if cmd, done := a.tuneMsg(msg); done {
		return a, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.w, a.h = msg.Width, msg.Height
		for id := range screenCount {
			if s := a.screenAt(id); s != nil {
				s.SetSize(a.w, a.h)
			}
		}
		return a, nil
	case checkStartedMsg, checkReadMsg, checkTickMsg, checkStoppedMsg, checkNewestMsg:
		return a, a.send(screenCheck, msg)
	case runsScannedMsg, runsTickMsg, runsDoneMsg, logReadMsg:
		return a, a.send(screenRuns, msg)
	case quitRequestMsg:
		return a, a.requestQuit()
	case tea.KeyMsg:
		if a.quit != nil {
			return a, a.dialogKey(msg)
		}
		if a.screen == screenDashboard && msg.Type == tea.KeyEsc && !a.dash.showHelp && !a.dash.Typing() {
			a.closeDashboard() // back to the runs or the check; training goes on in the background
			a.tune = nil       // and a tune folder is followed no more
			if a.back == screenCheck {
				return a, a.showCheck()
			}
			return a, a.showRuns()
		}
	}
	return a, a.send(a.screen, msg)
}

// navigate handles the messages that move between screens; done is false for any other.
func (a *App) navigate(msg tea.Msg) (cmd tea.Cmd, done bool) {
	switch msg := msg.(type) {
	case showRunsMsg:
		return a.showRuns(), true
	case runsBackMsg, checkBackMsg:
		return a.showList(), true
	case checkChosenMsg:
		return a.showCheck(), true
	case presetChosenMsg:
		a.setup = newSetup(a.theme, msg.Preset)
		return a.show(screenSetup), true
	case setupBackMsg:
		cmd := a.showList()
		a.setup = nil
		return cmd, true
	case setupDoneMsg:
		return a.start(msg.Spec, msg.Seeds), true
	case runStartedMsg:
		if msg.err != nil {
			if a.setup != nil {
				a.setup.SetError(msg.err)
			}
			return nil, true
		}
		return a.openDashboard(msg.w), true
	case openRunMsg:
		a.mark = stepMark{msg.Mark, msg.MarkName}
		dir := msg.Dir
		return func() tea.Msg {
			w, err := runner.OpenWatch(dir)
			return watchOpenedMsg{w: w, err: err}
		}, true
	case watchOpenedMsg:
		if msg.err != nil {
			a.showOpenError(msg.err)
			return nil, true
		}
		return a.openFrom([]*runner.Watch{msg.w}, "", false), true
	case compareRunsMsg:
		a.mark = stepMark{msg.Mark, msg.MarkName}
		return openCompare(msg.Dirs, msg.Title), true
	case compareOpenedMsg:
		if msg.err == nil {
			return a.openFrom(msg.ws, msg.title, true), true
		}
		if a.runs == nil && a.screen != screenCheck { // opened on the comparison: nothing else to show
			a.err = msg.err
			return tea.Quit, true
		}
		a.showOpenError(msg.err)
		return nil, true
	}
	return nil, false
}

// openCompare opens the run folders dirs in a command, to compare them in one dashboard.
func openCompare(dirs []string, title string) tea.Cmd {
	return func() tea.Msg {
		var ws []*runner.Watch
		for _, d := range dirs {
			w, err := runner.OpenWatch(d)
			if err != nil {
				return compareOpenedMsg{err: err}
			}
			ws = append(ws, w)
		}
		return compareOpenedMsg{ws: ws, title: title}
	}
}

// openFrom opens the dashboard of ws (compared side by side under title if compare) from
// the runs screen or the paper check, which esc then returns to.
func (a *App) openFrom(ws []*runner.Watch, title string, compare bool) tea.Cmd {
	if !a.tuneCurrent(ws) {
		return nil
	}
	if a.dash != nil { // another rung of a tune folder replaces the one shown
		a.closeDashboard()
	}
	for _, w := range ws {
		a.lostAtOnce(w)
	}
	from := a.screen
	if from != screenCheck && a.runs != nil {
		a.runs.Deactivate()
	}
	var cmd tea.Cmd
	if compare {
		cmd = a.openCompare(ws, title)
	} else {
		cmd = a.openDashboard(ws[0])
	}
	if from == screenCheck {
		a.back = screenCheck
	}
	if a.mark.step > 0 {
		a.dash.SetMark(a.mark.step, a.mark.name)
	}
	if a.tune != nil {
		a.markTune()
	}
	a.mark = stepMark{}
	return cmd
}

// stepMark is a step that the next dashboard opened marks on its chart, and its name.
type stepMark struct {
	step int
	name string
}

// follow handles the messages that follow the dashboard's run folders; done is false for
// any other.
func (a *App) follow(msg tea.Msg) (cmd tea.Cmd, done bool) {
	switch msg := msg.(type) {
	case attachedMsg:
		if msg.run >= len(a.watches) || msg.w != a.watches[msg.run] { // closed before it attached
			return nil, true
		}
		a.subs[msg.run] = msg.sub
		return waitEvents(msg.sub, msg.run), true
	case runEventsMsg:
		if msg.run >= len(a.subs) || msg.sub != a.subs[msg.run] { // a dashboard closed since
			return nil, true
		}
		var tick tea.Cmd
		if a.dash != nil && len(msg.events) > 0 {
			_, tick = a.dash.Update(runEventsOf{run: msg.run, events: msg.events})
		}
		if msg.open {
			return tea.Batch(tick, waitEvents(msg.sub, msg.run)), true
		}
		return tick, true
	}
	return nil, false
}

// eachKey handles the runes of one key message as the key presses they were. Bubble Tea
// v1 reports the printable bytes of one read as one message: "jj" when keys come faster
// than the app reads them (a held key on a busy machine, typing over SSH, tmux
// send-keys), which no binding matches. A text field gets the same runes in order.
func (a *App) eachKey(k tea.KeyMsg) tea.Cmd {
	var cmds []tea.Cmd
	for _, r := range k.Runes {
		one := k
		one.Runes = []rune{r}
		_, cmd := a.Update(one)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// View renders the current screen, with the quit dialog over the dashboard; with
// --ascii, in ASCII only (asciiOnly).
func (a *App) View() string {
	v := a.withNotice(a.view())
	if a.theme.ASCII {
		v = asciiOnly(v)
	}
	return v
}

func (a *App) view() string {
	cur := a.screenAt(a.screen)
	if cur == nil {
		return ""
	}
	v := cur.View()
	if a.screen == screenDashboard && a.quit != nil && a.w >= minWidth && a.h >= minHeight {
		v = overlay(v, a.quit.view(a.theme, a.dialog, a.w), a.w, a.h)
	}
	return v
}

// showOpenError shows why a run folder could not be opened on the screen that asked.
func (a *App) showOpenError(err error) {
	if a.screen == screenCheck {
		a.check.status = err.Error()
	} else if a.runs != nil {
		a.runs.status = err.Error()
	}
}

// lostAtOnce drops the grace that w gives a free lock (Watch.LostAfter, the time a
// trainer just started may take to lock its jobs) when the runs screen lists its run as
// lost, its trainer gone: the dashboard says lost from its first look, instead of
// showing the jobs running, with a stale speed and ETA, for the grace's 5 s.
func (a *App) lostAtOnce(w *runner.Watch) {
	if a.runs != nil && a.runs.lost(w.Dir) {
		w.LostAfter = -1 // at once
	}
}

// openDashboard opens the dashboard of the run folder w and returns the commands that
// start its refresh tick and follow the folder.
func (a *App) openDashboard(w *runner.Watch) tea.Cmd {
	opts := a.cfg.Options
	opts.RunDir = w.Dir
	a.watch, a.watches = w, []*runner.Watch{w}
	a.dash = newDashboard(w.Info, opts, w)
	a.dash.draw = a.cfg.Figure
	return a.dashboardShown()
}

// openCompare opens the dashboard of several run folders compared side by side, and
// returns the commands that start its refresh tick and follow the folders.
func (a *App) openCompare(ws []*runner.Watch, title string) tea.Cmd {
	runs := make([]dashRun, len(ws))
	for i, w := range ws {
		runs[i] = dashRun{info: w.Info, dir: w.Dir, ctrl: w}
	}
	a.watch, a.watches = ws[0], ws
	a.dash = newRunsDashboard(runs, a.cfg.Options, title)
	a.dash.draw = a.cfg.Figure
	return a.dashboardShown()
}

// dashboardShown shows the dashboard just made (esc returns to the runs screen) and
// starts following its folders.
func (a *App) dashboardShown() tea.Cmd {
	a.back = screenRuns
	a.outcome = OutcomeFinished
	return tea.Batch(a.show(screenDashboard), a.followAll())
}

// start creates and starts the run in a command, then opens its folder.
func (a *App) start(spec *presets.Spec, seeds []int) tea.Cmd {
	start := a.cfg.Start
	return func() tea.Msg {
		if start == nil {
			return runStartedMsg{err: errNoStart}
		}
		dir, err := start(spec, seeds)
		if err != nil {
			return runStartedMsg{err: err}
		}
		w, err := runner.OpenWatch(dir)
		return runStartedMsg{w: w, err: err}
	}
}

type appError string

func (e appError) Error() string { return string(e) }

const errNoStart = appError("tui: this app cannot start runs")

// followAll subscribes to each of the dashboard's run folders and starts polling them
// until the app's context ends or the dashboard closes.
func (a *App) followAll() tea.Cmd {
	ctx, cancel := context.WithCancel(a.ctx)
	a.unwatch = cancel
	a.subs = make([]*runner.Subscription, len(a.watches))
	every := a.cfg.Poll
	var cmds []tea.Cmd
	for i, w := range a.watches {
		cmds = append(cmds, func() tea.Msg {
			sub := w.Subscribe()
			go w.Follow(ctx, every, false)
			return attachedMsg{w: w, run: i, sub: sub}
		})
	}
	return tea.Batch(cmds...)
}

// waitEvents waits for the subscription's next events and returns them as one batch;
// the App re-arms it after each batch until the subscription closes.
func waitEvents(sub *runner.Subscription, run int) tea.Cmd {
	return func() tea.Msg {
		_, open := <-sub.C
		return runEventsMsg{sub: sub, run: run, events: sub.Drain(), open: open}
	}
}

// running returns the IDs of the jobs that have not reached a final state.
func (a *App) running() []string {
	if a.dash == nil {
		return nil
	}
	var ids []string
	for _, j := range a.dash.store.Jobs {
		// A cluster job that Slurm lost (its array cancelled, its node gone) trains no more.
		if !j.State.Final() && j.State != folder.Lost && j.Cluster.State != cluster.Lost {
			ids = append(ids, j.Info.ID)
		}
	}
	return ids
}

// lost returns the IDs of the jobs that no process trains any more (runner.Lost).
func (a *App) lost() []string {
	if a.dash == nil {
		return nil
	}
	var ids []string
	for _, j := range a.dash.store.Jobs {
		if j.State == folder.Lost || !j.State.Final() && j.Cluster.State == cluster.Lost {
			ids = append(ids, j.Info.ID)
		}
	}
	return ids
}

// dirs returns the folders of the runs the dashboard follows.
func (a *App) dirs() []string {
	dirs, _ := a.Result()
	return dirs
}

// Unfinished returns the folders, among those the last dashboard followed, of the runs
// with jobs that a resume continues: not in a final state (training, queued, lost), or
// cancelled.
func (a *App) Unfinished() []string {
	if a.dash == nil {
		return nil
	}
	open := make([]bool, len(a.watches))
	for _, j := range a.dash.store.Jobs {
		if (!j.State.Final() || j.State == folder.Cancelled) && j.Run < len(open) {
			open[j.Run] = true
		}
	}
	var dirs []string
	for i, w := range a.watches {
		if open[i] {
			dirs = append(dirs, w.Dir)
		}
	}
	return dirs
}

// requestQuit quits at once when no job trains, else opens the dialog.
func (a *App) requestQuit() tea.Cmd {
	if a.quit != nil {
		return nil
	}
	ids := a.running()
	if len(ids) == 0 {
		a.outcome = OutcomeFinished
		if len(a.lost()) > 0 {
			a.outcome = OutcomeLost
		}
		return tea.Quit
	}
	a.quit = &quitDialog{dirs: a.dirs(), unfinished: a.Unfinished(), running: len(ids), lost: len(a.lost())}
	return nil
}

// dialogKey answers the quit dialog: l (or q, ctrl+c again) leaves the jobs running, s
// stops them, esc goes back to the dashboard.
func (a *App) dialogKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.String() {
	case "l", "L", "q", "ctrl+c":
		a.quit = nil
		a.outcome = OutcomeLeft
		return tea.Quit
	case "s", "S":
		a.quit = nil
		a.outcome = OutcomeStopped
		ws, stop := a.watches, a.cfg.Stop
		ids := make([][]string, len(ws)) // per run, its jobs that train
		for _, j := range a.dash.store.Jobs {
			if !j.State.Final() && j.State != folder.Lost {
				ids[j.Run] = append(ids[j.Run], j.Info.ID)
			}
		}
		return func() tea.Msg {
			for i, w := range ws {
				if len(ids[i]) == 0 {
					continue
				}
				if _, cluster := w.Cluster(); cluster {
					w.CancelAll() // one scancel of the whole array
					continue
				}
				for _, id := range ids[i] {
					w.Cancel(id)
				}
				if stop != nil {
					stop(w.Dir)
				}
			}
			return tea.QuitMsg{}
		}
	case "esc", "n", "N":
		a.quit = nil
	}
	return nil
}
