package figures

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sipbench/sipbench/folder"
)

// lut is a colour map sampled at 256 levels, for fast lookups.
type lut []color.Color

func newLUT(cm palette.ColorMap) lut {
	cm.SetMin(0)
	cm.SetMax(1)
	return lut(cm.Palette(256).Colors())
}

// at returns the colour of v on the range [lo, hi]; grey for a non-finite v.
func (l lut) at(v, lo, hi float64) color.Color {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return grey
	}
	t := (v - lo) / (hi - lo)
	i := int(math.Round(t * float64(len(l)-1)))
	return l[min(max(i, 0), len(l)-1)]
}

// field is one channel of a snapshot field, as an h×w grid (row 0 at the top, as the
// dashboard draws it).
type field struct {
	h, w int
	data []float32
}

// channels splits a snapshot field of shape [c, h, w] (or [h, w]) into its channels.
func channels(f *folder.Field) ([]field, error) {
	var c, h, w int
	switch len(f.Shape) {
	case 3:
		c, h, w = f.Shape[0], f.Shape[1], f.Shape[2]
	case 2:
		c, h, w = 1, f.Shape[0], f.Shape[1]
	default:
		return nil, fmt.Errorf("figures: field %s has shape %v, want [channels, height, width]", f.Name, f.Shape)
	}
	if c < 1 || h < 1 || w < 1 || c > 16 || h > 4096 || w > 4096 || len(f.Data) != c*h*w {
		return nil, fmt.Errorf("figures: field %s has shape %v and %d values", f.Name, f.Shape, len(f.Data))
	}
	out := make([]field, c)
	for k := range out {
		out[k] = field{h: h, w: w, data: f.Data[k*h*w : (k+1)*h*w]}
	}
	return out, nil
}

// image renders the field with the colour map on [lo, hi], each cell scale×scale pixels
// (nearest neighbour, so that cells stay sharp whatever a viewer does when it scales).
func (f field) image(l lut, lo, hi float64, scale int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, f.w*scale, f.h*scale))
	for y := 0; y < f.h; y++ {
		for x := 0; x < f.w; x++ {
			c := color.NRGBAModel.Convert(l.at(float64(f.data[y*f.w+x]), lo, hi)).(color.NRGBA)
			for dy := 0; dy < scale; dy++ {
				row := img.Pix[(y*scale+dy)*img.Stride:]
				for dx := 0; dx < scale; dx++ {
					o := (x*scale + dx) * 4
					row[o], row[o+1], row[o+2], row[o+3] = c.R, c.G, c.B, c.A
				}
			}
		}
	}
	return img
}

// valueRange returns the value range of the fields on the colour scale:
// runner.ValueRange, which the dashboard uses too (a constant field takes the middle
// colour in both).
func valueRange(symmetric bool, fs ...field) (lo, hi float64) {
	data := make([][]float32, len(fs))
	for i, f := range fs {
		data[i] = f.data
	}
	return folder.ValueRange(symmetric, data...)
}

// tile is one heatmap of a fields figure.
type tile struct {
	title  string
	f      field
	lo, hi float64
	lut    lut
}

// colorBar is the scale of one row of tiles.
type colorBar struct {
	label  string
	lo, hi float64
	lut    lut
}

// fieldJob is the snapshot of one method (its first seed that has one).
type fieldJob struct {
	method string
	job    folder.JobInfo
	snap   *folder.Snapshot
}

// newFields draws a field preset's snapshot: per channel, a row with the ground truth x*
// and each method's prediction on one shared colour range, and below it the observation
// y* (on its own range) and each method's error x − x* on a shared diverging range, white
// at zero. Each row has its colour bar.
func newFields(r *run, o Options) (*Figure, error) {
	jobs, missing, err := snapshotsByMethod(r)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, kindErrorf("figures: %s in %s: no job has written a snapshot yet", Fields, r.dir)
	}
	ref := jobs[0].snap
	xs, ys := ref.Field(folder.FieldTruth), ref.Field(folder.FieldObserved)
	if xs == nil || ys == nil || len(xs.Shape) < 2 || len(xs.Shape) == 2 && xs.Shape[1] <= 2 {
		return nil, kindErrorf("figures: %s for %s: its snapshots hold no fields (try --kind %s)", Fields, r.info.Preset, r.ownKind())
	}
	truth, err := channels(xs)
	if err != nil {
		return nil, err
	}
	obs, err := channels(ys)
	if err != nil {
		return nil, err
	}
	preds, notes, err := fieldPreds(r, jobs, xs, truth)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		notes = append(notes, "no snapshot yet: "+strings.Join(missing, ", "))
	}
	rows, bars := fieldRows(r, ref, truth, obs, preds)
	return layoutFields(rows, bars, 1+len(preds), truth[0], notes, o), nil
}

