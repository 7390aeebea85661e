// Package slurm hands sipbench's jobs to a Slurm cluster through Slurm's own commands:
// it writes the batch script of a job array (Script), submits it (sbatch --parsable),
// reads the array's tasks back from one squeue call (Queue, Poller), cancels tasks
// (scancel) and requeues the calling task (scontrol requeue). It keeps the task → job
// map of a run folder in slurm.json (Record).
//
// It runs no scheduler, server or queue of its own: Slurm is the engine, and the run
// folder on the shared file system is the record. Slurm's view (pending and why, running
// where, how often requeued) is what this package adds while a task is in the queue;
// Slurm forgets finished jobs after MinJobAge, so nothing here relies on it to remember.
//
// The package imports nothing else of sipbench's.
package slurm
