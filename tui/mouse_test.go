package tui

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// click is a left click at (x, y); wheel a wheel notch (up or down) there.
func click(x, y int) tea.MouseMsg {
	return tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress}
}

func wheel(down bool) tea.MouseMsg {
	b := tea.MouseButtonWheelUp
	if down {
		b = tea.MouseButtonWheelDown
	}
	return tea.MouseMsg{X: 3, Y: 3, Button: b, Action: tea.MouseActionPress}
}

// plainLines returns the lines of a frame without escapes.
func plainLines(v string) []string { return strings.Split(ansi.Strip(v), "\n") }

// lineWith returns the first line of v holding every one of subs, or fails.
func lineWith(t *testing.T, v string, subs ...string) (y int, line string) {
	t.Helper()
	for y, l := range plainLines(v) {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			return y, l
		}
	}
	t.Fatalf("no line holds %q in\n%s", subs, ansi.Strip(v))
	return 0, ""
}

// TestTableRowAt checks the table's hit test against what it draws, at several sizes and
// selections (so with the rows scrolled, the hint line and pinned rows), and after a
// resize: a click on a row's line hits that row, anywhere across the width; the header,
// the hint, skipped rows and any point outside the block hit nothing.
func TestTableRowAt(t *testing.T) {
	tb := newTable(plainTheme(), tableKeys{})
	tb.SetColumns([]column{{Title: "name", Width: 8}, {Title: "bar", Width: 4, Bar: true}})
	var rows []tableRow
	for i := range 30 {
		r := tableRow{Mark: "  ", Cells: []tableCell{{Text: fmt.Sprintf("row%02d", i)}, {Frac: 0.5}}}
		switch i {
		case 29:
			r.Pin = true // a summary, kept in view
		case 7:
			r = tableRow{Span: "── heading 07", Skip: true}
		}
		rows = append(rows, r)
	}
	tb.SetRows(rows)
	sizes := [][2]int{{80, 40}, {80, 10}, {30, 5}, {20, 3}, {80, 2}, {80, 40}} // the last after shrinking
	for _, sz := range sizes {
		for _, sel := range []int{0, 15, 28} {
			tb.SetSize(sz[0], sz[1])
			tb.Select(sel)
			lines := plainLines(tb.View())
			hits := 0
			for y := -3; y < sz[1]+3; y++ {
				for _, x := range []int{math.MinInt, -1, 0, sz[0] / 2, sz[0] - 1, sz[0], 1 << 40} {
					row, ok := tb.rowAt(x, y)
					inside := y >= 0 && y < len(lines) && x >= 0 && x < sz[0]
					if !inside {
						if ok {
							t.Errorf("%v sel %d: (%d,%d) outside the table hit row %d", sz, sel, x, y, row)
						}
						continue
					}
					label := ""
					if strings.Contains(lines[y], "row") {
						label = lines[y][strings.Index(lines[y], "row"):][:5]
					}
					switch {
					case ok && label != fmt.Sprintf("row%02d", row):
						t.Errorf("%v sel %d: (%d,%d) hit row %d, but the line is %q", sz, sel, x, y, row, lines[y])
					case !ok && label != "" && y > 0:
						t.Errorf("%v sel %d: (%d,%d) hit nothing on the line %q", sz, sel, x, y, lines[y])
					case ok:
						hits++
					}
				}
			}
			if sz[1] >= 3 && hits == 0 {
				t.Errorf("%v sel %d: no row hit", sz, sel)
			}
		}
	}
}

// legendCell returns the cell of the legend entry name on the dashboard's legend line
// (the line that lists every method) and the line.
func legendCell(t *testing.T, d *dashboard, name string) (x, y int) {
	t.Helper()
	for y, l := range plainLines(d.View()) {
		if legendRE.MatchString(l) {
			i := regexp.MustCompile("[■□] " + name).FindStringIndex(l)
			if i == nil {
				t.Fatalf("no legend entry %s on %q", name, l)
			}
			return ansi.StringWidth(l[:i[0]]), y
		}
	}
	t.Fatalf("no legend in\n%s", ansi.Strip(d.View()))
	return 0, 0
}

