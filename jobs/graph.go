package jobs

import (
	"fmt"
	"slices"
	"strings"
)

// All is the target that names every job in the graph.
const All = "all"

// Graph is the set of named jobs, their dependencies and named pipelines.
// Fill it before the Runner starts; it is not safe to change concurrently
// with reads.
type Graph struct {
	jobs      map[string]Job
	deps      map[string][]string
	order     []string // insertion order, for stable plans
	pipelines map[string][]string
	pipeOrder []string
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{jobs: map[string]Job{}, deps: map[string][]string{}, pipelines: map[string][]string{}}
}

// Add adds job, which runs after each of deps. Dependencies may be added
// later; Validate checks they all exist. A name used twice, or the
// reserved name "all", is refused.
func (g *Graph) Add(job Job, deps ...string) error {
	name := job.Name()
	if name == "" || name == All || strings.ContainsAny(name, " /") {
		return fmt.Errorf("add job %q: name must be non-empty snake_case and not %q", name, All)
	}
	if _, dup := g.jobs[name]; dup {
		return fmt.Errorf("add job %s: %w", name, ErrDuplicateJob)
	}
	if _, dup := g.pipelines[name]; dup {
		return fmt.Errorf("add job %s: a pipeline has that name: %w", name, ErrDuplicateJob)
	}
	g.jobs[name] = job
	g.deps[name] = slices.Clone(deps)
	g.order = append(g.order, name)
	return nil
}

// Pipeline names a group of jobs; running it runs them and everything they
// depend on, in dependency order.
func (g *Graph) Pipeline(name string, jobs ...string) error {
	if _, dup := g.jobs[name]; dup || name == All {
		return fmt.Errorf("add pipeline %s: a job has that name: %w", name, ErrDuplicateJob)
	}
	if _, dup := g.pipelines[name]; dup {
		return fmt.Errorf("add pipeline %s: %w", name, ErrDuplicateJob)
	}
	for _, j := range jobs {
		if _, ok := g.jobs[j]; !ok {
			return fmt.Errorf("add pipeline %s: %w", name, errUnknown(j))
		}
	}
	g.pipelines[name] = slices.Clone(jobs)
	g.pipeOrder = append(g.pipeOrder, name)
	return nil
}

// Validate checks every dependency exists and there is no cycle.
func (g *Graph) Validate() error {
	for _, n := range g.order {
		for _, d := range g.deps[n] {
			if _, ok := g.jobs[d]; !ok {
				return fmt.Errorf("job %s depends on %w", n, errUnknown(d))
			}
		}
	}
	_, err := g.topo(g.order)
	return err
}

// Job returns the named job.
func (g *Graph) Job(name string) (Job, bool) {
	j, ok := g.jobs[name]
	return j, ok
}

// Jobs returns the job names in the order they were added.
func (g *Graph) Jobs() []string { return slices.Clone(g.order) }

// Deps returns the direct dependencies of a job.
func (g *Graph) Deps(name string) []string { return slices.Clone(g.deps[name]) }

// Pipelines returns the pipeline names in the order they were added.
func (g *Graph) Pipelines() []string { return slices.Clone(g.pipeOrder) }

// PipelineJobs returns the jobs a pipeline names.
func (g *Graph) PipelineJobs(name string) []string { return slices.Clone(g.pipelines[name]) }

// Has reports whether target is a job, a pipeline or "all".
func (g *Graph) Has(target string) bool {
	_, j := g.jobs[target]
	_, p := g.pipelines[target]
	return j || p || target == All
}

// Plan returns the jobs target runs, in dependency order: "all" is every
// job; a pipeline is its jobs and everything they depend on; a job name is
// that job alone (its dependencies are assumed done, as for a re-run of one
// model).
func (g *Graph) Plan(target string) ([]string, error) {
	switch {
	case target == All:
		return g.topo(g.order)
	case g.pipelines[target] != nil:
		need := map[string]bool{}
		var visit func(string)
		visit = func(n string) {
			if need[n] {
				return
			}
			need[n] = true
			for _, d := range g.deps[n] {
				visit(d)
			}
		}
		for _, j := range g.pipelines[target] {
			visit(j)
		}
		var names []string
		for _, n := range g.order {
			if need[n] {
				names = append(names, n)
			}
		}
		return g.topo(names)
	default:
		if _, ok := g.jobs[target]; !ok {
			return nil, errUnknown(target)
		}
		return []string{target}, nil
	}
}

// topo orders names so each comes after its dependencies within names,
// keeping insertion order among independent jobs (Kahn's algorithm).
func (g *Graph) topo(names []string) ([]string, error) {
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	indeg := map[string]int{}
	for _, n := range names {
		for _, d := range g.deps[n] {
			if in[d] {
				indeg[n]++
			}
		}
	}
	done := map[string]bool{}
	out := make([]string, 0, len(names))
	for len(out) < len(names) {
		progressed := false
		for _, n := range names {
			if done[n] || indeg[n] > 0 {
				continue
			}
			done[n] = true
			out = append(out, n)
			progressed = true
			for _, m := range names {
				if !done[m] && slices.Contains(g.deps[m], n) {
					indeg[m]--
				}
			}
			break // restart from the first name to keep insertion order
		}
		if !progressed {
			var stuck []string
			for _, n := range names {
				if !done[n] {
					stuck = append(stuck, n)
				}
			}
			return nil, fmt.Errorf("order jobs %s: %w", strings.Join(stuck, ", "), ErrCycle)
		}
	}
	return out, nil
}
