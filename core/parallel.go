package core

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The ops' parallel regions (about 90 in a U-Net training step) run on the calling
// goroutine and on helpers of a process-wide pool. A helper that finishes its share goes
// back to the pool and waits for the next region spinning for a short while
// (helperSpin), then parked on a channel; a helper parked for helperIdle exits, so an
// idle process keeps no goroutines. The caller does a share itself and, when the indices
// run out, waits for the helpers the same way (spinning, then parked). Spinning saves the
// wake-up of a sleeping thread (a futex call and the scheduler's latency, tens of
// microseconds on a virtual machine) between regions that follow each other closely.
//
// The indices are split into one contiguous block per worker, and each worker runs its own
// block from the front, one index at a time; a worker whose block is done takes indices
// from the back of the others' blocks, so that a worker slowed by the memory or by another
// process does not hold the region back. When no worker is slowed, worker w runs the same
// block in every region of the same size: consecutive ops that split a batch by example
// (or by plane, or by range of elements) find most of their data in the cache of the core
// that wrote it. On a machine whose two cores do not share a cache, a read of data that
// the other core wrote is several times slower. Which worker runs an index depends on
// timing; callers keep results independent of it by writing per index only.

// helperSpin is how long a helper waits for its next region, and the caller for its
// helpers, before parking; after a wait that ran out, the next spins for half as long
// (down to spinMin), after one that did not, for helperSpin again. On a machine shared
// with other jobs, where the other thread is often off its core, the spinning then costs
// less CPU time (PERFORMANCE.md, issue 28's s28 session); on a quiet one it saves the
// wake-ups.
const (
	helperSpin = 50 * time.Microsecond
	spinMin    = 3 * time.Microsecond
)

// callerSpin is how long a caller spins waiting for its helpers (see helperSpin).
var callerSpin atomic.Int64

// helperIdle is how long a parked helper stays in the pool before it exits (nanoseconds;
// atomic so that tests may shorten it).
var helperIdle atomic.Int64

func init() { helperIdle.Store(int64(time.Second)) }

// region is one parallelWork call: fn over [0, n), split into blocks, worker slots from
// slot, with left helpers still running and the caller parked on wake if parked.
type region struct {
	fn     func(w, i int)
	blocks []regionBlock
	slot   atomic.Int32
	left   atomic.Int32
	parked atomic.Bool
	wake   chan struct{}
}

// regionBlock is the indices [front, back) of one worker's block still to run: front in
// the low 32 bits of state, back in the high ones. The owner takes front, others back−1.
// The padding keeps blocks on separate cache lines.
type regionBlock struct {
	state atomic.Uint64
	_     [56]byte
}

// own returns the next index from the front of block b, or −1 if none is left.
func (b *regionBlock) own() int {
	s := b.state.Add(1) - 1 // front+1; front may pass back, which ends the block either way
	front, back := uint32(s), uint32(s>>32)
	if front >= back {
		return -1
	}
	return int(front)
}

// steal returns the last index of block b, or −1 if none is left.
func (b *regionBlock) steal() int {
	for {
		s := b.state.Load()
		front, back := uint32(s), uint32(s>>32)
		if front >= back {
			return -1
		}
		if b.state.CompareAndSwap(s, uint64(back-1)<<32|uint64(front)) {
			return int(back - 1)
		}
	}
}

// run runs worker w's block, then the other blocks' last indices until none is left.
func (r *region) run(w int) {
	for i := r.blocks[w].own(); i >= 0; i = r.blocks[w].own() {
		r.fn(w, i)
	}
	for k := 1; k < len(r.blocks); k++ {
		b := &r.blocks[(w+k)%len(r.blocks)]
		for i := b.steal(); i >= 0; i = b.steal() {
			r.fn(w, i)
		}
	}
}

// helper is one pooled goroutine: it runs the region stored in job, then goes back to the
// pool. parked tells a dispatcher to send on wake.
type helper struct {
	job    atomic.Pointer[region]
	parked atomic.Bool
	wake   chan struct{}
	spin   atomic.Int64 // its next spin (see helperSpin)
}

