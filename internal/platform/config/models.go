package config

// Models holds each model's section of the file, models.<name>, as
// written: the model's folder (models/<name>/) owns its parameters type and
// decodes its section with Params.Decode, and cmd/memberlytics builds every
// model right after loading the file, so a bad key fails at start-up. Keys
// are documented in deploy/memberlytics.example.yaml.
type Models struct {
	CLV        Params `yaml:"clv"`
	Churn      Params `yaml:"churn"`
	Potential  Params `yaml:"potential"`
	RFM        Params `yaml:"rfm"`
	Cohorts    Params `yaml:"cohorts"`
	Engagement Params `yaml:"engagement"`
	Lifecycle  Params `yaml:"lifecycle"`
	Tiers      Params `yaml:"tiers"`

	Campaigns        Params `yaml:"campaigns"`
	Points           Params `yaml:"points"`
	Occasions        Params `yaml:"occasions"`
	CategoryAffinity Params `yaml:"category_affinity"`
	NextCategory     Params `yaml:"next_category"`
	KPIBreakdown     Params `yaml:"kpi_breakdown"`
}
