package slurmengine

import (
	"strings"
	"testing"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/slurm"
)

func TestTaskFromEnv(t *testing.T) {
	e := New(slurm.Client{})
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	got, err := e.TaskFromEnv(env(map[string]string{"SLURM_ARRAY_JOB_ID": "12", "SLURM_ARRAY_TASK_ID": "3",
		"SLURM_RESTART_COUNT": "1", "SLURM_CPUS_PER_TASK": "4"}))
	if want := (cluster.EnvTask{Array: "12", Index: 3, Restarts: 1, CPUs: 4}); err != nil || got != want || got.ID() != "12_3" {
		t.Errorf("SlurmTaskFromEnv = %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []map[string]string{
		{},
		{"SLURM_ARRAY_JOB_ID": "12"},
		{"SLURM_ARRAY_JOB_ID": "x", "SLURM_ARRAY_TASK_ID": "1"},
		{"SLURM_ARRAY_JOB_ID": "12", "SLURM_ARRAY_TASK_ID": "-1"},
		{"SLURM_ARRAY_JOB_ID": "12", "SLURM_ARRAY_TASK_ID": "1", "SLURM_RESTART_COUNT": "a"},
	} {
		if _, err := e.TaskFromEnv(env(bad)); err == nil {
			t.Errorf("e.TaskFromEnv(%v) accepted it", bad)
		}
	}
}

// TestNeutral maps Slurm's states to the seam's phases: a pending task that has restarted
// is requeued, COMPLETING is stopping (a SIGTERM then is a cancel's), and the ended states
// by how they ended.
func TestNeutral(t *testing.T) {
	for state, want := range map[string]cluster.Phase{
		"PENDING": cluster.TaskPending, "RUNNING": cluster.TaskRunning, "CONFIGURING": cluster.TaskRunning,
		"COMPLETING": cluster.TaskStopping, "COMPLETED": cluster.TaskDone, "CANCELLED": cluster.TaskCancelled,
		"NODE_FAIL": cluster.TaskFailed, "TIMEOUT": cluster.TaskFailed, "SOMETHING_NEW": cluster.TaskUnknown,
	} {
		got := Neutral(slurm.Task{Index: 2, ID: "7_2", State: state, Node: "n1"})
		if got.Phase != want || got.State != state || got.ID != "7_2" || got.Node != "n1" {
			t.Errorf("Neutral(%s) = %+v; want phase %s", state, got, want)
		}
	}
	if got := Neutral(slurm.Task{State: "PENDING", Restarts: 1}); got.Phase != cluster.TaskRequeued || !got.Pending() {
		t.Errorf("a pending task after a requeue: %+v", got)
	}
	if got := Neutral(slurm.Task{State: "SOMETHING_NEW"}); !got.Ended() {
		t.Errorf("an undocumented state is not ended: %+v", got)
	}
	if e, err := cluster.Lookup(""); err != nil || e.Name() != "slurm" || cluster.Title("") != "Slurm" {
		t.Errorf("the registered Slurm engine: %v, %v", e, err)
	}
	if _, err := cluster.Lookup("nosuch"); err == nil || !strings.Contains(err.Error(), "slurm") {
		t.Errorf("Lookup(nosuch): %v; want an error naming the engines there are", err)
	}
}
