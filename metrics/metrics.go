package metrics

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/folder"
)

// metrics.csv is appended to while a job trains and read by other processes at the same
// time, so it is the one file of a run folder that is not replaced atomically. Its readers
// and its repair on resume therefore take it row by row: a line that is not a valid row (a
// torn write, garbage) or repeats an earlier step is left out, and the rows after it are
// kept.

// Row is one row of metrics.csv.
type Row struct {
	Step    int
	Wall    float64
	Metrics []float64
}

// metricsHeader returns the header line of metrics.csv for the metric names, without its
// newline.
func Header(names []string) string {
	return strings.Join(append([]string{"step", "wall_s"}, names...), ",")
}

// parseRow parses a row of n metrics (any number if n < 0): a step ≥ 1, a finite wall time
// ≥ 0 and n numbers (NaN and ±Inf included: a diverging job logs them). It allocates the
// row's values only (a metrics.csv of millions of rows is read row by row).
func parseRow(text []byte, n int) (Row, error) {
	cols := bytes.Count(text, []byte{','}) + 1
	if n >= 0 && cols != n+2 || cols < 2 {
		return Row{}, fmt.Errorf("%d columns, want %d", cols, n+2)
	}
	field := func() []byte {
		i := bytes.IndexByte(text, ',')
		if i < 0 {
			f := text
			text = nil
			return f
		}
		f := text[:i]
		text = text[i+1:]
		return f
	}
	f := field()
	step, err := strconv.Atoi(string(f))
	if err != nil || step < 1 {
		return Row{}, fmt.Errorf("bad step %q", f)
	}
	f = field()
	wall, err := strconv.ParseFloat(string(f), 64)
	if err != nil || !folder.FiniteValue(wall) || wall < 0 {
		return Row{}, fmt.Errorf("bad wall_s %q", f)
	}
	row := Row{Step: step, Wall: wall, Metrics: make([]float64, cols-2)}
	for i := range row.Metrics {
		f = field()
		if row.Metrics[i], err = strconv.ParseFloat(string(f), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return Row{}, fmt.Errorf("bad value %q", f)
		}
	}
	return row, nil
}

// lineReader reads the lines of metrics.csv, bounding each by its buffer (lineBuf): a longer
// one (a damaged file) is returned as one line of garbage.
type lineReader struct {
	r   *bufio.Reader
	off int64 // offset of the next line
	// long is the length read of an unfinished last line longer than the buffer, when
	// next reported the end there; 0 otherwise.
	long int64
}

// next returns the next complete line without its newline, and its length with it. It
// reports false at the end, where an unfinished last line is left unread.
func (l *lineReader) next() (line []byte, n int64, ok bool, err error) {
	b, err := l.r.ReadSlice('\n')
	switch {
	case err == nil:
		l.off += int64(len(b))
		return bytes.TrimSuffix(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\r'}), int64(len(b)), true, nil
	case errors.Is(err, bufio.ErrBufferFull):
		n = int64(len(b))
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = l.r.ReadSlice('\n')
			n += int64(len(b))
		}
		if err != nil { // an unfinished line: leave it
			l.long = n
			return nil, 0, false, ignoreEOF(err)
		}
		l.off += n
		return []byte("\x00"), n, true, nil // too long: garbage
	}
	return nil, 0, false, ignoreEOF(err)
}

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// Reader reads a job's metrics.csv incrementally, from where its last call stopped:
// the rows that a writer has appended since, complete lines only. Lines that are not rows
// of the job, and rows whose step is not above the last one returned, are skipped and
// counted. If the file shrinks (a resume cut it back to its checkpoint), reading starts
// again from the top, and the rows already returned are skipped as repeats. The zero
// value is not usable; set Dir, Job and Want.
type Reader struct {
	Dir, Job string
	// Want are the run's metric names, which the header must list; if nil, any header
	// that starts with step,wall_s is accepted and sets the number of columns.
	Want []string
	// Skipped counts the lines skipped: not a row, or a step not above the previous.
	Skipped int
	// Sample, if above 0, makes the first Next of a file over 4 MB (summaryFullRead)
	// return a sample of its rows instead of all of them: Sample rows at evenly spaced
	// offsets, then its last rows (see sample); the calls after it read on from its end.
	Sample int

	off  int64
	last int  // step of the last row returned
	hdr  bool // the header has been read
	cols int  // metrics per row, from the header (−1: any)
	br   *bufio.Reader
	// long is how far an unfinished line at off, longer than lineBuf (garbage: a sparse
	// hole, a line of megabytes), has been read, so that the next call reads on from
	// there rather than through it again; 0 if there is none.
	Long int64
}

// lineBuf is the buffer of the readers of metrics.csv, and so the longest line they read
// as a line: a row is far shorter, a longer line is garbage.
const LineBuf = 64 << 10

// NewReader returns a reader of the job's metrics.csv from its start.
func NewReader(dir, job string, want []string) *Reader {
	return &Reader{Dir: dir, Job: job, Want: want}
}

