package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// quitDialog is the question asked when the user quits the dashboard while jobs still
// train: leave them running in the background, stop them, or go back.
type quitDialog struct {
	dirs       []string // the runs the dashboard follows
	unfinished []string // those of them with unfinished jobs
	running    int
	lost       int // unfinished jobs that no process trains (runner.Lost)
}

// view renders the dialog as a bordered box at most w cells wide.
func (q quitDialog) view(t *theme, box lipgloss.Style, w int) string {
	inner := min(w-4, 76) // border and padding take 4 cells
	jobs := "jobs have"
	if q.running == 1 {
		jobs = "job has"
	}
	indent := func(s string) string { // wrapped, each line indented by 4
		ls := strings.Split(wordWrap(s, inner-4), "\n")
		for i := range ls {
			ls[i] = "    " + t.Dim.Render(ls[i])
		}
		return strings.Join(ls, "\n")
	}
	lines := []string{
		t.Bold.Render(fmt.Sprintf("%d %s not finished.", q.running, jobs)),
		"",
		t.HelpKey.Render("[l]") + " leave running in the background",
		indent("(sipbench watch " + strings.Join(q.dirs, " ") + " to come back)"),
		t.HelpKey.Render("[s]") + " stop the runs",
		indent("(checkpoints are kept; " + ResumeText(q.unfinished) + ")"),
		t.HelpKey.Render("[esc]") + " cancel",
	}
	if q.lost > 0 {
		lost := fmt.Sprintf("%d more jobs are lost: no process trains them.", q.lost)
		if q.lost == 1 {
			lost = "1 more job is lost: no process trains it."
		}
		lines = append(lines, "", t.Bold.Render(lost), indent("("+ResumeText(q.unfinished)+")"))
	}
	return box.Render(strings.Join(lines, "\n"))
}

// ResumeText is the command that continues the runs in dirs, as a clause: "sipbench
// resume A continues", or, for several runs (resume takes one), "sipbench resume A,
// sipbench resume B continue them".
func ResumeText(dirs []string) string {
	if len(dirs) == 1 {
		return "sipbench resume " + dirs[0] + " continues"
	}
	cmds := make([]string, len(dirs))
	for i, d := range dirs {
		cmds[i] = "sipbench resume " + d
	}
	return strings.Join(cmds, ", ") + " continue them"
}

// newDialogStyle returns the dialog box style of t: rounded border, or ASCII.
func newDialogStyle(t *theme) lipgloss.Style {
	b := lipgloss.RoundedBorder()
	if t.ASCII {
		b = lipgloss.ASCIIBorder()
	}
	return t.r.NewStyle().Border(b).Padding(0, 1)
}

// overlay draws box centred over frame (w×h cells), keeping the frame around it.
func overlay(frame, box string, w, h int) string {
	fl := strings.Split(frame, "\n")
	bl := strings.Split(box, "\n")
	bw := 0
	for _, l := range bl {
		bw = max(bw, ansi.StringWidth(l))
	}
	left := max(0, (w-bw)/2)
	top := max(0, (h-len(bl))/2)
	for i, l := range bl {
		r := top + i
		if r >= len(fl) {
			break
		}
		line := fl[r]
		l += strings.Repeat(" ", bw-ansi.StringWidth(l))
		fl[r] = ansi.Truncate(line, left, "") + "\x1b[0m" + l + "\x1b[0m" + ansi.TruncateLeft(line, left+bw, "")
	}
	return strings.Join(fl, "\n")
}
