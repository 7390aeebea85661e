package cmdline

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/presets"
)

// ListFlag is a repeatable flag (--set k=v --set k=v).
type ListFlag []string

func (l *ListFlag) String() string     { return strings.Join(*l, " ") }
func (l *ListFlag) Set(v string) error { *l = append(*l, v); return nil }

// NewFlags returns a flag set whose errors become usage errors. The flag package calls
// Usage itself on -h and on every bad flag; it writes to the set's output, which is
// discarded except when ParseFlags answers -h, so that the usage is printed once for -h
// and not at all above a usage error's one line.
func NewFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// ParseFlags parses args, allowing positional arguments before and between flags, and
// returns the positional ones.
func ParseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				fs.SetOutput(os.Stderr)
				fs.Usage()
				fs.SetOutput(io.Discard)
				return nil, &ExitError{Code: 0}
			}
			if fs.Name() == "sipbench" { // the app's own flags (sipbench --ascii)
				return nil, Usagef("sipbench takes --color auto|always|never and --ascii; 'sipbench help' lists the commands", "%v", err)
			}
			return nil, Usagef("run 'sipbench "+fs.Name()+" -h' for the flags", "%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// ParseInts parses "60,1000".
func ParseInts(s string) ([]int, error) {
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

// SeedRange returns the n seeds first, first+1, ….
func SeedRange(first, n int) []int {
	seeds := make([]int, n)
	for i := range seeds {
		seeds[i] = first + i
	}
	return seeds
}

// SplitList splits "a,b" into trimmed, non-empty parts; "" gives nil.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// PresetArg returns the one preset named by the positional arguments of command cmd, or a
// usage error.
func PresetArg(cmd string, pos []string) (*presets.Preset, error) {
	if len(pos) != 1 {
		return nil, Usagef("presets: "+strings.Join(presets.Names(), ", "), "%s takes one preset, got %d arguments", cmd, len(pos))
	}
	p, err := presets.Lookup(pos[0])
	if err != nil {
		return nil, Usagef("run 'sipbench list' to see the presets"+DidYouMean(pos[0], presets.Names()), "%v", err)
	}
	return p, nil
}
