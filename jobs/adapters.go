package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/loaders"
	"github.com/memberlytics/memberlytics/models"
)

type runIDKey struct{}

// RunIDFrom returns the run_id of the job run ctx belongs to ("" outside a
// run). Adapters stamp it on what the job writes, linking job_runs to
// model outputs and export manifests.
func RunIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(runIDKey{}).(string)
	return s
}

// LoadSource is one configured input: a name (the job is load_NAME), the
// files, directories or globs to load, and the loader options.
type LoadSource struct {
	Name  string
	Paths []string
	// Glob, when set, is the file names taken from a directory in Paths.
	Glob    string
	Options loaders.Options
}

type loadJob struct {
	conn loaders.Conn
	src  LoadSource
}

// LoadJob wraps a loader source as the job load_NAME. Each run loads every
// file its paths match; files the ledger has seen are skipped, so re-runs
// and retries load nothing twice. Rows loaded and rejected are in the
// load_files ledger (RecordMetrics counts them from there).
func LoadJob(conn loaders.Conn, src LoadSource) Job { return &loadJob{conn: conn, src: src} }

func (j *loadJob) Name() string { return "load_" + j.src.Name }

// LoadsData implements DataLoader: the as_of rule is checked after loads.
func (j *loadJob) LoadsData() bool { return true }

func (j *loadJob) Run(ctx context.Context, _ time.Time) (Stats, error) {
	var st Stats
	files, err := loaders.ExpandPaths(j.src.Paths, j.src.Glob)
	if err != nil {
		return st, Permanent(fmt.Errorf("load source %s: %w", j.src.Name, err))
	}
	if len(files) == 0 {
		return st, Permanent(fmt.Errorf("load source %s: no loadable files match %v", j.src.Name, j.src.Paths))
	}
	l, err := loaders.New(j.conn, j.src.Options)
	if err != nil {
		return st, Permanent(fmt.Errorf("load source %s: %w", j.src.Name, err))
	}
	var errs []error
	for _, path := range files {
		res, err := l.LoadFile(ctx, path)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if res.Skipped {
			continue
		}
		st.RowsIn += uint64(res.Rows + res.Rejected)
		st.RowsOut += uint64(res.Rows)
	}
	if len(errs) > 0 {
		return st, fmt.Errorf("load source %s: %d of %d files failed: %w", j.src.Name, len(errs), len(files), errors.Join(errs...))
	}
	return st, nil
}

type modelJob struct {
	m   models.Model
	env models.Env
}

// ModelJob wraps a model as a job of the same name. Each run calls
// models.RunOne with env and the job run's run_id, so the model's output
// rows carry the run_id recorded in job_runs. A model skipped for its
// preconditions (models.ErrSkipped, recorded in model_runs with the
// reason) is a succeeded job: the models depending on it still run.
func ModelJob(m models.Model, env models.Env) Job { return &modelJob{m: m, env: env} }

func (j *modelJob) Name() string { return j.m.Name() }

func (j *modelJob) Run(ctx context.Context, asOf time.Time) (Stats, error) {
	env := j.env
	env.RunID = RunIDFrom(ctx)
	if env.RunID == "" {
		env.RunID = models.NewRunID(time.Now())
	}
	res, err := models.RunOne(ctx, j.m, env, asOf)
	var st Stats
	for _, n := range res.Result.Rows {
		st.RowsOut += n
	}
	if errors.Is(err, models.ErrSkipped) {
		return st, nil
	}
	return st, err
}

// AddModels adds every model of reg as a job, in dependency order, each
// depending on its models' jobs and on extra (typically the checks job).
// A date's snapshot consists of reg's models (env.Snapshot, unless set).
func AddModels(g *Graph, reg *models.Registry, env models.Env, extra ...string) error {
	ordered, err := reg.Ordered()
	if err != nil {
		return fmt.Errorf("add models: %w", err)
	}
	if env.Snapshot == nil {
		env.Snapshot = reg
	}
	for _, m := range ordered {
		deps := append(append([]string(nil), m.Deps()...), extra...)
		if err := g.Add(ModelJob(m, env), deps...); err != nil {
			return err
		}
	}
	return nil
}

// Exporter is what the export job needs: exporters.Exporter.
type Exporter interface {
	Export(ctx context.Context, asOf time.Time) (*exporters.Manifest, error)
}

type exportJob struct {
	name string
	newE func(runID string) (Exporter, error)
}

// ExportJob wraps an exporter as a job: each run builds an exporter with
// newExporter, given the job run's run_id (recorded in the manifest), and
// writes the as_of folder. Its rows_out counts each table's rows once, not
// once per format.
func ExportJob(name string, newExporter func(runID string) (Exporter, error)) Job {
	return &exportJob{name: name, newE: newExporter}
}

func (j *exportJob) Name() string { return j.name }

func (j *exportJob) Run(ctx context.Context, asOf time.Time) (Stats, error) {
	var st Stats
	e, err := j.newE(RunIDFrom(ctx))
	if err != nil {
		return st, Permanent(fmt.Errorf("export: %w", err))
	}
	m, err := e.Export(ctx, asOf)
	if err != nil {
		return st, err
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if seen[f.Table] {
			continue
		}
		seen[f.Table] = true
		st.RowsOut += uint64(f.Rows)
	}
	return st, nil
}
