package folder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/sipbench/sipbench/sanitize"
)

// A run folder is untrusted input: folders are shared, copied and downloaded. Everything
// read from one goes through openIn (no link is followed inside the folder, only regular
// files are read, sizes are bounded) and is validated before use (the parse* functions
// below), so that no content can make sipbench panic, or read or write outside the folder:
// every name that becomes a path (a job's id, a sweep's run) is one plain name.

var (
	errLink       = errors.New("is a link, which sipbench does not follow inside a run folder")
	errNotFolder  = errors.New("is not a folder")
	errNotRegular = errors.New("is not a regular file")
)

// Size limits of the files read from a run folder: far above what sipbench writes, so that
// only a damaged or hostile file reaches them.
const (
	MaxRecordFile   = 16 << 20 // run.json, config.json, status.json, sweep.json, control
	maxSnapshotFile = 64 << 20 // snapshot.json: four fields of 2×512×512 values (fluid at grid 512) are about 25 MB
)

// readFileIn reads the regular file name of the run folder dir (job "") or of its job's
// folder, following no link (openIn), and fails for a file larger than limit. A missing
// file gives an error wrapping os.ErrNotExist.
func ReadFileIn(dir, job, name string, limit int64) ([]byte, error) {
	f, err := OpenIn(dir, job, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooLarge := fmt.Errorf("runner: %s is larger than %d MB, which no sipbench writes: not read", filepath.Join(dir, job, name), limit>>20)
	if fi, err := f.Stat(); err == nil && fi.Size() > limit {
		return nil, tooLarge // before reading any of it
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit { // it grew while read
		return nil, tooLarge
	}
	return b, nil
}

// decodeJSON decodes b into v, refusing what is not one JSON object (null, an array, a
// number, trailing data).
func decodeJSON(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty file")
	}
	if b[0] != '{' {
		return errors.New("not a JSON object")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// readRecordIn reads the JSON file name of dir (job "") or of dir/job into v and checks it
// with parse, which decodes and validates; errors name the file.
func readRecordIn(dir, job, name string, limit int64, parse func([]byte) error) error {
	b, err := ReadFileIn(dir, job, name, limit)
	if err != nil {
		return err
	}
	if err := parse(b); err != nil {
		return fmt.Errorf("runner: %s: %v", filepath.Join(dir, job, name), err)
	}
	return nil
}

// parseRunInfo decodes and validates the content of run.json: one preset, its metrics, at
// least one job, each job's id the plain name JobID(method, seed) of a listed method, no id
// twice, and a format this sipbench reads.
func parseRunInfo(b []byte) (Info, error) {
	var info Info
	if err := decodeJSON(b, &info); err != nil {
		return info, fmt.Errorf("not a run's record: %v", err)
	}
	return info, info.validate()
}

func (info *Info) validate() error {
	if info.Format > FormatVersion {
		return fmt.Errorf("written by a newer sipbench (run format %d; this sipbench %s reads formats up to %d): update sipbench to use it",
			info.Format, Version, FormatVersion)
	}
	if info.Format < 0 {
		return fmt.Errorf("format %d", info.Format)
	}
	if info.Preset == "" {
		return errors.New("not a run's record: it names no preset")
	}
	if err := printable("run", info.texts()...); err != nil {
		return err
	}
	if len(info.ID) > 64 || strings.ContainsFunc(info.ID, func(r rune) bool { return !strings.ContainsRune("0123456789abcdef", r) }) {
		return fmt.Errorf("run id %q is not hexadecimal digits", Truncate(info.ID, 80))
	}
	if err := info.validateMetrics(); err != nil {
		return err
	}
	return info.validateJobs()
}

// validateMetrics returns an error unless the run's metrics are distinct column names
// (not step or wall_s), and its metric is among them.
func (info *Info) validateMetrics() error {
	if len(info.Metrics) == 0 {
		return errors.New("the run records no metrics")
	}
	seen := map[string]bool{}
	for _, m := range info.Metrics {
		if !columnName(m) || m == "step" || m == "wall_s" || seen[m] {
			return fmt.Errorf("bad metric name %q (or named twice)", m)
		}
		seen[m] = true
	}
	if info.Metric != "" && !seen[info.Metric] {
		return fmt.Errorf("the run's metric %q is not among its metrics", info.Metric)
	}
	return nil
}

// validateJobs returns an error unless the run lists jobs, each once, of a method the run
// lists, with the id JobID gives, at least one step and a finite learning rate.
func (info *Info) validateJobs() error {
	if len(info.Jobs) == 0 {
		return errors.New("the run records no jobs")
	}
	methods := map[string]bool{}
	for _, m := range info.Methods {
		methods[m] = true
	}
	ids := map[string]bool{}
	for _, j := range info.Jobs {
		if !PlainName(j.ID) || strings.ContainsAny(j.ID, "\x00\n") {
			return fmt.Errorf("job id %q is not a plain folder name", j.ID)
		}
		if j.Seed < 0 || j.ID != JobID(j.Method, j.Seed) {
			return fmt.Errorf("job %q for method %q and seed %d; want the id %q", j.ID, j.Method, j.Seed, JobID(j.Method, j.Seed))
		}
		if !methods[j.Method] {
			return fmt.Errorf("job %s trains method %q, which the run's methods do not list", j.ID, j.Method)
		}
		if ids[j.ID] {
			return fmt.Errorf("job %s is listed twice", j.ID)
		}
		ids[j.ID] = true
		if j.Steps < 1 {
			return fmt.Errorf("job %s has %d steps", j.ID, j.Steps)
		}
		if !FiniteValue(j.LR) {
			return fmt.Errorf("job %s has learning rate %v", j.ID, j.LR)
		}
	}
	return nil
}

// texts returns every string of run.json that a screen may show.
func (info *Info) texts() []string {
	ss := []string{info.Preset, info.Scale, info.Metric, info.Reference, info.Version, info.Started}
	ss = append(ss, info.Methods...)
	ss = append(ss, info.Metrics...)
	for k, v := range info.Settings {
		ss = append(ss, k, v)
	}
	for _, j := range info.Jobs {
		ss = append(ss, j.ID, j.Method, j.Optimizer)
	}
	if info.Tuned != nil {
		ss = append(ss, info.Tuned.Dir)
		for m := range info.Tuned.Rates {
			ss = append(ss, m)
		}
	}
	return ss
}

// printable returns an error unless every string of ss can be shown as it is: no control
// character or escape sequence (Sanitize leaves it unchanged but for its length). A record
// that holds one is damaged or hostile, and is refused, quoting the string escaped.
func printable(what string, ss ...string) error {
	for _, s := range ss {
		if sanitize.N(s, len(s)+1) != s {
			return fmt.Errorf("the %s's record holds %q, with control characters that sipbench does not show", what, Truncate(s, 80))
		}
	}
	return nil
}

// columnName reports whether s can be a column of metrics.csv.
func columnName(s string) bool { return s != "" && !strings.ContainsAny(s, ",\r\n\"\x00") }

// parseStatus decodes and validates a status.json.
func parseStatus(b []byte) (Status, error) {
	var s Status
	if err := decodeJSON(b, &s); err != nil {
		return s, err
	}
	switch s.State {
	case Queued, Running, Paused, Done, Diverged, Failed, Cancelled:
	default:
		return s, fmt.Errorf("unknown state %q", s.State)
	}
	if s.Step < 0 || s.Total < 0 || !FiniteValue(s.Wall) || s.Wall < 0 {
		return s, fmt.Errorf("step %d, total %d, wall_s %v", s.Step, s.Total, s.Wall)
	}
	// The message is shown as it is (watch, the dashboard, runs): what sipbench wrote is
	// kept whole, what is not printable is escaped and an overlong message cut.
	s.Message = sanitize.Lines(s.Message, 4096)
	s.Updated = sanitize.String(s.Updated)
	return s, nil
}

// parseJobConfig decodes and validates a config.json (its consistency with run.json is
// ReadSpec's to check).
func parseJobConfig(b []byte) (JobConfig, error) {
	var c JobConfig
	if err := decodeJSON(b, &c); err != nil {
		return c, err
	}
	if c.Format > FormatVersion {
		return c, fmt.Errorf("written by a newer sipbench (format %d; this sipbench %s reads formats up to %d): update sipbench to use it",
			c.Format, Version, FormatVersion)
	}
	if c.Job.ID != JobID(c.Job.Method, c.Job.Seed) || !PlainName(c.Job.ID) || c.Job.Seed < 0 {
		return c, fmt.Errorf("job %q for method %q and seed %d", c.Job.ID, c.Job.Method, c.Job.Seed)
	}
	if c.Method.Name != c.Job.Method {
		return c, fmt.Errorf("records method %q for job %s", c.Method.Name, c.Job.ID)
	}
	return c, nil
}

// Limits of a snapshot's fields.
const (
	maxFieldRank   = 4
	maxFieldValues = 1 << 26
	maxFields      = 64
)

// parseSnapshot decodes and validates a snapshot.json: every field named, of rank 1 to
// maxFieldRank with positive dimensions whose product is the number of its values, and a
// grid's extent (Field.Extent) four finite numbers in increasing pairs.
func parseSnapshot(b []byte) (*Snapshot, error) {
	var s Snapshot
	if err := decodeJSON(b, &s); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate returns an error unless every field of the snapshot is well formed: named, of
// rank 1 to 4 with positive dimensions whose product is its number of values, and a grid's
// extent (see Field) four finite numbers in increasing pairs. Snapshots read from a folder
// are validated; readers of events from elsewhere may call it before indexing the data.
func (s *Snapshot) Validate() error {
	if s.Step < 0 {
		return fmt.Errorf("step %d", s.Step)
	}
	if len(s.Fields) > maxFields {
		return fmt.Errorf("%d fields", len(s.Fields))
	}
	for _, f := range s.Fields {
		if err := f.validate(); err != nil {
			return fmt.Errorf("field %q: %v", f.Name, err)
		}
	}
	return nil
}

func (f *Field) validate() error {
	if f.Name == "" {
		return errors.New("no name")
	}
	if len(f.Shape) == 0 || len(f.Shape) > maxFieldRank {
		return fmt.Errorf("rank %d", len(f.Shape))
	}
	n := 1
	for _, d := range f.Shape {
		if d < 1 || d > maxFieldValues || n > maxFieldValues/d {
			return fmt.Errorf("shape %v", f.Shape)
		}
		n *= d
	}
	if n != len(f.Data) {
		return fmt.Errorf("shape %v holds %d values, the data %d", f.Shape, n, len(f.Data))
	}
	if f.Extent != nil {
		e := f.Extent
		if len(e) != 4 || len(f.Shape) != 2 || f.Shape[0] < 2 || f.Shape[1] < 2 {
			return fmt.Errorf("extent %v of a field of shape %v", e, f.Shape)
		}
		for _, v := range e {
			if !FiniteValue(v) {
				return fmt.Errorf("extent %v", e)
			}
		}
		if !(e[1] > e[0]) || !(e[3] > e[2]) || !FiniteValue(e[1]-e[0]) || !FiniteValue(e[3]-e[2]) {
			return fmt.Errorf("extent %v", e)
		}
	}
	return nil
}

// parseControl reads the command in a control file: "pause", "resume" or "cancel" (with
// surrounding white space); anything else is refused.
func ParseControl(b []byte) (string, error) {
	if len(b) > 64 {
		return "", errors.New("not a control command")
	}
	switch a := strings.TrimSpace(string(b)); a {
	case "pause", "resume", "cancel":
		return a, nil
	}
	return "", fmt.Errorf("unknown control %q", bytes.TrimSpace(b))
}

func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
