package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/sipbench/sipbench/presets"
)

func mustPreset(t *testing.T, name string) *presets.Preset {
	t.Helper()
	p, err := presets.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// press sends keys to s; a name that is not a special key is typed rune by rune.
func press(s *setup, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = s.Update(appKey(k))
	}
	return cmd
}

// focusKey moves the focus to the field called key.
func focusKey(t *testing.T, s *setup, key string) {
	t.Helper()
	for range s.rows {
		if s.rows[s.focus].key == key {
			return
		}
		press(s, "down")
	}
	t.Fatalf("no field %q", key)
}

func TestSetupDefaults(t *testing.T) {
	p := mustPreset(t, "rotation")
	s := newSetup(plainTheme(), p)
	spec, seeds := s.Valid()
	if spec == nil {
		t.Fatalf("defaults refused: %s", s.err)
	}
	if got, want := strings.Join(spec.MethodNames(), ","), strings.Join(p.DefaultMethods(), ","); got != want {
		t.Errorf("methods %s, want the defaults %s", got, want)
	}
	if len(seeds) != 1 || spec.Scale != "quick" || spec.Values()["xi"] != "32" {
		t.Errorf("seeds %v scale %s xi %s, want [0] quick 32", seeds, spec.Scale, spec.Values()["xi"])
	}
}

func TestSetupGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 60}} {
		s := newSetup(plainTheme(), mustPreset(t, "rotation"))
		s.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		golden(t, fmt.Sprintf("setup_%dx%d", sz[0], sz[1]), s.View())

		// A bad value shows its reason under the field, and enter does not start.
		focusKey(t, s, "xi")
		press(s, "backspace", "backspace", "a", "b", "c")
		golden(t, fmt.Sprintf("setup_%dx%d_bad_xi", sz[0], sz[1]), s.View())
	}
}

func TestSetupEdits(t *testing.T) {
	p := mustPreset(t, "rotation")
	s := newSetup(plainTheme(), p)

	focusKey(t, s, "xi")
	press(s, "backspace", "backspace", "a", "b", "c")
	if spec, _ := s.Valid(); spec != nil {
		t.Fatal("xi=abc accepted")
	}
	if r := s.rowByKey("xi"); !strings.Contains(r.err, `xi="abc"`) {
		t.Errorf("xi error %q, want it to name the value", r.err)
	}
	if cmd := press(s, "enter"); cmd != nil {
		t.Fatalf("enter on a bad value: got %T, want no command", cmd())
	}
	press(s, "backspace", "backspace", "backspace", "5", "0", "0", "0")
	if r := s.rowByKey("xi"); !strings.Contains(r.err, "out of range") {
		t.Errorf("xi=5000: error %q, want out of range", r.err)
	}
	press(s, "backspace", "backspace", "backspace")
	if spec, _ := s.Valid(); spec == nil || spec.Values()["xi"] != "5" {
		t.Fatalf("xi=5 refused (%s)", s.err)
	}

	// Untick every method: refused with a message; tick two back.
	s.focus = 0
	for i := range p.Methods {
		s.focus = i
		if s.checked[i] {
			press(s, "space")
		}
	}
	if spec, _ := s.Valid(); spec != nil || !strings.Contains(s.err, "method") {
		t.Fatalf("no method ticked: spec %v, error %q", spec, s.err)
	}
	s.focus = 0
	press(s, "space")
	s.focus = 1
	press(s, "space")

	focusKey(t, s, "seeds")
	press(s, "backspace", "3")
	focusKey(t, s, "steps")
	press(s, "backspace", "backspace", "backspace", "backspace", "5", "0")

	// A scale change keeps typed values and takes the scale's for the others.
	s.focus = slicesIndexKind(s, rowScale)
	press(s, "space")
	spec, seeds := s.Valid()
	if spec == nil {
		t.Fatalf("refused: %s", s.err)
	}
	if spec.Scale != "paper" || spec.Values()["steps"] != "50" || spec.Values()["xi"] != "5" || spec.Values()["max_seconds"] != "600" {
		t.Errorf("scale %s steps %s xi %s max_seconds %s, want paper 50 5 600", spec.Scale, spec.Values()["steps"], spec.Values()["xi"], spec.Values()["max_seconds"])
	}
	if got := strings.Join(spec.MethodNames(), ","); got != p.Methods[0].Name+","+p.Methods[1].Name || len(seeds) != 3 {
		t.Errorf("methods %s seeds %v, want the first two and 3 seeds", got, seeds)
	}
	cmd := press(s, "enter")
	if cmd == nil {
		t.Fatal("enter: no command")
	}
	done, ok := cmd().(setupDoneMsg)
	if !ok || done.Spec != spec || len(done.Seeds) != 3 {
		t.Fatalf("enter: got %#v, want SetupDoneMsg", done)
	}
	if cmd := press(s, "esc"); cmd == nil {
		t.Fatal("esc: no command")
	} else if _, ok := cmd().(setupBackMsg); !ok {
		t.Fatalf("esc: got %T, want SetupBackMsg", cmd())
	}
}

