package tui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/stats"
	"github.com/sipbench/sipbench/summary"
)

// dashLine is one line of the dashboard's chart: one method of one run
// (runner.CompareLine), over its jobs, one per seed.
type dashLine struct {
	summary.CompareLine
	jobs []int // indexes into store.Jobs
}

// dashLines returns the lines of the runs in s: labelled as the figures label them
// (runner.CompareLines), coloured by method, or, when several runs of several methods
// are compared, each line a colour of its own (a terminal chart cannot dash the lines of
// one method apart, as the figures do). It also returns each job's line.
func dashLines(s *store, dirs []string) ([]dashLine, []int) {
	infos := make([]folder.Info, len(s.Runs))
	for i, info := range s.Runs { // every job's method is a line, listed in run.json or not
		infos[i] = info
		infos[i].Methods = slices.Clone(info.Methods)
		for _, j := range info.Jobs {
			if !slices.Contains(infos[i].Methods, j.Method) {
				infos[i].Methods = append(infos[i].Methods, j.Method)
			}
		}
	}
	cl := summary.CompareLines(infos, dirs)
	same := true
	for _, l := range cl {
		same = same && l.Method == cl[0].Method
	}
	lines := make([]dashLine, len(cl))
	for i, l := range cl {
		lines[i].CompareLine = l
		if len(s.Runs) > 1 && !same {
			lines[i].Color = i
		}
	}
	lineOf := make([]int, len(s.Jobs))
	for ji, j := range s.Jobs {
		lineOf[ji] = -1
		for i, l := range lines {
			if l.Run == j.Run && l.Method == j.Info.Method {
				lines[i].jobs = append(lines[i].jobs, ji)
				lineOf[ji] = i
			}
		}
	}
	return lines, lineOf
}

// dashRowKind says what a row of the dashboard's table shows.
type dashRowKind int

const (
	dashJob     dashRowKind = iota // one job
	dashMethod                     // a line over its seeds: mean and spread
	dashRunHead                    // a run's heading, when runs are compared
)

// dashRow is one row of the dashboard's table.
type dashRow struct {
	kind dashRowKind
	job  int // dashJob: index into store.Jobs
	line int // dashMethod: index into the lines
	run  int // dashRunHead
}

// dashRows returns the table's rows: per run (a heading first when there are several),
// its jobs, then a row per line of several seeds.
func dashRows(s *store, lines []dashLine) []dashRow {
	var rows []dashRow
	for r := range s.Runs {
		if len(s.Runs) > 1 {
			rows = append(rows, dashRow{kind: dashRunHead, run: r})
		}
		for ji, j := range s.Jobs {
			if j.Run == r {
				rows = append(rows, dashRow{kind: dashJob, job: ji, run: r})
			}
		}
		for li, l := range lines {
			if l.Run == r && len(l.jobs) > 1 {
				rows = append(rows, dashRow{kind: dashMethod, line: li, run: r})
			}
		}
	}
	return rows
}

// seedStats returns, for a line of several seeds, the mean and spread over its jobs of
// their latest value of the metric called name (smoothed or not) and of its ratio to the
// reference job of the same seed; a job without a value yet is left out, and n says how
// many jobs each is over.
func seedStats(s *store, l dashLine, name string, window int) (v summary.Spread, r stats.Ratio, n int) {
	var vs, rs []float64
	for _, ji := range l.jobs {
		j := s.Jobs[ji]
		x, _ := j.Value(j.Metric(name), window)
		if math.IsNaN(x) {
			continue
		}
		vs = append(vs, x)
		ratio := math.NaN()
		if ref := s.Reference(j); ref != nil {
			if y, _ := ref.Value(ref.Metric(name), window); y > 0 {
				ratio = x / y
			}
		}
		rs = append(rs, ratio)
	}
	return summary.SpreadOf(vs), ratioOf(rs), len(vs)
}