// legendRE matches the legend's line of liveDashboard, its entries shown (■) or hidden (□).
var legendRE = regexp.MustCompile(`[■□] SIP  [■□] Adam  [■□] SGD`)

// TestDashboardClicks checks the dashboard's hit areas at several window sizes and after
// a resize: a click on a job's row selects that job, a click on a legend entry hides and
// then shows that line (as space does for the selected job), and clicks on the header, the
// title, between legend entries, on the fields pane or far outside do nothing.
func TestDashboardClicks(t *testing.T) {
	for _, sz := range [][4]int{{80, 24}, {120, 36}, {200, 60}, {200, 60, 80, 24}, {80, 24, 160, 50}} {
		t.Run(fmt.Sprint(sz), func(t *testing.T) {
			d := liveDashboard(sz[0], sz[1], nil)
			w, h := sz[0], sz[1]
			if sz[2] > 0 { // resized after it was drawn
				d.Update(tea.WindowSizeMsg{Width: sz[2], Height: sz[3]})
				w, h = sz[2], sz[3]
			}
			for _, want := range []int{2, 0, 1} {
				y, _ := lineWith(t, d.View(), d.store.Jobs[want].Info.ID+" ")
				d.click(w/2, y)
				if got := d.Selected(); got != want {
					t.Errorf("click on %s's row (line %d): job %d selected", d.store.Jobs[want].Info.ID, y, got)
				}
			}
			sel := d.Selected()
			for _, p := range [][2]int{{1, 0}, {1, 1}, {-1, 2}, {w, 2}, {math.MinInt, math.MinInt}, {math.MaxInt, math.MaxInt}, {3, h}, {3, -1}} {
				d.click(p[0], p[1])
				if d.Selected() != sel || d.hidden != nil {
					t.Errorf("click at %v changed the selection to %d or hid %v", p, d.Selected(), d.hidden)
				}
			}
			for li, name := range []string{"SIP", "Adam", "SGD"} {
				x, y := legendCell(t, d, name)
				if x > 0 {
					d.click(x-1, y) // the gap before the entry
					if !d.visible(li) {
						t.Errorf("a click before %s's entry hid it", name)
					}
				}
				d.click(x+2, y)
				if d.visible(li) {
					t.Errorf("a click on %s's legend entry (%d,%d) left its line shown", name, x+2, y)
				}
				x, y = legendCell(t, d, name) // hollow now, in the same place
				d.click(x, y)
				if !d.visible(li) {
					t.Errorf("a second click on %s's legend entry left its line hidden", name)
				}
			}
			if w >= wideWidth { // the fields pane at the right of the legend's line
				_, y := legendCell(t, d, "SIP")
				d.click(w-3, y)
				if d.hidden != nil && slicesAnyTrue(d.hidden) {
					t.Errorf("a click on the fields pane hid %v", d.hidden)
				}
			}
		})
	}
}

func slicesAnyTrue(m map[int]bool) bool {
	for _, v := range m {
		if v {
			return true
		}
	}
	return false
}

// TestDashboardHelpScrolls checks that ↑/↓ (which the wheel sends) scroll a help screen
// longer than the window to its last line and back, and stop at both ends.
func TestDashboardHelpScrolls(t *testing.T) {
	d := liveDashboard(80, 24, nil)
	feed(d, keyMsg("?"))
	first := plainLines(d.View())[0]
	if !strings.Contains(first, "sipbench dashboard: keys") {
		t.Fatalf("the help's first line is %q", first)
	}
	for range 100 {
		feed(d, keyMsg("down"))
	}
	lines := plainLines(d.View())
	if len(lines) != 24 || !strings.Contains(lines[23], "terminals.") {
		t.Errorf("scrolled down, %d lines, the last %q; want the help's end", len(lines), lines[len(lines)-1])
	}
	for range 100 {
		feed(d, keyMsg("up"))
	}
	if got := plainLines(d.View())[0]; got != first {
		t.Errorf("scrolled back up, the first line is %q", got)
	}
}

