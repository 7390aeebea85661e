package legend

import (
	"image/color"
	"slices"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

func style() text.Style {
	font.DefaultCache.Add(liberation.Collection()) // as package plot does when imported
	return text.Style{Color: color.Black, Font: font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, 8),
		Handler: text.Plain{Fonts: font.DefaultCache}}
}

// TestLegend: no entries take no room and draw nothing; entries keep their order, wrap
// into more rows as the width shrinks, and each row draws its swatches and labels.
func TestLegend(t *testing.T) {
	l := New(style())
	if l.Labels() != nil || l.Height(100) != 0 {
		t.Errorf("empty legend: labels %q, height %v", l.Labels(), l.Height(100))
	}
	ls := draw.LineStyle{Color: color.Black, Width: 1}
	names := []string{"sip (3 seeds)", "adam (3 seeds)", "sgd (3 seeds)", "x = x*"}
	for _, n := range names {
		l.Add(n, Swatch{Line: &ls})
	}
	if !slices.Equal(l.Labels(), names) {
		t.Errorf("labels %q, want %q", l.Labels(), names)
	}
	wide, narrow := l.Height(10*vg.Inch), l.Height(vg.Inch)
	if !(wide > 0) || narrow < 3*(wide-pad)+pad {
		t.Errorf("height %v at 10 in, %v at 1 in: want one row, then one per entry", wide, narrow)
	}
	var rec recorder.Canvas
	l.Draw(draw.Canvas{Canvas: &rec, Rectangle: vg.Rectangle{Max: vg.Point{X: 10 * vg.Inch, Y: vg.Inch}}})
	texts, lines := 0, 0
	for _, a := range rec.Actions {
		switch a.(type) {
		case *recorder.FillString:
			texts++
		case *recorder.Stroke:
			lines++
		}
	}
	if texts != len(names) || lines != len(names) {
		t.Errorf("drew %d texts and %d lines, want %d of each", texts, lines, len(names))
	}
}
