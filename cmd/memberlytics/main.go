// Command memberlytics loads membership data into ClickHouse, runs the
// analytics models, exports segment files and serves the scheduler, API and
// report. Run `memberlytics help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	_ "time/tzdata" // business time zones work on machines without tzdata
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	setMemoryLimit(os.Getenv)
	root := newRootCmd(os.Stdout, os.Stderr, os.Getenv)
	if err := root.ExecuteContext(ctx); err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "memberlytics:", err)
		os.Exit(1)
	}
}

// memoryLimit is the Go heap's default soft limit for every command
// (issue #21, goal 5: each under 512 MiB RSS at 10M orders). Where a job
// holds more garbage than live data (the churn fit's samples are
// replaced row by row while they are read) the collector returns it
// before the heap doubles; a command whose live data needs more still
// runs, with more collections. A load lowers it to loadMemoryLimit.
const memoryLimit = 384 << 20

// setMemoryLimit sets the memoryLimit soft limit unless GOMEMLIMIT (read
// with getenv) is set; then the runtime's own limit, read from it, stays.
func setMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
