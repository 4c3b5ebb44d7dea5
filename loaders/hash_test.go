package loaders

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// cancelAfter is a context cancelled once Err has been asked n times: it
// shows where hashing checks for cancellation without timing.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func (c *cancelAfter) Done() <-chan struct{} { return nil }

func (c *cancelAfter) Deadline() (time.Time, bool) { return time.Time{}, false }

// Hashing stops at the next chunk once the context is cancelled.
func TestHashFileHonoursCancellation(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(p, make([]byte, 8*hashChunk), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, n, err := hashFile(context.Background(), p); err != nil || n != 8*hashChunk {
		t.Fatalf("hashFile = %d bytes, %v", n, err)
	}
	ctx := &cancelAfter{Context: context.Background(), n: 3}
	_, n, err := hashFile(ctx, p)
	if !errors.Is(err, context.Canceled) || n >= 8*hashChunk {
		t.Errorf("hashFile with a context cancelled after 3 chunks = %d bytes, %v; want context.Canceled before the end", n, err)
	}
}
