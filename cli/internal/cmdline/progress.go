package cmdline

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/sanitize"
)

// EndNotes lists the jobs of states that did not end done, "ID state" in the order of
// their IDs and joined by ", " ("" if every one is done), and reports whether one failed.
func EndNotes(states map[string]folder.State) (notes string, failed bool) {
	var ns []string
	for id, s := range states {
		if s != folder.Done {
			ns = append(ns, id+" "+string(s))
		}
		failed = failed || s == folder.Failed
	}
	slices.Sort(ns) // the jobs in one order, not the map's
	return strings.Join(ns, ", "), failed
}

// PrintProgress prints a line per job every interval until the subscription closes,
// and a line whenever a job ends other than done.
func PrintProgress(w io.Writer, info folder.Info, sub *runner.Subscription, every time.Duration) {
	p := newProgress(w, info)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case _, ok := <-sub.C:
			for _, e := range sub.Drain() {
				p.apply(e)
			}
			if !ok {
				p.print()
				return
			}
		case <-tick.C:
			p.print()
		}
	}
}

// progress is what the headless progress lines show of each job.
type progress struct {
	w     io.Writer
	info  folder.Info
	col   int // the column of info.Metric
	start time.Time
	jobs  map[string]*jobProgress
}

type jobProgress struct {
	state folder.State
	step  int
	wall  float64
	val   float64
	msg   string
	slurm string // Slurm's view, for a cluster run
}

func newProgress(w io.Writer, info folder.Info) *progress {
	p := &progress{w: w, info: info, start: time.Now(), jobs: map[string]*jobProgress{}}
	for i, m := range info.Metrics {
		if m == info.Metric {
			p.col = i
		}
	}
	for _, j := range info.Jobs {
		p.jobs[j.ID] = &jobProgress{state: folder.Queued}
	}
	return p
}

// apply takes an event in; a job that ends other than done gets a line at once.
func (p *progress) apply(e runner.Event) {
	v := p.jobs[e.Job]
	if v == nil {
		return
	}
	switch e.Kind {
	case runner.EvState:
		v.state, v.msg = e.State, sanitize.Lines(e.Message, 1000) // it may quote a folder's content
		if e.State.Final() && e.State != folder.Done || e.State == folder.Lost {
			line := fmt.Sprintf("[%5.0fs] %s %s at step %d %s", time.Since(p.start).Seconds(), e.Job, e.State, e.Step, v.msg)
			fmt.Fprintln(p.w, strings.TrimRight(line, " "))
		}
	case runner.EvMetrics:
		v.step, v.wall, v.val = e.Step, e.Wall, e.Metrics[p.col]
	case runner.EvCluster:
		v.slurm = e.Cluster.String()
	case runner.EvNote:
		fmt.Fprintf(p.w, "[%5.0fs] %s: %s\n", time.Since(p.start).Seconds(), e.Job, sanitize.Lines(e.Message, 1000))
	}
}

// print writes a line per job.
func (p *progress) print() {
	for _, j := range p.info.Jobs {
		v := p.jobs[j.ID]
		rate := 0.0
		if v.wall > 0 {
			rate = float64(v.step) / v.wall
		}
		line := fmt.Sprintf("[%5.0fs] %-24s %-9s step %6d/%-6d", time.Since(p.start).Seconds(), j.ID, v.state, v.step, j.Steps)
		if v.step > 0 {
			line += fmt.Sprintf("  %s %-10.4g %7.1f steps/s", p.info.Metric, v.val, rate)
		}
		if v.slurm != "" {
			line += "  slurm: " + v.slurm
		}
		if v.msg != "" {
			line += "  " + v.msg
		}
		fmt.Fprintln(p.w, line)
	}
}

// Meter shows how far a long step has come: a line every Every on a file or pipe, or on a
// terminal one line with a bar redrawn in place (cleared before other output: wrap that
// output's writer with Above). It is safe for concurrent use.
type Meter struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	shown bool // a bar is on the terminal's last line
	start time.Time
	last  time.Time // the last Show
}

// meterEvery is the time between two progress lines on a file or pipe, and meterTTY
// between two redraws of a terminal's bar.
const (
	meterEvery = 5 * time.Second
	meterTTY   = 250 * time.Millisecond
)

// Every returns the time between two progress lines: meterEvery, or meterTTY on a
// terminal.
func (m *Meter) Every() time.Duration {
	if m.tty {
		return meterTTY
	}
	return meterEvery
}

// Maybe shows as Show does, unless the last line is younger than Every.
func (m *Meter) Maybe(frac float64, text string) {
	m.mu.Lock()
	due := time.Since(m.last) >= m.Every()
	m.mu.Unlock()
	if due {
		m.Show(frac, text)
	}
}

// NewMeter returns a meter writing to f (a bar when f is a terminal).
func NewMeter(f *os.File) *Meter {
	return &Meter{w: f, tty: isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()), start: time.Now()}
}

// Show shows text with the fraction done (NaN for none): "[  1m05s] text", after a bar
// of 20 cells on a terminal.
func (m *Meter) Show(frac float64, text string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = time.Now()
	line := fmt.Sprintf("[%s] %s", Elapsed(m.start), text)
	if !m.tty {
		fmt.Fprintln(m.w, line)
		return
	}
	if !math.IsNaN(frac) {
		n := int(math.Round(20 * math.Min(math.Max(frac, 0), 1)))
		line = "[" + strings.Repeat("█", n) + strings.Repeat("·", 20-n) + "] " + line
	}
	fmt.Fprint(m.w, "\r\x1b[K"+line)
	m.shown = true
}

// Clear removes the bar from a terminal.
func (m *Meter) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clear()
}

func (m *Meter) clear() {
	if m.shown {
		fmt.Fprint(m.w, "\r\x1b[K")
		m.shown = false
	}
}

// Above returns w whose every write first clears the meter's bar, so that lines printed
// while it shows are not drawn over it.
func (m *Meter) Above(w io.Writer) io.Writer { return meterAbove{m, w} }

type meterAbove struct {
	m *Meter
	w io.Writer
}

func (a meterAbove) Write(p []byte) (int, error) {
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	a.m.clear()
	return a.w.Write(p)
}

// RunProgress summarises the jobs of the run folder dir from their status files: the steps
// done and planned over every job, and how many train; ok is false if the folder cannot
// be read yet.
func RunProgress(dir string) (done, total, training, jobs int, ok bool) {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		return 0, 0, 0, 0, false
	}
	for _, j := range info.Jobs {
		total += j.Steps
		st, err := folder.ReadStatus(dir, j.ID)
		if err != nil {
			continue
		}
		done += min(st.Step, j.Steps)
		if st.State == folder.Running {
			training++
		}
	}
	return done, total, training, len(info.Jobs), true
}