// TestRunsClicks checks the runs screen's rows: a click selects the run on that row, a
// click on the selected run opens it, and clicks on the header, the rule, the details or
// outside do nothing.
func TestRunsClicks(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		r, _ := newFixtureRuns(t, sz[0], sz[1], false)
		y, _ := lineWith(t, r.View(), "12:00", "rotation")
		if cmd := r.click(5, y); cmd != nil || r.Selected().Info.Preset != "rotation" {
			t.Fatalf("%v: a click on rotation's row selected %s", sz, r.Selected().Info.Preset)
		}
		for _, p := range [][2]int{{5, 0}, {5, 1}, {5, sz[1] - 1}, {-5, y}, {sz[0], y}, {5, math.MaxInt}, {math.MinInt, -1}} {
			if cmd := r.click(p[0], p[1]); cmd != nil || r.Selected().Info.Preset != "rotation" {
				t.Errorf("%v: a click at %v moved the selection to %s", sz, p, r.Selected().Info.Preset)
			}
		}
		y, _ = lineWith(t, r.View(), "11:00", "heat")
		r.click(5, y)
		cmd := r.click(sz[0]-1, y) // on the selected row: opens it
		if cmd == nil {
			t.Fatalf("%v: a click on the selected run opened nothing", sz)
		}
		if m, ok := cmd().(openRunMsg); !ok || !strings.Contains(m.Dir, "heat") {
			t.Errorf("%v: the click on heat's selected row gave %#v", sz, m)
		}
		pressRuns(r, "?")
		if cmd := r.click(5, y); cmd != nil {
			t.Errorf("%v: a click over the help opened a run", sz)
		}
	}
}

// listApp returns an app on the preset list of the golden presets, sized w×h.
func listApp(t *testing.T, w, h int, opts Options) *App {
	a := NewApp(t.Context(), AppConfig{Presets: goldenPresets(t), Options: opts})
	a.Init()
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return a
}

// isCmd reports whether cmd is the command fn (a Bubble Tea command such as
// tea.EnableMouseCellMotion), directly or in a batch.
func isCmd(cmd tea.Cmd, fn tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	want := reflect.ValueOf(fn).Pointer()
	if reflect.ValueOf(cmd).Pointer() == want {
		return true
	}
	if b, ok := cmd().(tea.BatchMsg); ok { // a batch's command returns the batch at once
		for _, c := range b {
			if c != nil && reflect.ValueOf(c).Pointer() == want {
				return true
			}
		}
	}
	return false
}

// TestMouseOffIgnored checks that mouse events do nothing while mouse mode is off (the
// default), and that ctrl+t turns it on (enabling the terminal's mouse reports) and off.
func TestMouseOffIgnored(t *testing.T) {
	a := listApp(t, 80, 24, Options{})
	y, _ := lineWith(t, a.View(), "poisson")
	for _, m := range []tea.MouseMsg{click(5, y), wheel(true), wheel(true), click(5, y)} {
		if _, cmd := a.Update(m); cmd != nil || a.list.selected != 0 {
			t.Fatalf("mouse off: %v moved the list to %d or gave a command", m, a.list.selected)
		}
	}
	_, cmd := a.Update(tea.KeyMsg{Type: tea.KeyCtrlT})
	if !a.mouse || !isCmd(cmd, tea.EnableMouseCellMotion) {
		t.Fatalf("ctrl+t: mouse %v, command does not enable the mouse", a.mouse)
	}
	a.Update(click(5, y))
	if a.list.selected != 2 {
		t.Errorf("mouse on: a click on poisson's row selected %d", a.list.selected)
	}
	_, cmd = a.Update(click(70, y)) // the selected row: chosen, as enter does
	if cmd == nil {
		t.Fatal("a click on the selected preset chose nothing")
	}
	if m, ok := cmd().(presetChosenMsg); !ok || m.Preset.Name != "poisson" {
		t.Errorf("the click on the selected preset gave %#v", m)
	}
	a.Update(wheel(true))
	a.Update(wheel(true)) // past trajectories: the paper check
	if a.list.selected != 4 || !a.list.checkSelected() {
		t.Errorf("two notches down from poisson: entry %d", a.list.selected)
	}
	a.Update(wheel(false))
	if a.list.selected != 3 {
		t.Errorf("a notch up: entry %d", a.list.selected)
	}
	_, cmd = a.Update(tea.KeyMsg{Type: tea.KeyCtrlT})
	if a.mouse || !isCmd(cmd, tea.DisableMouse) {
		t.Fatalf("ctrl+t again: mouse %v, command does not disable the mouse", a.mouse)
	}
	a.Update(click(5, y))
	if a.list.selected != 3 {
		t.Errorf("mouse off again: a click moved the list to %d", a.list.selected)
	}
}