// Offset returns the offset just past the last line read.
func (m *Reader) Offset() int64 { return m.off }

// Next returns up to max rows (all if max ≤ 0) appended since the last call; none if the
// job has no metrics.csv yet. It fails for a header that does not match Want, and for a
// file that cannot be read (a link, a folder, an I/O error).
func (m *Reader) Next(max int) ([]Row, error) {
	if !folder.PlainName(m.Job) {
		return nil, fmt.Errorf("runner: %q is not a job's name", m.Job)
	}
	f, err := folder.OpenIn(m.Dir, m.Job, folder.MetricsFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < m.off+m.Long {
		m.off, m.hdr, m.Long = 0, false, 0 // cut back: read again, skipping what was returned
	}
	if m.Sample > 0 && m.off == 0 && !m.hdr && fi.Size() > SummaryFullRead {
		return m.sample(f, fi.Size())
	}
	if _, err := f.Seek(m.off+m.Long, io.SeekStart); err != nil {
		return nil, err
	}
	if m.br == nil {
		m.br = bufio.NewReaderSize(f, LineBuf)
	} else {
		m.br.Reset(f)
	}
	defer m.br.Reset(nil)
	for m.Long > 0 { // the end of a garbage line, from where the last call stopped
		b, err := m.br.ReadSlice('\n')
		m.Long += int64(len(b))
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, ignoreEOF(err)
		}
		m.off, m.Long = m.off+m.Long, 0
		m.Skipped++
	}
	lr := &lineReader{r: m.br, off: m.off}
	defer func() { m.Long = lr.long }()
	var rows []Row
	for max <= 0 || len(rows) < max {
		line, _, ok, err := lr.next()
		if err != nil {
			return rows, err
		}
		if !ok {
			break
		}
		if !m.hdr {
			if err := m.header(line); err != nil {
				return rows, err
			}
			m.off = lr.off
			continue
		}
		m.off = lr.off
		row, err := parseRow(line, m.cols)
		if err != nil || row.Step <= m.last {
			m.Skipped++
			continue
		}
		m.last = row.Step
		rows = append(rows, row)
	}
	return rows, nil
}

func (m *Reader) header(line []byte) error {
	text := string(line)
	if m.Want != nil {
		if text != Header(m.Want) {
			return fmt.Errorf("runner: %s/%s: header %q does not match the run's metrics", m.Job, folder.MetricsFile, folder.Truncate(text, 80))
		}
		m.cols, m.hdr = len(m.Want), true
		return nil
	}
	cols := strings.Split(text, ",")
	if len(cols) < 2 || cols[0] != "step" || cols[1] != "wall_s" {
		return fmt.Errorf("runner: %s/%s: header %q does not start with step,wall_s", m.Job, folder.MetricsFile, folder.Truncate(text, 80))
	}
	m.cols, m.hdr = len(cols)-2, true
	return nil
}

// ReadMetrics reads a job's metrics.csv from byte offset off (0, or an offset it returned),
// returning the complete rows after it and the offset just past the last complete line.
// Lines that are not rows, and rows whose step is not above the previous row's, are left
// out (see Reader). With off = 0 the header is checked against want (the run's
// metric names); a nil want accepts any columns.
func Read(dir, job string, off int64, want []string) ([]Row, int64, error) {
	m := NewReader(dir, job, want)
	if off > 0 {
		m.off, m.hdr, m.cols = off, true, len(want)
		if want == nil {
			m.cols = -1 // any number of columns
		}
	}
	rows, err := m.Next(0)
	return rows, m.off, err
}

// metricsRepair says what repairMetrics found and changed.
type Repair struct {
	Bad     int      // lines dropped that were not rows, or repeated a step
	Tail    int      // rows after the checkpoint's step, dropped (the job trains them again)
	Missing []string // ranges of steps up to the checkpoint that no row holds ("991–1000")
	Header  bool     // the header was missing or wrong and was written again
	Rewrote bool     // the file was rewritten (not only cut back)
}

// maxMissingRanges bounds the gaps a repair reports one by one.
const maxMissingRanges = 4

// String describes the repair for the user, "" if it found nothing to report (rows after
// the checkpoint are expected after a crash and not reported).
func (r Repair) String() string {
	var parts []string
	if r.Header {
		parts = append(parts, "its header was rewritten")
	}
	if r.Bad > 0 {
		parts = append(parts, fmt.Sprintf("%d lines that were not rows of this job (or repeated a step) were dropped", r.Bad))
	}
	if len(r.Missing) > 0 {
		parts = append(parts, "no rows for steps "+strings.Join(r.Missing, ", ")+" (lost before the checkpoint; the curve has a gap there)")
	}
	if len(parts) == 0 {
		return ""
	}
	return folder.MetricsFile + ": " + strings.Join(parts, "; ")
}

