//go:build !unix

package runner

// lockDir does not lock on systems without flock.
func lockDir(dir string) (release func(), err error) { return func() {}, nil }
