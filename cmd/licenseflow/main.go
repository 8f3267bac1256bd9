// Command licenseflow is the one CLI of licenseflow: it runs the whole
// pipeline, the local AWS endpoint, single stages, the license-push poller,
// the demo application server, dead-letter-queue tooling and infra checks.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if inLambda() {
		if err := startLambda(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "licenseflow lambda:", err)
			os.Exit(1)
		}
		return
	}
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "licenseflow:", err)
		os.Exit(1)
	}
}
