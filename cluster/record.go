package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sipbench/sipbench/folder"
)

// The files of the record in a run (or sweep) folder: a Slurm array's in slurm.json, as
// every earlier release wrote it, another engine's in cluster.json.
const (
	RecordFile      = "cluster.json"
	SlurmRecordFile = "slurm.json"
)

// RecordFileOf returns the record's file for the engine: slurm.json for Slurm (or ""),
// cluster.json for the others.
func RecordFileOf(engine string) string {
	if engine == "" || engine == DefaultEngine {
		return SlurmRecordFile
	}
	return RecordFile
}

// Record is the content of slurm.json (or cluster.json): which engine and array train the
// folder, and which job each task trains. A task's job is named by Run, the run folder
// relative to the folder that holds the record ("" for that folder itself, a sub-folder's
// name in a sweep), and Job, the job's id in that run. An array id is a plain token (for
// Slurm, a number).
type Record struct {
	// Engine names the engine (Register); "" in slurm.json, which Slurm's arrays keep.
	Engine    string    `json:"engine,omitempty"`
	Array     string    `json:"array_id"` // "" when the array was prepared but not submitted
	Script    string    `json:"script"`   // what Prepare wrote, relative to the folder; "../…" for a sweep's combination
	Submitted string    `json:"submitted,omitempty"`
	Tasks     []TaskJob `json:"tasks"`
	// Previous lists the arrays that trained the folder before Array, oldest first: the
	// script re-submitted by hand (sbatch slurm/array.sh) makes a new array, whose first
	// task records itself (AdoptArray).
	Previous []string `json:"previous_arrays,omitempty"`
	// Parts are the further arrays of a folder with more tasks than the cluster's
	// MaxArraySize allows in one array: Array trains tasks 0 … Parts[0].First−1, and so on.
	Parts []Part `json:"parts,omitempty"`
}

// Part is a further array of a folder: its array index i trains task First+i, from its
// own prepared file (Slurm's slurm/array-FIRST.sh), which passes --first to train-task.
type Part struct {
	Array    string   `json:"array_id"` // "" when not submitted
	First    int      `json:"first"`
	Script   string   `json:"script"`
	Previous []string `json:"previous_arrays,omitempty"`
}

// Ref is one array that trains (or trained) tasks of a folder: its index i is task First+i.
type Ref struct {
	ID      string
	First   int
	Current bool // the array the folder's record follows now; false for a previous one
}

// Arrays lists the arrays of the record, the current ones first (Array, then its Parts),
// then the previous ones, newest first: the order in which a task's state is looked up.
func (r *Record) Arrays() []Ref {
	var cur, prev []Ref
	add := func(id string, first int, previous []string) {
		if id != "" {
			cur = append(cur, Ref{ID: id, First: first, Current: true})
		}
		for i := len(previous) - 1; i >= 0; i-- {
			prev = append(prev, Ref{ID: previous[i], First: first})
		}
	}
	add(r.Array, 0, r.Previous)
	for _, p := range r.Parts {
		add(p.Array, p.First, p.Previous)
	}
	return append(cur, prev...)
}

