package tui

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// settingAxis is the setting that the chart's g view puts on X: a setting with numeric
// values in which the compared lines differ (a sweep's swept key, or the learning rate),
// each line's value of it, and whether its axis is logarithmic (positive values spanning
// a factor 8 or more, as the sweep figure's).
type settingAxis struct {
	key    string
	values []float64 // per line; NaN where a line has none
	log    bool
}

// lineSettings returns each line's settings (runner.MethodSettings of its run: the
// learning rate as "lr").
func (d *dashboard) lineSettings() []map[string]string {
	out := make([]map[string]string, len(d.lines))
	for i, l := range d.lines {
		out[i] = summary.MethodSettings(d.store.Runs[l.Run], l.Method)
	}
	return out
}

// settingAxis returns the setting that the lines differ in with the most distinct
// numeric values, every line having a value of it; false when there is none (one run, or
// runs that differ in no numeric setting).
func (d *dashboard) settingAxis() (settingAxis, bool) {
	sets := d.lineSettings()
	keys := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			keys[k] = true
		}
	}
	best, bestN := "", 1
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == "preset" || k == "scale" {
			continue
		}
		distinct := map[float64]bool{}
		ok := true
		for _, s := range sets {
			v, err := strconv.ParseFloat(s[k], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				ok = false
				break
			}
			distinct[v] = true
		}
		if ok && len(distinct) > bestN {
			best, bestN = k, len(distinct)
		}
	}
	if best == "" {
		return settingAxis{}, false
	}
	a := settingAxis{key: best, values: make([]float64, len(sets)), log: true}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range sets {
		a.values[i], _ = strconv.ParseFloat(s[best], 64)
		lo, hi = math.Min(lo, a.values[i]), math.Max(hi, a.values[i])
	}
	a.log = lo > 0 && hi/lo >= 8
	return a, true
}

// settingCurves returns the chart's curves of the g view: for each method (and each
// combination of the other settings the lines differ in), its final value of the metric
// called name (the latest, or the running mean when smoothed; the mean over its seeds,
// with their range as a band) against the line's value of the setting, in the order of
// the values. Each curve's Key is the index of its first line; groupOf maps each line to
// it. A line whose jobs have no value yet is left out.
func (d *dashboard) settingCurves(a settingAxis, name string, window int) (cs []curve, groupOf []int) {
	sets := d.lineSettings()
	others := otherSettings(sets, a.key)
	groups := map[string]int{}
	var pts [][]settingPoint
	groupOf = make([]int, len(d.lines))
	for li, l := range d.lines {
		label := l.Method
		for _, k := range others {
			if v, ok := sets[li][k]; ok {
				label += " " + k + "=" + v
			}
		}
		g, ok := groups[label]
		if !ok {
			g = len(cs)
			groups[label] = g
			cs = append(cs, curve{Name: label, Color: l.Color, Key: li})
			pts = append(pts, nil)
		}
		groupOf[li] = g
		p, diverged := d.finalValue(l, a.values[li], name, window)
		cs[g].Diverged = cs[g].Diverged || diverged
		if p.n > 0 {
			pts[g] = append(pts[g], p)
		}
	}
	for g := range cs {
		cs[g].setPoints(pts[g], a.log)
	}
	return cs, groupOf
}

// otherSettings returns, sorted, the settings other than the axis's key in which the
// lines' settings sets differ (one line has a key another lacks, or another value).
func otherSettings(sets []map[string]string, axis string) []string {
	differ := map[string]bool{}
	for k := range sets[0] {
		for _, s := range sets[1:] {
			if s[k] != sets[0][k] {
				differ[k] = true
			}
		}
	}
	for _, s := range sets[1:] {
		for k := range s {
			if _, ok := sets[0][k]; !ok {
				differ[k] = true
			}
		}
	}
	delete(differ, axis)
	var others []string
	for k := range differ {
		others = append(others, k)
	}
	sort.Strings(others)
	return others
}

// settingPoint is one line's point of the g view: its setting's value x, and the mean,
// lowest and highest of its n seeds' final values.
type settingPoint struct {
	x, mean, lo, hi float64
	n               int
}

// finalValue returns line l's point at x: the mean and range over its jobs of their
// final value of the metric called name (n = 0 when none has a finite one), and whether
// one of its jobs diverged.
func (d *dashboard) finalValue(l dashLine, x float64, name string, window int) (p settingPoint, diverged bool) {
	p = settingPoint{x: x, lo: math.Inf(1), hi: math.Inf(-1)}
	for _, ji := range l.jobs {
		j := d.store.Jobs[ji]
		v, _ := j.Value(j.Metric(name), window)
		if j.Status() == folder.Diverged {
			diverged = true
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		p.mean += v
		p.lo, p.hi = math.Min(p.lo, v), math.Max(p.hi, v)
		p.n++
	}
	if p.n > 0 {
		p.mean /= float64(p.n)
	}
	return p, diverged
}

// setPoints appends the points ps to the curve in the order of their x (log10 x when log),
// each at the step of its rank; with a band of their range when one of them is over
// several seeds.
func (c *curve) setPoints(ps []settingPoint, log bool) {
	slices.SortFunc(ps, func(a, b settingPoint) int { return cmp.Compare(a.x, b.x) })
	band := false
	for _, p := range ps {
		band = band || p.n > 1
	}
	for i, p := range ps {
		x := p.x
		if log {
			x = math.Log10(x)
		}
		c.Points = append(c.Points, point{Step: i, Wall: x, Value: p.mean, Mean: p.mean, N: p.n})
		if band {
			c.Lo, c.Hi = append(c.Lo, p.lo), append(c.Hi, p.hi)
		}
	}
}
