package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// textField is a one-line text input with a cursor and the editing keys of bubbles'
// textinput that a short value needs: characters, backspace, delete, ←/→, home/end
// (ctrl+a/ctrl+e) and ctrl+u/ctrl+k. (bubbles/textinput itself needs
// github.com/atotto/clipboard, which is not in go.sum.) The zero value is an empty field.
type textField struct {
	value []rune
	pos   int
}

// Set replaces the value and puts the cursor at its end.
func (f *textField) Set(s string) {
	f.value = []rune(s)
	f.pos = len(f.value)
}

// Value returns the text.
func (f *textField) Value() string { return string(f.value) }

// Update applies an editing key and reports whether the value changed. Keys it does not
// use (↑/↓, enter, esc, tab) are left to the caller.
func (f *textField) Update(msg tea.KeyMsg) (changed bool) {
	switch msg.Type {
	case tea.KeyRunes:
		if msg.Paste {
			return false
		}
		rs := make([]rune, 0, len(f.value)+len(msg.Runes))
		rs = append(rs, f.value[:f.pos]...)
		rs = append(rs, msg.Runes...)
		f.value = append(rs, f.value[f.pos:]...)
		f.pos += len(msg.Runes)
		return true
	case tea.KeyBackspace:
		if f.pos == 0 {
			return false
		}
		f.value = append(f.value[:f.pos-1], f.value[f.pos:]...)
		f.pos--
		return true
	case tea.KeyDelete:
		if f.pos >= len(f.value) {
			return false
		}
		f.value = append(f.value[:f.pos], f.value[f.pos+1:]...)
		return true
	case tea.KeyLeft:
		f.pos = max(0, f.pos-1)
	case tea.KeyRight:
		f.pos = min(len(f.value), f.pos+1)
	case tea.KeyHome, tea.KeyCtrlA:
		f.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		f.pos = len(f.value)
	case tea.KeyCtrlU:
		changed = f.pos > 0
		f.value = f.value[f.pos:]
		f.pos = 0
	case tea.KeyCtrlK:
		changed = f.pos < len(f.value)
		f.value = f.value[:f.pos]
	}
	return changed
}

// View renders the value padded to w cells; when focused, the cell under the cursor is
// drawn in reverse video.
func (f *textField) View(t *theme, focused bool, w int) string {
	s := string(f.value)
	if !focused {
		return padRight(s, w)
	}
	var b strings.Builder
	b.WriteString(string(f.value[:f.pos]))
	under := " "
	if f.pos < len(f.value) {
		under = string(f.value[f.pos])
	}
	b.WriteString(t.Selected.Render(under))
	if f.pos < len(f.value) {
		b.WriteString(string(f.value[f.pos+1:]))
	}
	pad := w - len(f.value)
	if f.pos >= len(f.value) {
		pad--
	}
	if pad > 0 {
		b.WriteString(strings.Repeat(" ", pad))
	}
	return b.String()
}
