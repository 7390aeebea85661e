package summary

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

// Series is a curve of one metric: values at increasing steps, with the training time at
// each step. The three slices have the same length.
type Series struct {
	Steps  []int
	Walls  []float64 // seconds of training at Steps[i]
	Values []float64
}

// Len returns the number of points.
func (s Series) Len() int { return len(s.Steps) }

func (s *Series) add(step int, wall, v float64) {
	s.Steps = append(s.Steps, step)
	s.Walls = append(s.Walls, wall)
	s.Values = append(s.Values, v)
}

// keepEveryOther keeps the points at odd positions (the second of each pair), in place.
func (s *Series) keepEveryOther() {
	n := 0
	for i := 1; i < len(s.Steps); i += 2 {
		s.Steps[n], s.Walls[n], s.Values[n] = s.Steps[i], s.Walls[i], s.Values[i]
		n++
	}
	s.Steps, s.Walls, s.Values = s.Steps[:n], s.Walls[:n], s.Values[:n]
}

// Curve is one metric of one job read from its metrics.csv for plotting, in memory bounded
// by CurveOptions.MaxPoints whatever the length of the run.
//
// Raw holds the logged values at a subset of the logged steps: every Stride-th logged row
// (Stride a power of two, doubled each time the curve would exceed MaxPoints) and the last
// row. Mean holds, at the same steps, the running mean over the last Window logged values
// up to that step (RunningMean: non-finite values are left out of the mean; before
// 2·Window rows the window is half the rows so far). Both are exact values at
// their steps, not averages of buckets: a decimated curve is a sample of the full one.
type Curve struct {
	Raw, Mean Series
	Window    int // logged values per running mean
	Stride    int // logged rows between kept points
	Rows      int // logged rows read
	// Diverged is the first step whose value is NaN or infinite, or -1.
	Diverged int
}

// CurveOptions tune ReadCurve. The zero value reads with the paper's smoothing.
type CurveOptions struct {
	// Window is the number of logged values in each running mean (RunningMean). If 0,
	// DefaultWindow is used (the paper's plots); 1 makes Mean equal Raw.
	Window int
	// MaxPoints bounds the points kept. If 0, 2048 is used; values below 2 are raised to 2.
	MaxPoints int
}

// ErrNoMetric says that a metrics.csv has no column of the requested name.
var ErrNoMetric = errors.New("runner: no such metric")

// ReadCurve reads the column metric of the job's metrics.csv as a Curve, streaming the
// file, so that a run of millions of steps needs no more memory than MaxPoints points. An
// unfinished last line (a run still training) is left out. It returns an error wrapping
// ErrNoMetric if the header has no such column, and a curve without points if the job has
// logged nothing yet (or has no metrics.csv). It reads the file once, and parses only the
// rows its kept points need (readCurveRows); a file over 4 MB starts at the stride its size
// calls for (issue 26: 700 MB took 33 s, now about 1 s).
func ReadCurve(dir, job, metric string, o CurveOptions) (*Curve, error) {
	if o.Window <= 0 {
		o.Window = metrics.DefaultWindow
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = 2048
	}
	o.MaxPoints = max(o.MaxPoints, 2)
	c := &Curve{Window: o.Window, Stride: 1, Diverged: -1}
	if err := folder.CheckJob(dir, job); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, job, folder.MetricsFile)
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("runner: %s/%s is not a regular file", job, folder.MetricsFile)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, metrics.LineBuf) // a longer line is damage
	pos := int64(0)                              // the offset of the next line
	next := func() ([]byte, bool, error) {
		line, err := r.ReadSlice('\n')
		switch {
		case err == nil:
			pos += int64(len(line))
			return bytes.TrimRight(line, "\r\n"), true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			return nil, false, fmt.Errorf("runner: %s/%s: a line longer than %d bytes", job, folder.MetricsFile, metrics.LineBuf)
		case errors.Is(err, io.EOF):
			return nil, false, nil // nothing, or an unfinished line
		}
		return nil, false, err
	}
	header, ok, err := next()
	if err != nil || !ok {
		return c, err
	}
	cols := strings.Split(string(header), ",")
	col := -1
	for i, name := range cols {
		if i >= 2 && name == metric {
			col = i
		}
	}
	if len(cols) < 2 || cols[0] != "step" || cols[1] != "wall_s" {
		return nil, fmt.Errorf("runner: %s/%s: header %q does not start with step,wall_s", job, folder.MetricsFile, header)
	}
	if col < 0 {
		return nil, fmt.Errorf("%w %q in %s/%s (metrics: %s)", ErrNoMetric, metric, job, folder.MetricsFile, strings.Join(cols[2:], ", "))
	}
	if fi, err := f.Stat(); err == nil && fi.Size() > metrics.SummaryFullRead {
		// A large file: parse only the rows that the kept points need (see skipRows),
		// with a stride from the rows' length in the file's first piece.
		if b, _ := r.Peek(min(r.Buffered(), metrics.SeekSpan)); bytes.Count(b, []byte{'\n'}) > 0 {
			est := fi.Size() / int64(max(1, len(b)/bytes.Count(b, []byte{'\n'})))
			for int64(c.Stride)*int64(o.MaxPoints) < est {
				c.Stride *= 2
			}
		}
	}
	if err := readCurveRows(c, r, f, pos, col, len(cols), o); err != nil {
		return nil, fmt.Errorf("runner: %s/%s %v", job, folder.MetricsFile, err)
	}
	return c, nil
}