// TestMouseNotice checks the status line of the toggle: on, it says that shift+drag
// still selects text (the longer text where it fits), off that drag selects again; it
// stays until a key or its own timer, not an older one's. --mouse starts with it.
func TestMouseNotice(t *testing.T) {
	a := listApp(t, 80, 24, Options{})
	a.Update(tea.KeyMsg{Type: tea.KeyCtrlT})
	v := a.View()
	golden(t, "list_80x24_mouse_on", v)
	if n := len(plainLines(v)); n != 24 {
		t.Errorf("%d lines, want 24", n)
	}
	gen := a.noticeGen
	a.Update(tea.KeyMsg{Type: tea.KeyCtrlT})
	if last := plainLines(a.View())[23]; !strings.HasPrefix(last, "mouse off: drag selects text again") {
		t.Errorf("off: the last line is %q", last)
	}
	a.Update(noticeDoneMsg{gen: gen}) // the first notice's timer: not this one's
	if a.notice == nil {
		t.Error("an older notice's timer cleared the notice")
	}
	a.Update(noticeDoneMsg{gen: a.noticeGen})
	if last := plainLines(a.View())[23]; strings.Contains(last, "mouse") {
		t.Errorf("after its timer the last line is %q", last)
	}

	wide := listApp(t, 200, 60, Options{Mouse: true})
	if !wide.mouse {
		t.Fatal("Options.Mouse: the app starts with mouse mode off")
	}
	last := plainLines(wide.View())[59]
	if !strings.Contains(last, "click a row or a legend entry") || !strings.Contains(last, "shift+drag still selects text in most terminals") {
		t.Errorf("--mouse at 200 columns: the last line is %q", last)
	}
	wide.Update(appKey("down"))
	if last := plainLines(wide.View())[59]; strings.Contains(last, "mouse on") {
		t.Errorf("a key left the notice: %q", last)
	}
	wide.Update(tea.KeyMsg{Type: tea.KeyCtrlT})
	wide.Update(tea.KeyMsg{Type: tea.KeyCtrlT}) // on again
	wide.Update(wheel(true))
	if last := plainLines(wide.View())[59]; strings.Contains(last, "mouse on") {
		t.Errorf("a wheel notch left the notice: %q", last)
	}
}

