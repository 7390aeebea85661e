package core

import "sync"

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
	if threads > n {
		threads = n
	}
	var wg sync.WaitGroup
	wg.Add(threads)
	for w := 0; w < threads; w++ {
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += threads {
				fn(i)
			}
		}(w)
	}
	wg.Wait()
}
