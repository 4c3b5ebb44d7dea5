package report_test

import (
	"github.com/memberlytics/memberlytics/models/churn"
	"github.com/memberlytics/memberlytics/models/clv"
	"github.com/memberlytics/memberlytics/models/cohorts"
	"github.com/memberlytics/memberlytics/models/engagement"
	"github.com/memberlytics/memberlytics/models/lifecycle"
	"github.com/memberlytics/memberlytics/models/potential"
	"github.com/memberlytics/memberlytics/models/rfm"
	"github.com/memberlytics/memberlytics/models/tiers"
	"github.com/memberlytics/memberlytics/report"
)

// The sections of the models whose tables the report's fixture fills; the
// other sections are drawn in their own folders' tests and on the real
// page of cmd's TestReportAfterModelsIntegration.
func init() {
	report.SetSectionsForTest(rfm.Section, cohorts.Section, clv.Section, churn.Section, tiers.Section, lifecycle.Section, potential.Section, engagement.Section)
}
