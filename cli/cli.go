package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
)

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return folder.Version
}

// listFlag is a repeatable flag (--set k=v --set k=v).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// newFlags returns a flag set whose errors become usage errors. The flag package calls
// Usage itself on -h and on every bad flag; it writes to the set's output, which is
// discarded except when parseFlags answers -h, so that the usage is printed once for -h
// and not at all above a usage error's one line.
func newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing positional arguments before and between flags, and
// returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				fs.SetOutput(os.Stderr)
				fs.Usage()
				fs.SetOutput(io.Discard)
				return nil, &exitError{0}
			}
			if fs.Name() == "sipbench" { // the app's own flags (sipbench --ascii)
				return nil, usagef("sipbench takes --color auto|always|never and --ascii; 'sipbench help' lists the commands", "%v", err)
			}
			return nil, usagef("run 'sipbench "+fs.Name()+" -h' for the flags", "%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseInts parses "60,1000".
func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a step number", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// viewFlags say how a command that trains or follows a run shows it: the dashboard, or
// with --headless progress lines every --print-every.
type viewFlags struct {
	headless bool
	every    time.Duration
}

// addViewFlags defines --headless and --print-every on fs.
func addViewFlags(fs *flag.FlagSet) *viewFlags {
	v := &viewFlags{}
	fs.BoolVar(&v.headless, "headless", false, "print progress lines instead of opening the dashboard")
	printEveryVar(fs, &v.every, 5*time.Second, "time between progress lines (headless)")
	return v
}

// withSteps returns the settings sets with steps=N appended if --steps gave N > 0.
func withSteps(sets []string, steps int) []string {
	if steps <= 0 {
		return sets
	}
	return append(slices.Clone(sets), fmt.Sprintf("%s=%d", presets.KeySteps, steps))
}

// seedRange returns the n seeds first, first+1, ….
func seedRange(first, n int) []int {
	seeds := make([]int, n)
	for i := range seeds {
		seeds[i] = first + i
	}
	return seeds
}

// splitList splits "a,b" into trimmed, non-empty parts; "" gives nil.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// presetArg returns the one preset named by the positional arguments of command cmd, or a
// usage error.
func presetArg(cmd string, pos []string) (*presets.Preset, error) {
	if len(pos) != 1 {
		return nil, usagef("presets: "+strings.Join(presets.Names(), ", "), "%s takes one preset, got %d arguments", cmd, len(pos))
	}
	p, err := presets.Lookup(pos[0])
	if err != nil {
		return nil, usagef("run 'sipbench list' to see the presets"+didYouMean(pos[0], presets.Names()), "%v", err)
	}
	return p, nil
}

// positiveDuration is a duration flag that refuses zero and negative values.
type positiveDuration struct{ d *time.Duration }

func (p positiveDuration) String() string {
	if p.d == nil {
		return ""
	}
	return p.d.String()
}

func (p positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 5s or 1m")
	}
	if d <= 0 {
		return errors.New("want a duration > 0, such as 5s or 1m")
	}
	*p.d = d
	return nil
}

// printEveryFlag defines --print-every on fs with default def: the time between progress
// lines, which must be positive.
func printEveryFlag(fs *flag.FlagSet, def time.Duration, usage string) *time.Duration {
	d := new(time.Duration)
	printEveryVar(fs, d, def, usage)
	return d
}

// printEveryVar defines --print-every on fs, stored in d.
func printEveryVar(fs *flag.FlagSet, d *time.Duration, def time.Duration, usage string) {
	*d = def
	fs.Var(positiveDuration{d}, "print-every", usage)
}

// runPreset returns the preset that `run` (or `sweep`) names, or the preset of a problem
// process (--problem-cmd, without a preset).
func runPreset(cmd string, pc *problemCmd, pos []string) (*presets.Preset, error) {
	if pc.cmd == "" {
		return presetArg(cmd, pos)
	}
	if len(pos) > 0 {
		return nil, usagef("the process describes its problem and proposes its preset (docs/problem-protocol.md)",
			"%s takes a preset or --problem-cmd, not both", cmd)
	}
	return pc.preset()
}
