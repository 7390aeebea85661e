package cmdline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sipbench/sipbench/tune"
)

// TunedSets returns the settings that the tune folder dir found for the methods of
// preset (lr.<method>=rate, and its other tuned hyper-parameters'), and the rates by
// method; an error if dir is no finished search of preset, or a tuned setting is also
// given with --set.
func TunedSets(dir, preset string, methods []string, sets []string) ([]string, map[string]float64, error) {
	rec, err := tune.Read(dir)
	if err != nil {
		return nil, nil, err
	}
	if rec.Plan.Preset != preset {
		return nil, nil, fmt.Errorf("--tuned %s tuned %s, not %s", dir, rec.Plan.Preset, preset)
	}
	if !rec.Done {
		return nil, nil, errors.New("--tuned " + dir + ": the search has not finished (sipbench tune --out " + dir + " resumes it)")
	}
	var out []string
	rates := map[string]float64{}
	for _, m := range methods {
		lr, ok := rec.Rate(m)
		if !ok {
			continue
		}
		tuned, _ := rec.Sets(m)
		for _, s := range sets {
			k, _, _ := strings.Cut(s, "=")
			for _, t := range tuned {
				if tk, _, _ := strings.Cut(t, "="); strings.TrimSpace(k) == tk {
					return nil, nil, fmt.Errorf("--set %s and --tuned both give %s", s, tk)
				}
			}
		}
		out = append(out, tuned...)
		rates[m] = lr
	}
	return out, rates, nil
}

// OtherTuned returns the tuned settings key=value among sets that are not learning rates
// (momentum.<m>, tau.<m>), by key; nil for none.
func OtherTuned(sets []string) map[string]string {
	var out map[string]string
	for _, s := range sets {
		k, v, _ := strings.Cut(s, "=")
		if !strings.HasPrefix(k, "lr.") {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// ReadTune reads the tune folder dir's record; an error for no folder ("").
func ReadTune(dir string) (*tune.Record, error) {
	if dir == "" {
		return nil, errors.New("no tune folder")
	}
	return tune.Read(dir)
}