// readCurveRows reads the rows of a metrics.csv from r, whose next line starts at offset
// pos of f, into c (Rows, Raw, Mean, Stride, Diverged) for column col of n columns. It
// parses only the rows that a kept point needs: every row while the stride is at most
// 2·Window, else the Window rows up to each multiple of the stride; the others are only
// counted (a newline found), so that a file of millions of rows takes the time of finding
// its newlines. The last row, and the window before it, are read again at the end if they
// were passed over. So a skipped row is not checked: a damaged line, or a non-finite value
// (a diverged job, whose last row it is: the trainer stops there), is seen only in a
// parsed row.
func readCurveRows(c *Curve, r *bufio.Reader, f io.ReaderAt, pos int64, col, n int, o CurveOptions) error {
	sc := &curveScan{c: c, o: o, col: col, n: n, pos: pos, rm: NewRunningMean(o.Window), starts: make([]int64, o.Window)}
	for line := 2; ; line++ {
		raw, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return fmt.Errorf("line %d: longer than %d bytes", line, metrics.LineBuf)
		case errors.Is(err, io.EOF):
			err = nil // nothing, or an unfinished line
		}
		if err != nil {
			return err
		}
		if len(raw) == 0 || raw[len(raw)-1] != '\n' {
			break
		}
		if err := sc.row(raw, line); err != nil {
			return err
		}
	}
	return sc.end(f)
}

// curveScan is readCurveRows's state: the curve it fills, and what it needs to read the
// last rows again.
type curveScan struct {
	c      *Curve
	o      CurveOptions
	col, n int
	pos    int64 // the offset of the next line
	rm     *RunningMean
	starts []int64 // line offsets of the last Window rows: row r at (r-1) mod Window
	last   struct {
		step       int
		wall, v, m float64
		kept       bool
	}
	skipped, parsedRun int // rows passed over since the last parsed one; parsed in a row
}

// row reads the line raw, the file's line number line: it counts it, and parses it if a
// kept point needs it (its step, or a step within the Window rows before one), adding
// the kept points to the curve and halving them when they reach MaxPoints.
func (sc *curveScan) row(raw []byte, line int) error {
	c := sc.c
	sc.starts[c.Rows%sc.o.Window] = sc.pos
	sc.pos += int64(len(raw))
	c.Rows++
	k := c.Rows % c.Stride
	if c.Stride > 2*sc.o.Window && k != 0 && k <= c.Stride-sc.o.Window {
		sc.skipped++
		sc.parsedRun = 0
		sc.last.kept = false
		return nil
	}
	step, wall, v, err := sc.parse(bytes.TrimRight(raw, "\r\n"), line)
	if err != nil {
		return err
	}
	sc.rm.skip(sc.skipped)
	sc.skipped = 0
	sc.parsedRun++
	mean := sc.rm.Add(v)
	sc.last.step, sc.last.wall, sc.last.v, sc.last.m, sc.last.kept = step, wall, v, mean, false
	if k != 0 {
		return nil
	}
	c.Raw.add(step, wall, v)
	c.Mean.add(step, wall, mean)
	sc.last.kept = true
	if c.Raw.Len() >= sc.o.MaxPoints {
		c.Raw.keepEveryOther()
		c.Mean.keepEveryOther()
		c.Stride *= 2
	}
	return nil
}

