package summary

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/runner"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// grow appends size bytes to the file at path: a sparse hole of zeros (no newline) if
// fill is 0, else that byte repeated.
func grow(t testing.TB, path string, size int64, fill byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fill == 0 {
		fi, _ := f.Stat()
		if err := f.Truncate(fi.Size() + size); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := f.Write([]byte(strings.Repeat(string(fill), int(size)))); err != nil {
		t.Fatal(err)
	}
}

// TestBoundedTail reproduces issue 26's first defect: a metrics.csv whose end has no
// newline (a sparse hole, or one line of megabytes) was read whole by readTail, which
// doubled its read without limit (3–4 GB of RSS for a 2 GB file). Now it reads at most
// maxTail bytes of the end, and the job says why it has no value.
func TestBoundedTail(t *testing.T) {
	for _, c := range []struct {
		name string
		size int64
		fill byte
	}{
		{"sparse hole", 256 << 20, 0},
		{"one long line", 24 << 20, 'x'},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			dir := listRun(t, root, "r", time.Now(), listJob{"SIP", 0, folder.Running, 300, 1, 0.01})
			path := filepath.Join(dir, "SIP-seed0", folder.MetricsFile)
			grow(t, path, c.size, c.fill)
			var got tailSummary
			if a := allocated(func() { got = readTail(path, 3, metrics.DefaultWindow) }); a > 4*metrics.MaxTail {
				t.Errorf("readTail allocated %d MB of a %d MB file", a>>20, c.size>>20)
			}
			if !math.IsNaN(got.value) || !strings.Contains(got.note, "no complete row in its last 1024 KB") {
				t.Errorf("readTail = %+v; want no value and a note", got)
			}
			rs, err := NewIndex(root).Scan()
			if err != nil || len(rs) != 1 || len(rs[0].Jobs) != 1 || rs[0].Jobs[0].Note == "" {
				t.Fatalf("Scan: %+v, %v; want the job's note", rs, err)
			}
			// The rows before the long line are still summed up, in one pass.
			info, _ := folder.ReadInfo(dir)
			s, err := Summarize(dir, info, Options{At: []int{100}})
			if err != nil || s.Jobs[0].Done != 300 || math.IsNaN(s.Jobs[0].Values[0]) {
				t.Errorf("Summarize: %+v, %v", s, err)
			}
		})
	}
}

// TestSnapshotSizeRefusedUnread: a snapshot.json above maxSnapshotFile (here a 1 GB
// sparse one, 1.27 GB of RSS in watch --headless before) is refused by its size before a
// byte of it is read, saying so.
func TestSnapshotSizeRefusedUnread(t *testing.T) {
	dir := listRun(t, t.TempDir(), "r", time.Now(), listJob{"SIP", 0, folder.Running, 3, 1, 0.01})
	path := filepath.Join(dir, "SIP-seed0", folder.SnapshotFile)
	os.WriteFile(path, []byte(`{"step":1,"fields":[`), 0o644)
	grow(t, path, 1<<30, 0)
	var err error
	if a := allocated(func() { _, err = folder.ReadSnapshot(dir, "SIP-seed0") }); a > 1<<20 {
		t.Errorf("ReadSnapshot allocated %d MB", a>>20)
	}
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MB") {
		t.Errorf("ReadSnapshot: %v; want larger than 64 MB", err)
	}
}

// TestSummarizeStreams: Summarize holds a chunk of rows, not the file: on a metrics.csv
// of 400,000 rows its live heap stays far below the rows' size, and its values equal a
// running mean computed here.
func TestSummarizeStreams(t *testing.T) {
	root := t.TempDir()
	dir := listRun(t, root, "r", time.Now(), listJob{"SIP", 0, folder.Done, 3, 1, 0.01})
	b := new(strings.Builder)
	b.WriteString("step,wall_s,other,m\n")
	rm := NewRunningMean(metrics.DefaultWindow)
	var at1000 float64
	const n = 400000
	for s := 1; s <= n; s++ {
		v := 1 + float64(s%97)
		fmt.Fprintf(b, "%d,%.4f,0,%g\n", s, float64(s)/100, v)
		if m := rm.Add(v); s == 1000 {
			at1000 = m
		}
	}
	os.WriteFile(filepath.Join(dir, "SIP-seed0", folder.MetricsFile), []byte(b.String()), 0o644)
	b = nil
	info, _ := folder.ReadInfo(dir)
	defer debug.SetGCPercent(debug.SetGCPercent(5)) // the heap holds little garbage: HeapAlloc is near the live heap
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // sample the live heap while Summarize runs
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			default:
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			time.Sleep(time.Millisecond)
		}
	}()
	s, err := Summarize(dir, info, Options{At: []int{1000, n + 5}})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	v := s.Jobs[0].Values
	if v[0] != at1000 || !math.IsNaN(v[1]) || v[2] != rm.Mean() || s.Jobs[0].Done != n {
		t.Errorf("values %v, done %d; want %g, NaN, %g, %d", v, s.Jobs[0].Done, at1000, rm.Mean(), n)
	}
	// All rows in memory take 400,000 × (a Row and its slice of 2 values) ≈ 26 MB, and
	// more while the slice grows.
	if grew := int64(peak) - int64(base.HeapAlloc); grew > 16<<20 {
		t.Errorf("the live heap grew by %d MB while summarising %d rows", grew>>20, n)
	}
}

// TestInvalidSnapshotSaid: a snapshot.json that exists but is invalid is said to be
// invalid (an EvNote, which watch --headless prints), once, and not read again until it
// changes (the dashboard said "no snapshot yet").
func TestInvalidSnapshotSaid(t *testing.T) {
	dir := listRun(t, t.TempDir(), "r", time.Now(), listJob{"SIP", 0, folder.Done, 3, 1, 0.01})
	os.WriteFile(filepath.Join(dir, "SIP-seed0", folder.SnapshotFile), []byte(`{"step":1,"fields":[{"name":"x","shape":[3],"data":[1]}]}`), 0o644)
	w, err := runner.OpenWatch(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub := w.Subscribe()
	w.Poll()
	w.Poll()
	notes := 0
	for _, e := range sub.Drain() {
		if e.Kind == runner.EvNote && strings.Contains(e.Message, "snapshot.json is invalid, not shown: ") {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d notes of the invalid snapshot over two polls; want 1", notes)
	}
}
