package figures

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
)

// fixture describes a run folder made without training: runner.Create writes run.json
// and the job folders, and the test writes each job's metrics.csv and snapshot.json.
type fixture struct {
	preset  string
	methods []string
	seeds   int
	sets    []string
	steps   int // rows of metrics.csv per job (0: none)
	// partial leaves job k's rows at steps − 37·k and an unfinished last line, as a run
	// still training does.
	partial bool
	snap    func(rng *rand.Rand, method string) *folder.Snapshot
	dir     string // the run folder; if empty, one in a new temporary folder
}

func (fx fixture) make(t testing.TB) (string, folder.Info) {
	t.Helper()
	p, err := presets.Lookup(fx.preset)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := p.Resolve("quick", fx.methods, fx.sets)
	if err != nil {
		t.Fatal(err)
	}
	seeds := make([]int, max(fx.seeds, 1))
	for i := range seeds {
		seeds[i] = i
	}
	dir := fx.dir
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "run")
	}
	r, err := runner.Create(spec, seeds, dir)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for k, j := range r.Info.Jobs {
		var b strings.Builder
		b.WriteString(strings.Join(append([]string{"step", "wall_s"}, r.Info.Metrics...), ","))
		b.WriteByte('\n')
		rows := fx.steps
		if fx.partial {
			rows -= 37 * k
		}
		rate := 1 / float64(100*(1+slices.Index(r.Info.Methods, j.Method)))
		for s := 1; s <= rows; s++ {
			fmt.Fprintf(&b, "%d,%.4f", s, 0.01*float64(s))
			for range r.Info.Metrics { // a noisy exponential decay, slower for later methods
				fmt.Fprintf(&b, ",%g", math.Exp(-rate*float64(s))*(1+0.3*rng.Float64())*(1+0.05*float64(j.Seed)))
			}
			b.WriteByte('\n')
		}
		if fx.partial {
			b.WriteString("99999,1")
		}
		if err := os.WriteFile(filepath.Join(dir, j.ID, "metrics.csv"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if fx.snap != nil {
			if s := fx.snap(rng, j.Method); s != nil {
				data, _ := json.Marshal(s)
				os.WriteFile(filepath.Join(dir, j.ID, "snapshot.json"), data, 0o644)
			}
		}
	}
	return dir, r.Info
}

// gridSnapshot is a field preset's snapshot: x*, y*, x and x−x* of shape [c, n, n].
func gridSnapshot(c, n int) func(*rand.Rand, string) *folder.Snapshot {
	return func(rng *rand.Rand, method string) *folder.Snapshot {
		xs, ys, x, e := make([]float32, c*n*n), make([]float32, c*n*n), make([]float32, c*n*n), make([]float32, c*n*n)
		for i := range xs {
			xs[i] = float32(math.Sin(float64(i) / 7))
			ys[i] = float32(math.Cos(float64(i) / 11))
			x[i] = xs[i] + float32(0.2*rng.NormFloat64())
			e[i] = x[i] - xs[i]
		}
		sh := []int{c, n, n}
		return &folder.Snapshot{Step: 100, Fields: []folder.Field{{Name: "x*", Shape: sh, Data: xs}, {Name: "y*", Shape: sh, Data: ys},
			{Name: "x", Shape: sh, Data: x}, {Name: "x-x*", Shape: sh, Data: e}}}
	}
}

// pointSnapshot is a snapshot of a batch of b examples with k components each.
func pointSnapshot(b, k int) func(*rand.Rand, string) *folder.Snapshot {
	return func(rng *rand.Rand, method string) *folder.Snapshot {
		var xs, ys, x, e []float32
		for i := 0; i < b*k; i++ {
			v := float32(-12 * rng.Float64())
			xs, ys = append(xs, v), append(ys, float32(math.Exp(float64(v))))
			x = append(x, v+float32(rng.NormFloat64()))
			e = append(e, x[i]-v)
		}
		sh := []int{b, k}
		return &folder.Snapshot{Step: 100, Fields: []folder.Field{{Name: "x*", Shape: sh, Data: xs}, {Name: "y*", Shape: sh, Data: ys},
			{Name: "x", Shape: sh, Data: x}, {Name: "x-x*", Shape: sh, Data: e}}}
	}
}

// pathSnapshot is the trajectories' snapshot: a path in x and in y space.
func pathSnapshot(rng *rand.Rand, method string) *folder.Snapshot {
	var p, y []float32
	a, b := 3.0, 3.0
	for i := 0; i <= 20; i++ {
		p, y = append(p, float32(a), float32(b)), append(y, float32(a), float32(b*b))
		a, b = a*0.8, b*(0.7+0.2*rng.Float64())
	}
	return &folder.Snapshot{Step: 20, Fields: []folder.Field{{Name: "path", Shape: []int{21, 2}, Data: p}, {Name: "y-path", Shape: []int{21, 2}, Data: y}}}
}

// checkPNG decodes a PNG figure and checks its size and that every panel's data area
// holds pixels other than the white background.
func checkPNG(t *testing.T, name string, f *Figure) {
	t.Helper()
	b, err := f.Encode("png")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: decoding the PNG: %v", name, err)
	}
	wantW, wantH := int(math.Round(float64(f.Width/vg.Inch)*PNGDPI)), int(math.Round(float64(f.Height/vg.Inch)*PNGDPI))
	if got := img.Bounds().Size(); got.X != wantW || got.Y != wantH {
		t.Errorf("%s: PNG is %v, want %dx%d", name, got, wantW, wantH)
	}
	if len(f.rects) != f.Panels || f.Panels == 0 {
		t.Fatalf("%s: %d panel areas drawn, Panels = %d", name, len(f.rects), f.Panels)
	}
	for k, r := range f.rects {
		// vg's y axis points up, the image's down.
		px := func(l vg.Length) int { return int(float64(l/vg.Inch) * PNGDPI) }
		rect := image.Rect(px(r.Min.X)+1, wantH-px(r.Max.Y)+1, px(r.Max.X)-1, wantH-px(r.Min.Y)-1)
		inked, total := 0, 0
		pix, stride := rgbaPix(t, img)
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			for x := rect.Min.X; x < rect.Max.X; x++ {
				total++
				if p := pix[y*stride+4*x:]; p[0] < 0xF0 || p[1] < 0xF0 || p[2] < 0xF0 {
					inked++
				}
			}
		}
		if total == 0 || inked < total/200 {
			t.Errorf("%s: panel %d (%v) has %d non-background pixels of %d", name, k, rect, inked, total)
		}
	}
}