// parse returns the step, the wall time and the column's value of the row text, the
// file's line number line, and notes the first non-finite value's step as the curve's
// divergence.
func (sc *curveScan) parse(text []byte, line int) (step int, wall, v float64, err error) {
	step, wall, v, err = parseFields(text, sc.col, sc.n)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("line %d: %v", line, err)
	}
	if (math.IsNaN(v) || math.IsInf(v, 0)) && sc.c.Diverged < 0 {
		sc.c.Diverged = step
	}
	return step, wall, v, nil
}

// end adds the last row to the curve unless it is a kept point already, reading it and the
// window before it again from f if they were passed over.
func (sc *curveScan) end(f io.ReaderAt) error {
	c := sc.c
	if c.Rows == 0 || sc.last.kept {
		return nil
	}
	if win := WindowAt(sc.o.Window, c.Rows); sc.skipped > 0 || sc.parsedRun < win {
		from := sc.starts[(c.Rows-win)%sc.o.Window] // of row c.Rows-win+1
		b := make([]byte, sc.pos-from)
		if _, err := f.ReadAt(b, from); err != nil {
			return err
		}
		rm := NewRunningMean(sc.o.Window)
		rm.skip(c.Rows - win)
		for i, text := range bytes.SplitAfter(b[:len(b)-1], []byte{'\n'}) {
			step, wall, v, err := sc.parse(bytes.TrimRight(text, "\r\n"), c.Rows-win+2+i)
			if err != nil {
				return err
			}
			sc.last.step, sc.last.wall, sc.last.v, sc.last.m = step, wall, v, rm.Add(v)
		}
	}
	c.Raw.add(sc.last.step, sc.last.wall, sc.last.v)
	c.Mean.add(sc.last.step, sc.last.wall, sc.last.m)
	return nil
}

// skip adds k values that are passed over, as non-finite ones: they are out of the
// window by the time its mean is asked again (at least Window values later).
func (r *RunningMean) skip(k int) {
	if k <= r.w {
		for range k {
			r.Add(math.NaN())
		}
		return
	}
	r.n += k
	for i := range r.hist {
		r.hist[i] = math.NaN()
	}
	r.sum, r.cnt, r.win = 0, 0, WindowAt(r.w, r.n)
}

// parseFields parses the step, the wall time and column col of a metrics row of n columns.
func parseFields(text []byte, col, n int) (step int, wall, v float64, err error) {
	i := 0
	for k := 0; k < n; k++ {
		j := bytes.IndexByte(text[i:], ',')
		end := i + j
		if j < 0 {
			end = len(text)
			if k != n-1 {
				return 0, 0, 0, fmt.Errorf("%d columns, want %d", k+1, n)
			}
		} else if k == n-1 {
			return 0, 0, 0, fmt.Errorf("more than %d columns", n)
		}
		field := string(text[i:end])
		switch k {
		case 0:
			if step, err = strconv.Atoi(field); err != nil {
				return 0, 0, 0, fmt.Errorf("bad step %q", field)
			}
		case 1:
			if wall, err = strconv.ParseFloat(field, 64); err != nil {
				return 0, 0, 0, fmt.Errorf("bad wall_s %q", field)
			}
		case col:
			if v, err = strconv.ParseFloat(field, 64); err != nil {
				return 0, 0, 0, fmt.Errorf("bad value %q", field)
			}
		}
		i = end + 1
	}
	return step, wall, v, nil
}
