package folder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sipbench/sipbench/presets"
)

// A sweep folder (`sipbench sweep`) holds one run folder per combination of the swept
// settings' values, and sweep.json (SweepInfo), which lists them:
//
//	SWEEP/sweep.json          SweepInfo: preset, scale, swept keys, methods, runs
//	SWEEP/<combination>/      a run folder, e.g. xi=32_phi=45 ("all" for a grid of one)

// SweepFile is the name of a sweep folder's record.
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
	err := readRecordIn(dir, "", SweepFile, MaxRecordFile, func(b []byte) (err error) {
		info, err = parseSweep(b)
		return err
	})
	if errors.Is(err, os.ErrNotExist) {
		return info, fmt.Errorf("runner: %s is not a sweep folder (no %s)", dir, SweepFile)
	}
	return info, err
}

// parseSweep decodes and validates a sweep.json: a preset, and runs in plain, distinct
// folder names.
func parseSweep(b []byte) (SweepInfo, error) {
	var info SweepInfo
	if err := decodeJSON(b, &info); err != nil {
		return info, fmt.Errorf("not a sweep's record: %v", err)
	}
	if info.Preset == "" {
		return info, errors.New("not a sweep's record: it names no preset")
	}
	texts := append([]string{info.Preset, info.Scale}, info.Keys...)
	texts = append(texts, info.Methods...)
	for _, r := range info.Runs {
		texts = append(texts, r.Dir)
		for k, v := range r.Values {
			texts = append(texts, k, v)
		}
	}
	if err := printable("sweep", texts...); err != nil {
		return info, err
	}
	seen := map[string]bool{}
	for _, r := range info.Runs {
		if !PlainName(r.Dir) || seen[r.Dir] {
			return info, fmt.Errorf("sweep run folder %q is not a plain folder name (or is listed twice)", r.Dir)
		}
		seen[r.Dir] = true
	}
	return info, nil
}

// Grid is the settings a sweep varies: each key with its values, keys in the order given.
type Grid struct {
	Keys   []string
	Values map[string][]string
}

// ParseGrid parses "key=v1,v2,…" settings (the values may be one) into a Grid. A setting
// without values, or a key given twice, is an error.
func ParseGrid(sets []string) (Grid, error) {
	g := Grid{Values: map[string][]string{}}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		var vs []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				vs = append(vs, s)
			}
		}
		if !ok || k == "" || len(vs) == 0 {
			return Grid{}, fmt.Errorf("--set %q: want key=v1,v2,…", kv)
		}
		if _, dup := g.Values[k]; dup {
			return Grid{}, fmt.Errorf("--set: %s given twice", k)
		}
		g.Keys = append(g.Keys, k)
		g.Values[k] = vs
	}
	return g, nil
}

// PlanSweep resolves every combination of the grid's values (the last key varying
// fastest) with p.Resolve(scale, methods, combination + extra) and returns the sweep's
// record and the Specs, in the same order. Each combination's folder is named by the
// swept keys that take more than one value, "xi=32_phi=45", or "all". A combination that
// Resolve refuses is the error.
func PlanSweep(p *presets.Preset, scale string, methods []string, g Grid, extra []string) (SweepInfo, []*presets.Spec, error) {
	combos := [][]string{nil}
	for _, k := range g.Keys {
		var next [][]string
		for _, c := range combos {
			for _, v := range g.Values[k] {
				next = append(next, append(append([]string(nil), c...), k+"="+v))
			}
		}
		combos = next
	}
	info := SweepInfo{Preset: p.Name}
	for _, k := range g.Keys {
		if len(g.Values[k]) > 1 {
			info.Keys = append(info.Keys, k)
		}
	}
	var specs []*presets.Spec
	for _, c := range combos {
		spec, err := p.Resolve(scale, methods, append(append([]string(nil), c...), extra...))
		if err != nil {
			return SweepInfo{}, nil, err
		}
		specs = append(specs, spec)
		run := SweepRun{Values: map[string]string{}}
		var name []string
		vals, err := p.ParseSets(c) // the values as given (phi=45.0), checked by Resolve
		if err != nil {
			return SweepInfo{}, nil, err
		}
		for _, kv := range c {
			k, _, _ := strings.Cut(kv, "=")
			run.Values[k] = vals[k]
			if len(g.Values[k]) > 1 {
				name = append(name, k+"="+vals[k])
			}
		}
		run.Dir = strings.Join(name, "_")
		if run.Dir == "" {
			run.Dir = "all"
		}
		info.Runs = append(info.Runs, run)
		info.Scale, info.Methods = spec.Scale, spec.MethodNames()
	}
	return info, specs, nil
}

