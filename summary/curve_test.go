package summary

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

// writeMetrics writes dir/job/metrics.csv with the columns step, wall_s, a, b: row i (from
// 0) is step i+1, wall 0.5·(i+1), a = vals[i], b = −vals[i].
func writeMetrics(t testing.TB, dir, job string, vals []float64, tail string) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("step,wall_s,a,b\n")
	for i, v := range vals {
		fmt.Fprintf(&sb, "%d,%g,%g,%g\n", i+1, 0.5*float64(i+1), v, -v)
	}
	sb.WriteString(tail)
	if err := os.MkdirAll(filepath.Join(dir, job), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, job, folder.MetricsFile), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// slowMean is the running mean over the min(window, ⌈(i+1)/2⌉) values ending at index i,
// non-finite values left out: the definition ReadCurve implements incrementally.
func slowMean(vals []float64, i, window int) float64 {
	var sum float64
	n := 0
	w := min(window, (i+2)/2)
	for _, v := range vals[i-w+1 : i+1] {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

func TestReadCurve(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		rows, window, maxPoints int
	}{
		{0, 64, 16}, {1, 64, 16}, {5, 3, 16}, {16, 4, 16}, {17, 4, 16}, {1000, 64, 16},
		{1000, 1, 2}, {4097, 64, 2048}, {3000, 7, 100},
	} {
		dir := t.TempDir()
		vals := make([]float64, tc.rows)
		for i := range vals {
			vals[i] = math.Exp(-float64(i)/300) * (1 + 0.5*rng.Float64()) // noisy decay
		}
		writeMetrics(t, dir, "j", vals, "")
		c, err := ReadCurve(dir, "j", "a", CurveOptions{Window: tc.window, MaxPoints: tc.maxPoints})
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("rows %d window %d max %d", tc.rows, tc.window, tc.maxPoints)
		if c.Rows != tc.rows || c.Diverged != -1 {
			t.Errorf("%s: Rows %d, Diverged %d; want %d, -1", name, c.Rows, c.Diverged, tc.rows)
		}
		// Bounded: at most maxPoints kept points plus the last row.
		if n := c.Raw.Len(); n > tc.maxPoints+1 || n != c.Mean.Len() || (tc.rows > 0 && n == 0) {
			t.Errorf("%s: %d raw and %d mean points", name, n, c.Mean.Len())
		}
		if c.Stride&(c.Stride-1) != 0 {
			t.Errorf("%s: stride %d is not a power of two", name, c.Stride)
		}
		for k, step := range c.Raw.Steps {
			i := step - 1
			last := k == c.Raw.Len()-1
			if step%c.Stride != 0 && !(last && step == tc.rows) {
				t.Errorf("%s: kept step %d is not a multiple of the stride %d", name, step, c.Stride)
			}
			if k > 0 && step <= c.Raw.Steps[k-1] {
				t.Errorf("%s: steps not increasing at %d", name, k)
			}
			// Values are printed with %g (6 digits): compare to that precision.
			if d := math.Abs(c.Raw.Values[k] - vals[i]); d > 1e-5*vals[i] {
				t.Errorf("%s: raw at step %d = %g, want %g", name, step, c.Raw.Values[k], vals[i])
			}
			if want := slowMean(vals, i, tc.window); math.Abs(c.Mean.Values[k]-want) > 1e-5*want {
				t.Errorf("%s: mean at step %d = %g, want %g", name, step, c.Mean.Values[k], want)
			}
			if c.Raw.Walls[k] != 0.5*float64(step) || c.Mean.Steps[k] != step {
				t.Errorf("%s: point %d: wall %g, mean step %d", name, k, c.Raw.Walls[k], c.Mean.Steps[k])
			}
		}
		if tc.rows > 0 && c.Raw.Steps[c.Raw.Len()-1] != tc.rows {
			t.Errorf("%s: last point at step %d, want the last row %d", name, c.Raw.Steps[c.Raw.Len()-1], tc.rows)
		}
		// The stride is the smallest that fits: at half of it, the kept points would exceed the bound.
		if c.Stride > 1 && tc.rows/(c.Stride/2) < tc.maxPoints {
			t.Errorf("%s: stride %d is larger than needed", name, c.Stride)
		}
	}
}

func TestReadCurveColumnsAndGaps(t *testing.T) {
	dir := t.TempDir()
	inf := math.Inf(1)
	vals := []float64{4, 2, math.NaN(), 6, inf, 8}
	writeMetrics(t, dir, "j", vals, "7,3.5,1") // an unfinished line, as a writer mid-flush leaves
	c, err := ReadCurve(dir, "j", "b", CurveOptions{Window: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c.Rows != 6 || c.Diverged != 3 {
		t.Fatalf("Rows %d, Diverged %d; want 6 and 3 (the unfinished line left out)", c.Rows, c.Diverged)
	}
	// Means of b = −a over the last 1, 1, 2, 2, 3, 3 rows (the window grows every second
	// row), gaps left out.
	want := []float64{-4, -2, -2, -6, -6, -7}
	for i, w := range want {
		if got := c.Mean.Values[i]; got != w {
			t.Errorf("mean at step %d = %g, want %g", i+1, got, w)
		}
	}
	if _, err := ReadCurve(dir, "j", "nope", CurveOptions{}); !errors.Is(err, ErrNoMetric) || !strings.Contains(err.Error(), "a, b") {
		t.Errorf("unknown metric: %v, want ErrNoMetric naming the metrics", err)
	}
	if _, err := ReadCurve(dir, "j", "wall_s", CurveOptions{}); !errors.Is(err, ErrNoMetric) {
		t.Errorf("wall_s as a metric: %v, want ErrNoMetric", err)
	}
	// A job that has logged nothing yet: no points, no error.
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	if c, err := ReadCurve(dir, "empty", "a", CurveOptions{}); err != nil || c.Raw.Len() != 0 {
		t.Errorf("no metrics.csv: %v, %d points", err, c.Raw.Len())
	}
}

func TestReadCurveBadInput(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeMetrics(t, outside, "j", []float64{1, 2}, "")
	os.Symlink(filepath.Join(outside, "j"), filepath.Join(dir, "link"))
	writeMetrics(t, dir, "f", []float64{1}, "")
	os.Remove(filepath.Join(dir, "f", folder.MetricsFile))
	os.Symlink(filepath.Join(outside, "j", folder.MetricsFile), filepath.Join(dir, "f", folder.MetricsFile))
	writeMetrics(t, dir, "badrow", []float64{1}, "2,1,x,y\n")
	writeMetrics(t, dir, "short", []float64{1}, "2,1,3\n")
	writeMetrics(t, dir, "long", []float64{1}, "2,1,3,4,5\n")
	writeMetrics(t, dir, "huge", nil, strings.Repeat("9", metrics.LineBuf+10)+"\n")
	os.MkdirAll(filepath.Join(dir, "hdr"), 0o755)
	os.WriteFile(filepath.Join(dir, "hdr", folder.MetricsFile), []byte("a,b\n1,2\n"), 0o644)
	for _, job := range []string{"..", ".", "", "../j", "a/b", "link", "f", "badrow", "short", "long", "huge", "hdr", "missing"} {
		if _, err := ReadCurve(dir, job, "a", CurveOptions{}); err == nil {
			t.Errorf("job %q: no error", job)
		}
	}
}

func TestAggregateSeeds(t *testing.T) {
	s := func(steps []int, vals ...float64) Series {
		w := make([]float64, len(steps))
		for i, st := range steps {
			w[i] = float64(st) / 10
		}
		return Series{Steps: steps, Walls: w, Values: vals}
	}
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		in     []Series
		steps  []int
		mean   []float64
		lo, hi []float64
		n      []int
	}{
		{"none", nil, nil, nil, nil, nil, nil},
		{"one", []Series{s([]int{1, 2}, 3, 4)}, []int{1, 2}, []float64{3, 4}, []float64{3, 4}, []float64{3, 4}, []int{1, 1}},
		{"same steps", []Series{s([]int{1, 2, 3}, 1, 2, 3), s([]int{1, 2, 3}, 3, 4, 8), s([]int{1, 2, 3}, 2, 6, 1)},
			[]int{1, 2, 3}, []float64{2, 4, 4}, []float64{1, 2, 1}, []float64{3, 6, 8}, []int{3, 3, 3}},
		// The second curve is logged every 2 steps: interpolated at 3; it ends at step 4.
		{"interpolated", []Series{s([]int{1, 2, 3, 4, 5}, 1, 1, 1, 1, 1), s([]int{2, 4}, 2, 4)},
			[]int{1, 2, 3, 4, 5}, []float64{1, 1.5, 2, 2.5, 1}, []float64{1, 1, 1, 1, 1}, []float64{1, 2, 3, 4, 1}, []int{1, 2, 2, 2, 1}},
		{"gaps", []Series{s([]int{1, 2, 3}, 1, nan, 3), s([]int{1, 3}, 5, 7)},
			[]int{1, 2, 3}, []float64{3, 6, 5}, []float64{1, 6, 3}, []float64{5, 6, 7}, []int{2, 1, 2}},
		{"nan neighbour", []Series{s([]int{1, 3}, 1, nan), s([]int{2}, 5)},
			[]int{1, 2}, []float64{1, 5}, []float64{1, 5}, []float64{1, 5}, []int{1, 1}},
	} {
		b := AggregateSeeds(tc.in)
		eq := func(a, b []float64) bool {
			if len(a) != len(b) {
				return false
			}
			for i := range a {
				if math.Abs(a[i]-b[i]) > 1e-12 {
					return false
				}
			}
			return true
		}
		if fmt.Sprint(b.Steps) != fmt.Sprint(tc.steps) || !eq(b.Mean, tc.mean) || !eq(b.Min, tc.lo) || !eq(b.Max, tc.hi) || fmt.Sprint(b.N) != fmt.Sprint(tc.n) {
			t.Errorf("%s: got steps %v mean %v min %v max %v n %v; want %v %v %v %v %v",
				tc.name, b.Steps, b.Mean, b.Min, b.Max, b.N, tc.steps, tc.mean, tc.lo, tc.hi, tc.n)
		}
		for i, st := range b.Steps { // every curve's wall is step/10: so is their mean
			if math.Abs(b.Walls[i]-float64(st)/10) > 1e-12 {
				t.Errorf("%s: wall at %d = %g", tc.name, st, b.Walls[i])
			}
		}
	}
	b := AggregateSeeds([]Series{s([]int{1, 2, 3}, 1, 2, 3), s([]int{1, 2}, 1, 2)}).Covered(2)
	if fmt.Sprint(b.Steps, b.Mean) != "[1 2] [1 2]" {
		t.Errorf("Covered(2) = %v %v, want the steps both curves reach", b.Steps, b.Mean)
	}
}

func TestDiffLabels(t *testing.T) {
	for _, tc := range []struct {
		in   []map[string]string
		want []string
	}{
		{nil, nil},
		{[]map[string]string{{"lr": "1e-3"}}, []string{""}},
		{[]map[string]string{{"lr": "1e-3", "batch": "64"}, {"lr": "1e-4", "batch": "64"}}, []string{"lr=1e-3", "lr=1e-4"}},
		{[]map[string]string{{"xi": "1", "phi": "0"}, {"xi": "32", "phi": "0.5"}, {"xi": "1", "phi": "0"}},
			[]string{"phi=0 xi=1", "phi=0.5 xi=32", "phi=0 xi=1"}},
		{[]map[string]string{{"a": "1"}, {"a": "1", "b": "2"}}, []string{"", "b=2"}},
	} {
		if got := DiffLabels(tc.in); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
			t.Errorf("DiffLabels(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	a := folder.Info{Preset: "poisson", Scale: "quick", Settings: map[string]string{"lr.adam": "1e-3", "lr.sip": "1e-3", "batch": "128"}}
	b := folder.Info{Preset: "poisson", Scale: "quick", Settings: map[string]string{"lr.adam": "1e-4", "lr.sip": "1e-3", "batch": "128"}}
	got := DiffLabels([]map[string]string{MethodSettings(a, "adam"), MethodSettings(b, "adam"), MethodSettings(a, "sip"), MethodSettings(b, "sip")})
	if want := `["lr=1e-3" "lr=1e-4" "lr=1e-3" "lr=1e-3"]`; fmt.Sprintf("%q", got) != want {
		t.Errorf("labels of adam and sip in two runs differing in lr.adam = %q, want %s", got, want)
	}
	// Folders of this release record the rates with the jobs only.
	c := folder.Info{Preset: "poisson", Scale: "quick", Settings: map[string]string{"batch": "128"}, Jobs: []folder.JobInfo{{Method: "adam", LR: 1e-4}}}
	if got := DiffLabels([]map[string]string{MethodSettings(a, "adam"), MethodSettings(c, "adam")}); fmt.Sprintf("%q", got) != `["lr=1e-3" "lr=0.0001"]` {
		t.Errorf("labels of adam at rates recorded in the settings and in the jobs = %q", got)
	}
	if got := DiffLabels([]map[string]string{MethodSettings(a, "sip"), MethodSettings(b, "sip")}); got[0] != "" || got[1] != "" {
		t.Errorf("sip's settings are the same in both runs, got labels %q", got)
	}
}

// TestCompareLines checks the lines of a comparison: every run × method, each method's
// lines labelled by what differs between its runs, the folder's name where that is not
// enough, colours by method, or by run when the runs share their one method.
func TestCompareLines(t *testing.T) {
	a := folder.Info{Preset: "poisson", Scale: "quick", Methods: []string{"sip", "adam"}, Settings: map[string]string{"lr.adam": "1e-3", "lr.sip": "1e-3"}}
	b := folder.Info{Preset: "poisson", Scale: "quick", Methods: []string{"sip", "adam"}, Settings: map[string]string{"lr.adam": "1e-4", "lr.sip": "1e-3"}}
	show := func(ls []CompareLine) string {
		var s []string
		for _, l := range ls {
			s = append(s, fmt.Sprintf("%d/%s/%q/%d", l.Run, l.Method, l.Label, l.Color))
		}
		return strings.Join(s, " ")
	}
	cases := []struct {
		infos []folder.Info
		want  string
	}{
		{[]folder.Info{a}, `0/sip/"sip"/0 0/adam/"adam"/1`},
		{[]folder.Info{a, b}, `0/sip/"sip (lr.adam=1e-3)"/0 0/adam/"adam lr=1e-3"/1 1/sip/"sip (lr.adam=1e-4)"/0 1/adam/"adam lr=1e-4"/1`},
		{[]folder.Info{a, a}, `0/sip/"sip (r0)"/0 0/adam/"adam (r0)"/1 1/sip/"sip (r1)"/0 1/adam/"adam (r1)"/1`},
		{[]folder.Info{{Methods: []string{"adam"}, Settings: a.Settings}, {Methods: []string{"adam"}, Settings: b.Settings}},
			`0/adam/"adam lr=1e-3"/0 1/adam/"adam lr=1e-4"/1`},
	}
	for i, c := range cases {
		if got := show(CompareLines(c.infos, []string{"runs/r0", "runs/r1"})); got != c.want {
			t.Errorf("case %d: %s\nwant %s", i, got, c.want)
		}
	}
	h := folder.Info{Preset: "heat", Scale: "quick", Methods: []string{"sip"}, Settings: map[string]string{"lr.sip": "1e-3", "grid": "64"}}
	if got := show(CompareLines([]folder.Info{a, h}, []string{"runs/r0", "runs/r1"})); got != `0/sip/"sip preset=poisson"/0 0/adam/"adam"/1 1/sip/"sip preset=heat"/0` {
		t.Errorf("runs of two presets: %s; want the lines told apart by preset alone", got)
	}
	if got := RunLabels([]folder.Info{a, b}, []string{"runs/r0", "runs/r1"}); fmt.Sprint(got) != "[lr.adam=1e-3 lr.adam=1e-4]" {
		t.Errorf("RunLabels = %q", got)
	}
	if got := RunLabels([]folder.Info{a, a}, []string{"runs/r0", "runs/r1"}); fmt.Sprint(got) != "[r0 r1]" {
		t.Errorf("RunLabels of alike runs = %q, want the folders' names", got)
	}
}
