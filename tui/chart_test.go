package tui

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/sipbench/sipbench/metrics"
	"github.com/sipbench/sipbench/summary"
)

func TestDownsample(t *testing.T) {
	// 10k points on 100 columns: 100 points per column; a spike and a dip survive.
	n := 10000
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range n {
		xs[i], ys[i] = float64(i), 1
	}
	ys[5050], ys[7020] = 50, -3
	cases := []struct {
		name             string
		x0, x1           float64
		cols, col, count int
		min, max         float64
	}{
		{"spike kept", 0, float64(n), 100, 50, 100, 1, 50},
		{"dip kept", 0, float64(n), 100, 70, 100, -3, 1},
		{"plain column", 0, float64(n), 100, 3, 100, 1, 1},
		{"more columns than points per column", 0, float64(n), 20000, 10100, 1, 50, 50},
		{"out of range clamps into the last column", 0, 5000, 10, 9, 5500, -3, 50},
	}
	for _, c := range cases {
		got := downsample(xs, ys, c.x0, c.x1, c.cols)
		a := got[c.col]
		if len(got) != c.cols || a.N != c.count || a.Min != c.min || a.Max != c.max {
			t.Errorf("%s: downsample(10k, [%g,%g], %d)[%d] = %+v (len %d); want N %d min %g max %g",
				c.name, c.x0, c.x1, c.cols, c.col, a, len(got), c.count, c.min, c.max)
		}
	}
	if got := downsample([]float64{1, 2}, []float64{3, 4}, 0, 1, 0); len(got) != 0 {
		t.Errorf("downsample to 0 columns = %v", got)
	}
}

func TestLogTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64 // log10 range
		maxN   int
		want   string
	}{
		{-3, -1, 6, "1e-3 3e-3 0.01 0.03 0.1"},
		{-3, -1, 12, "1e-3 2e-3 5e-3 0.01 0.02 0.05 0.1"},
		{-3, -1, 3, "1e-3 0.01 0.1"},
		{-8, 0, 5, "1e-8 1e-6 1e-4 0.01 1"},
		{0, 4, 5, "1 10 100 1000 1e4"},
		{-1.2, -0.9, 6, "0.07 0.08 0.09 0.1"},
		{math.Log10(0.031), math.Log10(0.034), 4, "0.031 0.032 0.033 0.034"},
		{2, 3, 2, "100 1000"},
	}
	for _, c := range cases {
		ticks, step := logTicks(c.lo, c.hi, c.maxN)
		var got []string
		for _, v := range ticks {
			if step > 0 {
				got = append(got, formatLin(v, step))
			} else {
				got = append(got, formatLog(v))
			}
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("logTicks(%g, %g, %d) = %q; want %q", c.lo, c.hi, c.maxN, g, c.want)
		}
		if len(ticks) > c.maxN {
			t.Errorf("logTicks(%g, %g, %d): %d ticks", c.lo, c.hi, c.maxN, len(ticks))
		}
	}
}

func TestFormatters(t *testing.T) {
	cases := []struct{ got, want string }{
		{formatLog(1e-3), "1e-3"}, {formatLog(3e-2), "0.03"}, {formatLog(2.9999e-5), "3e-5"},
		{formatLog(1), "1"}, {formatLog(500), "500"}, {formatLog(9.99), "10"}, {formatLog(1e6), "1e6"},
		{formatLin(0.25, 0.05), "0.25"}, {formatLin(1500, 500), "1500"}, {formatLin(2e5, 1e5), "2e+05"},
		{formatCount(950), "950"}, {formatCount(12000), "12k"}, {formatCount(1.5e6), "1.5M"},
		{formatDur(45), "45s"}, {formatDur(150), "2m30s"}, {formatDur(120), "2m"}, {formatDur(3900), "1h05m"}, {formatDur(math.NaN()), "-"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q; want %q", i, c.got, c.want)
		}
	}
}

// TestSmoothIsRunnersRunningMean checks that the dashboard smooths as `show` and the
// figures do: the running mean stored with each point equals runner.ReadCurve's at the
// same step, also in the first 128 steps, where the window still grows, and after the
// series has decimated itself.
func TestSmoothIsRunnersRunningMean(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "SIP-seed0"), 0o755)
	var csv strings.Builder
	csv.WriteString("step,wall_s,x_l1\n")
	s := newSeries(64) // decimates after 64 points
	const n = 1000
	for i := 1; i <= n; i++ {
		v := math.Exp(-float64(i)/200) * (1 + 0.3*math.Sin(float64(i)))
		if i == 7 {
			v = math.NaN() // left out of both means
		}
		fmt.Fprintf(&csv, "%d,%g,%.17g\n", i, float64(i), v)
		s.observe(v)
		if !math.IsNaN(v) {
			s.add(i, float64(i), v)
		}
	}
	os.WriteFile(filepath.Join(dir, "SIP-seed0", "metrics.csv"), []byte(csv.String()), 0o644)
	c, err := summary.ReadCurve(dir, "SIP-seed0", "x_l1", summary.CurveOptions{MaxPoints: 2 * n})
	if err != nil {
		t.Fatal(err)
	}
	if s.Stride == 1 {
		t.Fatal("the series did not decimate")
	}
	for _, p := range s.Points {
		if want := c.Mean.Values[p.Step-1]; math.Abs(p.Mean-want) > 1e-12*want {
			t.Errorf("step %d: stored running mean %g, runner.ReadCurve's %g", p.Step, p.Mean, want)
		}
	}
}

