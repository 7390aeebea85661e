package tune

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sipbench/sipbench/folder"
)

// File is the tune folder's record.
const File = "tuned.json"

// maxFile bounds the size of a tuned.json read (a tune folder is untrusted input).
const maxFile = 4 << 20

// Plan is what a search was asked: enough to run it again, or to resume it.
type Plan struct {
	Preset  string   `json:"preset"`
	Scale   string   `json:"scale"`
	Methods []string `json:"methods"`
	Sets    []string `json:"sets,omitempty"` // other settings, key=value
	// Lo and Hi bound the grid of rates, PerDecade its points per decade (Grid).
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	PerDecade int     `json:"per_decade"`
	Steps     int     `json:"steps"` // the last rung's
	// Hypers searches, besides the rates, every other hyper-parameter that a method
	// declares tunable (optimizers.Hyper: SGD's momentum, HIG's τ), crossed with the
	// rates. A record without it (written before) searched the rates alone.
	Hypers bool `json:"hypers,omitempty"`
	Seed   int  `json:"seed"`
	// Validation is the number of held-out examples each rate is scored on
	// (runner.Validate, the seed's validation stream).
	Validation int `json:"validation"`
}

// Score is a held-out metric, lower is better; +Inf (a rate that diverged) is null in JSON.
type Score float64

// MarshalJSON writes s, or null when it is not finite.
func (s Score) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(s), 'g', -1, 64)), nil
}

// UnmarshalJSON reads a number, or null as +Inf.
func (s *Score) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Score(math.Inf(1))
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*s = Score(v)
	return err
}

// Curve is one method's scores at one rung: its points (their rates, and the values of its
// other tuned hyper-parameters), their scores, and which are kept.
type Curve struct {
	Method string    `json:"method"`
	Rates  []float64 `json:"rates"`
	// Hypers, for a method with other tuned hyper-parameters, are each point's values of
	// them, beside Rates; none for a method searched by its rate alone.
	Hypers [][]HyperValue `json:"hypers,omitempty"`
	Scores []Score        `json:"scores"`
	Kept   []bool         `json:"kept"`
}

// Point returns the curve's i-th point.
func (c Curve) Point(i int) Point {
	p := Point{LR: c.Rates[i]}
	if i < len(c.Hypers) {
		p.Hypers = c.Hypers[i]
	}
	return p
}

// Rung is one rung of a search.
type Rung struct {
	Rung   int     `json:"rung"`
	Steps  int     `json:"steps"`
	Dir    string  `json:"dir,omitempty"` // its sweep folder, below the tune folder
	Curves []Curve `json:"curves"`
}

// Best is a method's outcome: its best rate (and values of its other tuned
// hyper-parameters), the preset's, and the best score.
type Best struct {
	Method  string       `json:"method"`
	LR      float64      `json:"lr"`
	Hypers  []HyperValue `json:"hypers,omitempty"`
	Default float64      `json:"default_lr"` // the preset's, at the plan's scale and settings
	// DefaultHypers are the preset's values of Hypers.
	DefaultHypers []HyperValue `json:"default_hypers,omitempty"`
	Score         Score        `json:"score"` // at LR, the last rung's
	// Edge says when the best rate (or a hyper-parameter's value) is the lowest or highest
	// the search tried, so that the best may lie beyond it: "lr at the grid's lowest,
	// 1e-05". Empty when every value is inside its range.
	Edge []string `json:"edge,omitempty"`
}

// Point returns the best as a Point.
func (b Best) Point() Point { return Point{LR: b.LR, Hypers: b.Hypers} }

// Budget is what a search trained: jobs, training steps and seconds, over every rung.
type Budget struct {
	Jobs    int     `json:"jobs"`
	Steps   int     `json:"steps"`
	Seconds float64 `json:"seconds"`
}

// Record is tuned.json.
type Record struct {
	Plan   Plan      `json:"plan"`
	Grid   []float64 `json:"grid"`
	Metric string    `json:"metric"` // scored on held-out examples
	Rungs  []Rung    `json:"rungs"`
	Best   []Best    `json:"best,omitempty"` // once done
	Budget Budget    `json:"budget"`
	Done   bool      `json:"done"`
}

// Rate returns the tuned rate of method, and whether the record has one.
func (r *Record) Rate(method string) (float64, bool) {
	for _, b := range r.Best {
		if b.Method == method {
			return b.LR, true
		}
	}
	return 0, false
}

// Sets returns the settings that train method at its tuned point (Point.Sets), and
// whether the record has one.
func (r *Record) Sets(method string) ([]string, bool) {
	for _, b := range r.Best {
		if b.Method == method {
			return b.Point().Sets(method), true
		}
	}
	return nil, false
}

// Write writes r to dir/tuned.json, atomically.
func Write(dir string, r *Record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return folder.WriteFileAtomic(filepath.Join(dir, File), append(b, '\n'))
}

// Read reads dir/tuned.json (a regular file, at most 4 MB) and checks it: a preset, a
// grid of positive rates, best rates that are positive and finite.
func Read(dir string) (*Record, error) {
	path := filepath.Join(dir, File)
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("tune: %s is not a tune folder (no %s)", dir, File)
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("tune: %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("tune: %s is larger than %d bytes", path, maxFile)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("tune: %s: %v", path, err)
	}
	if r.Plan.Preset == "" {
		return nil, fmt.Errorf("tune: %s names no preset", path)
	}
	for _, b := range r.Best {
		if !(b.LR > 0) || math.IsInf(b.LR, 0) {
			return nil, fmt.Errorf("tune: %s: %s's rate %v is not a positive number", path, b.Method, b.LR)
		}
	}
	return &r, nil
}
