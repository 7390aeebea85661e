// Package slurmengine is the cluster seam's Slurm engine: it submits a folder's array with
// a batch script (sbatch), asks squeue (and sacct) about its tasks for every caller of the
// process at once, cancels (scancel) and requeues (scontrol requeue) through package
// slurm. It registers itself as "slurm": a program that imports it (cli does) submits with
// --slurm. Besides package slurm, it is the only package that imports slurm.
package slurmengine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/slurm"
)

func init() { cluster.Register(New(slurm.Client{})) }

// Engine is Slurm behind the seam. Its Monitor asks squeue once per PollInterval for every
// array its callers follow.
type Engine struct {
	Client slurm.Client
	mon    *slurm.Monitor
}

// New returns the engine that runs Slurm's commands through c.
func New(c slurm.Client) *Engine {
	return &Engine{Client: c, mon: &slurm.Monitor{Client: c, Every: cluster.PollInterval}}
}

// Calls returns how many squeue calls the engine has made (tests).
func (e *Engine) Calls() int { return e.mon.Calls() }

// Name is "slurm".
func (e *Engine) Name() string { return cluster.DefaultEngine }

// Terms are Slurm's commands.
func (e *Engine) Terms() cluster.Terms {
	return cluster.Terms{Title: "Slurm", Submit: "sbatch", Queue: "squeue", History: "sacct", Cancel: "scancel", Requeue: "scontrol requeue"}
}

// Available returns nil if sbatch is on PATH.
func (e *Engine) Available() error { return e.Client.Available() }

// Check validates the options as a batch script's.
func (e *Engine) Check(o cluster.Options) error {
	probe := &slurm.Script{Options: slurm.Options(o), Tasks: 1, Command: []string{"x"}}
	return probe.Validate()
}

// MaxArraySize is scontrol show config's MaxArraySize, or Slurm's default.
func (e *Engine) MaxArraySize(ctx context.Context, ask bool) int {
	if ask {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if n, err := e.Client.MaxArraySize(ctx); err == nil {
			return n
		}
	}
	return slurm.DefaultMaxArraySize
}

// script returns the batch script of a: slurm/array.sh, or slurm/array-FIRST.sh for a
// further array of a folder split at MaxArraySize.
func script(a cluster.Array) (*slurm.Script, string) {
	file := slurm.PartScript(a.First)
	path := filepath.Join(a.Dir, file)
	return &slurm.Script{
		Options: slurm.Options(a.Options),
		Name:    a.Name,
		Tasks:   a.Tasks,
		Log:     filepath.Join(a.Dir, slurm.LogPattern),
		ErrLog:  filepath.Join(a.Dir, slurm.ErrLogPattern),
		Dir:     a.WorkDir,
		Command: a.Command,
		Comment: append([]string{
			fmt.Sprintf("sipbench: one array task per job of %s: index i trains task %d+i of", a.Dir, a.First),
			"slurm.json's map. Each task's log: slurm/ARRAY_TASK.log (stderr: slurm/ARRAY_TASK.err).",
		}, append(a.Comment,
			"Re-submit by hand with: sbatch "+path,
			"(sbatch --array=3 "+path+" re-submits its index 3 alone).")...),
	}, file
}

// Prepare writes the array's batch script.
func (e *Engine) Prepare(a cluster.Array) (cluster.Prepared, error) {
	sc, file := script(a)
	path, err := slurm.WriteScriptAs(a.Dir, file, sc)
	if err != nil {
		return cluster.Prepared{}, err
	}
	return cluster.Prepared{Rel: file, Path: path, Text: sc.String(), Resubmit: "sbatch " + path}, nil
}

// Submit submits the array's script with sbatch; a part of it overrides its --array.
func (e *Engine) Submit(ctx context.Context, a cluster.Array, indices []int) (string, error) {
	sc, file := script(a)
	var args []string
	if indices != nil && len(indices) < a.Tasks {
		args = append(args, "--array="+slurm.ArraySpec(indices, sc.Throttle()))
	}
	id, err := e.Client.Submit(ctx, filepath.Join(a.Dir, file), args...)
	var ce *slurm.CommandError
	if errors.As(err, &ce) {
		return "", errors.New(ce.Msg)
	}
	return id, err
}