// chartSeries returns three curves spanning three decades, the last diverged.
func chartSeries() []curve {
	var out []curve
	for k, m := range []string{"Adam", "SGD", "SIP"} {
		s := curve{Name: m, Color: k, Diverged: m == "SGD"}
		n := 1000
		if s.Diverged {
			n = 400
		}
		rm := summary.NewRunningMean(metrics.DefaultWindow)
		for i := 1; i <= n; i++ {
			v := math.Pow(10, -float64(k+1)*float64(i)/1000) * (1 + 0.1*math.Sin(float64(i)))
			s.Points = append(s.Points, point{Step: i, Wall: float64(i) / 50, Value: v, Mean: rm.Add(v), N: 1})
		}
		out = append(out, s)
	}
	return out
}

func TestChartGolden(t *testing.T) {
	cases := []struct {
		name              string
		w, h              int
		log, wall, smooth bool
		ascii             bool
		profile           termenv.Profile
	}{
		{"log_step", 80, 20, true, false, false, false, termenv.Ascii},
		{"linear_wall_smooth", 80, 20, false, true, true, false, termenv.Ascii},
		{"log_ascii", 60, 14, true, false, false, true, termenv.ANSI256},
		{"log_step_braille_wide", 120, 30, true, false, true, false, termenv.ANSI256},
	}
	for _, c := range cases {
		c2 := newChart(newTheme(c.profile, c.ascii), chartKeys{})
		c2.SetTitle("x_l1")
		c2.SetMode(chartMode{LogY: c.log, XWall: c.wall, Smooth: c.smooth})
		c2.SetSize(c.w, c.h)
		c2.SetSeries(chartSeries())
		v := c2.View()
		lines := strings.Split(v, "\n")
		if len(lines) != c.h {
			t.Errorf("%s: %d lines; want %d", c.name, len(lines), c.h)
		}
		golden(t, "chart_"+c.name, v)
	}
}

func TestChartEmptyAndClipped(t *testing.T) {
	c := newChart(newTheme(termenv.ANSI256, false), chartKeys{})
	c.SetTitle("loss")
	c.SetSize(60, 12)
	if v := c.View(); !strings.Contains(v, "waiting for metrics") {
		t.Errorf("empty chart view lacks the waiting message:\n%s", v)
	}
	c.SetSeries([]curve{{Name: "SIP", Points: []point{{Step: 1, Value: 0}, {Step: 2, Value: -1}, {Step: 3, Value: 0.5}, {Step: 4, Value: 0.25}}}})
	v := c.View()
	if !strings.Contains(v, "2 values ≤0 hidden") {
		t.Errorf("clipped count missing from title:\n%s", v)
	}
	if !strings.Contains(v, "\x1b[") {
		t.Errorf("256-colour chart has no escape sequences")
	}
	for i := 0x2800; i <= 0x28ff; i++ {
		if strings.ContainsRune(v, rune(i)) && i != 0x2800 {
			return
		}
	}
	t.Errorf("no braille dots drawn:\n%s", v)
}

func BenchmarkChart(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := newChart(newTheme(termenv.ANSI256, false), chartKeys{})
			var ss []curve
			for k := range 6 {
				s := curve{Name: fmt.Sprint(k), Color: k}
				for i := 1; i <= n; i++ {
					s.Points = append(s.Points, point{Step: i, Value: math.Exp(-float64(i*(k+1)) / float64(n))})
				}
				ss = append(ss, s)
			}
			c.SetSize(110, 50)
			for b.Loop() {
				c.SetSeries(ss)
				_ = c.View()
			}
		})
	}
}

// TestSmoothingCycle: s cycles the smoothing through off, 16, 64 and 256 logged steps, the
// chart's title says which, and the table's value is the chart's last point: the running
// mean over that window (runner.RunningMean's, computed from the points kept).
func TestSmoothingCycle(t *testing.T) {
	d := liveDashboard(120, 36, nil)
	var titles []string
	for range 4 {
		feed(d, keyMsg("s"))
		title := strings.SplitN(ansi.Strip(d.chart.View()), "\n", 2)[0]
		titles = append(titles, title)
		w := d.chart.Mode().window()
		if w > 0 && !strings.Contains(title, fmt.Sprintf("mean of %d", w)) || w == 0 && strings.Contains(title, "mean of") {
			t.Errorf("window %d: title %q", w, title)
		}
		j := d.store.Jobs[0]
		m := j.Metric("x_l1")
		got, _ := j.Value(m, w)
		rm := summary.NewRunningMean(max(w, 1))
		for _, p := range j.Series[m].Points {
			rm.Add(p.Value)
		}
		if want := rm.Mean(); math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("window %d: the table's value %g; RunningMean's %g", w, got, want)
		}
	}
	if want := []int{256, 0, 16, 64}; !strings.Contains(titles[0], "mean of 256") || strings.Contains(titles[1], "mean of") ||
		!strings.Contains(titles[2], "mean of 16") || !strings.Contains(titles[3], "mean of 64") {
		t.Errorf("s from 64: titles %q; want the windows %v", titles, want)
	}
}
