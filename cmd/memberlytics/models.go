package main

import (
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/campaigns"
	categoryaffinity "github.com/memberlytics/memberlytics/models/category_affinity"
	kpibreakdown "github.com/memberlytics/memberlytics/models/kpi_breakdown"
	nextcategory "github.com/memberlytics/memberlytics/models/next_category"
	"github.com/memberlytics/memberlytics/models/occasions"
	"github.com/memberlytics/memberlytics/models/points"
)

// newModelRegistry builds the registry of every model `memberlytics run`
// knows, each with its configuration. Add a model with one line here.
func newModelRegistry(cfg config.Config) (*models.Registry, error) {
	reg := models.NewRegistry()
	clvModel, err := models.NewCLV(cfg.Models.CLV)
	if err != nil {
		return nil, err
	}
	churnModel, err := models.NewChurn(cfg.Models.Churn, clvModel, cfg.Models.Tiers)
	if err != nil {
		return nil, err
	}
	pointsModel, err := points.FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	occasionsModel, err := occasions.FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	campaignsModel, err := campaigns.FromConfig(cfg.Models.Campaigns)
	if err != nil {
		return nil, err
	}
	kpiBreakdown, err := kpibreakdown.FromConfig(cfg.Models.KPIBreakdown)
	if err != nil {
		return nil, err
	}
	affinity, err := categoryaffinity.FromConfig(cfg.Models.CategoryAffinity)
	if err != nil {
		return nil, err
	}
	nextCat, err := nextcategory.FromConfig(cfg.Models.NextCategory)
	if err != nil {
		return nil, err
	}
	for _, m := range []models.Model{
		clvModel,
		churnModel,
		models.NewPotential(cfg.Models.Potential),
		models.NewRFM(cfg.Models.RFM),
		models.NewCohorts(cfg.Models.Cohorts),
		models.NewEngagement(cfg.Models.Engagement),
		models.NewLifecycle(cfg.Models.Lifecycle),
		models.NewTiers(cfg.Models.Tiers),
		models.NewMemberProfile("clv", "churn", "potential", "occasions", "category_affinity"),
		pointsModel,
		occasionsModel,
		campaignsModel,
		kpiBreakdown,
		affinity, nextCat,
	} {
		if err := reg.Add(m); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
