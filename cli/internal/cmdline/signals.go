package cmdline

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// CancelOnSignal returns a context that the first Ctrl-C or SIGTERM cancels
// (signal.NotifyContext), after saying on stderr that what (e.g. "the sweep") is stopping
// with its checkpoints being written; a second one ends the process at once, exit code
// 130. stop releases the signals and the context.
func CancelOnSignal(what string) (ctx context.Context, stop func()) {
	ctx, release := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		if context.Cause(ctx) == context.Canceled { // stop, not a signal
			return
		}
		release()
		again := make(chan os.Signal, 1)
		signal.Notify(again, os.Interrupt, syscall.SIGTERM)
		fmt.Fprintf(os.Stderr, "\nsipbench: stopping %s (checkpoints are being written; Ctrl-C again to quit at once)\n", what)
		select {
		case <-again:
			os.Exit(130)
		case <-done:
			signal.Stop(again)
		}
	}()
	return ctx, func() { close(done); release() }
}
