package summary

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/runner"
)

// TestSeekValuesAgree: on a large metrics.csv (steps logged every third step, a few
// garbage lines, rows of several lengths) the values that seekValues finds by bisection
// equal those of one pass over every row (streamValues) at logged and unlogged steps, the
// first steps (a window not yet full), the last, past the end and End, for several
// windows. Issue 26: show took 44 s on a 700 MB file.
func TestSeekValuesAgree(t *testing.T) {
	root := t.TempDir()
	dir := listRun(t, root, "r", time.Now(), listJob{"SIP", 0, folder.Done, 3, 1, 0.01})
	path := filepath.Join(dir, "SIP-seed0", folder.MetricsFile)
	rng := rand.New(rand.NewPCG(1, 1))
	var b bytes.Buffer
	b.WriteString("step,wall_s,other,m\n")
	const rows = 120000
	var logged []int
	for r := 1; r <= rows; r++ {
		s := 3 * r
		logged = append(logged, s)
		fmt.Fprintf(&b, "%d,%.4f,%g,%.*g\n", s, float64(s)/100, rng.Float64(), 1+rng.IntN(12), 1+rng.Float64()*float64(r%101))
		if r == rows/3 || r == rows/2 { // garbage far from every step asked below
			b.WriteString("garbage,,\n")
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []int{End, 1, 3, 6, 9, 30, 300, 301, 3 * rows / 4, 3*rows/4 + 1, 3*rows/4 + 3, 3 * rows, 3*rows + 3}
	for range 40 {
		steps = append(steps, logged[rng.IntN(len(logged))])
	}
	names := []string{"other", "m"}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, window := range []int{1, 5, metrics.DefaultWindow} {
		done, want, err := streamValues(dir, "SIP-seed0", names, steps, 1, window)
		if err != nil {
			t.Fatal(err)
		}
		gotDone, got, note := seekValues(f, int64(b.Len()), steps, 1, window)
		if gotDone != done || note != "" {
			t.Errorf("window %d: done %d, note %q; want %d, none", window, gotDone, note, done)
		}
		for i, s := range steps {
			if w, g := want[i], got[i]; math.IsNaN(w) != math.IsNaN(g) || math.Abs(g-w) > 1e-12*math.Abs(w) {
				t.Errorf("window %d, step %d: seekValues %g; one pass %g", window, s, g, w)
			}
		}
	}
}

// TestSummarizeSeeksLargeFiles: Summarize reads a metrics.csv beyond summaryFullRead by
// seeking, and says why a job has no value when the file's end holds no row (a sparse
// hole of 256 MB after the rows: it was read through, 38.6 s for 2 GB in issue 26's soak).
func TestSummarizeSeeksLargeFiles(t *testing.T) {
	dir := listRun(t, t.TempDir(), "r", time.Now(), listJob{"SIP", 0, folder.Done, 300, 1, 0.01})
	path := filepath.Join(dir, "SIP-seed0", folder.MetricsFile)
	info, _ := folder.ReadInfo(dir)
	whole, err := Summarize(dir, info, Options{At: []int{2, 100}})
	if err != nil {
		t.Fatal(err)
	}
	grow(t, path, 256<<20, 0)
	start := time.Now()
	var s *Summary
	a := allocated(func() {
		var err error
		if s, err = Summarize(dir, info, Options{At: []int{2, 100}}); err != nil {
			t.Fatal(err)
		}
	})
	// The rows before the hole are found by bisection, and the note says that the end
	// was not read.
	js, want := s.Jobs[0], whole.Jobs[0]
	same := slices.EqualFunc(js.Values, want.Values, func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Abs(b) })
	if js.Note == "" || js.Done != 300 || !same {
		t.Errorf("values %v, done %d, note %q; want %v, 300 and a note", js.Values, js.Done, js.Note, want.Values)
	}
	if a > 8*metrics.MaxTail {
		t.Errorf("Summarize allocated %d MB", a>>20)
	}
	t.Logf("%v, %d KB allocated", time.Since(start), a>>10)
}

// TestReadCurveLargeFile: a metrics.csv over summaryFullRead is read with a stride from
// its size, parsing only the rows each kept point's running mean needs; every kept point
// (and the last row, whatever its position in the stride) holds the exact logged value
// and the running mean over its window (slowMean), for windows whose stride leaves rows
// out, with non-finite values inside a window, and with a last row that was passed over
// or not. Issue 26: plot took 33 s on a 700 MB file.
func TestReadCurveLargeFile(t *testing.T) {
	defer func(v int64) { metrics.SummaryFullRead = v }(metrics.SummaryFullRead)
	metrics.SummaryFullRead = 64 << 10
	rng := rand.New(rand.NewPCG(2, 2))
	for _, tc := range []struct{ rows, window, maxPoints int }{
		{60000, 64, 128}, {60001, 64, 128}, {60000 + 37, 7, 100}, {50000, 1, 2}, {40000, 16, 2048},
	} {
		dir := t.TempDir()
		vals := make([]float64, tc.rows)
		for i := range vals {
			vals[i] = rng.NormFloat64()
			if i%4099 == 11 {
				vals[i] = math.Inf(1) // left out of the means
			}
		}
		writeMetrics(t, dir, "j", vals, "")
		c, err := ReadCurve(dir, "j", "a", CurveOptions{Window: tc.window, MaxPoints: tc.maxPoints})
		if err != nil {
			t.Fatal(err)
		}
		if c.Rows != tc.rows || c.Raw.Len() > tc.maxPoints+1 || c.Raw.Len() < 2 {
			t.Errorf("%+v: Rows %d, %d points", tc, c.Rows, c.Raw.Len())
		}
		if c.Stride <= 2*tc.window && tc.maxPoints < 1000 {
			t.Errorf("%+v: stride %d, passes over no row", tc, c.Stride)
		}
		if last := c.Raw.Steps[c.Raw.Len()-1]; last != tc.rows {
			t.Errorf("%+v: last point at step %d; want %d", tc, last, tc.rows)
		}
		for k, step := range c.Raw.Steps {
			i := step - 1
			m, want := c.Mean.Values[k], slowMean(vals, i, tc.window)
			if c.Raw.Values[k] != vals[i] && !(math.IsInf(vals[i], 1) && math.IsInf(c.Raw.Values[k], 1)) ||
				math.IsNaN(m) != math.IsNaN(want) || math.Abs(m-want) > 1e-9 {
				t.Errorf("%+v: step %d: raw %g, mean %g; want %g, %g", tc, step, c.Raw.Values[k], m, vals[i], want)
			}
		}
	}
}

// TestWatchSamplesLargeFile: a Watch opened on a metrics.csv over summaryFullRead
// publishes a sample of its rows (at most replayRows, in order of step) and then its last
// rows exactly, reading a few megabytes rather than the file (issue 26: watch --headless
// took over 60 s on 700 MB); rows appended after are all published, once.
func TestWatchSamplesLargeFile(t *testing.T) {
	defer func(v int64) { metrics.SummaryFullRead = v }(metrics.SummaryFullRead)
	metrics.SummaryFullRead = 64 << 10
	const rows = 50000
	dir := listRun(t, t.TempDir(), "r", time.Now(), listJob{"SIP", 0, folder.Running, rows, 1, 0.01})
	path := filepath.Join(dir, "SIP-seed0", folder.MetricsFile)
	w, err := runner.OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := w.Subscribe()
	metricSteps := func() []int {
		var steps []int
		for _, e := range sub.Drain() {
			if e.Kind == runner.EvMetrics {
				steps = append(steps, e.Step)
			}
		}
		return steps
	}
	var steps []int
	if a := allocated(func() { w.Poll(); steps = metricSteps() }); a > 8<<20 {
		t.Errorf("the first poll allocated %d MB", a>>20)
	}
	if len(steps) < runner.ReplayRows/2 || len(steps) > runner.ReplayRows+2*metrics.DefaultWindow || !slices.IsSorted(steps) {
		t.Fatalf("%d rows published, sorted %v; want a sample of at most %d", len(steps), slices.IsSorted(steps), runner.ReplayRows+2*metrics.DefaultWindow)
	}
	if tail := steps[len(steps)-2*metrics.DefaultWindow:]; tail[0] != rows-2*metrics.DefaultWindow+1 || tail[len(tail)-1] != rows {
		t.Errorf("last rows %d…%d; want %d…%d", tail[0], tail[len(tail)-1], rows-2*metrics.DefaultWindow+1, rows)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "%d,1,2,3\n%d,1,2,3\n", rows+1, rows+2)
	f.Close()
	w.Poll()
	if got := metricSteps(); !slices.Equal(got, []int{rows + 1, rows + 2}) {
		t.Errorf("after appending: %v; want [%d %d]", got, rows+1, rows+2)
	}
}

// TestReaderLongLineOnce: an unfinished line longer than the reader's buffer (a
// sparse hole being written, garbage) is read once: the next call reads on from where
// the last stopped, and the rows after the line's end are returned (each poll of a watch
// read a 2 GB hole through again).
func TestReaderLongLineOnce(t *testing.T) {
	dir := listRun(t, t.TempDir(), "r", time.Now(), listJob{"SIP", 0, folder.Running, 3, 1, 0.01})
	path := filepath.Join(dir, "SIP-seed0", folder.MetricsFile)
	m := metrics.NewReader(dir, "SIP-seed0", []string{"other", "m"})
	if rs, err := m.Next(0); err != nil || len(rs) != 3 {
		t.Fatalf("%d rows, %v; want 3", len(rs), err)
	}
	grow(t, path, 32<<20, 0)
	var rs []metrics.Row
	if a := allocated(func() { rs, _ = m.Next(0) }); len(rs) != 0 || m.Long != 32<<20 {
		t.Fatalf("%d rows, %d bytes of the line read (%d allocated); want none, %d", len(rs), m.Long, a, 32<<20)
	}
	grow(t, path, 1<<20, 0)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "x\n4,1,2,3\n")
	f.Close()
	rs, err := m.Next(0)
	if err != nil || len(rs) != 1 || rs[0].Step != 4 || m.Skipped != 1 || m.Long != 0 {
		t.Errorf("%v, %v, skipped %d; want step 4 and one line skipped", rs, err, m.Skipped)
	}
}

