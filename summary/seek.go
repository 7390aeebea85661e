package summary

import (
	"bytes"
	"errors"
	"io"
	"math"

	"github.com/sipbench/sipbench/metrics"
)

// A metrics.csv may hold millions of rows (hundreds of megabytes), and a summary needs
// few of them: the last rows, and the rows up to a few given steps. Its rows are written
// in order of increasing step, so a large file is read only there: its end (readTailAt),
// and each step's row found by bisection over byte offsets, then the rows before it. The
// time this takes grows with the logarithm of the file's size, not with its size.

// findStep returns the offset just past the row of the given step in the metrics.csv f
// of size bytes, whose rows start at body, or false if no row has that step. It bisects
// over byte offsets (rows are in order of step) and reads about 17 pieces of seekSpan
// bytes for a file of a gigabyte.
func findStep(f io.ReaderAt, body, size int64, step, col int) (int64, bool) {
	buf := make([]byte, metrics.SeekSpan)
	lo, hi := body, size // the row of step, if any, starts in [lo, hi]; lo starts a line
	for hi-lo > metrics.SeekSpan {
		mid := lo + (hi-lo)/2
		s, start, end, ok := metrics.RowAt(f, mid, size, col, buf)
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
	b := make([]byte, min(hi-lo+metrics.SeekSpan, size-lo))
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
		if s, _, ok := metrics.StepValue(b[k:k+j], col); ok && s >= 1 {
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

// seekValues is streamValues for a large metrics.csv f of size bytes: the running mean of
// column col at each of steps is that of the rows before the step's row (readTailAt), at
// End that of the file's last rows. So a value is NaN if the step was not logged or a
// value in its window is not finite (streamValues: any value up to the step), and the
// window is full (a file this large holds more than 2·window rows). note says why the
// end could not be read, if it could not.
func seekValues(f io.ReaderAt, size int64, steps []int, col, window int) (done int, vals []float64, note string) {
	vals = make([]float64, len(steps))
	end := readTailAt(f, size, col+2, window)
	head := make([]byte, min(size, metrics.SeekSpan))
	n, _ := f.ReadAt(head, 0)
	body := int64(bytes.IndexByte(head[:n], '\n') + 1) // 0: no header, so no row is found
	if end.note != "" && body > 0 {                    // damage at the end: the rows before it
		if off, ok := metrics.LastRow(f, body, size, col+2); ok {
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
