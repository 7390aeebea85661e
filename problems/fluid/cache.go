package fluid

import "slices"

// Metrics needs two rollouts per example (the ground truth's velocities for v_l1, and the
// prediction's, with its loss) that a training step has already run: Sample rolls out x*
// to make m_T, and the "sip" update rolls out the prediction. trajCache keeps, per example
// index, what such a rollout gave, with a copy of its inputs; Metrics uses an entry only if
// its inputs are bit for bit the ones it is given, and rolls out otherwise. The results are
// the same either way, the cached values having been computed by the same code from the
// same inputs; a training step then runs three rollouts per example instead of five.
type trajCache struct {
	x, y []float32   // the inputs: x (2n²) and the observation (m₀, or m₀ and m_T)
	hist [][]float64 // the cell-centred velocity of each of the Steps+1 states
	loss float64     // the loss of the rollout against y's m_T (predictions only)
	ok   bool
}

// caches grows the tables of entries to batch examples.
func (f *Fluid) caches(batch int) {
	for len(f.truth) < batch {
		f.truth = append(f.truth, trajCache{})
		f.pred = append(f.pred, trajCache{})
	}
}

// record fills c from the rollout now in w.sim of the inputs x and y (y as kept: m₀ only
// for the truth, m₀ and m_T for a prediction) with the given loss.
func (c *trajCache) record(w *Fluid, x, y []float32, loss float64) {
	c.x = append(c.x[:0], x...)
	c.y = append(c.y[:0], y...)
	for len(c.hist) < len(w.sim.vel) {
		c.hist = append(c.hist, make([]float64, len(x)))
	}
	for k, s := range w.sim.vel {
		toCentres(c.hist[k], s, w.n)
	}
	c.loss, c.ok = loss, true
}

// hit reports whether c holds the rollout of exactly the inputs x and y (NaN never
// matches, so that a non-finite input is always recomputed).
func (c *trajCache) hit(x, y []float32) bool {
	return c.ok && slices.Equal(c.x, x) && slices.Equal(c.y, y)
}
