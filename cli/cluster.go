package cli

import (
	"flag"

	"github.com/sipbench/sipbench/cli/checkcmd"
	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/cli/tunecmd"
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
