package tui

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// ColorMode is the user's colour choice (--color).
type ColorMode int

// The colour modes. ColorAuto, the zero value, detects the profile from the environment
// and honours NO_COLOR; ColorAlways detects too but uses 256 colours where detection finds none (not a terminal, unknown TERM);
// ColorNever draws no colour at all. The last three force a profile.
const (
	ColorAuto ColorMode = iota
	ColorAlways
	ColorNever
	ColorTrue
	Color256
	Color16
)

// ParseColorMode parses the value of --color: auto, always, never (or none),
// truecolor, 256 or 16. Any other value is an error `color="VALUE": want …`.
func ParseColorMode(s string) (ColorMode, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return ColorAuto, nil
	case "always":
		return ColorAlways, nil
	case "never", "none":
		return ColorNever, nil
	case "truecolor", "24bit":
		return ColorTrue, nil
	case "256":
		return Color256, nil
	case "16":
		return Color16, nil
	}
	return ColorAuto, fmt.Errorf("color=%q: want auto, always, never, truecolor, 256 or 16", s)
}

// Options configures the dashboard. The zero value is usable.
type Options struct {
	Color ColorMode
	// Getenv reads the environment for colour detection; if nil, os.Getenv is used.
	Getenv func(string) string
	// ASCII draws no braille, box drawing or block glyphs: charts use one marker glyph
	// per method and heatmaps a glyph ramp.
	ASCII bool
	// Refresh is the redraw interval; if 0, 250ms (4 frames per second) is used.
	Refresh time.Duration
	// HeatmapRefresh is the minimum interval between heatmap redraws; if 0, 500ms.
	HeatmapRefresh time.Duration
	// RunDir is the run's folder, shown in the title line; may be empty.
	RunDir string
	// MaxPoints bounds the points kept per metric series (neighbours are then averaged in
	// pairs, so a long run keeps its shape); if 0, 4096.
	MaxPoints int
	// Mouse starts the App in mouse mode (ctrl+t toggles it; mouse.go); the program must
	// then report the mouse (tea.WithMouseCellMotion).
	Mouse bool
}

func (o Options) refresh() time.Duration {
	if o.Refresh <= 0 {
		return 250 * time.Millisecond
	}
	return o.Refresh
}

func (o Options) heatEvery() int {
	h := o.HeatmapRefresh
	if h <= 0 {
		h = 500 * time.Millisecond
	}
	n := int((h + o.refresh() - 1) / o.refresh())
	return max(n, 1)
}

// resolveProfile returns the colour profile for mode in the environment read by getenv
// (nil means os.Getenv). Detection follows termenv's rules, which matter over SSH where
// COLORTERM is not forwarded: NO_COLOR (any value) → no colour (auto only);
// COLORTERM=truecolor|24bit → true colour (256 inside screen unless TERM_PROGRAM=tmux);
// TERM containing 256color → 256; other known TERM → 16; empty or dumb → none.
func resolveProfile(mode ColorMode, getenv func(string) string) termenv.Profile {
	if getenv == nil {
		getenv = os.Getenv
	}
	switch mode {
	case ColorNever:
		return termenv.Ascii
	case ColorTrue:
		return termenv.TrueColor
	case Color256:
		return termenv.ANSI256
	case Color16:
		return termenv.ANSI
	}
	if mode == ColorAuto && getenv("NO_COLOR") != "" {
		return termenv.Ascii
	}
	term := strings.ToLower(getenv("TERM"))
	p := termenv.Ascii
	switch ct := strings.ToLower(getenv("COLORTERM")); {
	case ct == "truecolor" || ct == "24bit":
		p = termenv.TrueColor
		if strings.HasPrefix(term, "screen") && getenv("TERM_PROGRAM") != "tmux" {
			p = termenv.ANSI256
		}
	case strings.Contains(term, "256color"):
		p = termenv.ANSI256
	case term != "" && term != "dumb":
		p = termenv.ANSI
	}
	if mode == ColorAlways && p == termenv.Ascii {
		p = termenv.ANSI256
	}
	return p
}

