package jobs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Serve is the daemon's life: it starts the HTTP server on ln at once and
// the schedulers as soon as StartWhen allows (see ServiceOptions; until
// then /healthz and /metrics answer, /readyz and the API answer 503 with
// the reason), waits for ctx to end (SIGTERM or SIGINT in the CLI), then
// stops accepting HTTP connections, shuts the service down gracefully (see
// Service.Shutdown) and returns. A failing HTTP server also ends it.
func (s *Service) Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	httpErr := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			httpErr <- err
		}
		close(httpErr)
	}()
	s.log.Info("serving", "addr", ln.Addr().String())
	poll := time.NewTimer(0)
	defer poll.Stop()
	var serveErr error
wait:
	for {
		select {
		case <-ctx.Done():
			s.log.Info("signal received, stopping", "cause", context.Cause(ctx))
			break wait
		case err, ok := <-httpErr:
			if ok {
				serveErr = fmt.Errorf("http server: %w", err)
			}
			break wait
		case <-poll.C:
			if !s.tryStart(ctx) {
				poll.Reset(s.opt.StartPoll)
			}
		}
	}
	// The grace period plus time to record cancellations.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.Grace+time.Minute)
	defer cancel()
	shutdownErr := s.Shutdown(stopCtx)
	httpCtx, cancelHTTP := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancelHTTP()
	if err := srv.Shutdown(httpCtx); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("stop http server: %w", err))
	}
	return errors.Join(serveErr, shutdownErr)
}

// Versioner is the part of the warehouse readiness pings.
type Versioner interface {
	ServerVersion(ctx context.Context) (warehouse.Version, error)
}

// Readiness returns the /readyz check: ClickHouse answers and no
// migration is pending (pending is internal/platform/migrate's Runner.Pending).
func Readiness(wh Versioner, pending func(ctx context.Context) (int, error)) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if _, err := wh.ServerVersion(ctx); err != nil {
			return fmt.Errorf("clickhouse unreachable: %w", err)
		}
		n, err := pending(ctx)
		if err != nil {
			return fmt.Errorf("read migrations: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%d migrations pending (run memberlytics migrate)", n)
		}
		return nil
	}
}
