package core

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
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

// TestParallelTrace prints where the time of a U-Net training step (64×64, batch 32, 4
// levels, 16 filters, no optimiser) goes at 2 threads: per call site of a parallel region,
// its wall time and the workers' idle time in it (threads × wall − time inside fn), and
// the serial time between regions. It runs only with SIPBENCH_PARTRACE=1 (it measures,
// it does not check):
//
//	SIPBENCH_PARTRACE=1 go test ./core -run TestParallelTrace -v
func TestParallelTrace(t *testing.T) {
	if os.Getenv("SIPBENCH_PARTRACE") == "" {
		t.Skip("set SIPBENCH_PARTRACE=1 to trace the parallel regions of a U-Net step")
	}
	const threads, n, g, steps = 2, 32, 64, 5
	rng := rand.New(rand.NewPCG(1, 1))
	u := NewUNet(1, 1, 4, 16, rng)
	x, target := randTensor(rng, n, 1, g, g), randTensor(rng, n, 1, g, g)
	tp := NewTape()
	tp.Threads = threads
	for k := 0; k < 2; k++ {
		unetStep(tp, u, x, target)
	}
	tr := &regionTracer{}
	regionTrace.Store(tr)
	t0 := time.Now()
	for k := 0; k < steps; k++ {
		unetStep(tp, u, x, target)
	}
	wall := time.Since(t0)
	regionTrace.Store(nil)
	type agg struct {
		count, items    int
		wall, idle, max time.Duration
	}
	sites := map[string]*agg{}
	var inRegions, idle, late time.Duration // late: the helpers' first calls after the region's start
	for _, r := range tr.regions {
		a := sites[r.site]
		if a == nil {
			a = &agg{}
			sites[r.site] = a
		}
		w := r.stop.Sub(r.start)
		var busy time.Duration
		for _, b := range r.busy {
			busy += b
		}
		a.count++
		a.items += r.n
		a.wall += w
		a.idle += time.Duration(threads)*w - busy
		a.max = max(a.max, w)
		inRegions += w
		idle += time.Duration(threads)*w - busy
		for _, f := range r.first[1:] {
			late += f
		}
	}
	names := make([]string, 0, len(sites))
	for s := range sites {
		names = append(names, s)
	}
	sort.Slice(names, func(i, j int) bool { return sites[names[i]].wall > sites[names[j]].wall })
	per := func(d time.Duration) string { return fmt.Sprintf("%7.2f ms", d.Seconds()*1e3/steps) }
	t.Logf("per step: wall %s, in %d regions %s (workers idle %s, helpers' start after the region's %s), outside %s",
		per(wall), len(tr.regions)/steps, per(inRegions), per(idle), per(late), per(wall-inRegions))
	for _, s := range names {
		a := sites[s]
		t.Logf("%-22s %3d regions × %4d items  wall %s  idle %s", s, a.count/steps, a.items/a.count, per(a.wall), per(a.idle))
	}
}

// TestBatchNormThreadsBitIdentical checks that BatchNorm2d (plain and with ReLU, training
// and evaluation, its input gradient written fresh and then accumulated) gives the same
// bits on 1 thread (by channel) as on 2, 3 and 7 (by example): output, every gradient and
// the running statistics.
func TestBatchNormThreadsBitIdentical(t *testing.T) {
	for _, training := range []bool{true, false} {
		for _, relu := range []bool{false, true} {
			var want []string
			for _, threads := range []int{1, 2, 3, 7} {
				rng := rand.New(rand.NewPCG(4, 5))
				x := randTensor(rng, 5, 3, 5, 7) // 35 values a plane: blocks of 16 and a tail
				gout := randTensor(rng, 5, 3, 5, 7)
				bn := NewBatchNorm2d("bn", 3)
				copy(bn.Gamma.Value.Data, []float32{1.5, -0.7, 0.3})
				copy(bn.Beta.Value.Data, []float32{0.2, -0.1, 1})
				copy(bn.RunningMean.Data, []float32{0.1, -0.2, 0.3})
				copy(bn.RunningVar.Data, []float32{0.9, 1.2, 0.5})
				tp := NewTape()
				tp.Training, tp.Threads = training, threads
				xv := tp.Input(x)
				fwd := bn.Forward
				if relu {
					fwd = bn.ForwardReLU
				}
				y, y2 := fwd(xv), fwd(xv)
				tp.Backward(Add(Sum(Mul(y, tp.Const(gout))), Sum(Mul(y2, y2))), nil)
				got := []string{tensorBits(y.Value), tensorBits(xv.Grad), tensorBits(bn.Gamma.Grad),
					tensorBits(bn.Beta.Grad), tensorBits(bn.RunningMean), tensorBits(bn.RunningVar)}
				if want == nil {
					want = got
					continue
				}
				for i, what := range []string{"output", "x gradient", "γ gradient", "β gradient", "running mean", "running var"} {
					if got[i] != want[i] {
						t.Errorf("training=%v relu=%v: %s at %d threads differs from 1 thread's", training, relu, what, threads)
					}
				}
			}
		}
	}
}

// TestAddRows checks addRows against the rows added one after the other, bit for bit,
// for sizes below, at and above a chunk and several thread counts, into a dst that holds
// values already.
func TestAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, size := range []int{1, 100, addRowsChunk, 3*addRowsChunk + 17} {
		for _, n := range []int{1, 5} {
			rows := randTensor(rng, n, size)
			for i := 0; i < n; i += 2 { // magnitudes far apart, so that rounding shows the order
				for j := range rows.Example(i) {
					rows.Example(i)[j] *= 1e7
				}
			}
			init := randTensor(rng, size)
			want := append([]float32(nil), init.Data...)
			for i := 0; i < n; i++ {
				addTo(want, rows.Example(i))
			}
			for _, threads := range []int{1, 2, 3} {
				got := append([]float32(nil), init.Data...)
				addRows(threads, got, rows)
				if tensorBits(FromData(got, size)) != tensorBits(FromData(want, size)) {
					t.Errorf("size %d, %d rows, %d threads: the sums differ from the rows added in order", size, n, threads)
				}
			}
		}
	}
}
