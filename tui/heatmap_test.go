package tui

import (
	"math"
	"strings"
	"testing"

	"github.com/muesli/termenv"
	"github.com/sipbench/sipbench/folder"
)

func TestResampleAndFit(t *testing.T) {
	f := &folder.Field{Shape: []int{1, 4, 4}, Data: []float32{
		1, 1, 2, 2,
		1, 1, 2, 2,
		3, 3, float32(math.NaN()), 4,
		3, 3, 4, 4}}
	got := resample(f, 2, 2)
	want := []float64{1, 2, 3, 4} // the NaN is skipped in its block's mean
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("resample 4x4→2x2 = %v; want %v", got, want)
			break
		}
	}
	if g := resample(f, 8, 8); g[0] != 1 || g[7] != 2 || !math.IsNaN(g[5*8+4]) {
		t.Errorf("resample 4x4→8x8 = %v; want nearest-neighbour with NaN kept", g)
	}
	cases := []struct {
		shape        []int
		cols, prows  int
		wantH, wantW int
	}{
		{[]int{1, 64, 64}, 32, 40, 32, 32},    // shrink to the narrower side
		{[]int{1, 16, 16}, 40, 40, 40, 40},    // grow to fill
		{[]int{2, 32, 64}, 100, 100, 50, 100}, // channels do not count
		{[]int{1, 64, 128}, 40, 40, 20, 40},
		{[]int{7}, 20, 10, 3, 20},
	}
	for _, c := range cases {
		h, w := fitImage(&folder.Field{Shape: c.shape}, c.cols, c.prows)
		if h != c.wantH || w != c.wantW {
			t.Errorf("fitImage(%v, %d, %d) = %d×%d; want %d×%d", c.shape, c.cols, c.prows, h, w, c.wantH, c.wantW)
		}
	}
}

func TestFieldRange(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		data      []float32
		symmetric bool
		lo, hi    float64
	}{
		{[]float32{-1, 2, nan}, false, -1, 2},
		{[]float32{-1, 2}, true, -2, 2},
		{[]float32{nan, nan}, false, 0, 1},
		{[]float32{0, 0}, true, -1, 1},
		{[]float32{5, 5}, false, 4.75, 5.25},
	}
	for _, c := range cases {
		lo, hi := fieldRange(c.symmetric, &folder.Field{Shape: []int{len(c.data)}, Data: c.data})
		if math.Abs(lo-c.lo) > 1e-9 || math.Abs(hi-c.hi) > 1e-9 {
			t.Errorf("fieldRange(%v, %v) = [%g, %g]; want [%g, %g]", c.symmetric, c.data, lo, hi, c.lo, c.hi)
		}
	}
}

func TestHeatmapRender(t *testing.T) {
	ev := snapshotEvent("SIP-seed0", 16, 0.2)
	truth, errf := &ev.Snapshot.Fields[0], &ev.Snapshot.Fields[3]
	lo, hi := fieldRange(false, truth)
	elo, ehi := fieldRange(true, errf)
	cases := []struct {
		name    string
		profile termenv.Profile
		ascii   bool
		tile    heatTile
		w, h    int
	}{
		{"glyphs_truth", termenv.Ascii, false, heatTile{Title: "x* truth", Field: truth, Lo: lo, Hi: hi}, 24, 12},
		{"ascii_error", termenv.ANSI256, true, heatTile{Title: "SIP x-x*", Field: errf, Lo: elo, Hi: ehi, Diverging: true}, 24, 12},
		{"blocks_truth", termenv.ANSI256, false, heatTile{Title: "x* truth", Field: truth, Lo: lo, Hi: hi}, 20, 8},
		{"no_field", termenv.ANSI256, false, heatTile{Title: "y*"}, 20, 4},
	}
	for _, c := range cases {
		v := renderHeatmap(newTheme(c.profile, c.ascii), c.tile, c.w, c.h)
		if n := len(strings.Split(v, "\n")); n != c.h {
			t.Errorf("%s: %d lines; want %d", c.name, n, c.h)
		}
		golden(t, "heatmap_"+c.name, v)
	}
	// 256 colours: half blocks with fg/bg escapes; one escape per run, not per cell.
	v := renderHeatmap(newTheme(termenv.ANSI256, false), heatTile{Title: "x", Field: truth, Lo: lo, Hi: hi}, 20, 10)
	if !strings.Contains(v, "▀") || !strings.Contains(v, "\x1b[38;5;") || !strings.Contains(v, "48;5;") {
		t.Errorf("256-colour heatmap lacks half blocks or colours:\n%q", v)
	}
	if cells, escs := strings.Count(v, "▀"), strings.Count(v, "\x1b[0m"); escs >= cells {
		t.Errorf("%d resets for %d cells: runs are not merged", escs, cells)
	}
}