// layoutFields lays the rows of tiles out, cols of them (and a colour bar) a row, sized
// after o, each tile of the shape of f0.
func layoutFields(rows [][]tile, bars []colorBar, cols int, f0 field, notes []string, o Options) *Figure {
	const tileIn, cbarIn = 1.05, 0.55
	w, h := sized(o, vg.Length(float64(cols)*tileIn+cbarIn+0.2)*vg.Inch, 0)
	titleSty := textStyle(tickSize)
	titleSty.XAlign = draw.XCenter
	th := titleSty.FontExtents().Height * 1.3
	gap := vg.Points(5)
	ts := (w - vg.Points(8) - cbarIn*vg.Inch - vg.Length(cols-1)*gap) / vg.Length(cols)
	ts = vg.Length(math.Max(float64(ts), float64(vg.Points(20))))
	aspect := float64(f0.h) / float64(f0.w)
	rowH := ts*vg.Length(aspect) + th + gap
	if o.Height == 0 {
		h = rowH*vg.Length(len(rows)) + vg.Points(8)
	} else if hh := (h - vg.Points(8)) / vg.Length(len(rows)); hh < rowH {
		// A given height: shrink the tiles to fit.
		ts = vg.Length(float64(hh-th-gap) / aspect)
		rowH = hh
	}
	f := &Figure{Kind: Fields, Width: w, Height: h, Panels: 0, Note: strings.Join(notes, "; ")}
	for _, row := range rows {
		for _, t := range row {
			if t.f.data != nil {
				f.Panels++
			}
		}
	}
	scale := max(1, 256/max(f0.w, f0.h))
	f.draw = func(c draw.Canvas) {
		background(c)
		f.rects, f.bars = nil, nil
		top := c.Max.Y - vg.Points(4)
		for i, row := range rows {
			y0 := top - vg.Length(i)*rowH // the row's top
			for j, t := range row {
				if t.f.data == nil {
					continue
				}
				x0 := c.Min.X + vg.Points(4) + vg.Length(j)*(ts+gap)
				img := vg.Rectangle{Min: vg.Point{X: x0, Y: y0 - th - ts*vg.Length(aspect)}, Max: vg.Point{X: x0 + ts, Y: y0 - th}}
				c.DrawImage(img, t.f.image(t.lut, t.lo, t.hi, scale))
				f.rects = append(f.rects, img)
				c.StrokeLines(draw.LineStyle{Color: grey, Width: vg.Points(0.4)},
					[]vg.Point{img.Min, {X: img.Max.X, Y: img.Min.Y}, img.Max, {X: img.Min.X, Y: img.Max.Y}, img.Min})
				c.FillText(titleSty, vg.Point{X: x0 + ts/2, Y: y0 - th + vg.Points(2.5)}, fitText(titleSty, t.title, ts+gap))
			}
			if b := bars[i]; b.lut != nil {
				x0 := c.Min.X + vg.Points(4) + vg.Length(cols)*(ts+gap)
				bar := vg.Rectangle{Min: vg.Point{X: x0, Y: y0 - th - ts*vg.Length(aspect)}, Max: vg.Point{X: x0 + vg.Points(7), Y: y0 - th}}
				drawColorBar(c, b, bar)
				f.bars = append(f.bars, bar)
			}
		}
	}
	return f
}

// fieldPred is one method's prediction and error, per channel.
type fieldPred struct {
	name     string
	x, err   []field
	sameTrue bool
}

// fieldPreds returns each job's prediction and error per channel (jobs without them left
// out), with notes on the snapshots of another example than xs (whose channels are truth).
func fieldPreds(r *run, jobs []fieldJob, xs *folder.Field, truth []field) ([]fieldPred, []string, error) {
	var preds []fieldPred
	var notes []string
	for _, j := range jobs {
		x, e := j.snap.Field(folder.FieldPrediction), j.snap.Field(folder.FieldError)
		if x == nil || e == nil {
			continue
		}
		xc, err := channels(x)
		if err != nil {
			return nil, nil, err
		}
		ec, err := channels(e)
		if err != nil {
			return nil, nil, err
		}
		if len(xc) != len(truth) || len(ec) != len(truth) || xc[0].h != truth[0].h || xc[0].w != truth[0].w {
			return nil, nil, fmt.Errorf("figures: %s: the snapshot of %s does not match the shape of x*", r.dir, j.job.ID)
		}
		p := fieldPred{name: j.method, x: xc, err: ec}
		if xt := j.snap.Field(folder.FieldTruth); xt == nil || !slices.Equal(xt.Data, xs.Data) {
			p.name += fmt.Sprintf(" (step %d)", j.snap.Step)
			notes = append(notes, fmt.Sprintf("%s's snapshot (step %d) is of another example than x* (step %d)", j.method, j.snap.Step, jobs[0].snap.Step))
		}
		preds = append(preds, p)
	}
	return preds, notes, nil
}

