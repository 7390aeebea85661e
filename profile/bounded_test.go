package profile

import (
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"
)

// TestProfileBounded: ProfileOf streams each job's rows twice rather than holding them
// (it read a whole metrics.csv into memory: a 700 MB file would take gigabytes). On four
// jobs of 200,000 rows the live heap stays far below their rows' size, and the ratios
// are those worked out here (sip decays as 1/s, adam four times slower).
func TestProfileBounded(t *testing.T) {
	const n = 200000
	vals := map[string][]float64{}
	for _, id := range []string{"sip-seed0", "adam-seed0", "sip-seed1", "adam-seed1"} {
		v := make([]float64, n)
		for i := range v {
			s := float64(i + 1)
			if id[0] == 'a' {
				s = max(1, s/4)
			}
			v[i] = 1 / s
		}
		vals[id] = v
	}
	dir := profileRun(t, vals)
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
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
	p, err := Of([]string{dir}, Options{Tolerance: 0.5, Window: 1})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	// f_0 = 1 for both, f_L = the lowest last value, sip's 1/n: the target 1/√n = 1/447.2
	// is reached by sip at step 448 and by adam at ⌈4·447.2⌉ = 1789.
	if want := []float64{1, 1789.0 / 448}; len(p.Ratios) != 2 || !slices.Equal(p.Ratios[0], want) || !slices.Equal(p.Ratios[1], want) {
		t.Errorf("ratios %v; want %v per seed", p.Ratios, want)
	}
	// All rows in memory: 800,000 × (a Row and its one value) ≈ 50 MB.
	if grew := int64(peak) - int64(base.HeapAlloc); grew > 16<<20 {
		t.Errorf("the live heap grew by %d MB while profiling %d rows", grew>>20, 4*n)
	}
}
