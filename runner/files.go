package runner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	runFile        = "run.json"
	configFile     = "config.json"
	metricsFile    = "metrics.csv"
	statusFile     = "status.json"
	snapshotFile   = "snapshot.json"
	checkpointFile = "checkpoint.bin"
	controlFile    = "control"
	lockFile       = "lock" // see lock.go
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

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return core.WriteFileAtomic(path, append(b, '\n'))
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("runner: %s: %v", path, err)
	}
	return nil
}

// ReadRunInfo reads dir/run.json.
func ReadRunInfo(dir string) (RunInfo, error) {
	var info RunInfo
	err := readJSON(filepath.Join(dir, runFile), &info)
	return info, err
}

// ReadStatus reads a job's status.json.
func ReadStatus(dir, job string) (Status, error) {
	var s Status
	err := readJSON(filepath.Join(dir, job, statusFile), &s)
	return s, err
}

// ReadSnapshot reads a job's snapshot.json; it returns nil and no error if there is none.
func ReadSnapshot(dir, job string) (*Snapshot, error) {
	var s Snapshot
	err := readJSON(filepath.Join(dir, job, snapshotFile), &s)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Row is one row of metrics.csv.
type Row struct {
	Step    int
	Wall    float64
	Metrics []float64
}

// ReadMetrics reads a job's metrics.csv from byte offset off, returning the complete rows
// after it and the offset just past the last complete row (an unfinished last line, as a
// writer may leave mid-flush, is left for the next call). With off = 0 the header is
// checked against want (the run's metric names); a nil want accepts any columns.
func ReadMetrics(dir, job string, off int64, want []string) ([]Row, int64, error) {
	f, err := os.Open(filepath.Join(dir, job, metricsFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, off, nil
		}
		return nil, off, err
	}
	defer f.Close()
	if _, err := f.Seek(off, 0); err != nil {
		return nil, off, err
	}
	r := bufio.NewReader(f)
	var rows []Row
	for {
		line, err := r.ReadBytes('\n')
		if err != nil { // EOF or partial line: stop before it
			break
		}
		start := off
		off += int64(len(line))
		text := strings.TrimSpace(string(line))
		if start == 0 {
			if want != nil && text != strings.Join(append([]string{"step", "wall_s"}, want...), ",") {
				return nil, off, fmt.Errorf("runner: %s/%s: header %q does not match the run's metrics", job, metricsFile, text)
			}
			continue
		}
		n := len(want)
		if want == nil {
			n = -1 // any number of columns
		}
		row, err := parseRow(text, n)
		if err != nil {
			return rows, off, fmt.Errorf("runner: %s/%s at byte %d: %v", job, metricsFile, start, err)
		}
		rows = append(rows, row)
	}
	return rows, off, nil
}

func parseRow(text string, n int) (Row, error) {
	parts := strings.Split(text, ",")
	if n >= 0 && len(parts) != n+2 {
		return Row{}, fmt.Errorf("%d columns, want %d", len(parts), n+2)
	}
	step, err := strconv.Atoi(parts[0])
	if err != nil {
		return Row{}, fmt.Errorf("bad step %q", parts[0])
	}
	wall, err := strconv.ParseFloat(parts[1], 64)
	if err != nil {
		return Row{}, fmt.Errorf("bad wall_s %q", parts[1])
	}
	row := Row{Step: step, Wall: wall, Metrics: make([]float64, len(parts)-2)}
	for i, p := range parts[2:] {
		if row.Metrics[i], err = strconv.ParseFloat(p, 64); err != nil {
			return Row{}, fmt.Errorf("bad value %q", p)
		}
	}
	return row, nil
}

// metricsWriter appends rows to metrics.csv through a buffer.
type metricsWriter struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

// openMetrics opens path for appending, keeping only the rows with step ≤ keep (all rows
// are dropped when keep < 0 and the header is rewritten), so that a resumed job continues
// the file exactly where its checkpoint stopped.
func openMetrics(path string, names []string, keep int) (*metricsWriter, error) {
	header := strings.Join(append([]string{"step", "wall_s"}, names...), ",") + "\n"
	var body bytes.Buffer
	body.WriteString(header)
	if keep >= 0 {
		if old, err := os.ReadFile(path); err == nil {
			lines := strings.SplitAfter(string(old), "\n")
			for _, l := range lines[1:] {
				if !strings.HasSuffix(l, "\n") {
					break
				}
				row, err := parseRow(strings.TrimSpace(l), len(names))
				if err != nil || row.Step > keep {
					break
				}
				body.WriteString(l)
			}
		}
	}
	if err := core.WriteFileAtomic(path, body.Bytes()); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &metricsWriter{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (m *metricsWriter) write(step int, wall float64, vals []float64) error {
	b := m.buf[:0]
	b = strconv.AppendInt(b, int64(step), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, wall, 'f', 4, 64)
	for _, v := range vals {
		b = append(b, ',')
		b = strconv.AppendFloat(b, v, 'g', 8, 64)
	}
	b = append(b, '\n')
	m.buf = b
	_, err := m.w.Write(b)
	return err
}

func (m *metricsWriter) flush() error { return m.w.Flush() }

func (m *metricsWriter) close() error {
	err := m.w.Flush()
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	return err
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
		dir := filepath.Join(root, e.Name())
		fi, err := os.Stat(filepath.Join(dir, runFile))
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
