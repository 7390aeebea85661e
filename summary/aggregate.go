package summary

import (
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/folder"
)

// Band is several curves (one method's seeds) summarised step by step: their mean and the
// range they span. All slices have the same length.
type Band struct {
	Steps []int
	Walls []float64 // the mean of the curves' training times at the step
	Mean  []float64
	Min   []float64
	Max   []float64
	N     []int // curves that cover the step
}

// AggregateSeeds returns the mean, minimum and maximum of the curves at every step at
// which any of them has a point (the sorted union of their steps). A curve covers the
// steps from its first to its last point; between two of its points it is interpolated
// linearly (in step), so curves logged or decimated at different steps still combine.
// A step where a curve's value (or either neighbour of the interpolation) is not finite
// is not covered by that curve. Steps covered by no curve are left out; N says how many
// curves each value is over, so a caller can keep only the steps that all curves reach
// (a run still training has seeds at different steps). Each curve's Steps must increase.
func AggregateSeeds(curves []Series) Band {
	n := 0
	for _, c := range curves {
		n += len(c.Steps)
	}
	steps := make([]int, 0, n)
	for _, c := range curves {
		steps = append(steps, c.Steps...)
	}
	slices.Sort(steps)
	steps = slices.Compact(steps)
	b := Band{Steps: make([]int, 0, len(steps)), Walls: make([]float64, 0, len(steps)), Mean: make([]float64, 0, len(steps)),
		Min: make([]float64, 0, len(steps)), Max: make([]float64, 0, len(steps)), N: make([]int, 0, len(steps))}
	next := make([]int, len(curves)) // per curve: index of its first point at or after the step
	for _, s := range steps {
		var sum, wall float64
		lo, hi := math.Inf(1), math.Inf(-1)
		n := 0
		for k, c := range curves {
			i := next[k]
			for i < len(c.Steps) && c.Steps[i] < s {
				i++
			}
			next[k] = i
			if i == len(c.Steps) || (c.Steps[i] != s && i == 0) {
				continue // s is past the curve's end or before its start
			}
			v, w := c.Values[i], c.Walls[i]
			if c.Steps[i] != s { // interpolate between points i-1 and i
				t := float64(s-c.Steps[i-1]) / float64(c.Steps[i]-c.Steps[i-1])
				v = c.Values[i-1] + t*(c.Values[i]-c.Values[i-1])
				w = c.Walls[i-1] + t*(c.Walls[i]-c.Walls[i-1])
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			sum += v
			wall += w
			lo, hi = math.Min(lo, v), math.Max(hi, v)
			n++
		}
		if n == 0 {
			continue
		}
		b.Steps = append(b.Steps, s)
		b.Walls = append(b.Walls, wall/float64(n))
		b.Mean = append(b.Mean, sum/float64(n))
		b.Min = append(b.Min, lo)
		b.Max = append(b.Max, hi)
		b.N = append(b.N, n)
	}
	return b
}

// Covered returns the part of b whose steps are covered by at least n curves.
func (b Band) Covered(n int) Band {
	m := 0
	for _, k := range b.N {
		if k >= n {
			m++
		}
	}
	out := Band{Steps: make([]int, 0, m), Walls: make([]float64, 0, m), Mean: make([]float64, 0, m),
		Min: make([]float64, 0, m), Max: make([]float64, 0, m), N: make([]int, 0, m)}
	for i, k := range b.N {
		if k < n {
			continue
		}
		out.Steps = append(out.Steps, b.Steps[i])
		out.Walls = append(out.Walls, b.Walls[i])
		out.Mean = append(out.Mean, b.Mean[i])
		out.Min = append(out.Min, b.Min[i])
		out.Max = append(out.Max, b.Max[i])
		out.N = append(out.N, k)
	}
	return out
}

// MethodSettings returns the settings of the run that concern method: its preset and
// scale (as "preset" and "scale"), the run's settings, and the method's learning rate (as
// its jobs record it) under the name "lr".
func MethodSettings(info folder.Info, method string) map[string]string {
	out := runSettings(info)
	out["preset"], out["scale"] = info.Preset, info.Scale
	if lr, ok := rateText(info, method); ok {
		out["lr"] = lr
	}
	return out
}

// rateText returns the learning rate of method as text: as a folder of an earlier release
// wrote it among the settings (lr.<method>, which Open holds equal to the method's), else
// as the method's jobs record it.
func rateText(info folder.Info, method string) (string, bool) {
	if v, ok := info.Settings["lr."+method]; ok {
		return v, true
	}
	lr, ok := info.Rate(method)
	return strconv.FormatFloat(lr, 'g', -1, 64), ok
}

// runSettings returns the run's settings without the per-method ones (lr.<m>, tau.<m>,
// kappa.<m>) that folders of earlier releases record among them: each method records its
// own.
func runSettings(info folder.Info) map[string]string {
	out := map[string]string{}
	for k, v := range info.Settings {
		if i := strings.IndexByte(k, '.'); i > 0 && slices.Contains([]string{"lr", "tau", "kappa", "momentum"}, k[:i]) {
			continue
		}
		out[k] = v
	}
	return out
}

// DiffLabels returns, for each set of settings, the settings in which the sets differ, as
// "key=value" joined by spaces in the order of the keys (a key missing from a set differs
// from any value, and is left out of that set's label). Keys whose values are the same in
// every set are left out, so labels are empty when all sets agree. For example the sets
// {lr: 1e-3, batch: 64} and {lr: 1e-4, batch: 64} get the labels "lr=1e-3" and "lr=1e-4".
func DiffLabels(sets []map[string]string) []string {
	if len(sets) == 0 {
		return nil
	}
	keys := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			keys[k] = true
		}
	}
	var differ []string
	for k := range keys {
		v, ok := sets[0][k]
		for _, s := range sets[1:] {
			if w, has := s[k]; has != ok || w != v {
				differ = append(differ, k)
				break
			}
		}
	}
	sort.Strings(differ)
	labels := make([]string, len(sets))
	for i, s := range sets {
		var parts []string
		for _, k := range differ {
			if v, ok := s[k]; ok {
				parts = append(parts, k+"="+v)
			}
		}
		labels[i] = strings.Join(parts, " ")
	}
	return labels
}

