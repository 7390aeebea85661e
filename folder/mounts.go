package folder

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// Mount is the file system that holds a path, from the mount table: what locks hold there
// (LockModeOf), and whether the nodes of a cluster may see it (LocalOnly).
type Mount struct {
	Point string // where it is mounted
	Type  string // "nfs4", "lustre", "beegfs", "tmpfs", "ext4", …
	// Options are the mount's options and its file system's, comma-separated
	// ("rw,relatime,flock,user_xattr").
	Options string
}

// MountOf returns the file system that holds path (made absolute, links resolved), from
// /proc/self/mountinfo: the longest mount point that contains it. ok is false where the
// table cannot be read.
func MountOf(path string) (m Mount, ok bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return m, false
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	} else if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(r, filepath.Base(abs))
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return m, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPER
		pre, post, found := strings.Cut(sc.Text(), " - ")
		f1, f2 := strings.Fields(pre), strings.Fields(post)
		if !found || len(f1) < 6 || len(f2) < 1 {
			continue
		}
		point := unescapeMount(f1[4])
		if (abs == point || strings.HasPrefix(abs, strings.TrimSuffix(point, "/")+"/")) && len(point) >= len(m.Point) {
			m, ok = Mount{Point: point, Type: f2[0], Options: f1[5]}, true
			if len(f2) >= 3 {
				m.Options += "," + f2[2]
			}
		}
	}
	return m, ok
}

// unescapeMount undoes the octal escapes of mountinfo ("\040" for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, ok := octal(s[i+1 : i+4]); ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func octal(s string) (byte, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var v int
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, false
		}
		v = v*8 + int(c-'0')
	}
	return byte(v), v < 256
}

// memoryTypes are file systems held in a node's memory: no other node sees them.
var memoryTypes = map[string]bool{"tmpfs": true, "ramfs": true, "devtmpfs": true}

// sharedTypes are network and cluster file systems that every node may mount.
var sharedTypes = map[string]bool{"nfs": true, "nfs4": true, "lustre": true, "beegfs": true, "gpfs": true,
	"cifs": true, "smb3": true, "ceph": true, "fuse.ceph": true, "glusterfs": true, "fuse.glusterfs": true,
	"panfs": true, "wekafs": true, "orangefs": true, "pvfs2": true}

// LocalOnly returns why compute nodes may not see path ("tmpfs", "a local ext4 disk under
// /tmp"), or "" when it looks shared (or the mount table cannot tell).
func LocalOnly(path string) string {
	m, ok := MountOf(path)
	if !ok {
		return ""
	}
	if memoryTypes[m.Type] {
		return m.Type + " (" + m.Point + "), a node's memory"
	}
	abs, _ := filepath.Abs(path)
	for _, tmp := range []string{"/tmp", "/var/tmp", "/dev/shm", "/run"} {
		if (abs == tmp || strings.HasPrefix(abs, tmp+"/")) && !sharedTypes[m.Type] {
			return "a local " + m.Type + " file system under " + tmp
		}
	}
	return ""
}
