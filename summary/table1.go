package summary

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sipbench/sipbench/eval"
	"github.com/sipbench/sipbench/folder"
)

// Table1File is the file in a run folder where `sipbench table1` leaves its result, for
// figures to draw.
const Table1File = "table1.json"

// Table1Result is a Table 1 evaluation of a run's network against iterative solvers.
type Table1Result struct {
	Job      string      `json:"job"`  // the job whose network was evaluated
	Step     int         `json:"step"` // its training step
	Examples int         `json:"examples"`
	Seed     uint64      `json:"seed"`
	MaxIters int         `json:"max_iters"`
	Trivial  int         `json:"trivial"` // examples left out of the solver rows
	Rows     []Table1Row `json:"rows"`
}

// Table1Row is one method: the network, or an iterative solver run until each example's
// x MAE is at most the network's on it.
type Table1Row struct {
	Name    string  `json:"name"`
	Network bool    `json:"network,omitempty"`
	Iters   float64 `json:"iterations"` // mean over the examples that reached the target
	Seconds float64 `json:"seconds"`    // time per example, mean over those that reached it (network: per example in batches)
	Reached int     `json:"reached"`
	N       int     `json:"n"`
	MAE     float64 `json:"mae"` // mean x MAE at the stop
	Limit   int     `json:"limit"`
}

// WriteTable1 writes r to dir/table1.json (atomically).
func WriteTable1(dir string, r Table1Result) error {
	return folder.WriteJSON(filepath.Join(dir, Table1File), r)
}

// ReadTable1 reads dir/table1.json; it refuses a link (a run folder is untrusted input).
func ReadTable1(dir string) (Table1Result, error) {
	r, err := readTable1(dir, Table1File)
	if errors.Is(err, os.ErrNotExist) {
		return r, fmt.Errorf("runner: %s has no %s (sipbench table1 %s writes it)", dir, Table1File, dir)
	}
	return r, err
}

// WriteJobTable1 writes r, the evaluation of the network of the job r.Job, to that job's
// folder, dir/<job>/table1.json (atomically): the paper check keeps one per seed.
func WriteJobTable1(dir string, r Table1Result) error {
	if !folder.PlainName(r.Job) {
		return fmt.Errorf("runner: %q is not a job's name", r.Job)
	}
	return folder.WriteJSON(filepath.Join(dir, r.Job, Table1File), r)
}

// ReadJobTable1 reads the evaluation of job's network from dir/<job>/table1.json
// (WriteJobTable1). It refuses a job name that is not a plain folder name and links; a
// missing file is an error that wraps os.ErrNotExist.
func ReadJobTable1(dir, job string) (Table1Result, error) {
	if err := folder.CheckJob(dir, job); err != nil {
		return Table1Result{}, err
	}
	return readTable1(dir, filepath.Join(job, Table1File))
}

// readTable1 reads the Table 1 record dir/name, refusing anything but a regular file.
func readTable1(dir, name string) (Table1Result, error) {
	var r Table1Result
	path := filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	if err != nil {
		return r, err
	}
	if !fi.Mode().IsRegular() {
		return r, fmt.Errorf("runner: %s/%s is not a regular file", dir, name)
	}
	err = folder.ReadJSON(path, &r)
	return r, err
}

// NewTable1Result returns the record of the evaluation r of m's network (eval.Table1), as
// WriteTable1 writes it.
func NewTable1Result(m *Model, r *eval.Table1Result) Table1Result {
	o := r.Options
	out := Table1Result{Job: m.Job.ID, Step: m.Step, Examples: o.Examples, Seed: o.Seed, MaxIters: o.MaxIters, Trivial: r.Trivial}
	for _, row := range r.Rows {
		out.Rows = append(out.Rows, Table1Row{Name: row.Name, Network: row.Network, Iters: row.Iters,
			Seconds: row.Time.Seconds(), Reached: row.Reached, N: row.N, MAE: row.MAE, Limit: row.Limit})
	}
	return out
}
