package stats

import (
	"math"
	"slices"
)

// SignTest returns the one-sided p-value of the exact sign test that the differences d
// lie above 0: P(K ≥ k) for K ~ Binomial(m, 1/2), where k of the m nonzero differences are
// positive (zeros are dropped). NaN if no difference is nonzero, or one is NaN. For 5
// positive of 5, p = 1/32 = 0.03125.
func SignTest(d []float64) float64 {
	m, k := 0, 0
	for _, x := range d {
		switch {
		case math.IsNaN(x):
			return math.NaN()
		case x > 0:
			m, k = m+1, k+1
		case x < 0:
			m++
		}
	}
	if m == 0 {
		return math.NaN()
	}
	var p float64
	for j := k; j <= m; j++ {
		p += binom(m, j)
	}
	return p / math.Exp2(float64(m))
}

// binom returns the binomial coefficient m choose j, as a float64.
func binom(m, j int) float64 {
	c := 1.0
	for i := 1; i <= j; i++ {
		c = c * float64(m-j+i) / float64(i)
	}
	return math.Round(c)
}

// SignedRank returns the one-sided p-value of the exact Wilcoxon signed-rank test that
// the differences d lie above 0 (symmetric about a positive centre): P(W ≥ w) under the
// null hypothesis that each rank's sign is + or − with probability 1/2, where w is the sum
// of the ranks of |d| that belong to positive differences. Zeros are dropped (Wilcoxon's
// rule); tied magnitudes share their mean rank, and the null distribution is the exact one
// of those mid-ranks (enumerated over the 2ᵐ sign patterns by dynamic programming on
// doubled ranks, which are integers). NaN if no difference is nonzero, or one is NaN. For
// d = 1, 2, 3, −4, 5 (w = 11 of 15), p = 7/32.
func SignedRank(d []float64) float64 {
	var abs []float64
	pos := map[int]bool{}
	for _, x := range d {
		if math.IsNaN(x) {
			return math.NaN()
		}
		if x != 0 {
			if x > 0 {
				pos[len(abs)] = true
			}
			abs = append(abs, math.Abs(x))
		}
	}
	m := len(abs)
	if m == 0 {
		return math.NaN()
	}
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpFloat(abs[a], abs[b]) })
	rank2 := make([]int, m) // doubled mid-ranks: ranks i+1..j of a tie get i+1+j
	for i := 0; i < m; {
		j := i
		for j+1 < m && abs[order[j+1]] == abs[order[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			rank2[order[k]] = i + 1 + j + 1
		}
		i = j + 1
	}
	w2, total := 0, 0
	for i, r := range rank2 {
		total += r
		if pos[i] {
			w2 += r
		}
	}
	// count[s]: the number of sign patterns whose positive doubled ranks sum to s.
	count := make([]float64, total+1)
	count[0] = 1
	for _, r := range rank2 {
		for s := total; s >= r; s-- {
			count[s] += count[s-r]
		}
	}
	var tail float64
	for s := w2; s <= total; s++ {
		tail += count[s]
	}
	return tail / math.Exp2(float64(m))
}

// cmpFloat orders a before b by value.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