// TestMouseAnyCoordinates sends mouse events at extreme and ordinary coordinates, of every
// button and action, to each screen at several sizes (below the minimum too, and after
// resizes): none may panic.
func TestMouseAnyCoordinates(t *testing.T) {
	a := listApp(t, 80, 24, Options{Mouse: true})
	r, _ := newFixtureRuns(t, 80, 24, false)
	a.runs = r
	a.dash = liveDashboard(80, 24, nil)
	coords := []int{math.MinInt, -100000, -1, 0, 1, 2, 5, 12, 23, 24, 59, 79, 80, 149, 150, 199, 200, math.MaxInt}
	buttons := []tea.MouseButton{tea.MouseButtonLeft, tea.MouseButtonRight, tea.MouseButtonWheelUp, tea.MouseButtonWheelDown, tea.MouseButtonNone}
	actions := []tea.MouseAction{tea.MouseActionPress, tea.MouseActionRelease, tea.MouseActionMotion}
	for _, id := range []screenID{screenList, screenRuns, screenDashboard} {
		a.screen = id
		for _, sz := range [][2]int{{80, 24}, {200, 60}, {20, 5}, {0, 0}, {150, 30}} {
			a.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			for _, x := range coords {
				for _, y := range coords {
					for _, b := range buttons {
						for _, act := range actions {
							a.Update(tea.MouseMsg{X: x, Y: y, Button: b, Action: act})
						}
					}
				}
			}
			a.View()
		}
	}
}

// TestLegendPageClick checks a paged legend (24 lines at 120×36): a click on its "[1/N]"
// mark turns the page on, as ] does, and a click on an entry of the new page hides that
// entry's line.
func TestLegendPageClick(t *testing.T) {
	d := lrSweep(24, 120, 36)
	_, pages := d.chart.LegendPage()
	for p := 1; p <= pages; p++ {
		y, l := lineWith(t, d.View(), fmt.Sprintf("[%d/%d]", p, pages))
		x := ansi.StringWidth(l[:strings.Index(l, "[")])
		d.click(x+1, y)
		if page, _ := d.chart.LegendPage(); page != p%pages {
			t.Fatalf("a click on the mark [%d/%d] at (%d,%d): page %d", p, pages, x+1, y, page+1)
		}
	}
	y, l := lineWith(t, d.View(), fmt.Sprintf("[1/%d]", pages))
	d.click(ansi.StringWidth(l[:strings.Index(l, "[")]), y)
	y, _ = lineWith(t, d.View(), fmt.Sprintf("[2/%d]", pages))
	li := -1
	for i := range d.lines {
		if x, ok := entryCell(t, d, y, d.lines[i].Label); ok {
			li = i
			d.click(x, y)
			break
		}
	}
	if li < 0 {
		t.Fatalf("no entry on the legend's line %d", y)
	}
	if d.visible(li) {
		t.Errorf("a click on %s's entry on page 2 left its line shown", d.lines[li].Label)
	}
}

// entryCell returns the column of the legend entry label on line y of d's frame, if there.
func entryCell(t *testing.T, d *dashboard, y int, label string) (int, bool) {
	t.Helper()
	l := plainLines(d.View())[y]
	i := strings.Index(l, " "+label+"  ")
	if i < 0 {
		return 0, false
	}
	return ansi.StringWidth(l[:i]) + 1, true
}

// TestFooterMouseKey checks that the preset list's and the runs screen's footers name the
// mouse key when it fits beside their other keys, and otherwise keep those keys (quit among
// them) rather than the mouse key, within the width.
func TestFooterMouseKey(t *testing.T) {
	for _, w := range []int{60, 80, 120, 130, 200} {
		l := newList(plainTheme(), goldenPresets(t))
		l.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		r, _ := newFixtureRuns(t, w, 24, false)
		for name, f := range map[string]string{"list": l.footer(), "runs": r.footer()} {
			plain := ansi.Strip(f)
			if ansi.StringWidth(plain) > w {
				t.Errorf("%s at %d columns: the footer is %d wide: %q", name, w, ansi.StringWidth(plain), plain)
			}
			if w >= 130 && !strings.Contains(plain, "ctrl+t mouse on/off") {
				t.Errorf("%s at %d columns: no mouse key in %q", name, w, plain)
			}
			if strings.Contains(plain, "ctrl+t") && !strings.Contains(plain, "q quit") {
				t.Errorf("%s at %d columns: the mouse key pushed quit out: %q", name, w, plain)
			}
		}
	}
}
