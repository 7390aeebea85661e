// Package clustertest is a fake cluster engine for tests, registered as "fake": it runs
// each task of an array as a process on this machine, as a batch system would on its
// nodes, with the states, the throttle, the signals, the requeues and the cancels of one.
// It shows that the seam (package cluster) is all that sipbench needs of an engine.
//
// The engine that submits (in the test) keeps the tasks' states and writes them to
// Dir/state.json; a task's own process (sipbench train-task, whose engine is the
// registered one) reads its task from its environment, the states from that file, and asks
// for its requeue by writing a file under Dir/requeue, which the submitting engine acts on
// when the process ends.
package clustertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sipbench/sipbench/cluster"
)

// Name is the engine's registered name.
const Name = "fake"

// The environment of a task's process.
const (
	EnvArray    = "FAKE_CLUSTER_ARRAY"
	EnvIndex    = "FAKE_CLUSTER_INDEX"
	EnvRestarts = "FAKE_CLUSTER_RESTARTS"
	EnvDir      = "FAKE_CLUSTER_DIR"
	node        = "fake-node"
)

// Engine is the fake engine. Its zero value, registered, serves a task's process (its
// state folder comes from the environment); New makes one that submits.
type Engine struct {
	// Dir holds state.json, the requeue requests and each task's log (ID.log).
	Dir string
	// Env is added to every task's environment (the test binary's switch that makes it
	// sipbench).
	Env []string
	// RequeueDelay is how long a requeued task stays pending before it starts again.
	RequeueDelay time.Duration

	mu     sync.Mutex
	next   int
	arrays map[string]*array
	wg     sync.WaitGroup
}

type array struct {
	a       cluster.Array
	tasks   map[int]*task
	queue   []*task // waiting to start, in order
	running int
}

type task struct {
	cluster.Task
	proc      *os.Process
	cancelled bool
}

// New returns an engine that keeps its state in dir.
func New(dir string, env ...string) *Engine {
	return &Engine{Dir: dir, Env: env, RequeueDelay: 200 * time.Millisecond, arrays: map[string]*array{}}
}

// Name is "fake".
func (e *Engine) Name() string { return Name }

// Terms are the fake engine's words.
func (e *Engine) Terms() cluster.Terms {
	return cluster.Terms{Title: "Fake", Submit: "fake-submit", Queue: "fake-queue", Cancel: "fake-cancel", Requeue: "fake-requeue"}
}

// Available is always nil.
func (e *Engine) Available() error { return nil }

// Check refuses extra options, which the fake engine has none of.
func (e *Engine) Check(o cluster.Options) error {
	if len(o.Extra) > 0 {
		return fmt.Errorf("%s: no extra options (%s)", Name, strings.Join(o.Extra, " "))
	}
	return nil
}

// MaxArraySize is 0: no limit.
func (e *Engine) MaxArraySize(context.Context, bool) int { return 0 }

// Prepare writes the array's command to fake/array-FIRST.json.
func (e *Engine) Prepare(a cluster.Array) (cluster.Prepared, error) {
	rel := filepath.Join("fake", fmt.Sprintf("array-%d.json", a.First))
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return cluster.Prepared{}, err
	}
	path := filepath.Join(a.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return cluster.Prepared{}, err
	}
	return cluster.Prepared{Rel: rel, Path: path, Text: string(b)}, os.WriteFile(path, b, 0o644)
}

