package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/sanitize"
)

// logTail is how much of the end of train.log the log view reads, and logRecord how much
// of run.json (a run folder is untrusted input: every read is bounded).
const (
	logTail   = 256 << 10
	logRecord = 1 << 20
)

// logView shows a run's files as text, from the runs screen (l): the tail of its
// train.log (what the process training it in the background printed) and its run.json
// (every setting), each line escaped as any text from a folder; tab switches, ↑/↓,
// PgUp/PgDn, home/end scroll, esc closes.
type logView struct {
	dir   string
	names []string // the files' names
	texts [][]string
	tab   int
	top   int // the first line shown
	w, h  int
}

// logReadMsg is the log view's files, read.
type logReadMsg struct {
	dir   string
	names []string
	texts [][]string
}

// readLogs reads dir's train.log (its last logTail bytes) and run.json in a command.
func readLogs(dir string) tea.Cmd {
	return func() tea.Msg {
		m := logReadMsg{dir: dir, names: []string{folder.TrainLogFile, "run.json"}}
		log, err := readTailOf(filepath.Join(dir, folder.TrainLogFile), logTail)
		switch {
		case errors.Is(err, os.ErrNotExist):
			log = "(no train.log: this run was trained in the foreground, which printed to its terminal)"
		case err != nil:
			log = "cannot read train.log: " + err.Error()
		}
		rec, err := readTailOf(filepath.Join(dir, "run.json"), logRecord)
		if err != nil {
			rec = "cannot read run.json: " + err.Error()
		} else {
			var b bytes.Buffer
			if json.Indent(&b, []byte(rec), "", "  ") == nil {
				rec = b.String()
			}
		}
		for _, s := range []string{log, rec} {
			m.texts = append(m.texts, strings.Split(sanitize.Lines(strings.TrimRight(s, "\n"), 1000), "\n"))
		}
		return m
	}
}

// readTailOf returns the last max bytes of the regular file path (not a link), from the
// start of a line, with a note when the start was cut.
func readTailOf(path string, max int64) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", filepath.Base(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	off := max64(0, fi.Size()-max)
	b, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, off, max), max))
	if err != nil {
		return "", err
	}
	if off > 0 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
		return fmt.Sprintf("… (the first %d KB are not shown)\n", off>>10) + string(b), nil
	}
	return string(b), nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// SetSize sets the view's size, keeping the lines shown within the text.
func (l *logView) SetSize(w, h int) {
	l.w, l.h = w, h
	n := 0
	if l.tab < len(l.texts) {
		n = len(l.texts[l.tab])
	}
	l.top = min(max(l.top, 0), max(0, n-l.rows()))
}

// rows returns the number of text lines shown.
func (l *logView) rows() int { return max(1, l.h-2) }

// key scrolls or switches the view; it returns false for esc (close).
func (l *logView) key(msg tea.KeyMsg) bool {
	n := 0
	if l.tab < len(l.texts) {
		n = len(l.texts[l.tab])
	}
	switch msg.String() {
	case "esc", "q", "l":
		return false
	case "tab":
		if len(l.names) > 0 {
			l.tab, l.top = (l.tab+1)%len(l.names), 0
		}
	case "up", "k":
		l.top--
	case "down", "j":
		l.top++
	case "pgup":
		l.top -= l.rows()
	case "pgdown", " ":
		l.top += l.rows()
	case "home", "g":
		l.top = 0
	case "end", "G":
		l.top = n
	}
	l.top = min(max(l.top, 0), max(0, n-l.rows()))
	return true
}

// view renders the log view in w×h cells.
func (l *logView) view(t *theme) string {
	var b strings.Builder
	var tabs []string
	for i, n := range l.names {
		if i == l.tab {
			tabs = append(tabs, t.Selected.Render("["+n+"]"))
		} else {
			tabs = append(tabs, " "+n+" ")
		}
	}
	b.WriteString(fitBlock(t.Title.Render(sanitize.Path(l.dir))+"  "+strings.Join(tabs, " "), l.w, 1))
	b.WriteByte('\n')
	var lines []string
	if l.tab < len(l.texts) {
		lines = l.texts[l.tab]
	}
	if len(lines) == 0 {
		b.WriteString(fitBlock(t.Dim.Render("reading …"), l.w, l.rows()))
	} else {
		end := min(len(lines), l.top+l.rows())
		b.WriteString(fitBlock(strings.Join(lines[l.top:end], "\n"), l.w, l.rows()))
	}
	b.WriteByte('\n')
	pos := fmt.Sprintf("%d–%d of %d", min(l.top+1, len(lines)), min(len(lines), l.top+l.rows()), len(lines))
	b.WriteString(fitBlock(t.Dim.Render(pos+" · tab: other file · ↑↓ PgUp PgDn home end · esc: back"), l.w, 1))
	return b.String()
}
