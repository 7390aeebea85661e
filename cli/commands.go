package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cli/showcmd"
)

// A command is one entry of the command line. The table below is the only list of them:
// the dispatch, the usage (sipbench help), the suggestions for a mistyped name and the
// package doc's list (TestDocListsCommands) are made from it, so that a new command is one
// entry here and one function.
type command struct {
	name string // what the user types ("" for the app itself: sipbench without a command)
	args string // its arguments, as the usage shows them
	doc  string // what it does, in one line
	run  func(args []string) error
	// hidden commands are not listed, nor suggested (train-task: Slurm's array task).
	hidden bool
}

// commands is the command table, in the order the usage lists it. It is filled in init
// because help's entry reads it.
var commands []command

func init() {
	commands = []command{
		{name: "", doc: "open the app on the preset list", run: cmdApp},
		{name: "list", args: "[--json]", doc: "list the presets", run: cmdList},
		{name: "run", args: "PRESET [flags]", doc: "train the preset's methods side by side (sipbench run -h)", run: cmdRun},
		{name: "show", args: "DIR [--at N,…]", doc: "a run's metrics at given steps and each method's ratio to SIP", run: showcmd.Show},
		{name: "resume", args: "DIR", doc: "continue an interrupted run from its checkpoints", run: cmdResume},
		{name: "watch", args: "[DIR]", doc: "follow a run folder, live or finished (default: the newest training run, else the runs screen)", run: cmdWatch},
		{name: "runs", args: "[DIR] [--json]", doc: "list the runs under runs/ (or DIR): state, steps, times, best method ÷ SIP", run: showcmd.Runs},
		{name: "sweep", args: "PRESET --set k=a,b,…", doc: "one run per combination, then Figure 5 d/e's table", run: cmdSweep},
		{name: "tune", args: "PRESET --methods a,b", doc: "each method's best learning rate by successive halving (sipbench tune -h)", run: cmdTune},
		{name: "bench", args: "[flags]", doc: "time whole U-Net training steps (sipbench bench -h)", run: cmdBench},
		{name: "table1", args: "DIR [flags]", doc: "Table 1: a trained network against iterative solvers (sipbench table1 -h)", run: cmdTable1},
		{name: "plot", args: "DIR… [flags]", doc: "the paper's figures as PNG, SVG or PDF (sipbench plot -h)", run: showcmd.Plot},
		{name: "check", args: "[flags] [DIR…]", doc: "every claim of the paper against a fresh measurement (sipbench check -h)", run: cmdCheck},
		{name: "conform", args: "PRESET | --problem-cmd CMD", doc: "the problem contract's checks (gradient, adjoint, shapes, determinism)", run: cmdConform},
		{name: "help", args: "[COMMAND]", doc: "this list, or a command's flags", run: cmdHelp},
		{name: "version", doc: "sipbench's version", run: cmdVersion},
		{name: "train-task", hidden: true, run: cmdTrainTask},
	}
}

// usageFooter follows the table in the usage.
const usageFooter = `
  run --problem-cmd 'python3 my_problem.py' trains a problem process (docs/problem-protocol.md)
`

// lookupCommand returns the command called name, or nil.
func lookupCommand(name string) *command {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return nil
	}
	return &commands[i]
}

// commandNames returns the names a user types, for suggestions (hidden ones and the app
// left out).
func commandNames() []string {
	var names []string
	for _, c := range commands {
		if !c.hidden && c.name != "" {
			names = append(names, c.name)
		}
	}
	return names
}

// commandLines returns one line per listed command, "sipbench NAME ARGS" padded to a
// column, then its doc, each line starting with indent.
func commandLines(indent string) []string {
	const col = 31 // the docs' column, after the indent
	var lines []string
	for _, c := range commands {
		if c.hidden {
			continue
		}
		use := strings.TrimSpace(strings.Join([]string{"sipbench", c.name, c.args}, " "))
		use = strings.Join(strings.Fields(use), " ")
		pad := "   "
		if n := len([]rune(use)); n < col {
			pad = strings.Repeat(" ", col-n)
		}
		lines = append(lines, indent+use+pad+c.doc)
	}
	return lines
}

// usage is sipbench help's text.
func usage() string {
	return "sipbench: a terminal workbench for learning to solve inverse physics problems\n\nusage:\n" +
		strings.Join(commandLines("  "), "\n") + "\n" + usageFooter
}

// dispatch runs the command that args name.
func dispatch(args []string) error {
	if len(args) == 0 {
		return cmdApp(nil)
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help":
		name = "help"
	case "--version":
		name = "version"
	default:
		if strings.HasPrefix(name, "-") {
			return cmdApp(args) // the app's own flags: sipbench --ascii, sipbench --color never
		}
	}
	c := lookupCommand(name)
	if c == nil || name == "" {
		return cmdline.Usagef("run 'sipbench help' for the commands"+cmdline.DidYouMean(name, commandNames()), "unknown command %q", name)
	}
	return c.run(rest)
}

// cmdHelp prints the usage, or with a command's name that command's own help.
func cmdHelp(args []string) error {
	if len(args) > 0 { // sipbench help run: run's own help
		if c := lookupCommand(args[0]); c == nil || c.hidden || c.name == "" {
			return cmdline.Usagef("run 'sipbench help' for the commands"+cmdline.DidYouMean(args[0], commandNames()), "no command %q", args[0])
		}
		return dispatch([]string{args[0], "-h"})
	}
	fmt.Print(usage())
	return nil
}

// cmdVersion prints sipbench's version.
func cmdVersion([]string) error {
	fmt.Println("sipbench", version())
	return nil
}
