package problems

import "sync"

// ParallelEach calls fn(w, i) for every i in [0, n) on up to threads goroutines, worker w
// taking i = w, w+threads, …; each index runs once, on one goroutine, so that results
// written per index do not depend on threads. fn may use scratch owned by worker w. The
// problems use it to split a batch across a job's op threads (problems/fluid too).
func ParallelEach(threads, n int, fn func(w, i int)) {
	threads = max(1, min(threads, n))
	if threads == 1 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(threads)
	for w := range threads {
		go func() {
			defer wg.Done()
			for i := w; i < n; i += threads {
				fn(w, i)
			}
		}()
	}
	wg.Wait()
}
