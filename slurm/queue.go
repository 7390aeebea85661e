package slurm

import (
	"fmt"
	"strconv"
	"strings"
)

// Task is what Slurm says about one task of an array.
type Task struct {
	Index    int    // the array index (SLURM_ARRAY_TASK_ID)
	ID       string // "ARRAY_INDEX", as scancel and scontrol take it
	State    string // Slurm's state: PENDING, RUNNING, COMPLETING, COMPLETED, CANCELLED, …
	Reason   string // why it waits (Resources, Priority, BeginTime, …); "" for None
	Node     string // where it runs; "" while pending
	Restarts int    // how often it was requeued (SLURM_RESTART_COUNT)
}

// Pending, Active and Ended classify Slurm's job states.
func (t Task) Pending() bool {
	switch t.State {
	case "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT", "SUSPENDED", "RESIZING":
		return true
	}
	return false
}

// Active reports whether the task holds a node: running, starting or finishing.
func (t Task) Active() bool {
	switch t.State {
	case "RUNNING", "CONFIGURING", "COMPLETING", "SIGNALING", "STAGE_OUT", "STOPPED":
		return true
	}
	return false
}

// Ended reports whether Slurm has finished with the task (COMPLETED, CANCELLED, FAILED,
// TIMEOUT, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, REVOKED).
func (t Task) Ended() bool { return !t.Pending() && !t.Active() }

// queueFormat is squeue's --Format: one line per task, fields separated by "|" (the
// suffix after ':'; no width, so no padding).
const queueFormat = "ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,NodeList:|,RestartCnt:|"

// queueArgs are squeue's arguments for one call about the whole array: every state (a
// finished task stays listed for MinJobAge), one line per array task (-r), no header.
func queueArgs(array string) []string {
	return []string{"--noheader", "--array", "--states=all", "--jobs=" + array, "--Format=" + queueFormat}
}

// ParseQueue parses the output of squeue with queueArgs(array) into the array's tasks by
// index. Lines of other jobs are skipped; a pending range ("[4-7%2]", as older Slurm
// prints it even with --array) gives one task per index.
func ParseQueue(out []byte, array string) (map[int]Task, error) {
	tasks := map[int]Task{}
	for n, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) < 6 {
			return nil, fmt.Errorf("slurm: squeue line %d: %q: want 6 fields separated by |", n+1, line)
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if f[0] != array {
			continue
		}
		idx, err := expandIndices(f[1])
		if err != nil {
			return nil, fmt.Errorf("slurm: squeue line %d: %v", n+1, err)
		}
		restarts, err := strconv.Atoi(f[5])
		if err != nil {
			return nil, fmt.Errorf("slurm: squeue line %d: restart count %q", n+1, f[5])
		}
		reason := f[3]
		if reason == "None" || reason == "(null)" {
			reason = ""
		}
		node := f[4]
		if node == "(null)" {
			node = ""
		}
		for _, i := range idx {
			tasks[i] = Task{Index: i, ID: TaskID(array, i), State: f[2], Reason: reason, Node: node, Restarts: restarts}
		}
	}
	return tasks, nil
}

// maxIndices bounds a range read from squeue, so that a garbled line cannot make a huge map.
const maxIndices = 1 << 20

// expandIndices reads an array task field: "3", "[4-7]", "4-7%2", "1,3,5-6".
func expandIndices(s string) ([]int, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i]
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("array task %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("array task %q", s)
			}
		}
		if len(out)+b-a+1 > maxIndices {
			return nil, fmt.Errorf("array task %q: too many tasks", s)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

// TaskID returns the id of one task of an array, "ARRAY_INDEX".
func TaskID(array string, index int) string { return array + "_" + strconv.Itoa(index) }
