package folder

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// LockMode says what keeps a job from being trained twice in a run folder, by the file
// system that holds it: flock where it is coherent across the nodes that share the folder
// (NFS, GPFS, CephFS, Lustre mounted with flock, BeeGFS with global locks, or a disk only
// one node sees), else flock and a lease (lease.go).
type LockMode struct {
	FS    string // the file system's type: "nfs4", "lustre", "beegfs", "ext4", …
	Lease bool   // flock is not global here: a lease file holds across nodes
	Why   string // what holds on this file system, in a sentence
}

// lockModes caches LockModeOf by folder.
var lockModes sync.Map

// LockModeOf returns the lock mode of the run folder dir (cached): the file system type from
// the mount table (the mount point holding dir), with its mount options, and for BeeGFS its
// client's tuneUseGlobalFileLocks. SIPBENCH_LOCKS=lease or =flock forces one (tests, or a
// site that knows better).
func LockModeOf(dir string) LockMode {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if v, ok := lockModes.Load(abs); ok {
		return v.(LockMode)
	}
	m := lockModeOf(abs)
	lockModes.Store(abs, m)
	return m
}

func lockModeOf(dir string) LockMode {
	mnt, _ := MountOf(dir)
	m := modeFor(mnt, beegfsGlobalLocks)
	switch os.Getenv("SIPBENCH_LOCKS") {
	case "lease":
		m.Lease, m.Why = true, "SIPBENCH_LOCKS=lease: a lease file (created with O_EXCL, renewed) as well as flock"
	case "flock":
		m.Lease, m.Why = false, "SIPBENCH_LOCKS=flock: flock alone"
	}
	return m
}

// modeFor is the lock mode of a folder on the mount mnt; beegfsGlobal reports the BeeGFS
// client's setting.
func modeFor(mnt Mount, beegfsGlobal func() bool) LockMode {
	m := LockMode{FS: mnt.Type}
	opts := "," + mnt.Options + ","
	switch {
	case mnt.Type == "nfs" || mnt.Type == "nfs4":
		m.Why = "NFS: flock is emulated with byte-range locks that the server keeps (NLM for NFSv3, the protocol itself for NFSv4), so it holds across nodes"
	case mnt.Type == "lustre" && strings.Contains(opts, ",flock,"):
		m.Why = "Lustre mounted with flock: locks are kept by the servers, coherent across nodes"
	case mnt.Type == "lustre" && strings.Contains(opts, ",localflock,"):
		m.Lease, m.Why = true, "Lustre mounted with localflock: flock is local to each node, so a lease file (created with O_EXCL, renewed) holds across nodes"
	case mnt.Type == "lustre":
		m.Lease, m.Why = true, "Lustre without the flock mount option (noflock: flock fails): a lease file (created with O_EXCL, renewed) holds across nodes"
	case mnt.Type == "beegfs" && beegfsGlobal():
		m.Why = "BeeGFS with tuneUseGlobalFileLocks: locks are kept by the metadata servers, coherent across nodes"
	case mnt.Type == "beegfs":
		m.Lease, m.Why = true, "BeeGFS: locks are local to each node by default (tuneUseGlobalFileLocks=false), so a lease file (created with O_EXCL, renewed) holds across nodes"
	case mnt.Type == "gpfs" || mnt.Type == "ceph" || mnt.Type == "fuse.ceph":
		m.Why = mnt.Type + ": flock is coherent across nodes"
	case mnt.Type == "":
		m.Why = "the file system is unknown (no mount table): flock, which holds on this node"
	default:
		m.Why = mnt.Type + ", a file system one node holds: flock holds among its processes"
	}
	return m
}

// beegfsGlobalLocks reports whether the BeeGFS client is configured with global locks.
func beegfsGlobalLocks() bool {
	b, err := os.ReadFile("/etc/beegfs/beegfs-client.conf")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "tuneUseGlobalFileLocks" {
			return strings.TrimSpace(v) == "true"
		}
	}
	return false
}

// isNoFlock reports whether err is flock failing because the file system does not
// support it (Lustre mounted with noflock).
func isNoFlock(err error) bool {
	return errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOLCK)
}