// pool holds the helpers waiting for a region.
var pool struct {
	mu   sync.Mutex
	idle []*helper
}

// takeHelper returns an idle helper, or starts one.
func takeHelper() *helper {
	pool.mu.Lock()
	if k := len(pool.idle); k > 0 {
		h := pool.idle[k-1]
		pool.idle[k-1] = nil
		pool.idle = pool.idle[:k-1]
		pool.mu.Unlock()
		return h
	}
	pool.mu.Unlock()
	h := &helper{wake: make(chan struct{}, 1)}
	go h.loop()
	return h
}

// putHelper returns h to the pool.
func putHelper(h *helper) {
	pool.mu.Lock()
	pool.idle = append(pool.idle, h)
	pool.mu.Unlock()
}

// retire removes h from the pool if no dispatcher has taken it, and reports whether it did.
func retire(h *helper) bool {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for k, g := range pool.idle {
		if g == h {
			last := len(pool.idle) - 1
			pool.idle[k] = pool.idle[last]
			pool.idle[last] = nil
			pool.idle = pool.idle[:last]
			return true
		}
	}
	return false
}

// assign hands r to h, waking h if it is parked.
func (h *helper) assign(r *region) {
	h.job.Store(r)
	if h.parked.Load() {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

// loop runs regions until the helper has been idle for helperIdle.
func (h *helper) loop() {
	var timer *time.Timer
	for {
		r := h.await(&timer)
		if r == nil {
			return
		}
		w := int(r.slot.Add(1))
		r.run(w)
		h.job.Store(nil)
		putHelper(h) // before the region ends, so that the next region finds h idle
		if r.left.Add(-1) == 0 && r.parked.Load() {
			r.wake <- struct{}{}
		}
	}
}

// await returns h's next region, or nil once h has left the pool after helperIdle parked.
func (h *helper) await(timer **time.Timer) *region {
	for {
		var r *region
		if spinUntil(func() bool { r = h.job.Load(); return r != nil }, &h.spin) {
			return r
		}
		// Park. A dispatcher that stored a job before seeing parked is seen by the load
		// after the store (both are sequentially consistent).
		h.parked.Store(true)
		if r := h.job.Load(); r != nil {
			h.parked.Store(false)
			return r
		}
		idle := time.Duration(helperIdle.Load())
		if *timer == nil {
			*timer = time.NewTimer(idle)
		} else {
			(*timer).Reset(idle)
		}
		select {
		case <-h.wake:
		case <-(*timer).C:
			if h.job.Load() == nil && retire(h) {
				return nil
			}
		}
		h.parked.Store(false)
	}
}

// spinUntil polls cond for up to *budget (nanoseconds; helperSpin if 0) and reports
// whether it became true, then sets *budget for the next wait (see helperSpin).
func spinUntil(cond func() bool, budget *atomic.Int64) bool {
	limit := time.Duration(budget.Load())
	if limit <= 0 {
		limit = helperSpin
	}
	var start time.Time
	for k := 0; ; k++ {
		if cond() {
			budget.Store(int64(helperSpin))
			return true
		}
		if k&63 == 63 {
			now := time.Now()
			if start.IsZero() {
				start = now
			} else if now.Sub(start) > limit {
				budget.Store(int64(max(spinMin, limit/2)))
				return false
			}
		}
	}
}

// parallelWork calls fn(w, i) for every i in [0, n), on up to threads workers (the caller
// and threads−1 pooled helpers), worker w in [0, threads) running block w of the indices
// first (see region.run).
// Each index runs exactly once, on one worker; fn may use scratch owned by worker w, and
// results written per index do not depend on threads or on which worker ran the index.
func parallelWork(threads, n int, fn func(w, i int)) {
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	if tr := regionTrace.Load(); tr != nil {
		fn = tr.wrap(threads, fn)
		defer tr.end()
	}
	r := &region{fn: fn, blocks: make([]regionBlock, threads), wake: make(chan struct{}, 1)}
	for w := range r.blocks {
		r.blocks[w].state.Store(uint64((w+1)*n/threads)<<32 | uint64(w*n/threads))
	}
	r.left.Store(int32(threads - 1))
	for k := 1; k < threads; k++ {
		takeHelper().assign(r)
	}
	r.run(0)
	r.wait()
}

// wait returns once every helper of r has finished.
func (r *region) wait() {
	if spinUntil(func() bool { return r.left.Load() == 0 }, &callerSpin) {
		return
	}
	r.parked.Store(true)
	if r.left.Load() == 0 {
		return
	}
	<-r.wake
}

// regionTrace, if set (by a test), times every region of parallelWork and its workers.
var regionTrace atomic.Pointer[regionTracer]

// regionTracer records, for each region, where it was called, its wall time and each
// worker's time inside fn.
type regionTracer struct {
	mu      sync.Mutex
	regions []regionTimes
	cur     *regionTimes
}

// regionTimes is one traced region.
type regionTimes struct {
	site        string
	start, stop time.Time
	busy, first []time.Duration // each worker's time in fn, and its first call's start
	n           int
}

// wrap starts a region's record and returns fn timed per call.
func (tr *regionTracer) wrap(threads int, fn func(w, i int)) func(w, i int) {
	site := "?"
	for k := 2; k < 8; k++ {
		_, file, line, ok := runtime.Caller(k)
		if !ok {
			break
		}
		if j := strings.LastIndexByte(file, '/'); j >= 0 {
			file = file[j+1:]
		}
		if file != "parallel.go" && file != "ops_elementwise.go" || k == 7 {
			site = fmt.Sprintf("%s:%d", file, line)
			break
		}
	}
	rt := &regionTimes{site: site, busy: make([]time.Duration, threads), first: make([]time.Duration, threads)}
	tr.mu.Lock()
	tr.cur = rt
	tr.mu.Unlock()
	rt.start = time.Now()
	return func(w, i int) {
		t0 := time.Now()
		fn(w, i)
		d := time.Since(t0)
		tr.mu.Lock()
		if rt.busy[w] == 0 {
			rt.first[w] = t0.Sub(rt.start)
		}
		rt.busy[w] += d
		rt.n++
		tr.mu.Unlock()
	}
}

// end closes the current region's record.
func (tr *regionTracer) end() {
	tr.mu.Lock()
	tr.cur.stop = time.Now()
	tr.regions = append(tr.regions, *tr.cur)
	tr.mu.Unlock()
}

// parallelFor calls fn(i) for every i in [0, n), on up to threads goroutines. Each index
// runs exactly once and on one goroutine, so results written per index do not depend on
// threads. fn must not write to memory shared between indices.
func parallelFor(threads, n int, fn func(i int)) {
	if threads <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	parallelWork(threads, n, func(_, i int) { fn(i) })
}

// ParallelEach calls fn(w, i) for every i in [0, n) on up to threads workers (the
// caller and pooled goroutines), w in [0, threads) naming the worker that runs i; each
// index runs once, on one worker, so results written per index do not depend on threads.
// fn may use scratch owned by worker w. The problems use it to split a batch across a
// job's op threads.
func ParallelEach(threads, n int, fn func(w, i int)) { parallelWork(threads, n, fn) }

// addRowsChunk is the number of elements of dst that addRows hands to a worker at a time
// (16 KiB: the chunk of dst stays in the L1 cache while the rows are added to it).
const addRowsChunk = 4096

// addRows adds every row of rows (shape [n, len(dst)]) to dst, in row order: the weight
// gradients' sums over examples. dst is split into ranges across up to threads workers;
// each element receives the same additions in the same order for any threads.
func addRows(threads int, dst []float32, rows *Tensor) {
	n := rows.Shape[0]
	chunks := (len(dst) + addRowsChunk - 1) / addRowsChunk
	parallelFor(threads, chunks, func(c int) {
		lo, hi := c*addRowsChunk, min(len(dst), (c+1)*addRowsChunk)
		d := dst[lo:hi]
		for i := 0; i < n; i++ {
			addTo(d, rows.Example(i)[lo:hi])
		}
	})
}
