package summary

import "math"

// RunningMean is sipbench's one smoothing of a metric, used alike by the dashboard's
// curves and table, `sipbench show` and `sipbench plot`: the trailing mean of a stream over
// the last min(W, ⌈n/2⌉) of its n values so far, non-finite values left out. The window
// grows by one value every second value until it holds W, so that a curve starts at its
// first values and bends smoothly into the full window (a window that grows with every
// value and then stops makes a kink at step W). It needs O(W) memory whatever the length
// of the stream. The zero value is not usable; call NewRunningMean.
type RunningMean struct {
	w, n, win int       // full window, values seen, current window
	hist      []float64 // the last w+1 values by index n mod (w+1); NaN for non-finite ones
	sum       float64   // of the finite values in the window
	cnt       int       // finite values in the window
}

// NewRunningMean returns an empty running mean over windows of up to w values (w < 1 is
// raised to 1, which makes the mean equal the last value).
func NewRunningMean(w int) *RunningMean {
	w = max(w, 1)
	return &RunningMean{w: w, hist: make([]float64, w+1)}
}

// Add adds the next value and returns the mean of the window, NaN if the window holds no
// finite value.
func (r *RunningMean) Add(v float64) float64 {
	r.n++
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = math.NaN()
	} else {
		r.sum += v
		r.cnt++
	}
	size := len(r.hist)
	r.hist[r.n%size] = v
	win := min(r.w, (r.n+1)/2)
	for k := r.n - r.win; k <= r.n-win; k++ { // the values that leave the window
		if old := r.hist[k%size]; !math.IsNaN(old) {
			r.sum -= old
			r.cnt--
		}
	}
	r.win = win
	if r.n%size == 0 {
		// Sum the window afresh once per turn, so that rounding errors of the
		// subtractions cannot build up over millions of steps.
		r.sum, r.cnt = 0, 0
		for k := r.n - r.win + 1; k <= r.n; k++ {
			if x := r.hist[k%size]; !math.IsNaN(x) {
				r.sum += x
				r.cnt++
			}
		}
	}
	return r.Mean()
}

// Mean returns the mean of the current window (NaN before the first finite value).
func (r *RunningMean) Mean() float64 {
	if r.cnt == 0 {
		return math.NaN()
	}
	return r.sum / float64(r.cnt)
}

// Len returns the number of values added.
func (r *RunningMean) Len() int { return r.n }

// WindowAt returns the number of values the running mean over windows of up to w values
// averages once n values have been added: min(w, ⌈n/2⌉).
func WindowAt(w, n int) int { return min(max(w, 1), (n+1)/2) }