// ratioMemo holds the last ratios summarised (stats.RatioOf draws 10 000 resamples), so
// that redrawing an unchanged table does not draw them again.
var ratioMemo struct {
	sync.Mutex
	m map[string]stats.Ratio
}

// ratioOf returns stats.RatioOf(rs), remembered for the values rs.
func ratioOf(rs []float64) stats.Ratio {
	key := fmt.Sprint(rs)
	ratioMemo.Lock()
	defer ratioMemo.Unlock()
	if r, ok := ratioMemo.m[key]; ok {
		return r
	}
	if len(ratioMemo.m) >= 256 || ratioMemo.m == nil {
		ratioMemo.m = map[string]stats.Ratio{}
	}
	r := stats.RatioOf(rs)
	ratioMemo.m[key] = r
	return r
}

// formatRatio formats a ratio over seeds as its mean, 95 % interval and one-sided p:
// "32.8 [24–37] p=0.031" (the bounds to 2 digits, or whole from 100); with fewer than stats.MinSeeds seeds
// a "~" marks the interval as wide for that reason ("2.1 ~[0.5–3.7] p=0.12"); "-" for
// none.
func formatRatio(r stats.Ratio) string {
	if r.N == 0 || math.IsNaN(r.Mean) {
		return "-"
	}
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }
	out := g(r.Mean)
	if math.IsNaN(r.Lo) || r.Lo == r.Hi { // one seed, or the reference's own 1
		return out
	}
	g = func(x float64) string {
		if math.Abs(x) >= 100 && math.Abs(x) < 1e6 {
			return strconv.FormatFloat(x, 'f', 0, 64)
		}
		return strconv.FormatFloat(x, 'g', 2, 64)
	}
	mark := " ["
	if r.Few() {
		mark = " ~["
	}
	out += mark + g(r.Lo) + "–" + g(r.Hi) + "]"
	if !math.IsNaN(r.P) {
		out += " p=" + strconv.FormatFloat(r.P, 'g', 2, 64)
	}
	return out
}

// lineCurve returns the chart curve of a line over its seeds: the mean of their series
// of metric m (smoothed or not) at every step all of them reach, with the band from their
// minimum to their maximum (runner.AggregateSeeds, as the figures draw it); where the
// seeds share no step yet, at every step any of them has. It reports false when fewer
// than two seeds have logged anything.
func lineCurve(s *store, l dashLine, name string, window int) (curve, bool) {
	var ss []summary.Series
	diverged := false
	for _, ji := range l.jobs {
		j := s.Jobs[ji]
		m := j.Metric(name)
		if m < 0 {
			continue
		}
		diverged = diverged || j.Status() == folder.Diverged
		pts := j.Series[m].Points
		sr := summary.Series{Steps: make([]int, 0, len(pts)), Walls: make([]float64, 0, len(pts)), Values: make([]float64, 0, len(pts))}
		means := smoothedValues(pts, window)
		for i, p := range pts {
			v := p.Value
			if means != nil {
				v = means[i]
			}
			if math.IsNaN(v) {
				continue
			}
			sr.Steps = append(sr.Steps, p.Step)
			sr.Walls = append(sr.Walls, p.Wall)
			sr.Values = append(sr.Values, v)
		}
		if sr.Len() > 0 {
			ss = append(ss, sr)
		}
	}
	if len(ss) < 2 {
		return curve{}, false
	}
	b := summary.AggregateSeeds(ss).Covered(len(ss))
	if len(b.Steps) == 0 {
		b = summary.AggregateSeeds(ss)
	}
	c := curve{Name: fmt.Sprintf("%s ×%d", l.Label, len(ss)), Color: l.Color, Diverged: diverged, Lo: b.Min, Hi: b.Max}
	c.Points = make([]point, len(b.Steps))
	for i := range b.Steps {
		c.Points[i] = point{Step: b.Steps[i], Wall: b.Walls[i], Value: b.Mean[i], Mean: b.Mean[i], N: b.N[i]}
	}
	return c, true
}