// Tasks asks squeue, through the engine's Monitor.
func (e *Engine) Tasks(ctx context.Context, arrays []string) (map[string]map[int]cluster.Task, time.Time, error) {
	by, when, err := e.mon.Queue(ctx, arrays)
	return neutral(by), when, err
}

// Ended asks sacct, at most once a minute for the same arrays.
func (e *Engine) Ended(ctx context.Context, arrays []string, fresh bool) (map[string]map[int]cluster.Task, error) {
	by, err := e.mon.Accounting(ctx, arrays, fresh)
	if errors.Is(err, slurm.ErrNoAccounting) {
		err = cluster.ErrNoAccounting
	}
	return neutral(by), err
}

// Cancel runs scancel.
func (e *Engine) Cancel(ctx context.Context, ids ...string) error {
	return e.Client.Cancel(ctx, ids...)
}

// Requeue runs scontrol requeue.
func (e *Engine) Requeue(ctx context.Context, id string) error { return e.Client.Requeue(ctx, id) }

// neutral returns Slurm's tasks in the seam's terms; nil for nil.
func neutral(by map[string]map[int]slurm.Task) map[string]map[int]cluster.Task {
	if by == nil {
		return nil
	}
	out := make(map[string]map[int]cluster.Task, len(by))
	for a, ts := range by {
		m := make(map[int]cluster.Task, len(ts))
		for i, t := range ts {
			m[i] = Neutral(t)
		}
		out[a] = m
	}
	return out
}

// Neutral returns what Slurm says of a task in the seam's terms: pending, requeued once it
// has restarted, running, stopping (COMPLETING and the like), done, cancelled, failed
// (TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, …), or unknown for a state Slurm did not document.
func Neutral(t slurm.Task) cluster.Task {
	c := cluster.Task{Index: t.Index, ID: t.ID, State: t.State, Reason: t.Reason, Node: t.Node, Restarts: t.Restarts}
	switch {
	case t.Pending() && t.Restarts > 0:
		c.Phase = cluster.TaskRequeued
	case t.Pending():
		c.Phase = cluster.TaskPending
	case t.State == "RUNNING" || t.State == "CONFIGURING":
		c.Phase = cluster.TaskRunning
	case t.Active():
		c.Phase = cluster.TaskStopping
	case t.State == "COMPLETED":
		c.Phase = cluster.TaskDone
	case t.State == "CANCELLED":
		c.Phase = cluster.TaskCancelled
	case strings.Contains("|FAILED|TIMEOUT|NODE_FAIL|PREEMPTED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|REVOKED|", "|"+t.State+"|"):
		c.Phase = cluster.TaskFailed
	default:
		c.Phase = cluster.TaskUnknown
	}
	return c
}

// TaskFromEnv reads SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID, SLURM_RESTART_COUNT,
// SLURM_CPUS_PER_TASK and SLURMD_NODENAME. It fails outside an array task and for values
// that are not numbers.
func (e *Engine) TaskFromEnv(getenv func(string) string) (cluster.EnvTask, error) {
	var t cluster.EnvTask
	t.Array = getenv("SLURM_ARRAY_JOB_ID")
	t.Node = getenv("SLURMD_NODENAME")
	idx := getenv("SLURM_ARRAY_TASK_ID")
	if t.Array == "" || idx == "" {
		return t, errors.New("slurm: not inside a Slurm array task (SLURM_ARRAY_JOB_ID and SLURM_ARRAY_TASK_ID are unset)")
	}
	if _, err := strconv.ParseUint(t.Array, 10, 64); err != nil {
		return t, fmt.Errorf("slurm: SLURM_ARRAY_JOB_ID=%q is not a job id", t.Array)
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"SLURM_ARRAY_TASK_ID", &t.Index}, {"SLURM_RESTART_COUNT", &t.Restarts}, {"SLURM_CPUS_PER_TASK", &t.CPUs}} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return t, fmt.Errorf("slurm: %s=%q is not a count", v.name, s)
		}
		*v.dst = n
	}
	return t, nil
}

// FromMonitor returns the engine that asks Slurm through m (tests set its intervals and
// its Client's Bin).
func FromMonitor(m *slurm.Monitor) *Engine { return &Engine{Client: m.Client, mon: m} }
