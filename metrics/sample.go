package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sipbench/sipbench/folder"
)

// summaryFullRead is the size up to which Summarize reads a metrics.csv whole, row by
// row (exact whatever the file holds, and fast at this size); a larger one is read by
// seeking (seekValues). A variable for the tests.
var SummaryFullRead int64 = 4 << 20

// seekSpan is what one look at a metrics.csv reads: far more than a row, so that a few
// damaged lines are passed over.
const SeekSpan = 64 << 10

// rowAt returns the step of the first row of the metrics.csv f that starts at or after
// offset p (p ≥ 1, past the header's start) and ends within seekSpan bytes of p and by
// size, with the offsets of its line's start and of the byte after its newline. Lines
// whose step or column col does not parse are passed over. ok is false if no row is
// found there.
func RowAt(f io.ReaderAt, p, size int64, col int, buf []byte) (step int, start, end int64, ok bool) {
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
		if s, _, ok := StepValue(b[k:k+j], col); ok && s >= 1 {
			return s, off + int64(k), off + int64(k+j+1), true
		}
		k += j + 1
	}
	return 0, 0, 0, false
}

// lastRow returns the offset just past the last row of the metrics.csv f of size bytes,
// whose rows start at body, found by bisection: the rows before a damaged end (a sparse
// hole, a line of megabytes) that readTailAt does not reach. It assumes the damage is one
// piece at the end.
func LastRow(f io.ReaderAt, body, size int64, col int) (int64, bool) {
	buf := make([]byte, SeekSpan)
	lo, hi := body, size // the last row ends in [lo, hi+seekSpan]; lo ends a line
	for hi-lo > SeekSpan {
		mid := lo + (hi-lo)/2
		if _, _, end, ok := RowAt(f, mid, size, col, buf); ok {
			lo = end
		} else {
			hi = mid
		}
	}
	last, found := lo, false
	for p := lo; ; {
		_, _, end, ok := RowAt(f, p, size, col, buf)
		if !ok || end > hi+SeekSpan {
			break
		}
		last, found, p = end, true, end
	}
	return last, found || lo > body
}

// checkHeader returns an error unless the metrics.csv f of the job starts with a header
// that lists names (as Reader checks it).
func CheckHeader(f io.ReaderAt, job string, names []string) error {
	buf := make([]byte, SeekSpan)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	line := buf[:n]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	m := Reader{Job: job, Want: names}
	return m.header(bytes.TrimSuffix(line, []byte{'\r'}))
}

// sampleSpan is what Reader.sample reads at each of its offsets: a few rows.
const sampleSpan = 4 << 10

// sample is Next's first read of a large metrics.csv f of size bytes when m.Sample is set
// (a Watch: a dashboard opened on a run of millions of rows needs its curve, not every
// row): it returns m.Sample rows at evenly spaced byte offsets (about evenly spaced steps,
// rows having about one length) and then the last 2·DefaultWindow rows, so that a running
// mean at the end is that of the logged rows. It reads about m.Sample·4 KB whatever the
// file's size, and leaves m after the file's last complete row; the rest of the file, if
// its end holds no complete row (a hole, a line of megabytes), is taken as one unfinished
// line already read.
func (m *Reader) sample(f io.ReaderAt, size int64) ([]Row, error) {
	body, err := m.readHeaderAt(f, size)
	if err != nil {
		return nil, err
	}
	end, unfinished, err := sampleEnd(f, body, size)
	if err != nil {
		return nil, err
	}
	lines, from, err := lastLines(f, body, end, 2*DefaultWindow)
	if err != nil {
		return nil, err
	}
	var rows []Row
	add := func(line []byte) {
		if r, err := parseRow(bytes.TrimSuffix(line, []byte{'\r'}), m.cols); err == nil && r.Step > m.last {
			rows = append(rows, r)
			m.last = r.Step
		}
	}
	buf := make([]byte, sampleSpan)
	for k := range int64(m.Sample) {
		line, err := lineAfter(f, body+(from-body)*k/int64(m.Sample), from, buf)
		if err != nil {
			return nil, err
		}
		if line != nil {
			add(line)
		}
	}
	for _, l := range lines {
		add(l)
	}
	m.off, m.hdr = end, true
	if unfinished {
		m.Long = size - end
	}
	return rows, nil
}

