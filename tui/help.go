package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// newHelp returns a bubbles help model styled by t.
func newHelp(t *theme) help.Model {
	h := help.New()
	h.ShortSeparator = " · "
	h.Styles = help.Styles{
		ShortKey: t.HelpKey, ShortDesc: t.HelpDesc, ShortSeparator: t.HelpSep,
		FullKey: t.HelpKey, FullDesc: t.HelpDesc, FullSeparator: t.HelpSep,
		Ellipsis: t.HelpSep,
	}
	if t.ASCII {
		h.ShortSeparator = " | "
		h.Ellipsis = "..."
	}
	return h
}

// helpScreen renders a `?` screen: the title, the full key list of keys, and text wrapped
// below it in the dim style, fitted to w×ht from line *top on (↑/↓ and the wheel scroll
// a help longer than the screen; *top is kept within the lines). Every screen's help is
// drawn by it.
func helpScreen(t *theme, h help.Model, keys help.KeyMap, title, text string, w, ht int, top *int) string {
	h.Width = w
	h.ShowAll = true
	var b strings.Builder
	b.WriteString(t.Title.Render(title))
	b.WriteString("\n\n")
	b.WriteString(h.View(keys))
	b.WriteString("\n\n")
	b.WriteString(t.Dim.Render(wordWrap(text, w)))
	lines := strings.Split(b.String(), "\n")
	*top = min(max(*top, 0), max(len(lines)-ht, 0))
	return fitBlock(strings.Join(lines[*top:], "\n"), w, ht)
}

// scrollHelp scrolls a help screen's first line top by one on the up and down keys (the
// wheel's too); helpScreen keeps it within the lines. It reports whether msg was one.
func scrollHelp(top *int, msg tea.KeyMsg, up, down key.Binding) bool {
	switch {
	case key.Matches(msg, up):
		*top--
	case key.Matches(msg, down):
		*top++
	default:
		return false
	}
	return true
}

// helpView renders the dashboard's `?` screen: the full key list and what the chart shows,
// fitted to w×h.
func helpView(t *theme, h help.Model, keys keyMap, w, ht int, top *int) string {
	return helpScreen(t, h, keys, "sipbench dashboard: keys", "Chart: lower is better for every metric; log Y shows real values (1e-3 = 0.001); "+
		"values ≤ 0 are hidden on log Y and counted in the title; s smooths the table's values and the chart alike: "+
		"the running mean over the last 64 logged steps, as show reports it (s cycles off, 16, 64, 256; the title says which). With several seeds a method is drawn as their mean with a faint band from their "+
		"minimum to their maximum (e: each seed), and the table adds its row: the mean ± half the seeds' range. "+
		"✗ marks a diverged job (non-finite values are never plotted). "+
		"Lines: space hides the selected job's, o shows it alone, / keeps those whose label a regular expression matches, a shows all; "+
		"the legend lists hidden lines hollow (□) and pages with [ ]; the selected line is drawn on top. "+
		"g: the metric at the end against a setting the runs differ in (a sweep's), each point a run. "+
		"A tune folder (sipbench watch DIR) shows a rung's runs, one per rate: < and > the rungs; scored, the points kept ✓, the dropped faded. "+
		"Fields: x* truth, y* observation, x prediction, x-x* error (blue < 0 < red). esc goes back to the runs; "+
		"? or esc closes this; ↑/↓ scroll it. Mouse mode (ctrl+t, or start with --mouse): a click on a job's row selects it, "+
		"a click on a legend entry hides or shows its line, the wheel scrolls; shift+drag still selects text in most terminals.", w, ht, top)
}
