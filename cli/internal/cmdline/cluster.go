package cmdline

import (
	"flag"

	"github.com/sipbench/sipbench/runner"
)

// Cluster defines on fs the flags that hand a command's jobs to a cluster (--slurm and its
// companions). Package cli gives it to the commands that can submit (check, tune), so
// that they need not know the cluster's flags nor its engine.
type Cluster func(fs *flag.FlagSet) ClusterFlags

// ClusterFlags are a command's cluster flags after parsing.
type ClusterFlags interface {
	// On reports whether the jobs go to the cluster (--slurm).
	On() bool
	// DryRun reports whether the batch script is only written and printed (--dry-run).
	DryRun() bool
	// Check validates the flags before anything is written: a usage error if one is
	// given without --slurm, or the cluster cannot be reached.
	Check(fs *flag.FlagSet) error
	// Submit submits one array for the jobs of runs in dir, named name, and prints what
	// it did (with DryRun, the script instead).
	Submit(dir, name string, runs []runner.ArrayRun) error
}