// FuzzSeekReaders feeds any bytes after a metrics header to the readers that seek or pass
// rows over (summaryFullRead set to 0, so every file takes those paths): Summarize,
// ReadCurve and a sampling metrics.Reader must return an error or values, never panic, and
// the sampled rows must be in order of step.
func FuzzSeekReaders(f *testing.F) {
	for _, s := range []string{"", "1,0,1,2\n", "1,0,1,2\n2,0,1,NaN\n3,0,1,2", "x\n\n\n1,0,1,2\n", "1,0,1,2\n\x00\x00\x00", "5,0,1,2\n3,0,1,2\n4,0,1,2\n"} {
		f.Add([]byte(s), 3, 7)
	}
	defer func(v int64) { metrics.SummaryFullRead = v }(metrics.SummaryFullRead)
	metrics.SummaryFullRead = 0
	f.Fuzz(func(t *testing.T, body []byte, at, window int) {
		dir := listRun(t, t.TempDir(), "r", time.Now(), listJob{"SIP", 0, folder.Done, 0, 1, 0.01})
		path := filepath.Join(dir, "SIP-seed0", folder.MetricsFile)
		var b bytes.Buffer
		b.WriteString("step,wall_s,other,m\n")
		for range 1 + len(body)%50 { // long enough for the bisection to bisect
			b.Write(body)
		}
		os.WriteFile(path, b.Bytes(), 0o644)
		info, _ := folder.ReadInfo(dir)
		Summarize(dir, info, Options{At: []int{at, at + 1, 1}, Window: window % 100})
		ReadCurve(dir, "SIP-seed0", "m", CurveOptions{Window: window % 100, MaxPoints: 2 + at%50})
		m := metrics.NewReader(dir, "SIP-seed0", info.Metrics)
		m.Sample = 1 + at%64
		rows, _ := m.Next(0)
		more, _ := m.Next(0)
		rows = append(rows, more...)
		for i := 1; i < len(rows); i++ {
			if rows[i].Step <= rows[i-1].Step {
				t.Fatalf("sampled rows out of order: step %d after %d", rows[i].Step, rows[i-1].Step)
			}
		}
	})
}
