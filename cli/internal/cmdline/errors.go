// Package cmdline holds what sipbench's commands share: usage errors and exit codes, flag
// parsing, number and progress formatting, signals, and the run and tune folders a
// command line names. Package cli and its command packages (checkcmd, showcmd, tunecmd)
// import it; it imports none of them.
package cmdline

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/sipbench/sipbench/sanitize"
)

// UsageError is a mistake in the command line: exit code 2.
type UsageError struct{ msg, hint string }

func (e *UsageError) Error() string { return e.msg }

// Usagef returns a usage error with its message and a hint (none for "").
func Usagef(hint, format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// ExitError carries an exit code without a message of its own.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// ExitCode returns the exit code of a command's error and says on stderr what went wrong:
// 0 for nil, an ExitError's code, 2 for a usage error (with its hint), else 1.
func ExitCode(err error) int {
	var ue *UsageError
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "sipbench: "+userMessage(ue.msg))
		if ue.hint != "" {
			fmt.Fprintln(os.Stderr, "hint: "+ue.hint)
		}
		return 2
	default:
		// An error may quote a folder's content: shown escaped, each line cut.
		fmt.Fprintln(os.Stderr, "sipbench: "+userMessage(err.Error()))
		return 1
	}
}

// DidYouMean returns `; did you mean "x"?` for the option closest to name (by edit
// distance, at most 1 for short names and 2 from 6 letters, or a unique prefix), or "".
func DidYouMean(name string, options []string) string {
	best, bestD := "", 1<<30
	var prefixed []string
	for _, o := range options {
		if d := editDistance(strings.ToLower(name), strings.ToLower(o)); d < bestD {
			best, bestD = o, d
		}
		if len(name) >= 2 && strings.HasPrefix(o, name) {
			prefixed = append(prefixed, o)
		}
	}
	limit := 1
	if len([]rune(name)) >= 6 {
		limit = 2
	}
	switch {
	case bestD <= limit:
		return fmt.Sprintf("; did you mean %q?", best)
	case len(prefixed) == 1:
		return fmt.Sprintf("; did you mean %q?", prefixed[0])
	}
	return ""
}

// editDistance is the edit distance between a and b in runes, a swap of two neighbours
// counting one edit ("plto" is one from "plot"; optimal string alignment).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+c)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// packagePrefix matches a Go package's name that an error carries at its start or after
// a colon ("figures: ", "runner: "): the command line drops them, they name code, not
// the problem.
var packagePrefix = regexp.MustCompile(`(^|: )(runner|figures|presets|core|eval|fluid|problems|optimizers|stats|bench|tui): `)

// userMessage is err's message for the terminal: package prefixes dropped, escaped, each
// line cut.
func userMessage(msg string) string {
	for {
		m := packagePrefix.ReplaceAllString(msg, "$1")
		if m == msg {
			break
		}
		msg = m
	}
	return sanitize.Lines(msg, 1000)
}
