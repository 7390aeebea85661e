package cli

import (
	"flag"
	"io"
	"time"

	"github.com/sipbench/sipbench/cli/checkcmd"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cli/tunecmd"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
)

// cmdCheck is `sipbench check` (package checkcmd), with the Slurm flags.
func cmdCheck(args []string) error { return checkcmd.Run(args, clusterFlags) }

// cmdTune is `sipbench tune` (package tunecmd), with the Slurm flags.
func cmdTune(args []string) error { return tunecmd.Run(args, clusterFlags) }

// clusterFlags defines the Slurm flags (cmd_slurm.go) for a command package: its
// cmdline.Cluster.
func clusterFlags(fs *flag.FlagSet) cmdline.ClusterFlags { return addSlurmFlags(fs) }

func (f *slurmFlags) On() bool                     { return f.on }
func (f *slurmFlags) DryRun() bool                 { return f.dryRun }
func (f *slurmFlags) Check(fs *flag.FlagSet) error { return f.check(fs) }
func (f *slurmFlags) Submit(dir, name string, runs []runner.ArrayRun) error {
	return submitArray(dir, name, runs, f)
}

// Short names in package cli for the helpers of package cmdline.

type (
	listFlag  = cmdline.ListFlag
	exitError = cmdline.ExitError
)

func usagef(hint, format string, args ...any) error { return cmdline.Usagef(hint, format, args...) }

func newFlags(name, usage string) *flag.FlagSet { return cmdline.NewFlags(name, usage) }

func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	return cmdline.ParseFlags(fs, args)
}

func printProgress(w io.Writer, info folder.Info, sub *runner.Subscription, every time.Duration) {
	cmdline.PrintProgress(w, info, sub, every)
}
