package tui

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestReadProc reads this process as a trainer: its memory, its CPU since a first
// sample (a busy loop between the two), and the machine's load; text names them.
func TestReadProc(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	pid := os.Getpid()
	pids := map[int]bool{pid: true, 1 << 30: true} // and a process that does not exist
	first := readProc(pids, nil, time.Now())
	if !first.ok || first.trainers != 1 || first.rss <= 0 || first.cpu != 0 || first.load < 0 {
		t.Fatalf("first reading %+v; want this process alone, its memory, no CPU yet", first)
	}
	x := 0.0
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
		x += 1e-9
	}
	second := readProc(pids, first.ticks, time.Now())
	if second.cpu < 0 || second.cpu > 100*float64(runtime.NumCPU())+1 {
		t.Errorf("CPU %.0f %% of a core after a busy loop (%g); want within [0, %d00]", second.cpu, x, runtime.NumCPU())
	}
	if s := second.text(); !strings.HasPrefix(s, "load ") || !strings.Contains(s, "trainer: CPU") || !strings.Contains(s, "B") {
		t.Errorf("text %q", s)
	}
	if s := (sysReading{ok: true, load: 3}).text(); s != "" {
		t.Errorf("no trainer here: text %q; want none", s)
	}
}