// fieldRows returns the figure's rows of tiles and their colour bars: per channel, the
// truth and each prediction on one range, then the observation on its own and each error
// on a diverging one; then the observation's extra channels. ref is the snapshot that
// names the channels.
func fieldRows(r *run, ref *folder.Snapshot, truth, obs []field, preds []fieldPred) ([][]tile, []colorBar) {
	seq, div := newLUT(sequentialMap()), newLUT(divergingMap())
	multi := len(truth) > 1
	// chName names channel k of a field of kind ("x*", "y*", "x", "x-x*"): fluid's v_x,
	// v_y of the velocity and m_0, m_T of the marker (runner.Field.ChannelNames).
	chName := func(kind, name string, k int) string {
		n := len(truth)
		if kind == folder.FieldObserved {
			n = len(obs)
		}
		if n <= 1 || !multi && kind != folder.FieldObserved {
			return name
		}
		if kind == folder.FieldTruth || kind == folder.FieldObserved { // short, so that the channel's name fits
			name = kind
		}
		return name + " " + ref.Field(kind).ChannelNames(r.info.Preset, n)[k]
	}
	var rows [][]tile
	var bars []colorBar
	for k := range truth {
		vals := []field{truth[k]}
		var errs []field
		for _, p := range preds {
			vals = append(vals, p.x[k])
			errs = append(errs, p.err[k])
		}
		lo, hi := valueRange(false, vals...)
		elo, ehi := valueRange(true, errs...)
		top := []tile{{title: chName(folder.FieldTruth, "x* (truth)", k), f: truth[k], lo: lo, hi: hi, lut: seq}}
		var bottom []tile
		if k < len(obs) {
			olo, ohi := valueRange(false, obs[k])
			bottom = append(bottom, tile{title: chName(folder.FieldObserved, "y* (own scale)", k), f: obs[k], lo: olo, hi: ohi, lut: seq})
		} else {
			bottom = append(bottom, tile{})
		}
		for _, p := range preds {
			top = append(top, tile{title: chName(folder.FieldPrediction, p.name, k), f: p.x[k], lo: lo, hi: hi, lut: seq})
			bottom = append(bottom, tile{title: chName(folder.FieldError, p.name+" − x*", k), f: p.err[k], lo: elo, hi: ehi, lut: div})
		}
		rows = append(rows, top, bottom)
		bars = append(bars, colorBar{label: chName(folder.FieldPrediction, "x", k), lo: lo, hi: hi, lut: seq},
			colorBar{label: chName(folder.FieldError, "x − x*", k), lo: elo, hi: ehi, lut: div})
	}
	// Extra observation channels (fluid's marker at t = 0 and T when x has fewer).
	for k := len(truth); k < len(obs); k++ {
		olo, ohi := valueRange(false, obs[k])
		rows = append(rows, []tile{{title: chName(folder.FieldObserved, "y* (own scale)", k), f: obs[k], lo: olo, hi: ohi, lut: seq}})
		bars = append(bars, colorBar{})
	}

	return rows, bars
}

// fitText shortens s with an ellipsis until it fits width.
func fitText(sty text.Style, s string, width vg.Length) string {
	if sty.Width(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && sty.Width(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// drawColorBar draws a vertical colour bar in rect with tick labels to its right.
func drawColorBar(c draw.Canvas, b colorBar, rect vg.Rectangle) {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 256))
	for i := 0; i < 256; i++ {
		v := b.lo + (b.hi-b.lo)*float64(255-i)/255
		img.Set(0, i, b.lut.at(v, b.lo, b.hi))
	}
	c.DrawImage(rect, img)
	c.StrokeLines(draw.LineStyle{Color: grey, Width: vg.Points(0.4)},
		[]vg.Point{rect.Min, {X: rect.Max.X, Y: rect.Min.Y}, rect.Max, {X: rect.Min.X, Y: rect.Max.Y}, rect.Min})
	sty := textStyle(tickSize - 1)
	sty.YAlign = draw.YCenter
	big := math.Max(math.Abs(b.lo), math.Abs(b.hi)) >= 1e4
	for _, t := range (niceTicks{}).Ticks(b.lo, b.hi) {
		if t.Label == "" || t.Value < b.lo || t.Value > b.hi {
			continue
		}
		y := rect.Min.Y + (rect.Max.Y-rect.Min.Y)*vg.Length((t.Value-b.lo)/(b.hi-b.lo))
		c.StrokeLine2(draw.LineStyle{Color: black, Width: vg.Points(0.4)}, rect.Max.X, y, rect.Max.X+vg.Points(2), y)
		c.FillText(sty, vg.Point{X: rect.Max.X + vg.Points(3), Y: y}, formatTick(t.Value, big))
	}
}
