package tune

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/sanitize"
	"github.com/sipbench/sipbench/view"
)

// IsFolder reports whether dir holds a tuned.json (a regular file, not a link).
func IsFolder(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, File))
	return err == nil && fi.Mode().IsRegular()
}

// Viewer returns what the app reads tune folders with (view.Tunes): the rungs recorded,
// and the rung folder being trained, which tuned.json names only once it is scored.
func Viewer() view.Tunes {
	return view.Tunes{IsTune: IsFolder, Read: ReadView}
}

// ReadView reads the tune folder dir as a viewer shows it: every rung recorded in
// tuned.json with its kept and dropped points, then the rung folders after them that
// exist (the one training, unscored).
func ReadView(dir string) (*view.Tune, error) {
	r, err := Read(dir)
	if err != nil {
		return nil, err
	}
	v := &view.Tune{Preset: r.Plan.Preset, Metric: r.Metric, Done: r.Done}
	runsOf := func(rung int) []string {
		sd := filepath.Join(dir, RungDir(rung))
		s, err := folder.ReadSweep(sd)
		if err != nil {
			return nil
		}
		var out []string
		for _, sr := range s.Runs {
			rd := filepath.Join(sd, sr.Dir)
			if _, err := folder.ReadInfo(rd); err == nil {
				out = append(out, rd)
			}
		}
		return out
	}
	for _, rg := range r.Rungs {
		tr := view.TuneRung{Rung: rg.Rung, Steps: rg.Steps, Runs: runsOf(rg.Rung), Kept: map[string]bool{}}
		for _, c := range rg.Curves {
			for i := range c.Rates {
				if i < len(c.Kept) {
					tr.Kept[c.Point(i).Dir()+"/"+c.Method] = c.Kept[i]
				}
			}
		}
		v.Rungs = append(v.Rungs, tr)
	}
	for next := len(r.Rungs); next < 64; next++ { // the rung training, not yet recorded
		runs := runsOf(next)
		if len(runs) == 0 {
			break
		}
		tr := view.TuneRung{Rung: next, Runs: runs}
		if info, err := folder.ReadInfo(runs[0]); err == nil && len(info.Jobs) > 0 {
			tr.Steps = info.Jobs[0].Steps
		}
		v.Rungs = append(v.Rungs, tr)
	}
	for _, b := range r.Best {
		s := b.Method + ": " + strconv.FormatFloat(b.LR, 'g', 3, 64)
		if b.Default > 0 {
			s += " (preset " + strconv.FormatFloat(b.Default, 'g', 3, 64) + ")"
		}
		if !isInf(float64(b.Score)) {
			s += fmt.Sprintf(", %s %.3g", r.Metric, float64(b.Score))
		}
		v.Best = append(v.Best, sanitize.String(s))
	}
	return v, nil
}

func isInf(x float64) bool { return x > 1e308 || x < -1e308 || x != x }
