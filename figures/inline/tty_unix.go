//go:build unix

package inline

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// TTY is the terminal that Detect asks: a file open on a terminal device,
// usually /dev/tty (the controlling terminal, whatever stdin and stdout are).
type TTY struct{ F *os.File }

// OpenTTY opens the controlling terminal /dev/tty; close it with TTY.F.Close.
func OpenTTY() (TTY, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return TTY{}, err
	}
	return TTY{F: f}, nil
}

// raw puts the terminal in raw mode (no echo of the answers, no line buffering) and
// returns it with the function that restores its mode and discards any answer that came
// too late, so that none reaches the shell.
func (t TTY) raw() (termConn, func(), error) {
	if t.F == nil || !term.IsTerminal(int(t.F.Fd())) {
		return nil, nil, errors.New("inline: not a terminal")
	}
	fd := int(t.F.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, nil, err
	}
	c := pollConn{t.F}
	return c, func() {
		buf := make([]byte, 256)
		for range 64 { // read away what is still arriving
			if n, err := c.ReadTimeout(buf, 30*time.Millisecond); n == 0 || err != nil {
				break
			}
		}
		term.Restore(fd, old)
	}, nil
}

// pollConn reads a terminal with a timeout through poll(2).
type pollConn struct{ f *os.File }

func (c pollConn) Write(p []byte) (int, error) { return c.f.Write(p) }

func (c pollConn) ReadTimeout(p []byte, d time.Duration) (int, error) {
	fds := []unix.PollFd{{Fd: int32(c.f.Fd()), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(d/time.Millisecond)+1)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return 0, nil
		}
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	return unix.Read(int(c.f.Fd()), p)
}
