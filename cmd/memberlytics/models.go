package main

import (
	"errors"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/campaigns"
	categoryaffinity "github.com/memberlytics/memberlytics/models/category_affinity"
	"github.com/memberlytics/memberlytics/models/churn"
	"github.com/memberlytics/memberlytics/models/clv"
	"github.com/memberlytics/memberlytics/models/cohorts"
	"github.com/memberlytics/memberlytics/models/engagement"
	kpibreakdown "github.com/memberlytics/memberlytics/models/kpi_breakdown"
	"github.com/memberlytics/memberlytics/models/lifecycle"
	nextcategory "github.com/memberlytics/memberlytics/models/next_category"
	"github.com/memberlytics/memberlytics/models/occasions"
	"github.com/memberlytics/memberlytics/models/points"
	"github.com/memberlytics/memberlytics/models/potential"
	"github.com/memberlytics/memberlytics/models/profile"
	"github.com/memberlytics/memberlytics/models/rfm"
	"github.com/memberlytics/memberlytics/models/tiers"
	"github.com/memberlytics/memberlytics/report"
)

// newModelRegistry builds the registry of every model `memberlytics run`
// knows, each from its section of cfg.Models (models/<name>/ decodes and
// validates it). Every problem of every section is returned together, as
// config.Errors naming models.<name>.<field>. Add a model with one entry
// line in the list.
func newModelRegistry(cfg config.Config) (*models.Registry, error) {
	m := cfg.Models
	clvModel, clvErr := clv.FromConfig(m.CLV)
	tierParams, tierErr := tiersParams(m.Tiers)
	tiersModel, err := tiers.New(tierParams)
	if tierErr == nil {
		tierErr = err
	}
	churnModel, churnErr := churn.FromConfig(m.Churn, clvModel, tierParams.LevelNames())
	if clvErr != nil {
		churnErr = nil // churn has no clv to fit with; clv's error says why
	}
	return registry(
		entry(clvModel, clvErr),
		entry(churnModel, churnErr),
		entry(potential.FromConfig(m.Potential)),
		entry(rfm.FromConfig(m.RFM)),
		entry(cohorts.FromConfig(m.Cohorts)),
		entry(engagement.FromConfig(m.Engagement)),
		entry(lifecycle.FromConfig(m.Lifecycle)),
		entry(tiersModel, tierErr),
		entry(profile.New("clv", "churn", "potential", "occasions", "category_affinity"), nil),
		entry(points.FromConfig(m.Points, cfg.Report.Currency)),
		entry(occasions.FromConfig(m.Occasions)),
		entry(campaigns.FromConfig(m.Campaigns)),
		entry(kpibreakdown.FromConfig(m.KPIBreakdown)),
		entry(categoryaffinity.FromConfig(m.CategoryAffinity)),
		entry(nextcategory.FromConfig(m.NextCategory)),
	)
}

// reportSections returns the report sections of reg's models, in
// registry order: a model with a section has a ReportSection method
// (models/<name>/report.go).
func reportSections(reg *models.Registry) []report.Section {
	var out []report.Section
	for _, n := range reg.Names() {
		m, _ := reg.Get(n)
		if s, ok := m.(interface{ ReportSection() report.Section }); ok {
			out = append(out, s.ReportSection())
		}
	}
	return out
}

// tiersParams decodes models.tiers, which the tiers model and churn's
// tier feature share; tiers.New validates it.
func tiersParams(section config.Params) (tiers.Params, error) {
	p := tiers.DefaultParams()
	return p, section.Decode("models.tiers", &p)
}

// modelEntry is one model of the registry, or why it could not be built.
type modelEntry struct {
	m   models.Model
	err error
}

func entry(m models.Model, err error) modelEntry { return modelEntry{m, err} }

// registry adds every entry's model, or returns every entry's problem:
// the config.Errors of all sections as one config.Errors, other errors
// joined after it.
func registry(entries ...modelEntry) (*models.Registry, error) {
	reg := models.NewRegistry()
	var fields config.Errors
	var others []error
	for _, e := range entries {
		err := e.err
		if err == nil {
			err = reg.Add(e.m)
		}
		var fe config.Errors
		switch {
		case err == nil:
		case errors.As(err, &fe):
			fields = append(fields, fe...)
		default:
			others = append(others, err)
		}
	}
	if len(fields) > 0 {
		others = append([]error{fields}, others...)
	}
	if err := errors.Join(others...); err != nil {
		return nil, err
	}
	return reg, nil
}
