package slurm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The files this package writes in a run (or sweep) folder.
const (
	RecordFile = "slurm.json"     // the Record
	ScriptFile = "slurm/array.sh" // the batch script, relative to the folder
	LogPattern = "slurm/%A_%a.log"
)

// Record is the content of slurm.json: which array trains the folder, and which job each
// task trains. A task's job is named by Run, the run folder relative to the folder that
// holds slurm.json ("" for that folder itself, a sub-folder's name in a sweep), and Job,
// the job's id in that run.
type Record struct {
	Array     string    `json:"array_id"` // "" when the script was written but not submitted
	Script    string    `json:"script"`   // relative to the folder
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
// own script (slurm/array-FIRST.sh), which passes --first to train-task.
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

// View returns, for each task of the record, what Slurm says of it across its arrays
// (byArray, from QueueMany or Accounting: by array, then array index): the first of
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

// ReadRecord reads dir/slurm.json. A record is untrusted input: a run or job name that is
// not one plain name inside the folder, or a task listed twice, is an error.
func ReadRecord(dir string) (*Record, error) {
	path := filepath.Join(dir, RecordFile)
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("slurm: %s is not a regular file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := parseRecord(b)
	if err != nil {
		return nil, fmt.Errorf("slurm: %s: %v", path, err)
	}
	return r, nil
}

// parseRecord decodes and checks the content of a slurm.json.
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

func (r *Record) check() error {
	if strings.Trim(r.Array, "0123456789") != "" {
		return fmt.Errorf("array id %q is not a number", r.Array)
	}
	for _, p := range r.Previous {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return fmt.Errorf("previous array id %q is not a number", p)
		}
	}
	for _, p := range r.Parts {
		if strings.Trim(p.Array, "0123456789") != "" || p.First < 1 {
			return fmt.Errorf("part %q at task %d: not an array id, or not after task 0", p.Array, p.First)
		}
		for _, q := range p.Previous {
			if q == "" || strings.Trim(q, "0123456789") != "" {
				return fmt.Errorf("previous array id %q is not a number", q)
			}
		}
	}
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

// WriteRecord writes dir/slurm.json atomically (a temporary file, then a rename).
func WriteRecord(dir string, r *Record) error {
	if err := r.check(); err != nil {
		return fmt.Errorf("slurm: %v", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, RecordFile), append(b, '\n'), 0o644)
}

// AdoptArray makes array the one that trains the folder dir, when its slurm.json names
// another: the batch script was submitted again by hand, so that watch, the runs screen and
// scancel follow the new array. The old id moves to Previous. It reports whether the record
// changed. Tasks of one array that start together all write the same record.
//
// first is the task that the array's index 0 trains (train-task's --first): 0 for the
// folder's first array, a Part's First for a further one.
func AdoptArray(dir, array string, first int) (bool, error) {
	if array == "" || strings.Trim(array, "0123456789") != "" {
		return false, fmt.Errorf("slurm: array id %q is not a number", array)
	}
	r, err := ReadRecord(dir)
	if err != nil {
		return false, err
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
		return false, fmt.Errorf("slurm: %s has no array starting at task %d", filepath.Join(dir, RecordFile), first)
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

// WriteScriptAs writes the script to dir/rel (executable) and returns its path.
func WriteScriptAs(dir, rel string, s *Script) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, writeAtomic(path, []byte(s.String()), 0o755)
}

func writeAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
