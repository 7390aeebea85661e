package folder

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
)

// The files of a run folder:
//
//	OUT/run.json                  RunInfo: preset, scale, settings, methods, seeds, version
//	OUT/<job>/config.json         JobConfig: everything needed to repeat the job
//	OUT/<job>/metrics.csv         "step,wall_s,<metrics…>", one row per step, flushed every few seconds
//	OUT/<job>/status.json         Status: state, step, total, message
//	OUT/<job>/snapshot.json       the latest Snapshot
//	OUT/<job>/checkpoint.bin      weights, BatchNorm statistics, optimizer state, RNG state, step
//	OUT/<job>/control             written by other processes: "pause", "resume" or "cancel"
//	OUT/<job>/lock                held (flock) by the process that trains the job: LockOwner
//	OUT/lock                      held (flock) while run.json is created or rewritten
//
// Every file but metrics.csv is replaced atomically (temporary file, then rename).
const (
	RunFile        = "run.json"
	ConfigFile     = "config.json"
	MetricsFile    = "metrics.csv"
	StatusFile     = "status.json"
	SnapshotFile   = "snapshot.json"
	CheckpointFile = "checkpoint.bin"
	ControlFile    = "control"
	LockFile       = "lock" // see lock.go
)

// RunsDir is the folder, relative to the working directory, where new runs go unless the
// user names one.
const RunsDir = "runs"

// NewRunDir returns the default folder of a new run or sweep called name (the preset,
// or "sweep-" and the preset): RunsDir/<date>-<time>-<name>, in local time.
func NewRunDir(name string) string {
	return filepath.Join(RunsDir, time.Now().Format("20060102-150405")+"-"+name)
}

// Status is the content of a job's status.json.
type Status struct {
	State   State   `json:"state"`
	Step    int     `json:"step"`
	Total   int     `json:"total"`
	Wall    float64 `json:"wall_s"`
	Message string  `json:"message,omitempty"`
	Updated string  `json:"updated"` // RFC 3339 time of the last write
}

// JobConfig is the content of a job's config.json.
type JobConfig struct {
	Job      JobInfo           `json:"job"`
	Preset   string            `json:"preset"`
	Scale    string            `json:"scale"`
	Settings map[string]string `json:"settings"`
	Method   optimizers.Method `json:"method"`
	// Network is the job's network (nil for a solver preset, and in folders of format 0).
	Network *presets.Network `json:"network,omitempty"`
	Metrics []string         `json:"metrics"`
	Version string           `json:"version"` // of the sipbench that wrote it
	Format  int              `json:"format"`  // FormatVersion of the sipbench that wrote it
}

func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return core.WriteFileAtomic(path, append(b, '\n'))
}

// readJSON reads the JSON object in the file at path (not a link) into v.
func ReadJSON(path string, v any) error {
	return readRecordIn(filepath.Dir(path), "", filepath.Base(path), MaxRecordFile, func(b []byte) error { return decodeJSON(b, v) })
}

// ReadInfo reads dir/run.json and validates it (a run folder is untrusted input): it
// fails, saying what is wrong, for a file that is not a run's record, job ids that are not
// plain names or not JobID(method, seed), and a newer format than FormatVersion.
func ReadInfo(dir string) (Info, error) {
	var info Info
	err := readRecordIn(dir, "", RunFile, MaxRecordFile, func(b []byte) (err error) {
		info, err = parseRunInfo(b)
		return err
	})
	return info, err
}

// ReadStatus reads a job's status.json.
func ReadStatus(dir, job string) (Status, error) {
	var s Status
	if !PlainName(job) {
		return s, fmt.Errorf("runner: %q is not a job's name", job)
	}
	err := readRecordIn(dir, job, StatusFile, MaxRecordFile, func(b []byte) (err error) {
		s, err = parseStatus(b)
		return err
	})
	return s, err
}

// ReadSnapshot reads a job's snapshot.json; it returns nil and no error if there is none.
// Every field is checked (Field.validate) before it is returned.
func ReadSnapshot(dir, job string) (*Snapshot, error) {
	var s *Snapshot
	if !PlainName(job) {
		return nil, fmt.Errorf("runner: %q is not a job's name", job)
	}
	err := readRecordIn(dir, job, SnapshotFile, maxSnapshotFile, func(b []byte) (err error) {
		s, err = parseSnapshot(b)
		return err
	})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ListRuns returns the run folders directly under root (those holding a run.json),
// newest first: by the time run.json was last written, then by name, descending. Sweep
// folders are not runs; their runs are one level further down.
func ListRuns(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	type cand struct {
		dir string
		t   time.Time
	}
	var cs []cand
	for _, e := range entries {
		if Creating(e.Name()) {
			continue
		}
		dir := filepath.Join(root, e.Name())
		fi, err := os.Stat(filepath.Join(dir, RunFile))
		if err != nil {
			continue
		}
		cs = append(cs, cand{dir, fi.ModTime()})
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if c := b.t.Compare(a.t); c != 0 {
			return c
		}
		return strings.Compare(b.dir, a.dir)
	})
	dirs := make([]string, len(cs))
	for i, c := range cs {
		dirs[i] = c.dir
	}
	return dirs, nil
}

// TrainLogFile is the file in a run folder that a background trainer (Spawn) appends
// its output to.
const TrainLogFile = "train.log"
