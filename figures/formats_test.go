package figures

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// everyKind builds one figure of every kind (two of fields and xspace: a one-channel and a
// two-channel field, points and paths), at a small size.
func everyKind(t *testing.T) map[string]*Figure {
	t.Helper()
	size := Options{Width: 4 * vg.Inch, Height: 3 * vg.Inch}
	out := map[string]*Figure{}
	add := func(name string, dir string, kind Kind) {
		o := size
		o.Kind = kind
		f, err := New([]string{dir}, o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = f
	}
	dir, _ := fixture{preset: "exp", methods: []string{"rescaled", "adam"}, seeds: 2, steps: 300, snap: pointSnapshot(200, 1)}.make(t)
	add("curves", dir, Curves)
	add("scatter", dir, Scatter)
	dir, _ = fixture{preset: "poisson", methods: []string{"sip", "adam"}, steps: 10, snap: gridSnapshot(1, 16)}.make(t)
	add("fields", dir, Fields)
	dir, _ = fixture{preset: "fluid", methods: []string{"sip"}, steps: 10, snap: gridSnapshot(2, 16)}.make(t)
	add("fields-fluid", dir, Fields)
	dir, _ = fixture{preset: "rotation", methods: []string{"sip", "adam"}, steps: 10, snap: pointSnapshot(50, 2)}.make(t)
	add("xspace", dir, XSpace)
	dir, _ = fixture{preset: "trajectories", methods: []string{"pi", "newton", "gd"}, steps: 20, snap: pathSnapshot}.make(t)
	add("xspace-paths", dir, XSpace)

	sweep := t.TempDir()
	info := folder.SweepInfo{Preset: "rotation", Scale: "quick", Keys: []string{"xi"}, Methods: []string{"sip", "adam"}}
	for _, xi := range []string{"1", "4", "32"} {
		name := "xi=" + xi
		fixture{preset: "rotation", methods: info.Methods, steps: 100, sets: []string{name}, dir: filepath.Join(sweep, name)}.make(t)
		info.Runs = append(info.Runs, folder.SweepRun{Dir: name, Values: map[string]string{"xi": xi}})
	}
	b, _ := json.Marshal(info)
	os.WriteFile(filepath.Join(sweep, folder.SweepFile), b, 0o644)
	add("sweep", sweep, Sweep)

	dir, _ = fixture{preset: "fluid", methods: []string{"sip"}, steps: 5}.make(t)
	res := summary.Table1Result{Job: "sip-seed0", Step: 5, Examples: 4, Rows: []summary.Table1Row{
		{Name: "network (batches of 64)", Network: true, Seconds: 1e-4, MAE: 0.3, N: 4},
		{Name: "iterative solver: sip update", Iters: 7, Seconds: 2.2, Reached: 4, N: 4, Limit: 200},
	}}
	if err := summary.WriteTable1(dir, res); err != nil {
		t.Fatal(err)
	}
	add("table1", dir, Table1)
	return out
}

// raster turns a PDF or an SVG into an image of the PNG's resolution with poppler's
// pdftoppm or librsvg's rsvg-convert; it skips the test if the tool is not installed
// (CI installs both).
func raster(t *testing.T, format string, b []byte) image.Image {
	t.Helper()
	tmp := t.TempDir()
	in := filepath.Join(tmp, "f."+format)
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dpi := strconv.Itoa(PNGDPI)
	var cmd *exec.Cmd
	switch format {
	case "pdf":
		if _, err := exec.LookPath("pdftoppm"); err != nil {
			t.Skip("pdftoppm (Debian's poppler-utils) is not installed")
		}
		cmd = exec.Command("pdftoppm", "-png", "-r", dpi, "-singlefile", in, filepath.Join(tmp, "out"))
	case "svg":
		if _, err := exec.LookPath("rsvg-convert"); err != nil {
			t.Skip("rsvg-convert (Debian's librsvg2-bin) is not installed")
		}
		cmd = exec.Command("rsvg-convert", "-d", dpi, "-p", dpi, "-b", "white", "-o", filepath.Join(tmp, "out.png"), in)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd, err, out)
	}
	r, err := os.ReadFile(filepath.Join(tmp, "out.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(r))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// blockDiff compares two images in blocks of n×n pixels: the fraction of blocks whose mean
// colour differs by more than tol (of 255) in some channel, and the largest difference.
// Blocks average away the rasterisers' different anti-aliasing and hinting of text; a
// flipped heat map or a mangled label changes whole blocks.
func blockDiff(a, b image.Image, n int, tol float64) (frac, worst float64, at image.Point) {
	sa, sb := a.Bounds().Size(), b.Bounds().Size()
	w, h := min(sa.X, sb.X), min(sa.Y, sb.Y)
	pa, pb := toRGBA(a), toRGBA(b)
	bad, total := 0, 0
	for by := 0; by+n <= h; by += n {
		for bx := 0; bx+n <= w; bx += n {
			var ma, mb [3]int
			for y := by; y < by+n; y++ {
				ra, rb := pa.Pix[y*pa.Stride+4*bx:], pb.Pix[y*pb.Stride+4*bx:]
				for x := 0; x < 4*n; x += 4 {
					for k := range 3 {
						ma[k] += int(ra[x+k])
						mb[k] += int(rb[x+k])
					}
				}
			}
			d := 0.0
			for k := range 3 {
				d = max(d, abs64(float64(ma[k]-mb[k]))/float64(n*n))
			}
			total++
			if d > tol {
				bad++
			}
			if d > worst {
				worst, at = d, image.Pt(bx, by)
			}
		}
	}
	return float64(bad) / float64(max(total, 1)), worst, at
}

// toRGBA returns img as RGBA pixels from (0, 0), composited on white.
func toRGBA(img image.Image) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Over)
	return out
}

// subImage is the part r of img.
func subImage(img image.Image, r image.Rectangle) image.Image {
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

func abs64(x float64) float64 { return max(x, -x) }

// TestFormatsAgree draws every kind of figure as PNG, PDF and SVG, rasterises the PDF and
// the SVG at the PNG's resolution, and holds that all three show the same image: heat maps
// and colour bars the same way up (the PDF drew them upside down under their tick labels),
// and the same labels (the PDF's minus signs were mojibake, "âˆ'2"). With
// SIPBENCH_FIGDIR set, it writes the three images of each kind there to look at.
func TestFormatsAgree(t *testing.T) {
	keep := os.Getenv("SIPBENCH_FIGDIR")
	for name, f := range everyKind(t) {
		b, err := f.Encode("png")
		if err != nil {
			t.Fatal(err)
		}
		ref, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if keep != "" {
			os.WriteFile(filepath.Join(keep, name+".png"), b, 0o644)
		}
		for _, format := range []string{"pdf", "svg"} {
			enc, err := f.Encode(format)
			if err != nil {
				t.Fatal(err)
			}
			img := raster(t, format, enc)
			if keep != "" {
				var out bytes.Buffer
				png.Encode(&out, img)
				os.WriteFile(filepath.Join(keep, name+"."+format+".png"), out.Bytes(), 0o644)
			}
			if d := img.Bounds().Size().Sub(ref.Bounds().Size()); abs(d.X) > 1 || abs(d.Y) > 1 {
				t.Errorf("%s: %s is %v, PNG %v", name, format, img.Bounds().Size(), ref.Bounds().Size())
				continue
			}
			frac, worst, at := blockDiff(ref, img, 8, 40)
			t.Logf("%s: %s against PNG: %.2f%% of 8×8 blocks differ by more than 40/255, worst %.0f at %v", name, format, 100*frac, worst, at)
			if frac > 0.005 {
				t.Errorf("%s: the %s and the PNG differ in %.1f%% of 8×8 blocks (worst %.0f/255 at pixel %v)", name, format, 100*frac, worst, at)
			}
			// Inside heat maps and colour bars, with no text to render differently: all but
			// the few blocks on the cells' edges, which the PDF's resampling moves by a pixel
			// (an upside-down image differed in most of them).
			for _, r := range append(slices.Clone(f.rects), f.bars...) {
				if f.Kind != Fields {
					break
				}
				px := func(l vg.Length) int { return int(float64(l/vg.Inch) * PNGDPI) }
				h := ref.Bounds().Dy()
				in := image.Rect(px(r.Min.X)+2, h-px(r.Max.Y)+2, px(r.Max.X)-2, h-px(r.Min.Y)-2)
				if frac, worst, at := blockDiff(subImage(ref, in), subImage(img, in), 4, 40); frac > 0.05 {
					t.Errorf("%s: the %s's image at %v differs from the PNG's in %.0f%% of 4×4 blocks (worst %.0f/255 at %v)", name, format, in, 100*frac, worst, at)
				}
			}
		}
		if pdf, _ := f.Encode("pdf"); hasPdftotext() {
			text := pdfText(t, pdf)
			if strings.ContainsAny(text, "âÃ") {
				t.Errorf("%s: the PDF's text has mojibake: %q", name, text)
			}
		}
	}
}

func hasPdftotext() bool { _, err := exec.LookPath("pdftotext"); return err == nil }

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "f.pdf")
	os.WriteFile(in, pdf, 0o644)
	out, err := exec.Command("pdftotext", in, "-").Output()
	if err != nil {
		t.Fatal(fmt.Errorf("pdftotext: %v", err))
	}
	return string(out)
}

