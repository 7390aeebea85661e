// Package view holds what the commands hand to a viewer, as plain data: a paper check's
// table with its cells as text (package check fills it, the tui draws it), and the
// figure that the dashboard asks for (package figures draws it). It imports nothing of
// sipbench, so that the tui can show checks and ask for figures without importing the
// packages that compute them: the command line injects them.
package view

// Tone says how a viewer colours a verdict.
type Tone int

// The tones.
const (
	Dim  Tone = iota // not judged (pending, not measured, not comparable)
	Good             // the claim holds
	Warn             // short of the paper
	Bad              // the claim does not hold
)

// Check is one reading of a paper check folder.
type Check struct {
	Scale string // quick, paper or full
	Seeds int    // the seeds the plan names; 0 without a plan
	// Folders are the experiments' run folders, relative to the check folder.
	Folders []string
	// Counts are the verdicts with their numbers of claims, in the check's order, those
	// with none left out.
	Counts []Count
	Rows   []CheckRow
}

// Count is how many claims have one verdict.
type Count struct {
	Verdict string
	N       int
}

// CheckRow is one claim of a Check.
type CheckRow struct {
	ID       string // the claim's ID, "fig6b-60"
	Where    string // "Figure 6b"
	Step     string // the step the claim names: "step 60"
	Measured string // the measured ratio, or a provisional one ("≈4.1× @2,300")
	Paper    string // the paper's value
	Verdict  string // the verdict as the table shows it: "short: 80%", "provisional"
	Tone     Tone
	Words    string // the claim in the paper's words (or the quantity)
	Head     string // the first line of the claim's detail
	Quote    string // the paper's words with their citation, or the citation
	Detail   string // what was measured, with the note
	Runs     []string
	// MarkStep is the step the claim measures at (its own, or the end the runs reached),
	// which a viewer marks on the runs' chart; 0 for none.
	MarkStep int
}

// Scale is one scale a paper check can run at.
type Scale struct {
	Name string // quick, paper, full
	Note string // what it does and costs
}

// Checks reads paper check folders for a viewer.
type Checks struct {
	// Scales are the scales a check can run at, the default first.
	Scales []Scale
	// IsCheck reports whether dir is a check folder.
	IsCheck func(dir string) bool
	// Evaluate reads the check folder dir (untrusted input) and measures its claims.
	Evaluate func(dir string) (*Check, error)
}

// Figure is the figure a viewer asks for: the learning curves of runs, or the fields of
// one run (its preset's own figure), drawn into the first run folder's figures/.
type Figure struct {
	Dirs   []string // the run folders, compared; one for Fields
	Fields bool     // the fields of the newest snapshot, else the learning curves
	Metric string   // curves: the metric ("" the run's main one)
	Wall   bool     // curves: against wall-clock time instead of steps
	Raw    bool     // curves: unsmoothed
	Window int      // curves: the running mean's window in logged steps, if not Raw; 0 for 64
	// Name is the file name in figures/; if "", the figure's default name.
	Name string
}

// FigureFunc draws f and returns the path of the file it wrote. It reads the run
// folders, so a viewer calls it off its UI loop.
type FigureFunc func(f Figure) (path string, err error)

// Tune is one reading of a tune folder (sipbench tune): its rungs, each a sweep folder
// of run folders, one per rate point.
type Tune struct {
	Preset string
	Metric string // the held-out metric the rates are scored on
	Done   bool
	Rungs  []TuneRung
	// Best says, once done, each method's tuned rate: "adam: 0.001 (preset 0.0003)".
	Best []string
}

// TuneRung is one rung of a Tune.
type TuneRung struct {
	Rung  int // counting from 0
	Steps int // its runs' steps; 0 if not known yet
	// Runs are its run folders that exist, in order of rate.
	Runs []string
	// Kept holds, once the rung is scored, for each of its runs' method a key
	// "<run folder's name>/<method>": true for a point kept for the next rung (or the
	// best, at the last), false for one dropped. Nil while the rung trains.
	Kept map[string]bool
}

// Tunes reads tune folders for a viewer.
type Tunes struct {
	// IsTune reports whether dir is a tune folder.
	IsTune func(dir string) bool
	// Read reads the tune folder dir (untrusted input).
	Read func(dir string) (*Tune, error)
}
