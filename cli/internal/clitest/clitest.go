// Package clitest runs a command of sipbench's command line in a test and captures what
// it prints.
package clitest

import (
	"io"
	"os"
	"testing"
)

// Capture runs run, which returns an exit code, with os.Stdout and os.Stderr redirected,
// and returns the code and what it printed on each.
func Capture(t testing.TB, run func() int) (code int, stdout, stderr string) {
	t.Helper()
	oldOut, oldErr := os.Stdout, os.Stderr
	ro, wo, _ := os.Pipe()
	re, we, _ := os.Pipe()
	os.Stdout, os.Stderr = wo, we
	outc, errc := make(chan string), make(chan string)
	go func() { b, _ := io.ReadAll(ro); outc <- string(b) }()
	go func() { b, _ := io.ReadAll(re); errc <- string(b) }()
	code = run()
	wo.Close()
	we.Close()
	os.Stdout, os.Stderr = oldOut, oldErr
	return code, <-outc, <-errc
}