// TestFluidChannelNames: the fluid figure labelled its channels [1] and [2]; now the
// velocity's v_x and v_y and the marker's m_0 and m_T (at the end time).
func TestFluidChannelNames(t *testing.T) {
	dir, _ := fixture{preset: "fluid", methods: []string{"sip"}, steps: 10, snap: gridSnapshot(2, 12)}.make(t)
	f, err := New([]string{dir}, Options{Kind: Fields, Width: 4 * vg.Inch, Height: 3 * vg.Inch})
	if err != nil {
		t.Fatal(err)
	}
	svg, _ := f.Encode("svg")
	_, texts := svgPaths(t, svg)
	for _, w := range []string{"x* v_x", "x* v_y", "y* m_0", "y* m_T", "sip v_x", "sip − x* v_y"} {
		if !slices.Contains(texts, w) {
			t.Errorf("the fluid figure lacks the title %q: %q", w, texts)
		}
	}
}

// TestManySeriesDistinct: 18 series shared 7 colours and a comparison's runs were all
// drawn solid, so series 0 and 7 looked the same. Colour, marker and line style now tell
// at least 24 series apart, in the style functions and in a comparison of 24 runs.
func TestManySeriesDistinct(t *testing.T) {
	type style struct {
		c      string
		glyph  string
		dashes string
	}
	seen := map[style]int{}
	pairs := map[[2]string]int{}
	for i := range 24 {
		st := style{fmt.Sprint(seriesColor(i)), fmt.Sprintf("%T", seriesGlyph(i)), fmt.Sprint(seriesDashes(i))}
		if j, ok := seen[st]; ok {
			t.Errorf("series %d and %d share colour, marker and line style %v", j, i, st)
		}
		seen[st] = i
		p := [2]string{st.c, st.dashes}
		if j, ok := pairs[p]; ok {
			t.Errorf("series %d and %d share colour and line style %v", j, i, p)
		}
		pairs[p] = i
	}
	var dirs []string
	for i := range 24 {
		dir, _ := fixture{preset: "poisson", methods: []string{"adam"}, steps: 20, sets: []string{fmt.Sprintf("lr.adam=%de-4", i+1)}}.make(t)
		dirs = append(dirs, dir)
	}
	f, err := New(dirs, Options{Kind: Curves, Width: 6 * vg.Inch, Height: 4 * vg.Inch})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Labels) != 24 {
		t.Fatalf("%d labels: %q", len(f.Labels), f.Labels)
	}
	if keep := os.Getenv("SIPBENCH_FIGDIR"); keep != "" {
		b, _ := f.Encode("png")
		os.WriteFile(filepath.Join(keep, "curves-24.png"), b, 0o644)
	}
	svg, _ := f.Encode("svg")
	styles, _ := svgPaths(t, svg)
	lines := map[string]bool{}
	for _, s := range styles {
		if strings.Contains(s, fmt.Sprintf("stroke-width:%g", float64(meanWidth))) && !strings.Contains(s, "stroke-opacity") { // the means' lines
			lines[s] = true
		}
	}
	if len(lines) < 24 {
		t.Errorf("24 runs drawn with %d distinct line styles", len(lines))
	}
}
