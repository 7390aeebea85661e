package tune

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Grid returns the log grid of rates from lo to hi with perDecade points per decade:
// lo·10^(i/perDecade) for i = 0 … round(perDecade·log10(hi/lo)), each rounded to 3
// significant digits (so that rates have short names). It returns nil unless 0 < lo ≤ hi
// and perDecade ≥ 1.
func Grid(lo, hi float64, perDecade int) []float64 {
	if !(lo > 0 && lo <= hi) || perDecade < 1 || math.IsInf(hi, 0) {
		return nil
	}
	n := int(math.Round(float64(perDecade)*math.Log10(hi/lo))) + 1
	g := make([]float64, n)
	for i := range g {
		v := lo * math.Pow(10, float64(i)/float64(perDecade))
		g[i], _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	}
	return g
}

// Rungs returns the number of rungs that halve n candidates to one: 1 + the halvings,
// each keeping ⌈k/2⌉ of k.
func Rungs(n int) int {
	r := 1
	for ; n > 1; n = (n + 1) / 2 {
		r++
	}
	return r
}

// Schedule returns the training steps of each rung for n candidates and a last rung of
// steps: each rung half the next one's, at least 1.
func Schedule(n, steps int) []int {
	r := Rungs(n)
	out := make([]int, r)
	for i := range out {
		out[i] = max(1, steps>>(r-1-i))
	}
	return out
}

// Cost returns the training steps that a search of n candidates for each of m methods
// with a last rung of steps trains in all.
func Cost(n, m, steps int) int {
	ns := make([]int, m)
	for i := range ns {
		ns[i] = n
	}
	return CostOf(ns, steps)
}

// CostOf returns the training steps that a search with ns[i] candidates for method i and
// a last rung of steps trains in all: the schedule of the most candidates, each method
// halving its own (Search).
func CostOf(ns []int, steps int) int {
	n := 0
	for _, k := range ns {
		n = max(n, k)
	}
	alive := slices.Clone(ns)
	total := 0
	for _, s := range Schedule(n, steps) {
		for i, k := range alive {
			total += k * s
			alive[i] = (k + 1) / 2
		}
	}
	return total
}

// StepsFor returns the largest last rung's steps whose search (Cost) fits in budget
// training steps; 0 if not even 1 step does.
func StepsFor(n, m, budget int) int {
	ns := make([]int, m)
	for i := range ns {
		ns[i] = n
	}
	return StepsForOf(ns, budget)
}

// StepsForOf is StepsFor for ns[i] candidates of method i (CostOf).
func StepsForOf(ns []int, budget int) int {
	lo, hi := 0, max(1, budget)
	for lo < hi { // the largest s in [0, hi] with CostOf(ns, s) ≤ budget
		s := (lo + hi + 1) / 2
		if CostOf(ns, s) <= budget {
			lo = s
		} else {
			hi = s - 1
		}
	}
	return lo
}

// Keep returns which of scores are in the better half: the ⌈n/2⌉ lowest, ties to the
// earlier index (the lower rate). A NaN ranks as +Inf, last.
func Keep(scores []float64) []bool {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	key := func(i int) float64 {
		if math.IsNaN(scores[i]) {
			return math.Inf(1)
		}
		return scores[i]
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key(a), key(b)) })
	keep := make([]bool, len(scores))
	for _, i := range idx[:(len(scores)+1)/2] {
		keep[i] = true
	}
	return keep
}

// Evaluator trains the points alive of each method for steps and returns their scores
// (lower is better; +Inf for a point that diverged), in the order of alive's points. rung
// counts from 0.
type Evaluator func(ctx context.Context, rung, steps int, alive map[string][]Point) (map[string][]float64, error)

// Search runs successive halving over each method's candidates cands (Points: its
// learning rates, crossed with the values of any other hyper-parameter it declares
// tunable): rung r trains each method's surviving points for Schedule(n, steps)[r] steps
// (eval), n the most candidates of a method, and keeps the better half (Keep) for the
// next rung, until one point per method remains after the last rung (a method with fewer
// candidates gets there sooner, and its last point goes on training with the others).
// after, if not nil, is called with each rung's curves as it ends. It returns the rungs
// and each method's best point: the best of the last rung.
func Search(ctx context.Context, methods []string, cands map[string][]Point, steps int, eval Evaluator, after func(Rung)) ([]Rung, map[string]Point, error) {
	n := 0
	for _, m := range methods {
		if len(cands[m]) == 0 {
			return nil, nil, fmt.Errorf("tune: no candidates for %s", m)
		}
		n = max(n, len(cands[m]))
	}
	if len(methods) == 0 || steps < 1 {
		return nil, nil, fmt.Errorf("tune: nothing to search (%d methods, %d candidates, %d steps)", len(methods), n, steps)
	}
	alive := map[string][]Point{}
	for _, m := range methods {
		alive[m] = slices.Clone(cands[m])
	}
	var rungs []Rung
	best := map[string]Point{}
	for r, k := range Schedule(n, steps) {
		if err := ctx.Err(); err != nil {
			return rungs, nil, err
		}
		scores, err := eval(ctx, r, k, alive)
		if err != nil {
			return rungs, nil, err
		}
		rung := Rung{Rung: r, Steps: k}
		next := map[string][]Point{}
		for _, m := range methods {
			sc := scores[m]
			if len(sc) != len(alive[m]) {
				return rungs, nil, fmt.Errorf("tune: rung %d: %d scores for %d points of %s", r, len(sc), len(alive[m]), m)
			}
			keep := Keep(sc)
			c := Curve{Method: m, Kept: keep}
			for i, s := range sc {
				p := alive[m][i]
				c.Rates = append(c.Rates, p.LR)
				if len(p.Hypers) > 0 {
					c.Hypers = append(c.Hypers, p.Hypers)
				}
				c.Scores = append(c.Scores, Score(s))
				if keep[i] {
					next[m] = append(next[m], p)
				}
			}
			rung.Curves = append(rung.Curves, c)
			if len(alive[m]) == 1 {
				best[m] = alive[m][0]
			}
		}
		rungs = append(rungs, rung)
		if after != nil {
			after(rung)
		}
		alive = next
	}
	return rungs, best, nil
}
