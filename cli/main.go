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
	"fmt"
	"os"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
)

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
	return cmdline.ExitCode(dispatch(args))
}