// rgbaPix returns the 8-bit RGBA pixels of a decoded PNG (opaque, so premultiplied or
// not is the same).
func rgbaPix(t *testing.T, img image.Image) ([]uint8, int) {
	switch m := img.(type) {
	case *image.RGBA:
		return m.Pix, m.Stride
	case *image.NRGBA:
		return m.Pix, m.Stride
	}
	t.Fatalf("PNG decoded as %T, want RGBA", img)
	return nil, 0
}

// svgPaths parses an SVG and returns the style of every path and the text of every text.
func svgPaths(t *testing.T, b []byte) (styles, texts []string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	inText := false
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inText = e.Name.Local == "text"
			if e.Name.Local == "path" {
				for _, a := range e.Attr {
					if a.Name.Local == "style" {
						styles = append(styles, a.Value)
					}
				}
			}
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(e)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if len(styles) == 0 {
		t.Fatal("the SVG has no path")
	}
	return styles, texts
}

func abs(x int) int { return max(x, -x) }

func hex(i int) string {
	c := seriesColor(i)
	return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B)
}

func TestCurvesSeeds(t *testing.T) {
	dir, info := fixture{preset: "poisson", methods: []string{"sip", "adam", "sgd"}, seeds: 3, steps: 300}.make(t)
	f, err := New([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sip (3 seeds)", "adam (3 seeds)", "sgd (3 seeds)"}
	if !slices.Equal(f.Labels, want) {
		t.Errorf("labels %q, want %q", f.Labels, want)
	}
	checkPNG(t, "curves", f)
	svg, err := f.Encode("svg")
	if err != nil {
		t.Fatal(err)
	}
	styles, texts := svgPaths(t, svg)
	// One path per method's mean curve, and one in its legend entry: drawn in the full
	// colour at the mean's width. The seeds' band is a filled path of the same hue.
	for i, m := range info.Methods {
		stroke := fmt.Sprintf("stroke:%s;stroke-width:%g", hex(i), float64(meanWidth))
		n := 0
		for _, s := range styles {
			if strings.Contains(s, stroke) && !strings.Contains(s, "stroke-opacity") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%s: %d paths stroked %q, want 2 (the curve and its legend entry)", m, n, stroke)
		}
	}
	for _, l := range want {
		if !slices.Contains(texts, l) {
			t.Errorf("the SVG has no legend label %q (texts %q)", l, texts)
		}
	}
	pdf, err := f.Encode("pdf")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("PDF: %v, starts with %q", err, pdf[:min(len(pdf), 8)])
	}
}

func TestCurvesOneSeedAndWallTime(t *testing.T) {
	dir, info := fixture{preset: "exp", methods: []string{"rescaled", "adam"}, steps: 500}.make(t)
	f, err := New([]string{dir}, Options{Wall: true, Metric: "y_l2"})
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "one seed", f)
	svg, _ := f.Encode("svg")
	styles, texts := svgPaths(t, svg)
	for i := range info.Methods { // the raw values, faint, behind each curve
		want := seriesColor(i)
		found := slices.ContainsFunc(styles, func(s string) bool {
			var r, g, b int
			var op float64
			if _, err := fmt.Sscanf(s, "fill:none;stroke:#%02X%02X%02X;stroke-opacity:%g;", &r, &g, &b, &op); err != nil || op > 0.5 {
				return false
			}
			// The colour is stored with its alpha premultiplied: allow a rounding step.
			return abs(r-int(want.R)) <= 2 && abs(g-int(want.G)) <= 2 && abs(b-int(want.B)) <= 2
		})
		if !found {
			t.Errorf("no faint raw curve in %s", hex(i))
		}
	}
	if !slices.Contains(texts, "training time (s)") || !slices.Contains(texts, "loss, ½‖P(x) − y*‖²") {
		t.Errorf("axis labels missing: %q", texts)
	}
}

