package folder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
)

// JobID returns the ID of the job that trains method with seed, "<method>-seed<seed>":
// its name in run.json and its folder's name.
func JobID(method string, seed int) string { return method + "-seed" + strconv.Itoa(seed) }

// ReadJobConfig reads a job's config.json.
func ReadJobConfig(dir, job string) (JobConfig, error) {
	var c JobConfig
	if !PlainName(job) {
		return c, fmt.Errorf("runner: %q is not a job's name", job)
	}
	err := readRecordIn(dir, job, ConfigFile, MaxRecordFile, func(b []byte) (err error) {
		c, err = parseJobConfig(b)
		return err
	})
	return c, err
}

// ReadSpec rebuilds the Spec of the run in dir from what the folder records (run.json,
// info, and every job's config.json), not from today's preset code: the settings, each
// method as it trained and each method's network (presets.Preset.Restore). It refuses,
// saying why, a folder written in a newer format than FormatVersion, a run whose preset,
// method or network this sipbench no longer has, and a record that contradicts itself
// (a job ID that is not JobID(method, seed), jobs of one method with different records).
func ReadSpec(dir string, info Info) (*presets.Spec, error) {
	if info.Format > FormatVersion {
		return nil, fmt.Errorf("runner: %s was written by a newer sipbench (run format %d; this sipbench %s reads formats up to %d): update sipbench to use it",
			dir, info.Format, Version, FormatVersion)
	}
	p, err := presets.LookupRun(info.Preset, info.ProblemCmd)
	if err != nil {
		if errors.Is(err, presets.ErrCommand) {
			return nil, fmt.Errorf("runner: %s: %w", dir, err)
		}
		return nil, fmt.Errorf("runner: %s: the run's preset no longer exists in this sipbench: %v", dir, err)
	}
	methods := map[string]optimizers.Method{}
	networks := map[string]presets.Network{}
	for _, j := range info.Jobs {
		if j.ID != JobID(j.Method, j.Seed) || !PlainName(j.ID) {
			return nil, fmt.Errorf("runner: %s: run.json names job %q for method %q and seed %d; want %q", dir, j.ID, j.Method, j.Seed, JobID(j.Method, j.Seed))
		}
		c, err := ReadJobConfig(dir, j.ID)
		if err != nil {
			return nil, fmt.Errorf("runner: %s: the record of job %s: %v", dir, j.ID, err)
		}
		if c.Format > FormatVersion {
			return nil, fmt.Errorf("runner: %s/%s was written by a newer sipbench (format %d; this sipbench %s reads formats up to %d): update sipbench to use it",
				dir, j.ID, c.Format, Version, FormatVersion)
		}
		if c.Method.Name != j.Method {
			return nil, fmt.Errorf("runner: %s/%s/%s records method %q, run.json %q", dir, j.ID, ConfigFile, c.Method.Name, j.Method)
		}
		// A job's learning rate is recorded in run.json's jobs and in its config.json (the
		// job and the method): one rate, or the record contradicts itself.
		if j.LR != c.Method.LR || c.Job.LR != c.Method.LR {
			return nil, fmt.Errorf("runner: %s: job %s records learning rates %g (run.json), %g and %g (%s): the record contradicts itself",
				dir, j.ID, j.LR, c.Job.LR, c.Method.LR, ConfigFile)
		}
		if m, ok := methods[j.Method]; ok && m != c.Method {
			return nil, fmt.Errorf("runner: %s: the jobs of method %s record different settings (%+v, %+v)", dir, j.Method, m, c.Method)
		}
		methods[j.Method] = c.Method
		switch {
		case c.Network != nil:
			if n, ok := networks[j.Method]; ok && !sameNetwork(n, *c.Network) {
				return nil, fmt.Errorf("runner: %s: the jobs of method %s record different networks (%v, %v)", dir, j.Method, n, *c.Network)
			}
			networks[j.Method] = *c.Network
		case c.Format >= 1 && !info.Solver:
			return nil, fmt.Errorf("runner: %s/%s/%s records no network", dir, j.ID, ConfigFile)
		}
	}
	var ms []optimizers.Method
	for _, name := range info.Methods {
		m, ok := methods[name]
		if !ok {
			return nil, fmt.Errorf("runner: %s: run.json lists method %q but no job of it", dir, name)
		}
		ms = append(ms, m)
	}
	if len(ms) != len(methods) {
		return nil, fmt.Errorf("runner: %s: run.json's jobs train methods that its methods (%s) do not list", dir, strings.Join(info.Methods, ", "))
	}
	spec, err := p.Restore(info.Scale, info.Settings, ms, networks)
	if err != nil {
		return nil, fmt.Errorf("runner: %s: %w", dir, err)
	}
	return spec, nil
}

func sameNetwork(a, b presets.Network) bool { return reflect.DeepEqual(a, b) }

// CheckJob returns an error unless job is a plain folder name (no path separators, not
// "." or "..") and dir/job is a directory rather than a symbolic link: a run folder is
// untrusted input, and reading a job must not lead outside it.
func CheckJob(dir, job string) error {
	if job == "" || job == "." || job == ".." || strings.ContainsAny(job, `/\`+"\x00") {
		return fmt.Errorf("runner: %s: job %q is not a plain folder name", dir, job)
	}
	fi, err := os.Lstat(filepath.Join(dir, job))
	if err != nil {
		return fmt.Errorf("runner: %s: job %s: %w", dir, job, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("runner: %s: job %s is not a folder", dir, job)
	}
	return nil
}
