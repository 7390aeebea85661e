// Package create makes run folders in place at once (Run): built under a temporary name,
// renamed into place, never over anything but an empty folder or what a killed creation
// left; and it clears the temporary files that interrupted writes leave in a job's folder.
package create

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sipbench/sipbench/folder"
)

// Run makes the run folder dir, whose records fill writes into the folder tmp it is
// given. It builds the run under a temporary name in dir's parent (.NAME.creating-ID, see
// folder.Creating) and renames it into place once fill has written it, so that a crash never
// leaves a half-made folder at dir, and of several processes creating the same folder at
// once exactly one succeeds (a rename onto a folder that is not empty fails). It fails
// if dir already holds a run, or holds anything else: a folder that is not empty and not
// a run is not written into. An empty dir is replaced; one that an older Run left
// half-made is cleaned first. If it fails, nothing of the temporary folder is left.
func Run(dir string, fill func(tmp string) error) (err error) {
	if err := checkEmpty(dir, false); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // before anything is made
	}
	tmp, release, err := startCreation(dir)
	if err != nil {
		return err
	}
	defer release()
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	return placeRun(tmp, dir)
}

// startCreation makes the folder in which Run builds the run folder dir, under a
// temporary name in dir's parent (.NAME.creating-ID), after removing those that killed
// Runs left there, and locks it: the lock, until release, marks a creation under way.
func startCreation(dir string) (tmp string, release func(), err error) {
	parent, base := filepath.Dir(filepath.Clean(dir)), filepath.Base(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", nil, err
	}
	removeStaleCreations(parent, base)
	tmp = filepath.Join(parent, "."+base+folder.CreatingMark+RunID()[:8])
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return "", nil, err
	}
	release, err = folder.LockRun(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("runner: locking %s: %v", tmp, err)
	}
	return tmp, release, nil
}

// removeStaleCreations removes the folders that a Run of parent/base killed before
// it renamed them left in parent: their lock is free, and they are over a minute old (a
// Run that has just made its folder may not hold its lock yet).
func removeStaleCreations(parent, base string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, "."+base+folder.CreatingMark) {
			continue
		}
		tmp := filepath.Join(parent, name)
		if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		f, err := folder.LockFileIn(tmp, folder.LockFile, true)
		if err != nil {
			continue // held: a Run under way
		}
		os.RemoveAll(tmp)
		folder.UnlockFile(f)
		f.Close()
	}
}

// placeRun renames the run folder tmp, made by Run, to dir: it fails if dir holds a
// run or anything else but what an older Run left (a lock file, job folders with their
// config.json and status.json only); an empty dir, or one holding only that, is removed
// first, under dir's lock.
func placeRun(tmp, dir string) error {
	if err := os.Rename(tmp, dir); err == nil {
		return nil
	}
	if err := checkEmpty(dir, false); err != nil {
		return err // a run (another Run's, made at the same time), or not ours
	}
	release, err := folder.LockRun(dir)
	if errors.Is(err, os.ErrNotExist) { // another Run removed it to rename its own
		err := os.Rename(tmp, dir)
		if err != nil {
			if e := checkEmpty(dir, false); e != nil {
				return e
			}
			return fmt.Errorf("runner: %v", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("runner: locking %s: %v", dir, err)
	}
	defer release()
	if err := checkEmpty(dir, true); err != nil {
		return err
	}
	// dir is empty now: remove it (os.Rename renames no folder onto another, empty or
	// not), then rename, which fails if another Run has put its run there meanwhile.
	os.Remove(filepath.Join(dir, folder.LockFile))
	os.Remove(dir)
	if err := os.Rename(tmp, dir); err != nil {
		if err := checkEmpty(dir, false); err != nil {
			return err
		}
		return fmt.Errorf("runner: %v", err)
	}
	return nil
}

// RunID returns a new run's id: 16 random hexadecimal digits.
func RunID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil { // never on Linux; then a time is unique enough
		return fmt.Sprintf("%016x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b)
}

// checkEmpty returns an error unless the folder dir is empty but for its lock and what an
// interrupted Run left (a Run killed before it wrote run.json): temporary files, and
// job folders that hold nothing but a job's config.json, status.json, lock and their
// temporary files. It removes those if clean (the caller holds the lock).
func checkEmpty(dir string, clean bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == folder.RunFile {
			return fmt.Errorf("runner: %s already holds a run (use resume, or another --out)", dir)
		}
		if e.Name() == folder.LockFile && e.Type().IsRegular() && !clean {
			return nil // being created (or left by a Run): decided under the lock
		}
	}
	for _, e := range entries {
		switch name := e.Name(); {
		case name == folder.LockFile && e.Type().IsRegular():
		case strings.HasPrefix(name, "."+folder.RunFile+".tmp") && e.Type().IsRegular():
			if clean {
				os.Remove(filepath.Join(dir, name))
			}
		case e.IsDir() && createdJob(filepath.Join(dir, name)):
			if clean {
				for _, f := range []string{folder.ConfigFile, folder.StatusFile, folder.LockFile} {
					os.Remove(filepath.Join(dir, name, f))
				}
				RemoveStaleTemps(filepath.Join(dir, name))
				os.Remove(filepath.Join(dir, name))
			}
		default:
			return fmt.Errorf("runner: %s is not empty (it holds %q) and is not a sipbench run: choose another --out", dir, name)
		}
	}
	return nil
}

// createdJob reports whether the folder jd holds only what Run writes into a job's
// folder before run.json (config.json, status.json) and a job's lock, and their temporary
// files: what a Run killed midway leaves.
func createdJob(jd string) bool {
	if name := filepath.Base(jd); !folder.PlainName(name) || !jobLike(name) {
		return false
	}
	entries, err := os.ReadDir(jd)
	if err != nil {
		return false
	}
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || n != folder.ConfigFile && n != folder.StatusFile && n != folder.LockFile && !staleTemp(n) {
			return false
		}
	}
	return true
}

// jobLike reports whether name has the form of a JobID, "<method>-seed<N>".
func jobLike(name string) bool {
	i := strings.LastIndex(name, "-seed")
	if i <= 0 {
		return false
	}
	n, err := strconv.Atoi(name[i+len("-seed"):])
	return err == nil && n >= 0
}

// RemoveStaleTemps removes the temporary files of interrupted atomic writes in the job
// folder jd (staleTemp).
func RemoveStaleTemps(jd string) {
	entries, err := os.ReadDir(jd)
	if err != nil {
		return
	}
	for _, e := range entries {
		if staleTemp(e.Name()) && !e.IsDir() {
			os.Remove(filepath.Join(jd, e.Name()))
		}
	}
}

// staleTemp reports whether name is a temporary file of an atomic write in a job's folder
// (".<file>.tmp…", see core.WriteFileAtomic).
func staleTemp(name string) bool {
	for _, f := range []string{folder.CheckpointFile, folder.StatusFile, folder.SnapshotFile, folder.MetricsFile, folder.ConfigFile, folder.ControlFile} {
		if strings.HasPrefix(name, "."+f+".tmp") {
			return true
		}
	}
	return false
}