func TestCurvesSeveralRuns(t *testing.T) {
	a, _ := fixture{preset: "poisson", methods: []string{"sip", "adam"}, sets: []string{"lr.adam=1e-3"}, steps: 200}.make(t)
	b, _ := fixture{preset: "poisson", methods: []string{"sip", "adam"}, sets: []string{"lr.adam=1e-4"}, steps: 200}.make(t)
	f, err := New([]string{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// sip's settings are the same in both: its lines are named by what differs between
	// the runs (runner.CompareLines). The rates are the methods' own, as numbers (the
	// folder records them with the jobs, not as the --set text "1e-3").
	want := []string{"sip (lr.adam=0.001)", "adam lr=0.001", "sip (lr.adam=0.0001)", "adam lr=0.0001"}
	if !slices.Equal(f.Labels, want) {
		t.Errorf("labels %q, want %q", f.Labels, want)
	}
	checkPNG(t, "two runs", f)
	// One method in two runs: coloured by run.
	c, _ := fixture{preset: "poisson", methods: []string{"adam"}, sets: []string{"batch=8"}, steps: 100}.make(t)
	d, _ := fixture{preset: "poisson", methods: []string{"adam"}, sets: []string{"batch=16"}, steps: 100}.make(t)
	f, err = New([]string{c, d}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"adam batch=8", "adam batch=16"}; !slices.Equal(f.Labels, want) {
		t.Errorf("labels %q, want %q", f.Labels, want)
	}
	svg, _ := f.Encode("svg")
	styles, _ := svgPaths(t, svg)
	for i := range 2 {
		if !slices.ContainsFunc(styles, func(s string) bool { return strings.Contains(s, "stroke:"+hex(i)+";stroke-width:1.3") }) {
			t.Errorf("no curve in colour %d", i)
		}
	}
}

// TestStillTraining: a run whose jobs are at different steps, one of them with nothing
// logged yet, and an unfinished last line: it plots what has been logged.
func TestStillTraining(t *testing.T) {
	dir, info := fixture{preset: "heat", methods: []string{"sip", "adam", "sgd"}, seeds: 2, steps: 220, partial: true}.make(t)
	os.WriteFile(filepath.Join(dir, info.Jobs[len(info.Jobs)-1].ID, "metrics.csv"), []byte("step,wall_s,"), 0o644)
	f, err := New([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sip (2 seeds)", "adam (2 seeds)", "sgd"}
	if !slices.Equal(f.Labels, want) {
		t.Errorf("labels %q, want %q", f.Labels, want)
	}
	checkPNG(t, "still training", f)
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fx    fixture
		kind  Kind
		panel int
	}{
		{"poisson fields", fixture{preset: "poisson", methods: []string{"sip", "adam", "sgd"}, steps: 10, snap: gridSnapshot(1, 16)}, Fields, 8},
		{"fluid fields", fixture{preset: "fluid", methods: []string{"sip", "gd"}, steps: 10, snap: gridSnapshot(2, 12)}, Fields, 12},
		{"exp scatter", fixture{preset: "exp", methods: []string{"rescaled", "adam", "sgd"}, steps: 10, snap: pointSnapshot(100, 1)}, Scatter, 1},
		{"rotation xspace", fixture{preset: "rotation", methods: []string{"sip", "adam", "sgd", "adagrad"}, steps: 10, snap: pointSnapshot(50, 2)}, XSpace, 4},
		{"trajectories xspace", fixture{preset: "trajectories", methods: []string{"pi", "newton", "gd"}, steps: 20, snap: pathSnapshot}, XSpace, 2},
	} {
		dir, _ := tc.fx.make(t)
		kinds, err := DefaultKinds(dir)
		if err != nil || !slices.Equal(kinds, []Kind{Curves, tc.kind}) {
			t.Errorf("%s: default kinds %v, %v", tc.name, kinds, err)
		}
		// A small size keeps the test quick under the race detector.
		f, err := New([]string{dir}, Options{Kind: tc.kind, Width: 3.5 * vg.Inch, Height: 2.6 * vg.Inch})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if f.Panels != tc.panel {
			t.Errorf("%s: %d panels, want %d", tc.name, f.Panels, tc.panel)
		}
		checkPNG(t, tc.name, f)
		// Every kind draws through the same vg back ends: one SVG and one PDF suffice
		// (TestCurvesSeeds checks those of the curves).
		switch tc.kind {
		case XSpace:
			out := filepath.Join(t.TempDir(), "f.svg")
			if b, err := os.ReadFile(out); f.Save(out) != nil || err == nil && !bytes.Contains(b, []byte("<svg")) {
				t.Errorf("%s: SVG", tc.name)
			}
		case Fields: // its images are embedded
			if b, err := f.Encode("pdf"); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("%s: PDF %v", tc.name, err)
			}
		}
	}
}

func TestSizes(t *testing.T) {
	dir, _ := fixture{preset: "exp", methods: []string{"adam"}, steps: 50}.make(t)
	for _, tc := range []struct{ w, h string }{{"640", "400"}, {"8cm", "6cm"}, {"900px", "2in"}} {
		w, err1 := ParseLength(tc.w)
		h, err2 := ParseLength(tc.h)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		f, err := New([]string{dir}, Options{Width: w, Height: h})
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != w || f.Height != h {
			t.Errorf("%s×%s: figure %v×%v", tc.w, tc.h, f.Width, f.Height)
		}
		checkPNG(t, tc.w+"x"+tc.h, f)
	}
	if l, _ := ParseLength("400"); math.Abs(float64(l/vg.Inch)-2) > 1e-12 {
		t.Errorf("400 px = %v in, want 2 at %d dpi", l/vg.Inch, PNGDPI)
	}
	for _, bad := range []string{"", "0", "-3in", "abc", "10km", "1e9", "NaN", "50"} {
		if _, err := ParseLength(bad); err == nil {
			t.Errorf("ParseLength(%q): no error", bad)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir, info := fixture{preset: "poisson", methods: []string{"sip", "adam"}, steps: 20}.make(t)
	if _, err := New([]string{dir}, Options{Metric: "nope"}); !errors.Is(err, summary.ErrNoMetric) {
		t.Errorf("unknown metric: %v", err)
	}
	if _, err := New([]string{dir}, Options{Kind: Scatter}); !errors.Is(err, ErrKind) {
		t.Errorf("scatter of poisson without snapshots: %v", err)
	}
	if _, err := New([]string{dir, dir}, Options{Kind: Fields}); !errors.Is(err, ErrKind) {
		t.Errorf("fields of two runs: %v", err)
	}
	if _, err := New([]string{t.TempDir()}, Options{}); err == nil || !strings.Contains(err.Error(), "not a run folder") {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := ParseKind("pie"); !errors.Is(err, ErrKind) {
		t.Errorf("ParseKind(pie): %v", err)
	}
	if _, err := Format("x.jpg"); !errors.Is(err, ErrFormat) {
		t.Errorf("Format(x.jpg): %v", err)
	}
	f, err := New([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Save(filepath.Join(dir, "no", "such", "dir", "f.png")); err == nil {
		t.Error("Save into a missing folder: no error")
	}
	// A snapshot of the wrong shape, a damaged run.json, a job outside the folder.
	bad := &folder.Snapshot{Fields: []folder.Field{{Name: "x*", Shape: []int{1, 4, 4}, Data: []float32{1}}, {Name: "y*", Shape: []int{1, 4, 4}, Data: []float32{1}}}}
	b, _ := json.Marshal(bad)
	os.WriteFile(filepath.Join(dir, info.Jobs[0].ID, "snapshot.json"), b, 0o644)
	if _, err := New([]string{dir}, Options{Kind: Fields}); err == nil {
		t.Error("a snapshot whose data does not fit its shape: no error")
	}
	os.WriteFile(filepath.Join(dir, info.Jobs[0].ID, "snapshot.json"), []byte("{"), 0o644)
	if _, err := New([]string{dir}, Options{Kind: Fields}); err == nil {
		t.Error("a damaged snapshot: no error")
	}
	info.Jobs[0].ID = "../elsewhere"
	b, _ = json.Marshal(info)
	os.WriteFile(filepath.Join(dir, "run.json"), b, 0o644)
	if _, err := New([]string{dir}, Options{}); err == nil || !strings.Contains(err.Error(), "plain folder name") {
		t.Errorf("a job outside the folder: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "run.json"), []byte("[1,2"), 0o644)
	if _, err := New([]string{dir}, Options{}); err == nil {
		t.Error("damaged run.json: no error")
	}
	// figures/ as a link out of the run folder is refused.
	dir2, _ := fixture{preset: "exp", methods: []string{"adam"}, steps: 5}.make(t)
	os.Symlink(t.TempDir(), filepath.Join(dir2, "figures"))
	if _, err := DefaultPath(dir2, Curves); err == nil {
		t.Error("figures/ is a symbolic link: no error")
	}
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{1e-4, 100, []string{"10^{−4}", "10^{−3}", "10^{−2}", "10^{−1}", "10^{0}", "10^{1}", "10^{2}"}},
		{0.15, 0.9, []string{"0.2", "0.3", "0.5"}},
		{1.7, 8, []string{"2", "3", "5"}},
		{0.013, 2.3, []string{"0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"}},
	} {
		var got []string
		for _, tk := range (logTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("log ticks on [%g, %g]: %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
	if ts := (logTicks{}).Ticks(0, 1); ts != nil {
		t.Errorf("log ticks from 0: %v, want none", ts)
	}
}

func TestSweep(t *testing.T) {
	dir := t.TempDir()
	info := folder.SweepInfo{Preset: "rotation", Scale: "quick", Keys: []string{"xi", "phi"}, Methods: []string{"sip", "adam"}}
	for _, xi := range []string{"1", "4", "32"} {
		for _, phi := range []string{"0", "45"} {
			name := "xi=" + xi + "_phi=" + phi
			fixture{preset: "rotation", methods: info.Methods, seeds: 2, steps: 100, sets: []string{"xi=" + xi, "phi=" + phi},
				dir: filepath.Join(dir, name)}.make(t)
			info.Runs = append(info.Runs, folder.SweepRun{Dir: name, Values: map[string]string{"xi": xi, "phi": phi}})
		}
	}
	info.Runs = append(info.Runs, folder.SweepRun{Dir: "later", Values: map[string]string{"xi": "64", "phi": "0"}}) // not started
	b, _ := json.Marshal(info)
	os.WriteFile(filepath.Join(dir, folder.SweepFile), b, 0o644)
	if kinds, err := DefaultKinds(dir); err != nil || !slices.Equal(kinds, []Kind{Sweep}) {
		t.Errorf("default kinds of a sweep folder: %v, %v", kinds, err)
	}
	f, err := New([]string{dir}, Options{Kind: Sweep})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sip phi=0", "adam phi=0", "sip phi=45", "adam phi=45", "sip xi=1", "adam xi=1", "sip xi=4", "adam xi=4", "sip xi=32", "adam xi=32"}
	if f.Panels != 2 || !slices.Equal(f.Labels, want) || !strings.Contains(f.Note, "later") {
		t.Errorf("sweep: %d panels, labels %q, note %q", f.Panels, f.Labels, f.Note)
	}
	checkPNG(t, "sweep", f)
	if _, err := New([]string{dir}, Options{Kind: Curves}); !errors.Is(err, ErrKind) {
		t.Errorf("curves of a sweep folder: %v, want ErrKind", err)
	}
	info.Runs[0].Dir = "../x"
	b, _ = json.Marshal(info)
	os.WriteFile(filepath.Join(dir, folder.SweepFile), b, 0o644)
	if _, err := New([]string{dir}, Options{Kind: Sweep}); err == nil {
		t.Error("a sweep run outside the sweep folder: no error")
	}
}

func TestTable1(t *testing.T) {
	dir, _ := fixture{preset: "fluid", methods: []string{"sip"}, steps: 5}.make(t)
	if _, err := New([]string{dir}, Options{Kind: Table1}); !errors.Is(err, ErrKind) {
		t.Errorf("table1 without a result: %v, want ErrKind", err)
	}
	res := summary.Table1Result{Job: "sip-seed0", Step: 5, Examples: 4, Rows: []summary.Table1Row{
		{Name: "network (batches of 64)", Network: true, Seconds: 1e-4, MAE: 0.3, N: 4},
		{Name: "iterative solver: sip update, x ← x + Δx", Iters: 7, Seconds: 2.2, Reached: 4, N: 4, Limit: 200},
		{Name: "gradient descent, x ← x − 20·∂L/∂x", N: 4, Limit: 200},
	}}
	if err := summary.WriteTable1(dir, res); err != nil {
		t.Fatal(err)
	}
	if kinds, _ := DefaultKinds(dir); !slices.Contains(kinds, Table1) {
		t.Errorf("default kinds %v lack table1", kinds)
	}
	f, err := New([]string{dir}, Options{Kind: Table1})
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "table1", f)
	svg, _ := f.Encode("svg")
	_, texts := svgPaths(t, svg)
	for _, w := range []string{"network (batches of 64)", "7 iterations", "not reached in 200 iterations", "gradient descent"} {
		if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("table1 figure lacks %q: %q", w, texts)
		}
	}
}
