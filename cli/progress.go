package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sipbench/sipbench/runner"
)

// printProgress prints a line per job every interval until the subscription closes,
// and a line whenever a job ends other than done.
func printProgress(w io.Writer, info runner.RunInfo, sub *runner.Subscription, every time.Duration) {
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
	info  runner.RunInfo
	col   int // the column of info.Metric
	start time.Time
	jobs  map[string]*jobProgress
}

type jobProgress struct {
	state runner.State
	step  int
	wall  float64
	val   float64
	msg   string
	slurm string // Slurm's view, for a cluster run
}

func newProgress(w io.Writer, info runner.RunInfo) *progress {
	p := &progress{w: w, info: info, start: time.Now(), jobs: map[string]*jobProgress{}}
	for i, m := range info.Metrics {
		if m == info.Metric {
			p.col = i
		}
	}
	for _, j := range info.Jobs {
		p.jobs[j.ID] = &jobProgress{state: runner.Queued}
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
		v.state, v.msg = e.State, runner.SanitizeLines(e.Message, 1000) // it may quote a folder's content
		if e.State.Final() && e.State != runner.Done || e.State == runner.Lost {
			line := fmt.Sprintf("[%5.0fs] %s %s at step %d %s", time.Since(p.start).Seconds(), e.Job, e.State, e.Step, v.msg)
			fmt.Fprintln(p.w, strings.TrimRight(line, " "))
		}
	case runner.EvMetrics:
		v.step, v.wall, v.val = e.Step, e.Wall, e.Metrics[p.col]
	case runner.EvCluster:
		v.slurm = e.Cluster.String()
	case runner.EvNote:
		fmt.Fprintf(p.w, "[%5.0fs] %s: %s\n", time.Since(p.start).Seconds(), e.Job, runner.SanitizeLines(e.Message, 1000))
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
