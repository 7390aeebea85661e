package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// SweepFile describes a sweep folder (`sipbench sweep`): one run folder per combination
// of the swept settings.
const SweepFile = "sweep.json"

// SweepInfo is the content of sweep.json.
type SweepInfo struct {
	Preset  string     `json:"preset"`
	Scale   string     `json:"scale"`
	Keys    []string   `json:"keys"` // the settings that take more than one value, in grid order
	Methods []string   `json:"methods"`
	Runs    []SweepRun `json:"runs"`
}

// SweepRun is one combination: its sub-folder and the values of every --set key.
type SweepRun struct {
	Dir    string            `json:"dir"`
	Values map[string]string `json:"values"`
}

// IsSweep reports whether dir holds a sweep.json (a regular file, not a link).
func IsSweep(dir string) bool {
	fi, err := os.Lstat(filepath.Join(dir, SweepFile))
	return err == nil && fi.Mode().IsRegular()
}

// ReadSweep reads dir/sweep.json. It refuses a run whose folder is not a plain name inside
// dir (a sweep folder is untrusted input like a run folder).
func ReadSweep(dir string) (SweepInfo, error) {
	var info SweepInfo
	if err := readJSON(filepath.Join(dir, SweepFile), &info); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return info, fmt.Errorf("runner: %s is not a sweep folder (no %s)", dir, SweepFile)
		}
		return info, err
	}
	for _, r := range info.Runs {
		if r.Dir == "" || r.Dir == "." || r.Dir == ".." || filepath.Base(r.Dir) != r.Dir {
			return info, fmt.Errorf("runner: %s: sweep run folder %q is not a plain folder name", dir, r.Dir)
		}
	}
	return info, nil
}