// ArrayIDs returns the ids of Arrays.
func (r *Record) ArrayIDs() []string {
	var ids []string
	for _, a := range r.Arrays() {
		if !slices.Contains(ids, a.ID) {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// TaskID returns the id ("ARRAY_INDEX") of task g in the current array that holds it, ""
// if none was submitted.
func (r *Record) TaskID(g int) string {
	id, first := r.Array, 0
	for _, p := range r.Parts {
		if g >= p.First {
			id, first = p.Array, p.First
		}
	}
	if id == "" {
		return ""
	}
	return TaskID(id, g-first)
}

// View returns, for each task of the record, what its engine says of it across its arrays
// (byArray, from Engine.Tasks or Ended: by array, then array index): the first of
// Arrays that holds it pending or active, else the first that lists it. Each Task keeps its
// ID in that array; its Index is the record's task number. A task no array lists is
// absent.
func (r *Record) View(byArray map[string]map[int]Task) map[int]Task {
	out := map[int]Task{}
	refs := r.Arrays()
	for _, tj := range r.Tasks {
		var ended *Task
		for _, a := range refs {
			i := tj.Task - a.First
			if i < 0 {
				continue
			}
			t, ok := byArray[a.ID][i]
			if !ok {
				continue
			}
			t.Index = tj.Task
			if !t.Ended() {
				out[tj.Task] = t
				ended = nil
				break
			}
			if ended == nil {
				ended = &t
			}
		}
		if ended != nil {
			out[tj.Task] = *ended
		}
	}
	return out
}

// TaskJob maps one array task to one job.
type TaskJob struct {
	Task int    `json:"task"`
	Run  string `json:"run,omitempty"`
	Job  string `json:"job"`
}

// Lookup returns the job of array task i.
func (r *Record) Lookup(i int) (TaskJob, bool) {
	for _, t := range r.Tasks {
		if t.Task == i {
			return t, true
		}
	}
	return TaskJob{}, false
}

// ReadRecord reads the record of dir: cluster.json, else slurm.json (whose engine is
// Slurm). A record is untrusted input: an array id that is not a plain token (for Slurm, a
// number), a run or job name that is not one plain name inside the folder, or a task
// listed twice, is an error.
func ReadRecord(dir string) (*Record, error) {
	r, err := readRecordFile(dir, RecordFile)
	if errors.Is(err, fs.ErrNotExist) {
		return readRecordFile(dir, SlurmRecordFile)
	}
	return r, err
}

func readRecordFile(dir, name string) (*Record, error) {
	path := filepath.Join(dir, name)
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("cluster: %s is not a regular file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := parseRecord(b)
	if err == nil && name == RecordFile && (r.Engine == "" || r.Engine == DefaultEngine) {
		err = errors.New("a Slurm array's record belongs in " + SlurmRecordFile)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: %s: %v", path, err)
	}
	return r, nil
}

// EngineOf returns the engine that the record names ("slurm" for slurm.json's).
func (r *Record) EngineOf() (Engine, error) { return Lookup(r.Engine) }

// EngineName returns the record's engine's name, "slurm" if it names none.
func (r *Record) EngineName() string {
	if r.Engine == "" {
		return DefaultEngine
	}
	return r.Engine
}

// parseRecord decodes and checks the content of a record.
func parseRecord(b []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return &r, nil
}

// arrayID reports whether id may be an array id of the record's engine: "" (not
// submitted) or a plain token; for Slurm, a number.
func (r *Record) arrayID(id string) bool {
	if r.EngineName() == DefaultEngine {
		return strings.Trim(id, "0123456789") == ""
	}
	return len(id) <= 128 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == "" && id != "." && id != ".."
}

func (r *Record) check() error {
	if r.Engine != "" && (!plainName(r.Engine) || !r.arrayID(r.Engine)) {
		return fmt.Errorf("engine %q is not a name", r.Engine)
	}
	if !r.arrayID(r.Array) {
		return fmt.Errorf("array id %q is not a number", r.Array)
	}
	for _, p := range r.Previous {
		if p == "" || !r.arrayID(p) {
			return fmt.Errorf("previous array id %q is not a number", p)
		}
	}
	for _, p := range r.Parts {
		if !r.arrayID(p.Array) || p.First < 1 {
			return fmt.Errorf("part %q at task %d: not an array id, or not after task 0", p.Array, p.First)
		}
		for _, q := range p.Previous {
			if q == "" || !r.arrayID(q) {
				return fmt.Errorf("previous array id %q is not a number", q)
			}
		}
	}
	return r.checkTasks()
}

func (r *Record) checkTasks() error {
	seen := map[int]bool{}
	for _, t := range r.Tasks {
		if t.Task < 0 || seen[t.Task] {
			return fmt.Errorf("task %d: negative or listed twice", t.Task)
		}
		seen[t.Task] = true
		if t.Run != "" && !plainName(t.Run) {
			return fmt.Errorf("task %d: run %q is not a sub-folder's name", t.Task, t.Run)
		}
		if !plainName(t.Job) {
			return fmt.Errorf("task %d: job %q is not a job's name", t.Task, t.Job)
		}
	}
	return nil
}

// plainName reports whether s names an entry of a folder: not empty, not . or .., no
// separator.
func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`) && filepath.IsLocal(s)
}

// WriteRecord writes the record of dir (RecordFileOf its engine) atomically.
func WriteRecord(dir string, r *Record) error {
	if err := r.check(); err != nil {
		return fmt.Errorf("cluster: %v", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return folder.WriteFileAtomic(filepath.Join(dir, RecordFileOf(r.Engine)), append(b, '\n'))
}

// InSweep reports whether the record is a sweep combination's: its array is the sweep
// folder's, which holds the prepared file.
func (r *Record) InSweep() bool { return r.Script == ".." || strings.HasPrefix(r.Script, "../") }

// AdoptArray makes array the one that trains the folder dir, when its record names
// another: the batch script was submitted again by hand, so that watch, the runs screen and
// cancel follow the new array. The old id moves to Previous. It reports whether the record
// changed. Tasks of one array that start together all write the same record.
//
// first is the task that the array's index 0 trains (train-task's --first): 0 for the
// folder's first array, a Part's First for a further one.
func AdoptArray(dir, array string, first int) (bool, error) {
	r, err := ReadRecord(dir)
	if err != nil {
		return false, err
	}
	if array == "" || !r.arrayID(array) {
		return false, fmt.Errorf("cluster: array id %q is not a number", array)
	}
	if first > 0 {
		for i := range r.Parts {
			p := &r.Parts[i]
			if p.First != first {
				continue
			}
			if p.Array == array {
				return false, nil
			}
			if p.Array != "" {
				p.Previous = append(p.Previous, p.Array)
			}
			p.Array = array
			return true, WriteRecord(dir, r)
		}
		return false, fmt.Errorf("cluster: %s has no array starting at task %d", filepath.Join(dir, RecordFileOf(r.Engine)), first)
	}
	if r.Array == array {
		return false, nil
	}
	if r.Array != "" {
		r.Previous = append(r.Previous, r.Array)
	}
	r.Array, r.Submitted = array, ""
	return true, WriteRecord(dir, r)
}
