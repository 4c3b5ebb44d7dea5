package models

import (
	"fmt"
	"sort"
)

// Registry is an explicit set of models, filled by the caller (cmd or a
// test); there are no init-time registrations. It is not safe for
// concurrent Add; reads after filling are safe.
type Registry struct {
	byName map[string]Model
	order  []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: map[string]Model{}}
}

// Add registers m. A second model with the same name is refused with
// ErrDuplicate; an empty name is refused too.
func (r *Registry) Add(m Model) error {
	name := m.Name()
	if name == "" {
		return fmt.Errorf("add model: %w: empty name", ErrUnknown)
	}
	if _, ok := r.byName[name]; ok {
		return fmt.Errorf("add model %s: %w", name, ErrDuplicate)
	}
	r.byName[name] = m
	r.order = append(r.order, name)
	return nil
}

// Get returns the model called name.
func (r *Registry) Get(name string) (Model, bool) {
	m, ok := r.byName[name]
	return m, ok
}

// Names returns the registered names in the order they were added.
func (r *Registry) Names() []string {
	return append([]string(nil), r.order...)
}

// Ordered returns the named models (every registered model when names is
// empty) in dependency order: a model comes after every model it depends
// on that is also in the list. Models whose dependencies are not in the
// list still run; they read those dependencies' existing outputs. An
// unknown name or dependency gives ErrUnknown, a cycle in the registry
// gives ErrCycle. Ties keep registration order, so the order is stable.
func (r *Registry) Ordered(names ...string) ([]Model, error) {
	// Check the whole graph: unknown dependencies and cycles are errors
	// even when the cycle is outside the requested names.
	for _, n := range r.order {
		for _, d := range r.byName[n].Deps() {
			if _, ok := r.byName[d]; !ok {
				return nil, fmt.Errorf("model %s depends on %s: %w", n, d, ErrUnknown)
			}
		}
	}
	want := map[string]bool{}
	if len(names) == 0 {
		names = r.order
	}
	for _, n := range names {
		if _, ok := r.byName[n]; !ok {
			return nil, fmt.Errorf("model %s: %w (have %v)", n, ErrUnknown, r.order)
		}
		want[n] = true
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []Model
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case visiting:
			return fmt.Errorf("%w: %v", ErrCycle, append(path, n))
		case done:
			return nil
		}
		state[n] = visiting
		deps := append([]string(nil), r.byName[n].Deps()...)
		sort.SliceStable(deps, func(i, j int) bool { return r.index(deps[i]) < r.index(deps[j]) })
		for _, d := range deps {
			if err := visit(d, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = done
		if want[n] {
			out = append(out, r.byName[n])
		}
		return nil
	}
	for _, n := range r.order {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *Registry) index(name string) int {
	for i, n := range r.order {
		if n == name {
			return i
		}
	}
	return len(r.order)
}