// Submit starts the array: each index a process, at most MaxParallel at once.
func (e *Engine) Submit(ctx context.Context, a cluster.Array, indices []int) (string, error) {
	if e.Dir == "" {
		return "", errors.New("fake: this engine only serves a task (New makes one that submits)")
	}
	if indices == nil {
		for i := range a.Tasks {
			indices = append(indices, i)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.next++
	id := fmt.Sprintf("fake%d", e.next)
	ar := &array{a: a, tasks: map[int]*task{}}
	e.arrays[id] = ar
	for _, i := range indices {
		t := &task{Task: cluster.Task{Index: i, ID: cluster.TaskID(id, i), Phase: cluster.TaskPending, State: "PENDING", Reason: "throttled"}}
		ar.tasks[i] = t
		ar.queue = append(ar.queue, t)
		e.wg.Add(1)
	}
	e.dispatch(ar)
	return id, e.save()
}

// dispatch starts the array's waiting tasks, in order, as far as its throttle allows; e.mu
// is held.
func (e *Engine) dispatch(ar *array) {
	for len(ar.queue) > 0 && (ar.a.Options.MaxParallel == 0 || ar.running < ar.a.Options.MaxParallel) {
		t := ar.queue[0]
		ar.queue = ar.queue[1:]
		if t.cancelled {
			e.wg.Done()
			continue
		}
		ar.running++
		go e.run(ar, t)
	}
}

// Wait waits until every task submitted has ended for good.
func (e *Engine) Wait() { e.wg.Wait() }

// run runs task t of ar once; a requeued task goes back to the queue after RequeueDelay.
func (e *Engine) run(ar *array, t *task) {
	requeued := e.runOnce(ar, t)
	e.mu.Lock()
	defer e.mu.Unlock()
	ar.running--
	if !requeued {
		e.wg.Done()
		e.dispatch(ar)
		return
	}
	time.AfterFunc(e.RequeueDelay, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		ar.queue = append(ar.queue, t)
		e.dispatch(ar)
	})
	e.dispatch(ar)
}

// runOnce starts t's process, waits for it, and reports whether the task goes back to the
// queue.
func (e *Engine) runOnce(ar *array, t *task) bool {
	e.mu.Lock()
	if t.cancelled {
		e.mu.Unlock()
		return false
	}
	log, err := os.OpenFile(filepath.Join(e.Dir, t.ID+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		e.end(t, cluster.TaskFailed, "FAILED")
		e.mu.Unlock()
		return false
	}
	defer log.Close()
	cmd := exec.Command(ar.a.Command[0], ar.a.Command[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = ar.a.WorkDir, log, log
	array, _, _ := strings.Cut(t.ID, "_")
	cmd.Env = append(append(os.Environ(), e.Env...), EnvArray+"="+array, EnvIndex+"="+strconv.Itoa(t.Index),
		EnvRestarts+"="+strconv.Itoa(t.Restarts), EnvDir+"="+e.Dir)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(log, "fake: start:", err)
		e.end(t, cluster.TaskFailed, "FAILED")
		e.mu.Unlock()
		return false
	}
	t.proc, t.Phase, t.State, t.Reason, t.Node = cmd.Process, cluster.TaskRunning, "RUNNING", "", node
	e.save()
	e.mu.Unlock()

	err = cmd.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	t.proc = nil
	req := filepath.Join(e.Dir, "requeue", t.ID)
	if _, serr := os.Stat(req); serr == nil && !t.cancelled { // the task asked for its requeue
		os.Remove(req)
		t.Restarts++
		t.Phase = cluster.TaskRequeued
	}
	switch {
	case t.Phase == cluster.TaskRequeued:
		t.State, t.Reason, t.Node = "PENDING", "BeginTime", ""
		e.save()
		return true
	case t.cancelled:
		e.end(t, cluster.TaskCancelled, "CANCELLED")
	case err != nil:
		e.end(t, cluster.TaskFailed, "FAILED")
	default:
		e.end(t, cluster.TaskDone, "COMPLETED")
	}
	return false
}

// end records that t has ended; e.mu is held.
func (e *Engine) end(t *task, p cluster.Phase, state string) {
	t.Phase, t.State, t.Reason = p, state, ""
	e.save()
}

// save writes state.json; e.mu is held.
func (e *Engine) save() error {
	out := map[string]map[int]cluster.Task{}
	for id, ar := range e.arrays {
		out[id] = map[int]cluster.Task{}
		for i, t := range ar.tasks {
			out[id][i] = t.Task
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	tmp := filepath.Join(e.Dir, ".state.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(e.Dir, "state.json"))
}

// dir is the state folder: Dir, or in a task's process its environment's.
func (e *Engine) dir() string {
	if e.Dir != "" {
		return e.Dir
	}
	return os.Getenv(EnvDir)
}

// Tasks returns the tasks' states: the engine's own, or in a task's process state.json's.
func (e *Engine) Tasks(ctx context.Context, arrays []string) (map[string]map[int]cluster.Task, time.Time, error) {
	b, err := os.ReadFile(filepath.Join(e.dir(), "state.json"))
	if err != nil {
		return nil, time.Now(), fmt.Errorf("fake: %v", err)
	}
	var all map[string]map[int]cluster.Task
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, time.Now(), fmt.Errorf("fake: state.json: %v", err)
	}
	out := map[string]map[int]cluster.Task{}
	for _, a := range arrays {
		out[a] = all[a]
	}
	return out, time.Now(), nil
}

// Ended: the fake engine lists every task it ran, so it keeps no other record.
func (e *Engine) Ended(context.Context, []string, bool) (map[string]map[int]cluster.Task, error) {
	return nil, cluster.ErrNoAccounting
}

// lookup returns the tasks that id names: an array's, or one task; e.mu is held.
func (e *Engine) lookup(id string) ([]*task, error) {
	array, idx, one := strings.Cut(id, "_")
	ar := e.arrays[array]
	if ar == nil {
		return nil, fmt.Errorf("fake: no array %q", array)
	}
	if !one {
		var ts []*task
		for _, t := range ar.tasks {
			ts = append(ts, t)
		}
		return ts, nil
	}
	i, err := strconv.Atoi(idx)
	if err != nil || ar.tasks[i] == nil {
		return nil, fmt.Errorf("fake: no task %q", id)
	}
	return []*task{ar.tasks[i]}, nil
}

// Cancel cancels arrays or tasks: a pending task never starts; a running one is told so in
// state.json (stopping), then sent SIGTERM.
func (e *Engine) Cancel(ctx context.Context, ids ...string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		ts, err := e.lookup(id)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.Ended() || t.cancelled {
				continue
			}
			t.cancelled = true
			if t.proc == nil {
				t.Phase, t.State, t.Reason = cluster.TaskCancelled, "CANCELLED", ""
				continue
			}
			t.Phase, t.State = cluster.TaskStopping, "CANCELLED"
			e.save()
			t.proc.Signal(syscall.SIGTERM)
		}
	}
	return e.save()
}

// Signal sends sig to a running task's process, as a batch system warns a task ahead of
// its time limit (Slurm's --signal=B:USR1@…).
func (e *Engine) Signal(id string, sig os.Signal) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.running(id)
	if err != nil {
		return err
	}
	return t.proc.Signal(sig)
}

// running returns the one task that id names if its process runs; e.mu is held.
func (e *Engine) running(id string) (*task, error) {
	ts, err := e.lookup(id)
	if err != nil {
		return nil, err
	}
	if len(ts) != 1 || ts[0].proc == nil {
		return nil, fmt.Errorf("fake: %s is not running", id)
	}
	return ts[0], nil
}

// Requeue asks for the task's requeue. In the task's own process, it writes a request
// that the submitting engine acts on when the process ends; in the submitting engine (an
// administrator's requeue), the task's restart count goes up at once and its process is
// sent SIGTERM.
func (e *Engine) Requeue(ctx context.Context, id string) error {
	if e.Dir == "" {
		dir := filepath.Join(e.dir(), "requeue")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, id), nil, 0o644)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.running(id)
	if err != nil {
		return err
	}
	t.Restarts++
	t.Phase, t.State = cluster.TaskRequeued, "PENDING"
	e.save()
	return t.proc.Signal(syscall.SIGTERM)
}

// TaskFromEnv reads the task of this process from FAKE_CLUSTER_ARRAY, _INDEX and
// _RESTARTS.
func (e *Engine) TaskFromEnv(getenv func(string) string) (cluster.EnvTask, error) {
	t := cluster.EnvTask{Array: getenv(EnvArray), Node: node}
	if t.Array == "" || getenv(EnvIndex) == "" {
		return t, errors.New("fake: not inside a fake array task")
	}
	var err error
	if t.Index, err = strconv.Atoi(getenv(EnvIndex)); err != nil || t.Index < 0 {
		return t, fmt.Errorf("fake: %s=%q is not an index", EnvIndex, getenv(EnvIndex))
	}
	if t.Restarts, err = strconv.Atoi(getenv(EnvRestarts)); err != nil || t.Restarts < 0 {
		return t, fmt.Errorf("fake: %s=%q is not a count", EnvRestarts, getenv(EnvRestarts))
	}
	t.CPUs = 1
	return t, nil
}