// TestSetupLearningRate edits a method's learning rate on its row: the run gets it as
// lr.<method>, a refused value says why under the row, a scale change keeps it, and the
// rows not typed into follow the scale.
func TestSetupLearningRate(t *testing.T) {
	s := newSetup(plainTheme(), mustPreset(t, "poisson"))
	focusKey(t, s, "lr.adam")
	s.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	press(s, "x", "y")
	if spec, _ := s.Valid(); spec != nil || !strings.Contains(s.rowByKey("lr.adam").err, "lr.adam") {
		t.Fatalf("lr.adam=xy: spec %v, error %q; want a refusal that names the setting", spec, s.rowByKey("lr.adam").err)
	}
	if !strings.Contains(s.View(), "✗ ") {
		t.Errorf("no refusal shown:\n%s", s.View())
	}
	press(s, "backspace", "backspace")
	s.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("1e-4")})
	spec, _ := s.Valid()
	if spec == nil || spec.Values()["lr.adam"] != "0.0001" || spec.Values()["lr.sip"] != "0.001" {
		t.Fatalf("lr.adam=1e-4: spec %v (%s)", spec, s.err)
	}
	if v := s.View(); !strings.Contains(v, "[x] adam        1e-4") {
		t.Errorf("the typed rate is not on adam's row:\n%s", v)
	}
	press(s, "space") // space still ticks the method
	if s.checked[1] || s.rowByKey("lr.adam").input.Value() != "1e-4" {
		t.Errorf("space on adam's row: ticked %v, lr %q", s.checked[1], s.rowByKey("lr.adam").input.Value())
	}
	press(s, "space")
	s.focus = slicesIndexKind(s, rowScale)
	press(s, "space")
	if spec, _ := s.Valid(); spec == nil || spec.Scale != "paper" || spec.Values()["lr.adam"] != "0.0001" {
		t.Fatalf("paper scale: spec %v (%s), want lr.adam kept", spec, s.err)
	}
	if got := s.rowByKey("lr.sip").input.Value(); got != "0.001" {
		t.Errorf("sip's untyped rate at paper scale: %q", got)
	}
}

func slicesIndexKind(s *setup, k rowKind) int {
	for i, r := range s.rows {
		if r.kind == k {
			return i
		}
	}
	return -1
}

func TestTextField(t *testing.T) {
	var f textField
	f.Set("12")
	for _, k := range []tea.KeyMsg{appKey("left"), appKey("5"), {Type: tea.KeyHome}, appKey("-"), {Type: tea.KeyEnd}, appKey("backspace"), {Type: tea.KeyDelete}} {
		f.Update(k)
	}
	if got := f.Value(); got != "-15" {
		t.Errorf("got %q, want -15", got)
	}
	f.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	if got := f.Value(); got != "" {
		t.Errorf("after ctrl+u: %q, want empty", got)
	}
}

// TestSetupRefusesGridsTheSolversCannotTake checks that a grid size the FFT-based presets
// cannot use is refused on the set-up screen, with the range, and that Enter does not
// start it (it used to be accepted and then crash the app).
func TestSetupRefusesGridsTheSolversCannotTake(t *testing.T) {
	for _, c := range []struct{ preset, grid, want string }{
		{"poisson", "12", "grid=12: want a power of two in [8, 512]"},
		{"heat", "17", "grid=17: want a power of two in [8, 512]"},
		{"fluid", "24", "grid=24: want a power of two in [16, 512]"},
	} {
		s := newSetup(plainTheme(), mustPreset(t, c.preset))
		focusKey(t, s, "grid")
		for range s.rowByKey("grid").input.Value() {
			press(s, "backspace")
		}
		for _, r := range c.grid {
			press(s, string(r))
		}
		if spec, _ := s.Valid(); spec != nil {
			t.Errorf("%s: grid=%s accepted", c.preset, c.grid)
		}
		if r := s.rowByKey("grid"); !strings.Contains(r.err, c.want) {
			t.Errorf("%s: grid error %q; want %q", c.preset, r.err, c.want)
		}
		if cmd := press(s, "enter"); cmd != nil {
			t.Errorf("%s: enter with grid=%s: got %T, want no command", c.preset, c.grid, cmd())
		}
	}
}

// TestSetupRefusesHIGOnUNet: ticking hig on a U-Net preset shows the Jacobian's size and
// the bound as the set-up's error, and nothing can start; on rotation it is accepted.
func TestSetupRefusesHIGOnUNet(t *testing.T) {
	for _, c := range []struct {
		preset string
		ok     bool
	}{{"poisson", false}, {"rotation", true}} {
		s := newSetup(plainTheme(), mustPreset(t, c.preset))
		i := slices.IndexFunc(s.preset.Methods, func(m presets.MethodDef) bool { return m.Name == "hig" })
		if i < 0 {
			t.Fatalf("%s has no hig", c.preset)
		}
		s.checked[i] = true
		s.validate()
		if c.ok {
			if s.spec == nil || s.err != "" {
				t.Errorf("%s with hig: refused: %q", c.preset, s.err)
			}
			continue
		}
		if s.spec != nil || !strings.Contains(s.err, "Jacobian is 16384 rows") || !strings.Contains(s.err, "the bound is 1.0 GiB") {
			t.Errorf("%s with hig: spec %v, error %q; want the Jacobian's size and the bound", c.preset, s.spec != nil, s.err)
		}
		if !strings.Contains(s.View(), "Jacobian") {
			t.Errorf("%s with hig: the screen does not show the refusal", c.preset)
		}
	}
}
