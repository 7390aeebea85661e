package showcmd

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"gonum.org/v1/plot/vg"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/figures"
	"github.com/sipbench/sipbench/figures/inline"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/summary"
)

const plotUsage = "sipbench plot DIR… [--out FILE.png|.svg|.pdf] [--kind curves|fields|scatter|xspace|sweep|table1|profile] " +
	"[--metric NAME] [--x step|wall] [--width W] [--height H] [--inline]"

// Plot is `sipbench plot`: the paper's figures from run folders. Without --kind it
// draws a run's default figures (the learning curves and its preset's own figure, or a
// sweep folder's sweep) into DIR/figures/<kind>.png and prints each path; with --out it
// draws one figure (--kind, or the curves) in the format of the file's extension.
func Plot(args []string) error {
	fs := cmdline.NewFlags("plot", plotUsage)
	out := fs.String("out", "", "output file, .png, .svg or .pdf (default: DIR/figures/<kind>.png)")
	kind := fs.String("kind", "", "curves, fields, scatter, xspace, sweep, table1 or profile (a performance profile over the seeds of a sweep, a check folder or several runs) (default: curves and the preset's own figure)")
	metric := fs.String("metric", "", "metric of curves and sweeps (default: the preset's)")
	xAxis := fs.String("x", "step", "x axis of curves: step or wall (training time)")
	width := fs.String("width", "", "width: pixels of the PNG (at 200 dpi) or a length (3.25in, 8cm, 240pt) (default: the kind's)")
	height := fs.String("height", "", "height, as --width (default: the kind's)")
	window := fs.Int("window", 0, "logged steps in the running mean of curves (default: 64, the paper's; 1 for raw values)")
	inline := fs.Bool("inline", false, "also show the figure in the terminal (kitty graphics or sixel), if it can")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return cmdline.Usagef("usage: "+plotUsage, "plot takes one or more run folders")
	}
	o := figures.Options{Metric: *metric, Window: *window}
	switch *xAxis {
	case "step":
	case "wall":
		o.Wall = true
	default:
		return cmdline.Usagef("", "--x %q: want step or wall", *xAxis)
	}
	if *window < 0 {
		return cmdline.Usagef("", "--window must be ≥ 1")
	}
	if o.Width, err = sizeFlag("width", *width); err != nil {
		return err
	}
	if o.Height, err = sizeFlag("height", *height); err != nil {
		return err
	}
	if *out != "" {
		if _, err := figures.Format(*out); err != nil {
			return cmdline.Usagef("", "--out: %v", err)
		}
	}
	kinds, err := plotKinds(*kind, pos, *out)
	if err != nil {
		return err
	}
	return drawPlots(pos, kinds, o, *out, *inline)
}

// plotKinds returns the figures to draw: --kind's, the curves of several folders, or a
// folder's default kinds (only the first with --out, which names one file).
func plotKinds(kind string, pos []string, out string) ([]figures.Kind, error) {
	switch {
	case kind != "":
		k, err := figures.ParseKind(kind)
		if err != nil {
			return nil, cmdline.Usagef("", "--kind: %v", err)
		}
		return []figures.Kind{k}, nil
	case len(pos) > 1:
		return []figures.Kind{figures.Curves}, nil
	}
	kinds, err := figures.DefaultKinds(pos[0])
	if err != nil {
		return nil, err
	}
	if out != "" {
		kinds = kinds[:1] // one file: the curves (or a sweep folder's sweep)
	}
	return kinds, nil
}

// drawPlots draws each kind of figure of the folders pos into out (or the kind's default
// path in the first folder) and prints the paths; with inline it also shows them.
func drawPlots(pos []string, kinds []figures.Kind, o figures.Options, out string, inline bool) error {
	for _, k := range kinds {
		o.Kind = k
		f, err := figures.New(pos, o)
		if errors.Is(err, figures.ErrKind) || errors.Is(err, summary.ErrNoMetric) {
			return cmdline.Usagef("", "%v", err)
		}
		if err != nil {
			return err
		}
		path := out
		if path == "" {
			if path, err = figures.DefaultPath(pos[0], k); err != nil {
				return err
			}
		}
		_, statErr := os.Lstat(path)
		if err := f.Save(path); err != nil {
			return err
		}
		fmt.Println(path)
		if statErr == nil { // never silently: the folder's earlier figure is gone
			fmt.Fprintf(os.Stderr, "note: replaced the earlier %s\n", path)
		}
		if f.Note != "" {
			fmt.Fprintln(os.Stderr, "note: "+f.Note)
		}
		if k == figures.Curves {
			for _, c := range ratioCaptions(pos, o) {
				fmt.Println("caption: " + c)
			}
		}
		if inline {
			if err := showInline(f, path); err != nil {
				return err
			}
		}
	}
	return nil
}

// sizeFlag parses the value of --width or --height; "" is 0 (the kind's default).
func sizeFlag(name, v string) (vg.Length, error) {
	if v == "" {
		return 0, nil
	}
	l, err := figures.ParseLength(v)
	if err != nil {
		return 0, cmdline.Usagef("", "--%s: %v", name, err)
	}
	return l, nil
}

// showInline shows the figure in the terminal if the terminal can display images (kitty
// graphics or sixel, asked with inline.Detect), and says so if it cannot (the path
// is printed already). It writes no escape code unless stdout is a terminal that answered
// that it shows images.
func showInline(f *figures.Figure, path string) error {
	cannot := func(why string) error {
		fmt.Fprintf(os.Stderr, "sipbench: cannot show the figure here (%s); it is at %s\n", why, path)
		return nil
	}
	if !isatty.IsTerminal(os.Stdout.Fd()) {
		return cannot("stdout is not a terminal")
	}
	tty, err := inline.OpenTTY()
	if err != nil {
		return cannot("no terminal to ask")
	}
	defer tty.F.Close()
	p := inline.Detect(tty, os.Getenv, inline.DefaultQueryTimeout)
	if p == inline.NoImages {
		return cannot("the terminal shows no images: neither kitty graphics nor sixel")
	}
	b, err := f.Encode("png")
	if err != nil {
		return err
	}
	return inline.Write(os.Stdout, p, b)
}

// ratioCaptions returns, for each run folder among pos with several seeds, a caption line
// of each method's ratio to the reference at the end of the curves (the metric's running
// mean, as drawn): mean [95 % paired bootstrap interval] n p (stats.Ratio). Folders that
// are not runs, and runs of one seed, have none.
func ratioCaptions(pos []string, o figures.Options) []string {
	var out []string
	for _, d := range pos {
		info, err := folder.ReadInfo(d)
		if err != nil || len(info.Seeds) < 2 || info.Solver {
			continue
		}
		s, err := summary.Summarize(d, info, summary.Options{Metric: o.Metric, Window: o.Window})
		if err != nil {
			continue
		}
		var parts []string
		for _, st := range s.ByMethod(len(s.Steps) - 1) {
			if st.Method != info.Reference && st.Seeds > 1 {
				parts = append(parts, st.Method+" "+st.RatioStat.String())
			}
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("%s, %s ÷ %s at the end: %s", sanitize.Path(d), s.Metric, info.Reference, strings.Join(parts, "; ")))
		}
	}
	return out
}