// readHeaderAt reads and checks the header of the metrics.csv f of size bytes, and returns
// the offset of its first row.
func (m *Reader) readHeaderAt(f io.ReaderAt, size int64) (int64, error) {
	head := make([]byte, min(size, LineBuf))
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	i := bytes.IndexByte(head[:n], '\n')
	if i < 0 {
		return 0, fmt.Errorf("runner: %s/%s: no header line in its first %d KB", m.Job, folder.MetricsFile, LineBuf>>10)
	}
	if err := m.header(bytes.TrimSuffix(head[:i], []byte{'\r'})); err != nil {
		return 0, err
	}
	return int64(i + 1), nil
}

// sampleEnd returns the offset just past the last complete row of the metrics.csv f of
// size bytes, whose rows start at body: the last complete line in its last MaxTail bytes,
// else the last row found by bisection (LastRow). unfinished is true if those bytes hold
// no newline: the rest of the file is one unfinished line (a hole, a line of megabytes).
func sampleEnd(f io.ReaderAt, body, size int64) (end int64, unfinished bool, err error) {
	tail := make([]byte, min(size-body, MaxTail))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return 0, false, err
	}
	if k := bytes.LastIndexByte(tail, '\n'); k >= 0 {
		return size - int64(len(tail)) + int64(k+1), false, nil
	}
	end = body
	if off, ok := LastRow(f, body, size, 1); ok {
		end = off
	}
	return end, end < size && len(tail) > 0, nil
}

// lastLines returns the last n lines before the offset end of the metrics.csv f, whose
// rows start at body (those in the piece before end that holds n of them, 512 bytes
// each), and the offset of the first.
func lastLines(f io.ReaderAt, body, end int64, n int) (lines [][]byte, from int64, err error) {
	piece := min(end-body, int64(n)*512)
	b := make([]byte, piece)
	if _, err := f.ReadAt(b, end-piece); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	lines = bytes.Split(b[:max(len(b)-1, 0)], []byte{'\n'})
	from = end - piece                      // the offset of lines[0]
	if end-piece > body && len(lines) > 0 { // lines[0] may be a part of a line
		from += int64(len(lines[0]) + 1)
		lines = lines[1:]
	}
	if len(lines) > n {
		for _, l := range lines[:len(lines)-n] {
			from += int64(len(l) + 1)
		}
		lines = lines[len(lines)-n:]
	}
	return lines, from, nil
}

// lineAfter returns the first whole line of the metrics.csv f that starts at or after
// the offset p (p ≥ 1), if it ends within len(buf) bytes of p and before the offset from;
// nil if there is none.
func lineAfter(f io.ReaderAt, p, from int64, buf []byte) ([]byte, error) {
	n, err := f.ReadAt(buf[:min(int64(len(buf)), from-p+1)], p-1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	s := buf[:n]
	j := bytes.IndexByte(s, '\n') // s[0] is the byte before p
	if j < 0 {
		return nil, nil
	}
	s = s[j+1:]
	if j = bytes.IndexByte(s, '\n'); j >= 0 {
		return s[:j], nil
	}
	return nil, nil
}

// maxTail bounds what readTail reads of a metrics.csv's end: 2·DefaultWindow rows are a
// few kilobytes, so only a damaged file (a line of megabytes, a sparse hole without a
// newline) reaches it, and is then left unread, saying so.
const MaxTail = 1 << 20

// stepValue parses the step (column 0) and column col of a metrics row, without
// checking the other columns.
func StepValue(line []byte, col int) (step int, v float64, ok bool) {
	line = bytes.TrimRight(line, "\r")
	c := 0
	for len(line) > 0 && c <= col {
		field := line
		if i := bytes.IndexByte(line, ','); i >= 0 {
			field, line = line[:i], line[i+1:]
		} else {
			line = nil
		}
		var err error
		switch c {
		case 0:
			if step, err = strconv.Atoi(string(field)); err != nil {
				return 0, 0, false
			}
		case col:
			if v, err = strconv.ParseFloat(string(field), 64); err != nil {
				return 0, 0, false
			}
			return step, v, true
		}
		c++
	}
	return 0, 0, false
}

// DefaultWindow is the number of logged steps a running mean averages once it is full:
// the paper's plots smooth over 64 batches.
const DefaultWindow = 64