// CompareLine is one line of a comparison of runs: one method of one run.
type CompareLine struct {
	Run    int    // index into the runs compared
	Method string // the method's name in that run
	// Label is the method and the settings in which its runs differ ("Adam lr=1e-4"),
	// with the run's own label (RunLabels) added where that still leaves two lines alike
	// ("SIP (lr.Adam=1e-4)").
	Label string
	// Color is the line's palette index: the method's (in order of first appearance), or
	// the run's when the runs compared share one method.
	Color int
}

// CompareLines returns the lines of a comparison of the runs described by infos, in the
// folders dirs: every run × method, in the runs' order and each run's method order. Each
// method's lines are labelled by the settings in which its runs differ (MethodSettings,
// DiffLabels): the methods of one run differ in their names and learning rates already.
// Runs of different presets are told apart by preset (and scale) alone: their settings
// differ in too many ways to name.
// The figures (sipbench plot) and the dashboard label and colour their curves by it.
func CompareLines(infos []folder.Info, dirs []string) []CompareLine {
	var lines []CompareLine
	var methods []string // in order of first appearance: their colours
	for i, info := range infos {
		for _, m := range info.Methods {
			lines = append(lines, CompareLine{Run: i, Method: m})
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
	}
	presets := presetsDiffer(infos)
	for _, m := range methods {
		var idx []int
		var sets []map[string]string
		for i, l := range lines {
			if l.Method == m {
				idx = append(idx, i)
				ms := MethodSettings(infos[l.Run], m)
				if presets {
					ms = map[string]string{"preset": ms["preset"], "scale": ms["scale"]}
				}
				sets = append(sets, ms)
			}
		}
		for n, d := range DiffLabels(sets) {
			lines[idx[n]].Label = strings.TrimSpace(m + " " + d)
		}
	}
	dup := make([]bool, len(lines))
	for i := range lines {
		for j := range lines {
			dup[i] = dup[i] || i != j && lines[i].Label == lines[j].Label
		}
	}
	byRun := len(methods) == 1 && len(infos) > 1 // one method in several runs: colour by run
	runs := RunLabels(infos, dirs)
	for i := range lines {
		if dup[i] { // still ambiguous (a method alike in runs that differ in another's settings): name the run
			lines[i].Label += " (" + runs[lines[i].Run] + ")"
		}
		lines[i].Color = slices.Index(methods, lines[i].Method)
		if byRun {
			lines[i].Color = lines[i].Run
		}
	}
	return lines
}

// Presets names the presets of the runs, each once, in the order they first come:
// "poisson", or "poisson, heat".
func Presets(infos []folder.Info) string {
	var ps []string
	for _, in := range infos {
		if !slices.Contains(ps, in.Preset) {
			ps = append(ps, in.Preset)
		}
	}
	return strings.Join(ps, ", ")
}

// RunLabels returns, for each run, the settings in which the runs differ ("lr.Adam=1e-4
// xi=32"), or the folder's name where they differ in none (DiffLabels of the runs'
// settings, preset and scale). A table of several runs names its groups by them.
func RunLabels(infos []folder.Info, dirs []string) []string {
	if len(infos) < 2 {
		labels := make([]string, len(infos))
		for i := range labels {
			if i < len(dirs) {
				labels[i] = filepath.Base(dirs[i])
			}
		}
		return labels
	}
	sets := make([]map[string]string, len(infos))
	presets := presetsDiffer(infos)
	shared := infos[0].Methods // the methods every run trains: their rates may tell runs apart
	for _, info := range infos[1:] {
		shared = slices.DeleteFunc(slices.Clone(shared), func(m string) bool { return !slices.Contains(info.Methods, m) })
	}
	for i, info := range infos {
		s := map[string]string{"preset": info.Preset, "scale": info.Scale}
		if !presets {
			for k, v := range runSettings(info) {
				s[k] = v
			}
			for _, m := range shared {
				if lr, ok := rateText(info, m); ok {
					s["lr."+m] = lr
				}
			}
		}
		sets[i] = s
	}
	labels := DiffLabels(sets)
	for i := range labels {
		if labels[i] == "" && i < len(dirs) {
			labels[i] = filepath.Base(dirs[i])
		}
	}
	return labels
}

// presetsDiffer reports whether the runs are of more than one preset.
func presetsDiffer(infos []folder.Info) bool {
	for _, in := range infos {
		if in.Preset != infos[0].Preset {
			return true
		}
	}
	return false
}
