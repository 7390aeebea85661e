package showcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/stats"
	"github.com/sipbench/sipbench/summary"
)

// RunJSON is one run (or sweep) in `sipbench runs --json`.
type RunJSON struct {
	Dir        string         `json:"dir"`
	Kind       string         `json:"kind"` // "run" or "sweep"
	Preset     string         `json:"preset,omitempty"`
	Scale      string         `json:"scale,omitempty"`
	Methods    []string       `json:"methods,omitempty"`
	Seeds      []int          `json:"seeds,omitempty"`
	State      string         `json:"state"`
	Error      string         `json:"error,omitempty"`
	Jobs       map[string]int `json:"jobs"`        // by kind: training, queued, lost, interrupted, done, diverged, failed
	StepsDone  int            `json:"steps_done"`  // summed over the jobs (job_list has each job's)
	StepsTotal int            `json:"steps_total"` // summed over the jobs
	Started    string         `json:"started,omitempty"`
	Updated    string         `json:"updated,omitempty"`
	TrainingS  float64        `json:"training_s"` // the longest job's training time
	ElapsedS   float64        `json:"elapsed_s"`  // the time any job trained (the runs table's "trained")
	Metric     string         `json:"metric,omitempty"`
	Reference  string         `json:"reference,omitempty"`
	Headline   *headlineJSON  `json:"headline,omitempty"`
	Runs       []RunJSON      `json:"runs,omitempty"` // a sweep's
	JobList    []runJobJSON   `json:"job_list,omitempty"`
}

type headlineJSON struct {
	Method string  `json:"method"`
	Ratio  float64 `json:"ratio"` // method ÷ reference at the end; above 1 the reference is ahead
	Seeds  int     `json:"seeds"`
	// Stat is the ratio over the seeds with its 95 % paired bootstrap interval and one-sided
	// tests: {"n", "mean", "lo", "hi", "p", "p_sign", "few"}.
	Stat stats.Ratio `json:"stat"`
}

type runJobJSON struct {
	ID    string   `json:"id"`
	Kind  string   `json:"kind"`
	State string   `json:"state"`
	Step  int      `json:"step"`
	Total int      `json:"total"`
	Value *float64 `json:"value,omitempty"` // the metric at the end (running mean of 64)
	PID   int      `json:"pid,omitempty"`   // the process that trains it
	Slurm string   `json:"slurm,omitempty"` // Slurm's view, for a cluster run
	Note  string   `json:"note,omitempty"`  // what of its files was left unread, and why
}

func Runs(args []string) error {
	fs := cmdline.NewFlags("runs", "sipbench runs [DIR] [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return cmdline.Usagef("", "runs takes at most one folder (default: %s)", folder.RunsDir)
	}
	root := folder.RunsDir
	if len(pos) == 1 {
		root = pos[0]
	}
	idx := summary.NewIndex(root)
	var rs []summary.Status
	if folder.IsSweep(root) || isRunFolder(root) { // a run or sweep folder itself: it is listed
		var s summary.Status
		if s, err = idx.Status(root); err == nil {
			rs = []summary.Status{s}
		}
	} else {
		rs, err = idx.Scan()
	}
	if err != nil {
		return fmt.Errorf("no runs folder %q: start a run first (sipbench run PRESET)", root)
	}
	if *asJSON {
		out := make([]RunJSON, 0, len(rs))
		for i := range rs {
			out = append(out, toRunJSON(&rs[i]))
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(append(escapeC1(b), '\n'))
		return err
	}
	printRuns(os.Stdout, rs)
	return nil
}

// isRunFolder reports whether dir holds a run.json (a regular file).
func isRunFolder(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, "run.json"))
	return err == nil && fi.Mode().IsRegular()
}

