// Package cli is sipbench's command line: Main runs it with every preset and method that is
// registered, so a binary of your own that imports your problem's package for its side effect
// (registration) and calls cli.Main is sipbench with your problem in every command and the app:
//
//	package main
//
//	import (
//		_ "example.com/myproblem"
//
//		"github.com/sipbench/sipbench/cli"
//	)
//
//	func main() { cli.Main() }
//
// The root package, github.com/sipbench/sipbench, is that binary with the built-in presets.
//
// sipbench is a terminal workbench for learning to solve inverse physics problems
// with the methods of "Scale-invariant Learning by Physics Inversion" (NeurIPS 2022).
//
// Usage:
//
//	sipbench                       open the app on the preset list
//	sipbench list [--json]         list the presets
//	sipbench run PRESET [flags]    train the preset's methods side by side (sipbench run -h)
//	sipbench show DIR [--at N,…]   a run's metrics at given steps and each method's ratio to SIP
//	sipbench resume DIR            continue an interrupted run from its checkpoints
//	sipbench watch [DIR]           follow a run folder, live or finished (default: the newest training run, else the runs screen)
//	sipbench runs [DIR] [--json]   list the runs under runs/ (or DIR): state, steps, times, best method ÷ SIP
//	sipbench sweep PRESET --set k=a,b,…   one run per combination, then Figure 5 d/e's table
//	sipbench tune PRESET --methods a,b   each method's best learning rate by successive halving (sipbench tune -h)
//	sipbench bench [flags]         time whole U-Net training steps (sipbench bench -h)
//	sipbench table1 DIR [flags]    Table 1: a trained network against iterative solvers (sipbench table1 -h)
//	sipbench plot DIR… [flags]     the paper's figures as PNG, SVG or PDF (sipbench plot -h)
//	sipbench check [flags] [DIR…]  every claim of the paper against a fresh measurement (sipbench check -h)
//	sipbench conform PRESET | --problem-cmd CMD   the problem contract's checks (gradient, adjoint, shapes, determinism)
//	sipbench help [COMMAND]        this list, or a command's flags
//	sipbench version               sipbench's version
//
// Exit codes: 0 success (a diverged job is a result), 1 a job failed or an error,
// 2 a usage error, 130 interrupted.
package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/sipbench/sipbench/sanitize"
)

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// exitError carries an exit code without a message of its own.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs the command line of os.Args and exits with its code (see the package doc).
func Main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line args and returns the exit code. A panic (a bug) is
// reported as a one-line error, never as a stack trace; SIPBENCH_DEBUG=1 shows the stack.
func run(args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			if os.Getenv("SIPBENCH_DEBUG") != "" {
				panic(r)
			}
			fmt.Fprintf(os.Stderr, "sipbench: internal error: %v (SIPBENCH_DEBUG=1 shows where)\n", r)
			code = 1
		}
	}()
	err := dispatch(args)
	var ue *usageError
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
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

// didYouMean returns `; did you mean "x"?` for the option closest to name (by edit
// distance, at most 1 for short names and 2 from 6 letters, or a unique prefix), or "".
func didYouMean(name string, options []string) string {
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
