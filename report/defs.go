package report

import (
	"context"
	"fmt"
	"math"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// params reads model_params for the as_of into r.Params, and the churn
// horizon from model_metrics for runs that recorded it only there. A
// missing table leaves the values unknown: the definitions then say
// "not recorded".
func (l *loader) params(ctx context.Context, r *Report) error {
	r.Params = map[string]map[string]float64{}
	set := func(model, name string, v float64) {
		if r.Params[model] == nil {
			r.Params[model] = map[string]float64{}
		}
		r.Params[model][name] = v
	}
	if have := l.cols["model_params"]; have["as_of"] && have["model"] && have["name"] && have["value"] {
		err := l.each(ctx, "model_params", l.args(), func(scan func(...any) error) error {
			var model, name string
			var v float64
			if err := scan(&model, &name, &v); err != nil {
				return err
			}
			set(model, name, v)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if _, ok := r.Params["churn"]["horizon_days"]; !ok && l.tables["model_metrics"].missing == nil {
		m, err := l.metrics(ctx, "churn")
		if err != nil {
			return err
		}
		if v, ok := m["horizon_days"]; ok {
			set("churn", "horizon_days", v)
		}
	}
	return nil
}

// param writes model's recorded value name with write, or says it was
// not recorded for the as_of.
func param(r *Report, f Format, model, name string, write func(float64) string) string {
	v, ok := r.Params[model][name]
	if !ok || math.IsNaN(v) {
		return fmt.Sprintf(f.Lang.T("not_recorded"), model, name)
	}
	return write(v)
}

// days writes a number of days.
func days(f Format) func(float64) string {
	return func(v float64) string { return fmt.Sprintf(f.Lang.T("n_days"), f.Int(v)) }
}

// currencyText says how amounts are written.
func currencyText(f Format) string {
	if f.Currency == "" {
		return f.Lang.T("def_currency_none")
	}
	return fmt.Sprintf(f.Lang.T("def_currency_text"), f.Currency, f.Money(1234.5))
}

// kpiDefs are the headline figures' definitions.
func kpiDefs(r *Report, f Format) []Def {
	l := f.Lang
	prev := l.T("no_previous")
	if !r.Prev.IsZero() {
		prev = r.Prev.Format(asof.Layout)
	}
	return []Def{
		{l.T("as_of"), r.AsOf.Format(asof.Layout) + " · " + l.T("def_as_of_text")},
		{l.T("previous"), prev},
		{l.T("def_currency"), currencyText(f)},
		{l.T("def_change"), l.T("def_change_text")},
	}
}
