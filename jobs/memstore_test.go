package jobs

import (
	"context"
	"sync"
)

// memStore is an in-memory RunStore for tests of pure Go logic that do
// not need the history (the ClickHouse Store is tested against a server).
type memStore struct {
	mu   sync.Mutex
	runs []Run
}

func (s *memStore) Write(_ context.Context, r Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, r)
	return nil
}

func (s *memStore) List(context.Context, Filter) ([]Run, error) { return nil, nil }
