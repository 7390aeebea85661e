package runner

import (
	"bytes"
	"errors"
	"io"
	"math"
)

// A metrics.csv may hold millions of rows (hundreds of megabytes), and a summary needs
// few of them: the last rows, and the rows up to a few given steps. Its rows are written
// in order of increasing step, so a large file is read only there: its end (readTailAt),
// and each step's row found by bisection over byte offsets, then the rows before it. The
// time this takes grows with the logarithm of the file's size, not with its size.

// summaryFullRead is the size up to which Summarize reads a metrics.csv whole, row by
// row (exact whatever the file holds, and fast at this size); a larger one is read by
// seeking (seekValues). A variable for the tests.
var summaryFullRead int64 = 4 << 20

// seekSpan is what one look at a metrics.csv reads: far more than a row, so that a few
// damaged lines are passed over.
const seekSpan = 64 << 10

// rowAt returns the step of the first row of the metrics.csv f that starts at or after
// offset p (p ≥ 1, past the header's start) and ends within seekSpan bytes of p and by
// size, with the offsets of its line's start and of the byte after its newline. Lines
// whose step or column col does not parse are passed over. ok is false if no row is
// found there.
func rowAt(f io.ReaderAt, p, size int64, col int, buf []byte) (step int, start, end int64, ok bool) {
	off := p - 1 // the byte before p tells whether a line starts at p
	n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, 0, false
	}
	b := buf[:n]
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return 0, 0, 0, false
	}
	for k := i + 1; k < len(b); {
		j := bytes.IndexByte(b[k:], '\n')
		if j < 0 {
			return 0, 0, 0, false // an unfinished line
		}
		if s, _, ok := stepValue(b[k:k+j], col); ok && s >= 1 {
			return s, off + int64(k), off + int64(k+j+1), true
		}
		k += j + 1
	}
	return 0, 0, 0, false
}

// findStep returns the offset just past the row of the given step in the metrics.csv f
// of size bytes, whose rows start at body, or false if no row has that step. It bisects
// over byte offsets (rows are in order of step) and reads about 17 pieces of seekSpan
// bytes for a file of a gigabyte.
func findStep(f io.ReaderAt, body, size int64, step, col int) (int64, bool) {
	buf := make([]byte, seekSpan)
	lo, hi := body, size // the row of step, if any, starts in [lo, hi]; lo starts a line
	for hi-lo > seekSpan {
		mid := lo + (hi-lo)/2
		s, start, end, ok := rowAt(f, mid, size, col, buf)
		switch {
		case !ok || start >= hi:
			hi = mid // damage: look before it
		case s < step:
			lo = end
		default:
			hi = start
		}
	}
	// The rows from lo to hi and the line that may start at hi: read them in one piece.
	b := make([]byte, min(hi-lo+seekSpan, size-lo))
	n, err := f.ReadAt(b, lo)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	b = b[:n]
	for k := 0; k < len(b); {
		j := bytes.IndexByte(b[k:], '\n')
		if j < 0 {
			return 0, false
		}
		if s, _, ok := stepValue(b[k:k+j], col); ok && s >= 1 {
			if s == step {
				return lo + int64(k+j+1), true
			}
			if s > step {
				return 0, false
			}
		}
		k += j + 1
	}
	return 0, false
}

// lastRow returns the offset just past the last row of the metrics.csv f of size bytes,
// whose rows start at body, found by bisection: the rows before a damaged end (a sparse
// hole, a line of megabytes) that readTailAt does not reach. It assumes the damage is one
// piece at the end.
func lastRow(f io.ReaderAt, body, size int64, col int) (int64, bool) {
	buf := make([]byte, seekSpan)
	lo, hi := body, size // the last row ends in [lo, hi+seekSpan]; lo ends a line
	for hi-lo > seekSpan {
		mid := lo + (hi-lo)/2
		if _, _, end, ok := rowAt(f, mid, size, col, buf); ok {
			lo = end
		} else {
			hi = mid
		}
	}
	last, found := lo, false
	for p := lo; ; {
		_, _, end, ok := rowAt(f, p, size, col, buf)
		if !ok || end > hi+seekSpan {
			break
		}
		last, found, p = end, true, end
	}
	return last, found || lo > body
}

// seekValues is streamValues for a large metrics.csv f of size bytes: the running mean of
// column col at each of steps is that of the rows before the step's row (readTailAt), at
// End that of the file's last rows. So a value is NaN if the step was not logged or a
// value in its window is not finite (streamValues: any value up to the step), and the
// window is full (a file this large holds more than 2·window rows). note says why the
// end could not be read, if it could not.
func seekValues(f io.ReaderAt, size int64, steps []int, col, window int) (done int, vals []float64, note string) {
	vals = make([]float64, len(steps))
	end := readTailAt(f, size, col+2, window)
	head := make([]byte, min(size, seekSpan))
	n, _ := f.ReadAt(head, 0)
	body := int64(bytes.IndexByte(head[:n], '\n') + 1) // 0: no header, so no row is found
	if end.note != "" && body > 0 {                    // damage at the end: the rows before it
		if off, ok := lastRow(f, body, size, col+2); ok {
			note := end.note
			end = readTailAt(f, off, col+2, window)
			end.note = note
		}
	}
	for i, s := range steps {
		vals[i] = math.NaN()
		switch {
		case s == End:
			vals[i] = end.value
		case body > 0 && s >= 1 && (end.step == 0 || s <= end.step):
			if off, ok := findStep(f, body, size, s, col+2); ok {
				vals[i] = readTailAt(f, off, col+2, window).value
			}
		}
	}
	return end.step, vals, end.note
}

// checkHeader returns an error unless the metrics.csv f of the job starts with a header
// that lists names (as MetricsReader checks it).
func checkHeader(f io.ReaderAt, job string, names []string) error {
	buf := make([]byte, seekSpan)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	line := buf[:n]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	m := MetricsReader{Job: job, Want: names}
	return m.header(bytes.TrimSuffix(line, []byte{'\r'}))
}