// okabeIto is the Okabe–Ito colour-blind-safe palette without its black (unreadable on
// dark backgrounds): orange, sky blue, bluish green, yellow, blue, vermillion, reddish
// purple. Its 7 colours stay distinct after quantisation to 256 and to 16 colours.
var okabeIto = []string{"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}

// asciiMarkers are the per-method plot glyphs in ASCII mode and without colour: 14, so
// that with the line styles (lineStyle) 28 lines stay apart there too.
var asciiMarkers = []rune{'*', 'o', '+', 'x', '#', '@', '%', '&', '=', '$', '~', '^', 'v', '"'}

// seqScale is a viridis-like sequential scale taken directly from the xterm 256-colour
// cube, so that it is identical at true colour and 256 colours (viridis-16 keeps only 11
// distinct colours at 256).
var seqScale = []string{"53", "54", "60", "24", "31", "30", "36", "35", "71", "113", "149", "185", "220", "226"}

// divScale is a diverging blue–white–red scale (white = 0) from the 256-colour cube.
var divScale = []string{"18", "19", "26", "32", "74", "117", "153", "231", "224", "217", "210", "203", "196", "160", "88"}

// glyphRamp is the heatmap ramp used without colour, darkest first.
const glyphRamp = " .:-=+*#%@"

// nanColor marks non-finite field values (mid grey).
const nanColor = "244"

// span is a styled piece of text pre-rendered into its escape prefix and suffix, so that
// runs of cells can be emitted without calling lipgloss per cell.
type span struct{ pre, suf string }

func newSpan(st lipgloss.Style) span {
	const mark = "\x00"
	s := st.Render(mark)
	i := strings.Index(s, mark)
	if i < 0 {
		return span{}
	}
	return span{pre: s[:i], suf: s[i+len(mark):]}
}

func (p span) wrap(b *strings.Builder, text string) {
	b.WriteString(p.pre)
	b.WriteString(text)
	b.WriteString(p.suf)
}

// theme holds every style of the dashboard, built once for a colour profile.
type theme struct {
	Profile termenv.Profile
	ASCII   bool
	r       *lipgloss.Renderer

	Title, Dim, Bold, Header, Selected, Warn, Bad, Good lipgloss.Style
	Spark                                               lipgloss.Style // run-list trends
	HelpKey, HelpDesc, HelpSep                          lipgloss.Style

	dim    span
	series []span // one per palette colour
	band   []span // the same colours, faint: seed bands
	seq    []span
	div    []span
	nan    span
	// half-block pairs: pairs[scale][fg*n+bg] for the sequential (0) and diverging (1)
	// scales, with an extra final colour for non-finite values.
	pairs [2][]span
}

// newTheme builds the styles for profile p; ascii selects glyphs without braille or
// block elements.
func newTheme(p termenv.Profile, ascii bool) *theme {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	t := &theme{Profile: p, ASCII: ascii, r: r}
	t.Title = r.NewStyle().Bold(true)
	t.Dim = r.NewStyle().Faint(true)
	t.Bold = r.NewStyle().Bold(true)
	t.Header = r.NewStyle().Bold(true).Underline(true)
	t.Selected = r.NewStyle().Reverse(true)
	t.Warn = r.NewStyle().Foreground(lipgloss.Color("#F0E442"))
	t.Bad = r.NewStyle().Foreground(lipgloss.Color("#D55E00")).Bold(true)
	t.Good = r.NewStyle().Foreground(lipgloss.Color("#009E73"))
	t.Spark = r.NewStyle().Foreground(lipgloss.Color("#56B4E9"))
	t.HelpKey = r.NewStyle().Bold(true)
	t.HelpDesc = r.NewStyle().Faint(true)
	t.HelpSep = r.NewStyle().Faint(true)
	t.dim = newSpan(t.Dim)
	for _, c := range okabeIto {
		st := r.NewStyle().Foreground(lipgloss.Color(c))
		t.series = append(t.series, newSpan(st))
		t.band = append(t.band, newSpan(st.Faint(true)))
	}
	for _, c := range seqScale {
		t.seq = append(t.seq, newSpan(r.NewStyle().Foreground(lipgloss.Color(c))))
	}
	for _, c := range divScale {
		t.div = append(t.div, newSpan(r.NewStyle().Foreground(lipgloss.Color(c))))
	}
	t.nan = newSpan(r.NewStyle().Foreground(lipgloss.Color(nanColor)))
	for k, sc := range [][]string{seqScale, divScale} {
		cols := append(append([]string(nil), sc...), nanColor)
		n := len(cols)
		t.pairs[k] = make([]span, n*n)
		for fg := range n {
			for bg := range n {
				st := r.NewStyle().Foreground(lipgloss.Color(cols[fg])).Background(lipgloss.Color(cols[bg]))
				t.pairs[k][fg*n+bg] = newSpan(st)
			}
		}
	}
	return t
}

// Colorless reports whether the theme draws no colour.
func (t *theme) Colorless() bool { return t.Profile == termenv.Ascii }

// heatGlyphs reports whether heatmaps use the glyph ramp: in ASCII mode, without colour,
// and at 16 colours (where the scales collapse to a handful of colours).
func (t *theme) heatGlyphs() bool { return t.ASCII || t.Profile >= termenv.ANSI }

// seriesSpan returns the style of colour index i (cycling).
func (t *theme) seriesSpan(i int) span { return t.series[i%len(t.series)] }

// inkSpan returns the style of raster ink k: a series colour (plain without colour), a
// band's colour faint (faint without colour), faint for inkDim, none for inkNone.
func (t *theme) inkSpan(k ink) span {
	if c, ok := k.band(); ok {
		if t.Colorless() {
			return t.dim
		}
		return t.band[c%len(t.band)]
	}
	switch {
	case k == inkDim:
		return t.dim
	case k < 0 || t.Colorless():
		return span{}
	}
	return t.seriesSpan(int(k))
}

// marker returns the ASCII plot glyph of colour index i (cycling).
func marker(i int) rune { return asciiMarkers[i%len(asciiMarkers)] }
