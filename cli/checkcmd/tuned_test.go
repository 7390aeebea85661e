package checkcmd

import (
	"path/filepath"
	"testing"

	"github.com/sipbench/sipbench/check"
	"github.com/sipbench/sipbench/stats"
)

// TestLowerEndVerdict judges rows by their interval's lower end: 5 seeds around 3.5 whose
// interval stays above the factor 3 hold; around 2 (above 1, below 3), short; a wide
// interval of 2 seeds reaching below 1 does not hold though its mean is 2; one seed is
// judged by its value; a row without a measurement keeps its verdict.
func TestLowerEndVerdict(t *testing.T) {
	c := &check.Claim{Factor: 3}
	row := func(rs []float64) check.Row {
		lo, hi := rs[0], rs[0]
		for _, r := range rs {
			lo, hi = min(lo, r), max(hi, r)
		}
		return check.Row{Claim: c, Verdict: check.Holds, Ratios: rs, Stats: check.Stats{Seeds: len(rs), Min: lo, Max: hi}, Interval: stats.RatioOf(rs)}
	}
	for _, tc := range []struct {
		rs   []float64
		want check.Verdict
	}{
		{[]float64{3.5, 3.6, 3.4, 3.55, 3.45}, check.Holds},
		{[]float64{2, 2.1, 1.9, 2.05, 1.95}, check.Short},
		{[]float64{1.5, 2.5}, check.Fails}, // Student's 2 ± 12.7·0.5: down to −4.4
		{[]float64{4}, check.Holds},
		{[]float64{0.9}, check.Fails},
	} {
		if got := LowerEndVerdict(row(tc.rs)); got != tc.want {
			t.Errorf("ratios %v (interval %v): %q; want %q", tc.rs, row(tc.rs).Interval, got, tc.want)
		}
	}
	if got := LowerEndVerdict(check.Row{Claim: c, Verdict: check.NotMeasured}); got != check.NotMeasured {
		t.Errorf("a row not measured: %q", got)
	}
}

// TestTunedEdgeNote: a best rate at the tune grid's lowest is flagged in the notes of
// check --tuned's rows whose claim involves the method, and not in the others'.
func TestTunedEdgeNote(t *testing.T) {
	c := &check.Claim{Terms: []check.Term{{Method: "sgd"}, {Method: "sip"}}}
	row := check.Row{Claim: c, Runs: []string{filepath.Join("chk", "tuned", "rotation-xi32-phi45")}}
	edges := map[string]map[string][]string{"rotation-xi32-phi45": {"sgd": {"lr 1e-05, the lowest tried"}}}
	if got := edgeNote(row, edges); got != "warning: sgd's tuned lr 1e-05, the lowest tried: its best may lie beyond the grid" {
		t.Errorf("edgeNote: %q", got)
	}
	row.Claim = &check.Claim{Terms: []check.Term{{Method: "adam"}, {Method: "sip"}}}
	if got := edgeNote(row, edges); got != "" {
		t.Errorf("edgeNote of a row without sgd: %q", got)
	}
}
