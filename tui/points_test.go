package tui

import (
	"strings"
	"testing"

	"github.com/muesli/termenv"

	"github.com/sipbench/sipbench/problems"
)

func TestRenderPointsPaths(t *testing.T) {
	th := newTheme(termenv.Ascii, true)
	gd := problems.Figure1GradientDescent(0.5/36, 10)
	pi := problems.Figure1Inversion(0.05, 100)
	sets := []pointSet{
		{Name: "gd", Color: 0, Pts: gd.Points, Path: true},
		{Name: "pi", Color: 1, Pts: pi.Points, Path: true},
	}
	out := renderPoints(th, "paths in x", "contours", sets, figure1Loss, 60, 20)
	golden(t, "points_figure1_60x20", out)
	lines := strings.Split(out, "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines; want exactly 20", len(lines))
	}
	// Both paths start at (3, 3): the top-right plot cell holds a path marker.
	top := lines[1]
	if !strings.ContainsAny(top[len(top)-3:], string([]rune{marker(0), marker(1)})) {
		t.Errorf("no path marker at the start (3, 3), top line %q", top)
	}
	if !strings.Contains(out, ".") {
		t.Error("no contour dots")
	}
	if !strings.Contains(out, "gd") || !strings.Contains(out, "pi") {
		t.Error("legend lacks the paths' names")
	}
}

func TestRenderPointsEmptyAndNonFinite(t *testing.T) {
	th := newTheme(termenv.Ascii, true)
	nan := [][2]float64{{0, 0}}
	nan[0][0] = nan[0][0] / nan[0][1] // NaN
	for _, sets := range [][]pointSet{nil, {{Name: "x", Color: 0, Pts: nan}}} {
		if out := renderPoints(th, "t", "n", sets, nil, 40, 10); !strings.Contains(out, "no snapshot yet") {
			t.Errorf("sets %v: %q; want the no-snapshot message", sets, out)
		}
	}
}

// figure1Loss is the loss of the paper's Figure 1, whose contours the golden shows.
func figure1Loss(x, y float64) float64 { return problems.Figure1Loss([2]float64{x, y}) }
