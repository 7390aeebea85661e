package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Engine is a batch system that trains the jobs of a run folder as an array of tasks:
// task i of an array runs one command (sipbench train-task) that trains the i-th job of
// the folder's record. Slurm is one (package slurmengine); another engine is one package
// that implements Engine and registers itself, and one value of the command line's
// --cluster. An Engine is shared by every caller of the process and must be safe for
// concurrent use.
type Engine interface {
	// Name is the engine's registered name ("slurm"), recorded in the folder's record.
	Name() string
	// Terms are the words its messages use.
	Terms() Terms
	// Available returns nil if arrays can be submitted from here.
	Available() error
	// Check validates options before anything is written.
	Check(o Options) error
	// MaxArraySize is how many tasks one array may have (0: no limit): asked of the system
	// if ask, else (a dry run) or when it does not answer, the engine's default. A folder
	// with more is submitted as several arrays (Record.Parts).
	MaxArraySize(ctx context.Context, ask bool) int
	// Prepare writes what the engine needs to submit a (Slurm: its batch script, which a
	// user may submit again by hand) and returns it. Nothing is submitted.
	Prepare(a Array) (Prepared, error)
	// Submit submits the prepared array a, only the indices given (all if nil), and
	// returns the new array's id: a plain token ([A-Za-z0-9._-]). When the system refuses,
	// the error's message is the system's own.
	Submit(ctx context.Context, a Array, indices []int) (string, error)
	// Tasks returns what the engine says of the tasks of arrays, by array and index, and
	// when it said it. One query answers for many arrays, and an engine asks its system at
	// most every PollInterval however many callers ask: it may answer from its last reply.
	// Tasks the engine no longer knows are absent.
	Tasks(ctx context.Context, arrays []string) (map[string]map[int]Task, time.Time, error)
	// Ended says why tasks of arrays that Tasks no longer lists ended, when the engine
	// keeps such a record (Slurm's accounting); it asks only when fresh is true and
	// otherwise returns its last answer (nil if none). Without a record: ErrNoAccounting.
	Ended(ctx context.Context, arrays []string, fresh bool) (map[string]map[int]Task, error)
	// Cancel cancels arrays ("ARRAY") or tasks ("ARRAY_INDEX", see TaskID).
	Cancel(ctx context.Context, ids ...string) error
	// Requeue puts a task back in the queue: the engine ends it and starts it again later,
	// with a restart count one higher. A task calls it on itself.
	Requeue(ctx context.Context, id string) error
	// TaskFromEnv reads, inside a task, which array and index it is, from its environment
	// (through getenv, os.Getenv); it fails outside a task of this engine.
	TaskFromEnv(getenv func(string) string) (EnvTask, error)
}

// Terms are the words an engine's messages use: its name for people, its commands that
// list, explain, cancel and requeue tasks.
type Terms struct {
	Title   string // "Slurm"
	Submit  string // "sbatch": what submits an array
	Queue   string // "squeue": what lists the tasks
	History string // "sacct": what says why a task ended; "" if none
	Cancel  string // "scancel"
	Requeue string // "scontrol requeue"
}

// ErrNoAccounting says that the engine keeps no record of ended tasks: a task gone from
// its queue ended for a reason nobody recorded.
var ErrNoAccounting = errors.New("cluster: the engine keeps no record of ended tasks")

// Options are the resources and limits asked for every task of an array. Empty strings and
// zeros leave the engine's (or the site's) defaults, except where said. An engine that has
// no such notion (a QOS, say) ignores it; Check refuses what it cannot honour.
type Options struct {
	Partition   string        // the queue or partition
	Time        string        // the time limit per task, "30", "4:00:00", "1-12:00:00"
	CPUsPerTask int           // if 0, DefaultCPUsPerTask
	Mem         string        // memory per task ("4G")
	Account     string        // the account charged
	QOS         string        // quality of service
	MaxParallel int           // how many tasks may run at once (0: min(tasks, the engine's default))
	Setup       []string      // shell lines run before the training, in order
	SignalLead  time.Duration // how long before the time limit the task is warned (SIGUSR1); if 0, DefaultSignalLead
	Extra       []string      // further options of the engine's own, each as given
}

// The defaults of Options and of the command line.
const (
	DefaultCPUsPerTask = 2
	DefaultSignalLead  = 90 * time.Second
	DefaultTime        = "4:00:00"
)

// Array is one array to prepare and submit: its index i runs Command, which trains task
// First+i of the record in Dir.
type Array struct {
	Dir     string   // the folder (absolute) that holds the record
	First   int      // the record's task that index 0 trains
	Tasks   int      // the array's indices are 0 … Tasks−1
	Name    string   // the array's name in the engine's queue
	WorkDir string   // the tasks' working folder
	Command []string // what each task execs
	Comment []string // lines of explanation for the prepared file's header
	Options Options
}

