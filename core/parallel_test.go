package core

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelWorkEachIndexOnce checks that parallelWork runs every index exactly once,
// with worker numbers in [0, threads) and no two indices at once on one worker, for
// several thread counts and sizes, also from concurrent callers and nested in a region.
func TestParallelWorkEachIndexOnce(t *testing.T) {
	check := func(threads, n int) {
		runs := make([]atomic.Int32, n)
		busy := make([]atomic.Int32, max(threads, 1))
		parallelWork(threads, n, func(w, i int) {
			if w < 0 || w >= max(threads, 1) {
				t.Errorf("threads %d, n %d: worker %d", threads, n, w)
				return
			}
			if busy[w].Add(1) != 1 {
				t.Errorf("threads %d, n %d: worker %d runs two indices at once", threads, n, w)
			}
			runs[i].Add(1)
			busy[w].Add(-1)
		})
		for i := range runs {
			if c := runs[i].Load(); c != 1 {
				t.Errorf("threads %d, n %d: index %d ran %d times", threads, n, i, c)
			}
		}
	}
	for _, threads := range []int{0, 1, 2, 3, 8} {
		for _, n := range []int{0, 1, 2, 5, 100} {
			check(threads, n)
		}
	}
	// Concurrent callers share the pool.
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 50; k++ {
				check(2+c%2, 37)
			}
		}()
	}
	wg.Wait()
	// A region inside a region.
	var total atomic.Int64
	parallelWork(2, 6, func(_, i int) {
		parallelWork(3, 10, func(_, j int) { total.Add(int64(10*i + j)) })
	})
	if want := int64(6*45 + 10*10*15); total.Load() != want { // Σ_i Σ_j 10i + j
		t.Errorf("nested regions: sum %d, want %d", total.Load(), want)
	}
}

// TestParallelHelpersExit checks that the pool's helpers exit once idle: after regions on
// up to 4 threads, with the idle time shortened, the goroutine count returns to where it
// was.
func TestParallelHelpersExit(t *testing.T) {
	old := helperIdle.Load()
	helperIdle.Store(int64(20 * time.Millisecond))
	defer helperIdle.Store(old)
	idle := func() int {
		pool.mu.Lock()
		defer pool.mu.Unlock()
		return len(pool.idle)
	}
	// Helpers left by other tests exit within their (old) idle time.
	for deadline := time.Now().Add(3 * time.Duration(old)); idle() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if k := idle(); k != 0 {
		t.Fatalf("%d helpers still idle in the pool after %v", k, 3*time.Duration(old))
	}
	time.Sleep(20 * time.Millisecond) // for the last one to return
	base := runtime.NumGoroutine()
	var inside atomic.Int64 // the goroutines counted in the regions
	for k := 0; k < 100; k++ {
		parallelWork(4, 16, func(_, _ int) { inside.Store(int64(runtime.NumGoroutine())) })
	}
	if n := inside.Load(); n <= int64(base) {
		t.Errorf("%d goroutines in the regions, %d before: no helper started", n, base)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Errorf("%d goroutines 2 s after the last region, %d before the regions", n, base)
	}
}
