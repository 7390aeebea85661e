package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
	"github.com/sipbench/sipbench/presets"
)

// plainTheme is the colourless theme of the golden tests.
func plainTheme() *theme { return newTheme(termenv.Ascii, false) }

// key returns the key message of a name as tea reports it: "enter", "esc", "up",
// "down", "tab", "space", "backspace", "ctrl+c", or runes.
func appKey(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	}
	return keyMsg(s)
}

// goldenPresets are the presets of the list goldens, named so that presets added to the
// registry do not change them.
func goldenPresets(t *testing.T) []*presets.Preset {
	var ps []*presets.Preset
	for _, n := range []string{"exp", "rotation", "poisson", "trajectories"} {
		ps = append(ps, mustPreset(t, n))
	}
	return ps
}

func TestListGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		l := newList(plainTheme(), goldenPresets(t))
		l.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		l.Update(appKey("down")) // rotation
		golden(t, fmt.Sprintf("list_%dx%d", sz[0], sz[1]), l.View())
	}
}

func TestListKeys(t *testing.T) {
	ps := presets.All()
	l := newList(plainTheme(), ps)
	for range 2 * len(ps) {
		l.Update(appKey("j"))
	}
	// The paper check comes after the last preset.
	if !l.checkSelected() || l.Selected() != nil {
		t.Fatalf("after many j: selected %v, want the paper check", l.Selected())
	}
	if _, cmd := l.Update(appKey("enter")); cmd == nil {
		t.Fatal("enter on the paper check: no command")
	} else if _, ok := cmd().(checkChosenMsg); !ok {
		t.Fatal("enter on the paper check: not checkChosenMsg")
	}
	l.Update(appKey("up"))
	if got := l.Selected(); got != ps[len(ps)-1] {
		t.Fatalf("up from the check: selected %v, want the last preset %s", got, ps[len(ps)-1].Name)
	}
	l.Update(appKey("up"))
	_, cmd := l.Update(appKey("enter"))
	if cmd == nil {
		t.Fatal("enter: no command")
	}
	if msg, ok := cmd().(presetChosenMsg); !ok || msg.Preset != ps[len(ps)-2] {
		t.Fatalf("enter: got %#v, want PresetChosenMsg of %s", msg, ps[len(ps)-2].Name)
	}
	l.Update(appKey("?"))
	if !l.showHelp {
		t.Fatal("? did not open the help")
	}
	l.SetSize(80, 24)
	golden(t, "list_80x24_help", l.View())
	l.Update(appKey("esc"))
	if l.showHelp {
		t.Fatal("esc did not close the help")
	}
	for _, k := range []string{"q", "ctrl+c"} {
		if _, cmd := l.Update(appKey(k)); cmd == nil {
			t.Errorf("%s: no command", k)
		} else if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: got %T, want tea.QuitMsg", k, cmd())
		}
	}
}

func TestListTooSmall(t *testing.T) {
	l := newList(plainTheme(), goldenPresets(t))
	l.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	golden(t, "list_too_small", l.View())
}

// TestListHeatRates: the heat preset's description keeps "2e-6" on one line at 80×24 and
// at 200×60 (the wrap broke it at the hyphen and dropped the hyphen).
func TestListHeatRates(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 36}, {200, 60}} {
		l := newList(plainTheme(), []*presets.Preset{mustPreset(t, "heat")})
		l.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		v := l.View()
		if !strings.Contains(v, "2e-6") {
			t.Errorf("%dx%d: the heat preset's description lacks 2e-6:\n%s", sz[0], sz[1], v)
		}
	}
}
