package slurm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
func AdoptArray(dir, array string) (bool, error) {
	if array == "" || strings.Trim(array, "0123456789") != "" {
		return false, fmt.Errorf("slurm: array id %q is not a number", array)
	}
	r, err := ReadRecord(dir)
	if err != nil {
		return false, err
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

// WriteScript writes the script to dir/slurm/array.sh (executable) and returns its path.
func WriteScript(dir string, s *Script) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	path := filepath.Join(dir, ScriptFile)
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