// Prepared is what Prepare wrote.
type Prepared struct {
	Rel  string // the prepared file, relative to the folder ("slurm/array.sh"); "" if none
	Path string // the same, absolute
	Text string // its content, shown by a dry run
	// Resubmit says how a user submits it again by hand ("sbatch PATH"); "" if not.
	Resubmit string
}

// Task is what an engine says of one task of an array, in neutral terms.
type Task struct {
	Index    int    // the array index
	ID       string // "ARRAY_INDEX" (TaskID)
	Phase    Phase  // pending, running, …
	State    string // the engine's own word for it ("NODE_FAIL"), shown when a job is lost
	Reason   string // why it waits; "" if the engine does not say
	Node     string // where it runs; "" while pending
	Restarts int    // how often it was requeued
}

// Phase is a task's state in the seam's terms.
type Phase string

// The phases of a task.
const (
	TaskPending   Phase = "pending"   // in the queue, never started
	TaskRequeued  Phase = "requeued"  // back in the queue after a requeue
	TaskRunning   Phase = "running"   // holds a node
	TaskStopping  Phase = "stopping"  // holds a node while the engine ends it (cancelled, completing)
	TaskDone      Phase = "done"      // ended normally
	TaskFailed    Phase = "failed"    // ended with an error, a node's loss, a time limit, …
	TaskCancelled Phase = "cancelled" // ended by a cancel
	TaskUnknown   Phase = "unknown"   // a state the engine does not classify: ended, as far as anyone can tell
)

// Pending reports whether the task waits in the queue (requeued too).
func (t Task) Pending() bool { return t.Phase == TaskPending || t.Phase == TaskRequeued }

// Active reports whether the task holds a node: running, or being ended.
func (t Task) Active() bool { return t.Phase == TaskRunning || t.Phase == TaskStopping }

// Ended reports whether the engine has finished with the task.
func (t Task) Ended() bool { return !t.Pending() && !t.Active() }

// TaskID returns the id of one task of an array, "ARRAY_INDEX": the seam's name for a
// task, which every engine takes.
func TaskID(array string, index int) string { return fmt.Sprintf("%s_%d", array, index) }

// EnvTask is the task that a process runs in, as its engine's environment says.
type EnvTask struct {
	Array    string // the array's id
	Index    int    // the array index
	Restarts int    // how often the task was requeued (0 at first)
	CPUs     int    // the cores it was given; 0 if the engine does not say
	Node     string // where it runs; "" if the engine does not say
}

// ID returns the task's id, "ARRAY_INDEX".
func (t EnvTask) ID() string { return TaskID(t.Array, t.Index) }

var (
	regMu   sync.Mutex
	engines = map[string]Engine{}
)

// Register makes e the engine of its Name (an engine's package calls it from init) and
// returns the one it replaces, nil if none: tests register a fake one and put the old
// one back.
func Register(e Engine) Engine {
	regMu.Lock()
	defer regMu.Unlock()
	old := engines[e.Name()]
	engines[e.Name()] = e
	return old
}

// Lookup returns the engine registered as name ("" is "slurm", a record of a release
// that knew no other).
func Lookup(name string) (Engine, error) {
	if name == "" {
		name = DefaultEngine
	}
	regMu.Lock()
	defer regMu.Unlock()
	if e := engines[name]; e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("cluster: this sipbench has no cluster engine %q (it has: %s)", name, strings.Join(namesLocked(), ", "))
}

// Names lists the registered engines, sorted.
func Names() []string {
	regMu.Lock()
	defer regMu.Unlock()
	return namesLocked()
}

func namesLocked() []string {
	var out []string
	for n := range engines {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// DefaultEngine is the engine of a record that names none, and of --slurm.
const DefaultEngine = "slurm"

// Title returns how the engine called name is shown ("Slurm").
func Title(name string) string { return TermsOf(name).Title }

// TermsOf returns the Terms of the engine called name: its own when it is registered,
// Slurm's for "slurm" or "", else its name capitalized and used for every word.
func TermsOf(name string) Terms {
	if e, err := Lookup(name); err == nil {
		return e.Terms()
	}
	if name == "" || name == DefaultEngine {
		return slurmTerms
	}
	return Terms{Title: strings.ToUpper(name[:1]) + name[1:], Submit: name, Queue: name, Cancel: name, Requeue: name}
}

// ResumeFlag is the flag of `sipbench resume` that submits to the engine called name:
// "--slurm" for Slurm, "--cluster NAME" for another.
func ResumeFlag(name string) string {
	if name == "" || name == DefaultEngine {
		return "--slurm"
	}
	return "--cluster " + name
}
