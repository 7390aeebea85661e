package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/runner"
)

// pathSnapshot is a solver job's snapshot: its path and, if grid, the loss of Figure 1
// sampled on a 16×16 grid over [-1, 4]², as the runner ships it.
func pathSnapshot(p problems.Path, grid bool) *folder.Snapshot {
	path := folder.Field{Name: "path", Shape: []int{len(p.Points), 2}}
	for _, x := range p.Points {
		path.Data = append(path.Data, float32(x[0]), float32(x[1]))
	}
	s := &folder.Snapshot{Step: len(p.Points) - 1, Fields: []folder.Field{path}}
	if grid {
		n := 16
		g := folder.Field{Name: "loss", Shape: []int{n, n}, Extent: []float64{-1, 4, -1, 4}}
		for j := range n {
			for i := range n {
				g.Data = append(g.Data, float32(problems.Figure1Loss([2]float64{-1 + 5*float64(i)/15, -1 + 5*float64(j)/15})))
			}
		}
		s.Fields = append(s.Fields, g)
	}
	return s
}

// TestDashboardPathsDrawShippedContours checks that the dashboard draws a solver run's
// contour lines from the loss grid in its snapshots, and none when the snapshots carry
// no grid (it knows no problem's loss).
func TestDashboardPathsDrawShippedContours(t *testing.T) {
	view := func(grid bool) string {
		d := newDashboard(testRun("pi", "gd"), Options{ASCII: true, Getenv: xtermEnv}, nil)
		evs := eventsMsg{
			{Job: "pi-seed0", Kind: runner.EvSnapshot, Snapshot: pathSnapshot(problems.Figure1Inversion(0.05, 100), grid)},
			{Job: "gd-seed0", Kind: runner.EvSnapshot, Snapshot: pathSnapshot(problems.Figure1GradientDescent(0.5/36, 100), false)},
		}
		feed(d, tea.WindowSizeMsg{Width: 200, Height: 50}, evs, tickMsg{}, tickMsg{})
		return d.View()
	}
	with, without := view(true), view(false)
	if !strings.Contains(with, "paths in x") {
		t.Fatalf("no paths plot:\n%s", with)
	}
	if n, m := strings.Count(with, "."), strings.Count(without, "."); n < m+50 {
		t.Errorf("%d dots with the loss grid, %d without; want the contour lines to add many", n, m)
	}
}

// TestWordWrapKeepsHyphens: heat's description showed SGD's rate "2e-6" as "2e" and "6"
// on two lines (ansi.Wordwrap breaks at hyphens and drops them).
func TestWordWrapKeepsHyphens(t *testing.T) {
	s := "so SGD's 2e-6 and AdaHessian's 1e-3 are the original's rates; x-x* is the error"
	for w := 12; w <= 40; w++ { // from the longest word
		got := wordWrap(s, w)
		if strings.Join(strings.Fields(got), " ") != s {
			t.Errorf("width %d: %q lost or split words", w, got)
		}
		for _, l := range strings.Split(got, "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line %q is wider", w, l)
			}
		}
	}
	if got := wordWrap("abcdefghij k", 4); got != "abcd\nefgh\nij k" {
		t.Errorf("a long word: %q", got)
	}
}
