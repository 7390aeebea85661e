package problems

import "github.com/sipbench/sipbench/core"

// ParallelEach calls fn(w, i) for every i in [0, n) on up to threads workers (the caller
// and pooled goroutines, see core.ParallelEach), w in [0, threads) naming the worker that
// runs i; each index runs once, on one worker, so that results written per index do not
// depend on threads. fn may use scratch owned by worker w. The problems use it to split a
// batch across a job's op threads (problems/fluid too).
func ParallelEach(threads, n int, fn func(w, i int)) { core.ParallelEach(threads, n, fn) }
