package tui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// fields is the panel of field heatmaps: tiles on a grid of equal cells as large as fits,
// keeping the fields' aspect ratio; tiles that do not fit at the smallest readable size
// are left out and counted in a last line. With no tiles it says why (empty: no snapshot
// yet, or an invalid one). View returns a cached string rebuilt only after a change.
type fields struct {
	theme *theme
	w, h  int
	tiles []heatTile
	empty string // what it says without tiles; "" for "no snapshot yet"
	cache string
	dirty bool
}

// newFields returns an empty fields panel.
func newFields(t *theme) *fields { return &fields{theme: t, dirty: true} }

// SetSize sets the panel's outer size in cells.
func (p *fields) SetSize(w, h int) {
	if w != p.w || h != p.h {
		p.w, p.h, p.dirty = w, h, true
	}
}

// SetTiles replaces the tiles, drawn in order (left to right, then down).
func (p *fields) SetTiles(tiles []heatTile) { p.tiles, p.dirty = tiles, true }

// Update does nothing: the panel has no keys.
func (p *fields) Update(tea.Msg) (*fields, tea.Cmd) { return p, nil }

// View renders the panel (cached).
func (p *fields) View() string {
	if p.dirty {
		if p.tiles == nil {
			t := p.theme
			msg := p.empty
			if msg == "" {
				msg = "no snapshot yet"
			}
			p.cache = fitBlock(t.Bold.Render("fields")+"\n"+t.Dim.Render(wordWrap(msg, p.w)), p.w, p.h)
		} else {
			p.cache = tileGrid(p.theme, p.tiles, p.w, p.h)
		}
		p.dirty = false
	}
	return p.cache
}

// tileGrid lays tiles out on a grid of equal cells as large as fits in w×h, keeping the
// fields' aspect ratio; tiles that do not fit at the smallest readable size are left out
// and counted in a last line.
func tileGrid(t *theme, tiles []heatTile, w, h int) string {
	const gap, minW, minImg = 1, 12, 3
	fh, fw := 1, 1
	if len(tiles) > 0 && tiles[0].Field != nil {
		fh, fw, _ = fieldDims(tiles[0].Field)
	}
	best := struct{ cols, tw, th int }{}
	for cols := 1; cols <= len(tiles); cols++ {
		tw := (w - (cols-1)*gap) / cols
		if tw < minW {
			break
		}
		img := max(minImg, (tw*fh/max(fw, 1)+1)/2)
		rows := (len(tiles) + cols - 1) / cols
		if rows*(img+2) <= h && tw > best.tw {
			best = struct{ cols, tw, th int }{cols, tw, img + 2}
		}
	}
	shown := len(tiles)
	if best.tw == 0 { // not all fit: smallest tiles, as many as fit
		cols := max(1, (w+gap)/(minW+gap))
		th := minImg + 2
		rows := max(1, (h-1)/th)
		best = struct{ cols, tw, th int }{cols, (w - (cols-1)*gap) / cols, th}
		shown = min(len(tiles), cols*rows)
	}
	var rows []string
	for i := 0; i < shown; i += best.cols {
		var blocks []string
		for k := i; k < min(i+best.cols, shown); k++ {
			blocks = append(blocks, renderHeatmap(t, tiles[k], best.tw, best.th))
		}
		rows = append(rows, hjoin(gap, blocks...))
	}
	out := strings.Join(rows, "\n")
	if shown < len(tiles) {
		out += "\n" + t.Dim.Render(fmt.Sprintf("+%d more fields: enlarge the terminal or select a job", len(tiles)-shown))
	}
	return fitBlock(out, w, h)
}