// escapeC1 writes the C1 controls (U+0080–U+009F) of encoded JSON as \u escapes, which
// encoding/json leaves raw: a folder's name holds what it likes, and a terminal that
// shows the JSON would obey an 8-bit CSI. The JSON decodes to the same strings.
func escapeC1(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r >= 0x80 && r <= 0x9f {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func toRunJSON(r *summary.Status) RunJSON {
	j := RunJSON{Dir: r.Dir, Kind: "run", State: string(r.State), Jobs: map[string]int{}, StepsDone: r.Done, StepsTotal: r.Total,
		TrainingS: r.Training, ElapsedS: r.TrainedFor(), Preset: r.Info.Preset, Scale: r.Info.Scale, Methods: r.Info.Methods, Seeds: r.Info.Seeds,
		Metric: r.Info.Metric, Reference: r.Info.Reference}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	for k, n := range r.Count {
		j.Jobs[string(k)] = n
	}
	if !r.Started.IsZero() {
		j.Started = r.Started.Format(time.RFC3339)
	}
	if !r.Updated.IsZero() {
		j.Updated = r.Updated.Format(time.RFC3339)
	}
	if h := r.Headline; !math.IsNaN(h.Ratio) {
		j.Headline = &headlineJSON{Method: h.Method, Ratio: h.Ratio, Seeds: h.Seeds, Stat: h.Stat}
	}
	if r.Sweep != nil {
		j.Kind, j.Methods, j.Seeds = "sweep", r.Sweep.Methods, nil
		for i := range r.Runs {
			j.Runs = append(j.Runs, toRunJSON(&r.Runs[i]))
		}
		return j
	}
	for _, js := range r.Jobs {
		jj := runJobJSON{ID: js.Info.ID, Kind: string(js.Kind), State: string(js.State), Step: js.Step, Total: js.Info.Steps}
		if v := js.Value; !math.IsNaN(v) && !math.IsInf(v, 0) {
			jj.Value = &v
		}
		if js.Owner != nil {
			jj.PID = js.Owner.PID
		}
		jj.Slurm = js.Cluster.Short()
		jj.Note = js.Note
		j.JobList = append(j.JobList, jj)
	}
	return j
}

// printRuns prints the runs list as a table, newest first.
func printRuns(w io.Writer, rs []summary.Status) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "no runs yet: start one with sipbench run PRESET (or sipbench, and choose a preset)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tPRESET\tSCALE\tMETHODS\tSEEDS\tSTEPS\tSTATE\tTRAINED\tBEST ÷ REF\tFOLDER")
	for i := range rs {
		r := &rs[i]
		started := "-"
		if !r.Started.IsZero() {
			started = r.Started.Local().Format("2006-01-02 15:04")
		}
		// A folder is untrusted input; an unreadable run's record has not been checked.
		preset, scale, methods, seeds := sanitize.String(r.Info.Preset), sanitize.String(r.Info.Scale), sanitize.String(strings.Join(r.Info.Methods, ",")), fmt.Sprint(len(r.Info.Seeds))
		if r.Sweep != nil {
			preset, scale = sanitize.String(r.Sweep.Preset), sanitize.String(r.Sweep.Scale)
			methods = sanitize.String(strings.Join(r.Sweep.Methods, ","))
			seeds = fmt.Sprintf("%d runs", len(r.Runs))
		}
		state := r.StateText()
		if r.Err != nil {
			state = "unreadable: " + sanitize.String(r.Err.Error())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", started, dash(preset), dash(scale), dash(methods), seeds,
			r.Progress(), state, trainedText(r.TrainedFor()), headlineText(r), sanitize.Path(r.Dir))
	}
	tw.Flush()
	for i := range rs {
		runs := []summary.Status{rs[i]}
		if rs[i].Sweep != nil {
			runs = rs[i].Runs // a sweep's jobs are its runs'
		}
		for _, r := range runs {
			for _, js := range r.Jobs {
				if js.Note != "" {
					fmt.Fprintf(w, "%s/%s: %s\n", sanitize.Path(r.Dir), sanitize.String(js.Info.ID), js.Note)
				}
			}
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// trainedText formats seconds of training: "45s", "12m05s", "3h20m".
func trainedText(s float64) string {
	if s <= 0 || math.IsNaN(s) {
		return "-"
	}
	t := int(math.Round(s))
	switch {
	case t < 60:
		return fmt.Sprintf("%ds", t)
	case t < 3600:
		return fmt.Sprintf("%dm%02ds", t/60, t%60)
	}
	return fmt.Sprintf("%dh%02dm", t/3600, (t%3600)/60)
}

// headlineText is "Adam 3.12" for one seed, "Adam 3.12 [2.8, 3.4] n=5 p=0.031" for
// several: the best non-reference method and its ratio to the reference at the end, over
// seeds with its 95 % interval and one-sided p (stats.Ratio).
func headlineText(r *summary.Status) string {
	h := r.Headline
	if math.IsNaN(h.Ratio) {
		return "-"
	}
	if h.Seeds < 2 {
		return fmt.Sprintf("%s %.3g", h.Method, h.Ratio)
	}
	return h.Method + " " + h.Stat.String()
}