// scanMetrics reads a metrics.csv from r and decides its repair for a job resuming from a
// checkpoint at step keep (keep < 0: from the start): the rows to keep are the valid rows
// with steps in increasing order up to keep. emit, if not nil, receives the lines of the
// repaired file (header first, each with its newline). It returns the repair and the
// length of the longest prefix of r that is already right (header and kept rows, nothing
// dropped in between): when the repair needs no rewrite, cutting the file there repairs it.
func Scan(r io.Reader, names []string, keep int, emit func([]byte) error) (rep Repair, prefix int64, err error) {
	header := Header(names)
	lr := &lineReader{r: bufio.NewReaderSize(r, LineBuf)}
	if emit == nil {
		emit = func([]byte) error { return nil }
	}
	last, first, dropped := 0, true, false
	missing := 0
	gap := func(from, to int) {
		if from > to {
			return
		}
		missing++
		if missing <= maxMissingRanges {
			s := strconv.Itoa(from)
			if to > from {
				s += "–" + strconv.Itoa(to)
			}
			rep.Missing = append(rep.Missing, s)
		} else if missing == maxMissingRanges+1 {
			rep.Missing = append(rep.Missing, "…")
		}
	}
	for {
		line, _, ok, err := lr.next()
		if err != nil {
			return rep, 0, err
		}
		if !ok {
			break
		}
		if first {
			first = false
			if err := emit([]byte(header + "\n")); err != nil {
				return rep, 0, err
			}
			if string(line) == header {
				prefix = lr.off
				continue
			}
			rep.Header, dropped = true, true // the line may still be a row: read on
		}
		row, err := parseRow(line, len(names))
		switch {
		case err != nil || row.Step <= last:
			rep.Bad++
			dropped = true
		case row.Step > keep:
			rep.Tail++
			dropped = true
		default:
			gap(last+1, row.Step-1)
			last = row.Step
			if err := emit(append(line, '\n')); err != nil {
				return rep, 0, err
			}
			if !dropped {
				prefix = lr.off
			} else {
				rep.Rewrote = true // a row to keep after a dropped line
			}
		}
	}
	if first { // empty (a new job's), or only an unfinished line: a header to write
		rep.Rewrote = true
		if err := emit([]byte(header + "\n")); err != nil {
			return rep, 0, err
		}
	}
	if rep.Header {
		rep.Rewrote = true
	}
	gap(last+1, keep)
	return rep, prefix, nil
}

// openMetrics repairs the job's metrics.csv for a job that continues from a checkpoint at
// step keep (keep < 0: from the start, no rows kept) and opens it for appending. The file
// keeps the valid rows up to keep, in increasing steps, once each (scanMetrics). In the
// usual case, rows after the checkpoint left by a crash, the file is cut back in place, so
// that a resume needs no free space; it is rewritten (a copy, then a rename) only when
// rows must be dropped from its middle or its header is wrong.
func Open(dir, job string, names []string, keep int) (*Writer, Repair, error) {
	f, err := folder.OpenRWIn(dir, job, folder.MetricsFile)
	if err != nil {
		return nil, Repair{}, err
	}
	rep, prefix, err := Scan(f, names, keep, nil)
	if err == nil && rep.Rewrote {
		err = rewriteMetrics(f, dir, job, names, keep)
		f.Close()
		if err == nil {
			f, err = folder.OpenRWIn(dir, job, folder.MetricsFile)
		}
		if err == nil {
			prefix, err = f.Seek(0, io.SeekEnd)
		}
	}
	if err == nil {
		err = f.Truncate(prefix)
	}
	if err == nil {
		_, err = f.Seek(prefix, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, rep, fmt.Errorf("runner: %s/%s: %w", job, folder.MetricsFile, err)
	}
	return &Writer{f: f, w: bufio.NewWriterSize(f, 64<<10)}, rep, nil
}

// rewriteMetrics writes the repaired content of f to a temporary file beside it, synced,
// and renames it over metrics.csv.
func rewriteMetrics(f *os.File, dir, job string, names []string, keep int) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(dir, job), "."+folder.MetricsFile+".tmp*")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 64<<10)
	_, _, err = Scan(f, names, keep, func(b []byte) error { _, err := w.Write(b); return err })
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, job, folder.MetricsFile))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// metricsWriter appends rows to metrics.csv through a buffer.
type Writer struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func (m *Writer) Write(step int, wall float64, vals []float64) error {
	b := m.buf[:0]
	b = strconv.AppendInt(b, int64(step), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, wall, 'f', 4, 64)
	for _, v := range vals {
		b = append(b, ',')
		b = strconv.AppendFloat(b, v, 'g', 8, 64)
	}
	b = append(b, '\n')
	m.buf = b
	_, err := m.w.Write(b)
	return err
}

func (m *Writer) Flush() error { return m.w.Flush() }

// sync flushes the buffer and makes the rows durable: called before a checkpoint is
// written, so that a power cut never leaves the checkpoint ahead of the rows.
func (m *Writer) Sync() error {
	if err := m.w.Flush(); err != nil {
		return err
	}
	return SyncFile(m.f)
}

// syncFile makes a file's content durable; a variable for the test that checks when rows
// are synced.
var SyncFile = (*os.File).Sync

func (m *Writer) Close() error {
	err := m.w.Flush()
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	return err
}
