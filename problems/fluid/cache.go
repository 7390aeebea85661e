package fluid

import (
	"math"
	"slices"
)

// Metrics needs two rollouts per example (the ground truth's velocities for v_l1, and the
// prediction's, with its loss) that a training step has already run: Sample rolls out x*
// to make m_T, and the "sip" update (or Gradient) rolls out the prediction. trajCache
// keeps, per example index, what such a rollout gave, with a copy of its inputs; Metrics
// uses an entry only if its inputs are bit for bit the ones it is given, and rolls out
// otherwise. The results are the same either way, the cached values having been computed
// by the same code from the same inputs; a training step then runs three rollouts per
// example instead of five.
//
// The truth's entry keeps the cell-centred velocity of each state (hist). A prediction's
// entry keeps only its loss and its v_l1 sum against the truth's entry of the same example
// as it was when the prediction was recorded (gen names that entry's contents): the sum
// is taken while the prediction's states are in the simulation's tape, so that they are
// neither stored nor read back.
type trajCache struct {
	x, y []float32   // the inputs: x (2n²) and the observation (m₀, or m₀ and m_T)
	hist [][]float64 // truth: the cell-centred velocity of each of the Steps+1 states
	loss float64     // prediction: the loss of the rollout against y's m_T
	vl1  float64     // prediction: Σ over states and cells of |centres − truth's hist|
	gen  uint64      // truth: bumped by every record; prediction: the truth's gen of vl1 (0: none)
	ok   bool
}

// caches grows the tables of entries to batch examples.
func (f *Fluid) caches(batch int) {
	for len(f.truth) < batch {
		f.truth = append(f.truth, trajCache{})
		f.pred = append(f.pred, trajCache{})
	}
}

// recordTruth fills c from the rollout of the ground truth x (observation y = m₀) now in
// w.sim.
func (c *trajCache) recordTruth(w *Fluid, x, y []float32) {
	c.x = append(c.x[:0], x...)
	c.y = append(c.y[:0], y...)
	for len(c.hist) < len(w.sim.vel) {
		c.hist = append(c.hist, make([]float64, len(x)))
	}
	for k, s := range w.sim.vel {
		toCentres(c.hist[k], s, w.n)
	}
	c.gen++
	c.ok = true
}

// recordPred fills c from the rollout of the prediction x (observation y = m₀, m_T) now
// in w.sim, with its loss, and takes its v_l1 sum against truth if truth holds a rollout.
func (c *trajCache) recordPred(w *Fluid, x, y []float32, loss float64, truth *trajCache) {
	c.x = append(c.x[:0], x...)
	c.y = append(c.y[:0], y...)
	c.loss, c.gen, c.vl1 = loss, 0, 0
	if truth.ok {
		var s float64
		for k, v := range w.sim.vel {
			s = centresL1(s, v, truth.hist[k], w.n)
		}
		c.vl1, c.gen = s, truth.gen
	}
	c.ok = true
}

// hit reports whether c holds the rollout of exactly the inputs x and y (NaN never
// matches, so that a non-finite input is always recomputed).
func (c *trajCache) hit(x, y []float32) bool {
	return c.ok && slices.Equal(c.x, x) && slices.Equal(c.y, y)
}

// centresL1 returns acc + Σ_p |toCentres(s)[p] − ref[p]|, added in the order of p, with
// the same bits as toCentres into a buffer followed by that sum, without the buffer.
func centresL1(acc float64, s, ref []float64, n int) float64 {
	m := n * n
	for i := range n {
		su, r := s[i*n:i*n+n], ref[i*n:i*n+n]
		for j := range n - 1 {
			acc += math.Abs(0 + 0.5*(su[j]+su[j+1]) - r[j])
		}
		acc += math.Abs(0 + 0.5*(su[n-1]+su[0]) - r[n-1])
	}
	for i := range n {
		ip := next(i, n)
		sv, sn, r := s[m+i*n:m+i*n+n], s[m+ip*n:m+ip*n+n], ref[m+i*n:m+i*n+n]
		for j := range n {
			acc += math.Abs(0 + 0.5*(sv[j]+sn[j]) - r[j])
		}
	}
	return acc
}
