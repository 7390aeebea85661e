package slurmengine

import (
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
