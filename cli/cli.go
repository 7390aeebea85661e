package cli

import (
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
)

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return folder.Version
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
		return cmdline.PresetArg(cmd, pos)
	}
	if len(pos) > 0 {
		return nil, cmdline.Usagef("the process describes its problem and proposes its preset (docs/problem-protocol.md)",
			"%s takes a preset or --problem-cmd, not both", cmd)
	}
	return pc.preset()
}