// SameSweep reports whether two sweep records describe the same sweep: preset, scale,
// methods, and the same combinations in the same folders. `sipbench sweep --out DIR` with
// the flags that made DIR's sweep continues it; other flags are refused.
func SameSweep(a, b SweepInfo) bool {
	if a.Preset != b.Preset || a.Scale != b.Scale || strings.Join(a.Methods, ",") != strings.Join(b.Methods, ",") || len(a.Runs) != len(b.Runs) {
		return false
	}
	for i := range a.Runs {
		if a.Runs[i].Dir != b.Runs[i].Dir || len(a.Runs[i].Values) != len(b.Runs[i].Values) {
			return false
		}
		for k, v := range a.Runs[i].Values {
			if b.Runs[i].Values[k] != v {
				return false
			}
		}
	}
	return true
}

// ContinueSweep reads the sweep folder dir to continue it (`sipbench resume SWEEP`): its
// record, the Spec of every combination and the seeds. A combination whose run folder
// exists continues from it (Open); for one not started yet, the Spec is the settings of
// the sweep's first run folder with the combination's values, and the seeds are that
// run's (the flags the sweep was made with are not recorded otherwise); without any run
// folder, the preset's defaults and seed 0.
func ContinueSweep(dir string) (SweepInfo, []*presets.Spec, []int, error) {
	info, err := ReadSweep(dir)
	if err != nil {
		return info, nil, nil, err
	}
	p, err := presets.Lookup(info.Preset)
	if err != nil {
		return info, nil, nil, fmt.Errorf("runner: %s: %v", dir, err)
	}
	var base map[string]string
	seeds := []int{0}
	for _, r := range info.Runs {
		if ri, err := ReadInfo(filepath.Join(dir, r.Dir)); err == nil {
			base, seeds = ri.Settings, ri.Seeds
			break
		}
	}
	var specs []*presets.Spec
	for _, r := range info.Runs {
		var sets []string
		for k, v := range base {
			if _, swept := r.Values[k]; !swept {
				sets = append(sets, k+"="+v)
			}
		}
		for k, v := range r.Values {
			sets = append(sets, k+"="+v)
		}
		spec, err := p.Resolve(info.Scale, info.Methods, sets)
		if err != nil {
			return info, nil, nil, fmt.Errorf("runner: %s: combination %s: %v", dir, r.Dir, err)
		}
		specs = append(specs, spec)
	}
	if len(seeds) == 0 {
		seeds = []int{0}
	}
	return info, specs, seeds, nil
}

// CheckNewFolder returns an error unless dir can become a new folder of the kind what
// ("sweep", "check"): it does not exist, or is an empty folder. A run, sweep or check
// folder, or any other folder with something in it, is not written into: it is not ours.
func CheckNewFolder(dir, what string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("runner: %s is not a folder: choose another --out", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch e.Name() {
		case RunFile:
			return fmt.Errorf("runner: %s is a run folder, not a %s: choose another --out", dir, what)
		case SweepFile:
			return fmt.Errorf("runner: %s is a sweep folder, not a %s: choose another --out", dir, what)
		case "check.json":
			return fmt.Errorf("runner: %s is a check folder, not a %s: choose another --out", dir, what)
		}
	}
	if len(entries) > 0 {
		return fmt.Errorf("runner: %s is not empty (it holds %q) and is not a %s: choose another --out", dir, entries[0].Name(), what)
	}
	return nil
}

// CreateSweep makes the sweep folder dir and writes its sweep.json; the runs' folders
// are made later, one Create each. It fails if dir already holds a sweep.
func CreateSweep(dir string, info SweepInfo) error {
	if IsSweep(dir) {
		return fmt.Errorf("runner: %s already holds a sweep (use another --out)", dir)
	}
	if err := CheckNewFolder(dir, "sweep"); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return WriteJSON(filepath.Join(dir, SweepFile), info)
}
