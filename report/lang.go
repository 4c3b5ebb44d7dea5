package report

import (
	"fmt"
	"sort"
)

// Lang is a report language.
type Lang string

// The languages of the report.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// Langs lists the supported languages.
var Langs = []Lang{English, Chinese}

// ParseLang reads "en" or "zh"; the error wraps ErrUnknownLang.
func ParseLang(s string) (Lang, error) {
	for _, l := range Langs {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("report language %q (want en or zh): %w", s, ErrUnknownLang)
}

// HTMLLang is the value of the page's lang attribute.
func (l Lang) HTMLLang() string {
	if l == Chinese {
		return "zh-Hans"
	}
	return "en"
}

// T returns the label key in language l. A key missing from the table
// comes back as "??key??" so that tests find it in the page.
func (l Lang) T(key string) string {
	if s, ok := labels[l][key]; ok {
		return s
	}
	return "??" + key + "??"
}

// Name translates a value that the models write in English (a lifecycle
// stage, risk band, potential reason, default RFM segment or job status)
// and returns it unchanged when the table has no entry, as for segment or
// tier names a brand configured itself.
func (l Lang) Name(v string) string {
	if v == "" {
		return l.T("none")
	}
	if s, ok := labels[l]["v."+v]; ok {
		return s
	}
	return v
}

// labelKeys returns the keys of language l, sorted (for tests).
func labelKeys(l Lang) []string {
	keys := make([]string, 0, len(labels[l]))
	for k := range labels[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var labels = map[Lang]map[string]string{
	English: {
		"title":                "Membership report",
		"as_of":                "As of",
		"compared_with":        "compared with",
		"no_previous":          "no earlier as_of to compare with",
		"generated_at":         "Generated",
		"nav_report":           "Report",
		"nav_runs":             "Job runs",
		"not_available":        "Not available",
		"missing_no_table":     "model %s has not written table %s",
		"missing_no_columns":   "table %s of model %s lacks columns %s",
		"missing_no_partition": "model %s has no rows for %s in table %s",
		"none":                 "(none)",
		"members":              "Members",
		"share":                "Share",
		"revenue":              "Revenue",
		"change":               "Change",
		"previous":             "Previous",
		"kpis":                 "Headline figures",
		"kpi_note":             "Every figure is defined once in the KPI definitions table of models/README.md (repurchase = a second purchase day).",
		"kpi_members":          "Members",
		"kpi_active":           "Active members",
		"kpi_arpu":             "Revenue per buyer",
		"kpi_repurchase":       "Repurchase rate",
		"kpi_churn_rate":       "Churned share",
		"kpi_reactivation":     "Reactivated (last run's sleeping and churned)",
		"kpi_predicted_churn":  "Predicted churn",
		"kpi_avg_clv":          "Average predicted CLV",
		"kpi_buyers":           "Buyers",
		"rfm":                  "RFM segments",
		"rfm_grid_members":     "Members by recency and frequency score",
		"rfm_grid_revenue":     "Revenue by recency and frequency score",
		"recency_score":        "Recency score (5 = most recent)",
		"recency_short":        "Recency score",
		"frequency_score":      "Frequency score (5 = most frequent)",
		"segment":              "Segment",
		"avg_recency":          "Avg. days since last order",
		"avg_frequency":        "Avg. orders",
		"cohorts":              "Cohort retention",
		"cohort_retention":     "Share of the cohort active, by period",
		"cohort_revenue":       "Revenue by cohort and period",
		"cohort":               "Cohort",
		"period":               "Period",
		"cohort_size":          "Size",
		"clv":                  "Customer lifetime value",
		"clv_distribution":     "Members by predicted CLV",
		"clv_by_decile":        "Predicted CLV and past spend by CLV decile",
		"decile":               "Decile",
		"predicted_clv":        "Predicted CLV",
		"past_spend":           "Past spend",
		"churn":                "Churn risk",
		"churn_bands":          "Members by risk band",
		"churn_histogram":      "Members by churn probability",
		"churn_probability":    "Churn probability",
		"model_quality":        "Model quality",
		"auc":                  "AUC",
		"baseline_auc":         "Baseline AUC (recency only)",
		"calibration":          "Calibration by decile",
		"predicted":            "Predicted",
		"observed":             "Observed",
		"lift":                 "Lift by decile",
		"lift_top":             "Top-decile lift",
		"no_quality":           "the churn model recorded no validation figures for this as_of",
		"tiers":                "Tiers",
		"tier_distribution":    "Members by tier",
		"tier_migration":       "Tier migration since the previous as_of",
		"from":                 "From",
		"to":                   "To",
		"upgrade_conversion":   "Upgrade conversion",
		"upgraded":             "Upgraded",
		"upgrade_retention":    "Upgrade retention",
		"downgraded":           "Downgraded",
		"lifecycle":            "Lifecycle",
		"lifecycle_flow":       "Stage flow since the previous as_of",
		"potential":            "High-potential members",
		"potential_by_reason":  "Members by reason",
		"any_reason":           "Any reason",
		"reason":               "Reason",
		"runs":                 "Job runs",
		"next_runs":            "Next scheduled runs",
		"no_runs":              "No runs recorded yet.",
		"job":                  "Job",
		"status":               "Status",
		"trigger":              "Trigger",
		"attempt":              "Attempt",
		"started":              "Started",
		"duration":             "Duration",
		"rows":                 "Rows",
		"error":                "Error",
		"at":                   "At",
		"pp":                   "pp",
		"v.new":                "New",
		"v.active":             "Active",
		"v.loyal":              "Loyal",
		"v.silent":             "Silent",
		"v.sleeping":           "Sleeping",
		"v.dormant":            "Dormant",
		"v.churned":            "Churned",
		"v.prospect":           "Prospect",
		"v.low":                "Low",
		"v.medium":             "Medium",
		"v.high":               "High",
		"v.critical":           "Critical",
		"v.lapsed":             "Lapsed",
		"v.clv_above_spend":    "CLV well above past spend",
		"v.engaged_low_spend":  "Engaged, low spend",
		"v.rising_value":       "Rising order value",
		"v.running":            "running",
		"v.succeeded":          "succeeded",
		"v.failed":             "failed",
		"v.cancelled":          "cancelled",
		"v.skipped":            "skipped",
		"v.abandoned":          "abandoned",
		// Category preference (report/category.go).
		"category":           "Category preference",
		"category_by_tier":   "Preferred category by tier (share of the tier's members)",
		"preferred_category": "Preferred category",
		"category_tier":      "Tier",
		"category_note":      "Each member's preferred top-level category (model category_affinity: the highest affinity index with the minimum support); members without one are left out.",
	},
	Chinese: {
		"title":                "会员分析报告",
		"as_of":                "数据日期",
		"compared_with":        "对比",
		"no_previous":          "没有更早的数据日期可对比",
		"generated_at":         "生成时间",
		"nav_report":           "报告",
		"nav_runs":             "任务运行",
		"not_available":        "暂无数据",
		"missing_no_table":     "模型 %s 尚未写入表 %s",
		"missing_no_columns":   "模型 %[2]s 的表 %[1]s 缺少列 %[3]s",
		"missing_no_partition": "模型 %s 在 %s 没有数据（表 %s）",
		"none":                 "（无）",
		"members":              "会员数",
		"share":                "占比",
		"revenue":              "销售额",
		"change":               "变化",
		"previous":             "上期",
		"kpis":                 "核心指标",
		"kpi_note":             "各指标的定义见 models/README.md 的 KPI 定义表（复购 = 第二个购买日）。",
		"kpi_members":          "会员总数",
		"kpi_active":           "活跃会员",
		"kpi_arpu":             "客均消费",
		"kpi_repurchase":       "复购率",
		"kpi_churn_rate":       "流失会员占比",
		"kpi_reactivation":     "唤回率（上期睡眠与流失会员）",
		"kpi_predicted_churn":  "预测流失率",
		"kpi_avg_clv":          "平均预测终身价值",
		"kpi_buyers":           "购买会员",
		"rfm":                  "RFM 分群",
		"rfm_grid_members":     "按最近购买与购买频次评分的会员数",
		"rfm_grid_revenue":     "按最近购买与购买频次评分的销售额",
		"recency_score":        "最近购买评分（5 = 最近）",
		"recency_short":        "最近购买评分",
		"frequency_score":      "购买频次评分（5 = 最频繁）",
		"segment":              "分群",
		"avg_recency":          "距上次购买平均天数",
		"avg_frequency":        "平均订单数",
		"cohorts":              "同期群留存",
		"cohort_retention":     "各期活跃会员占同期群比例",
		"cohort_revenue":       "各同期群各期销售额",
		"cohort":               "同期群",
		"period":               "期",
		"cohort_size":          "人数",
		"clv":                  "客户终身价值",
		"clv_distribution":     "按预测终身价值的会员分布",
		"clv_by_decile":        "按终身价值十分位的预测价值与历史消费",
		"decile":               "十分位",
		"predicted_clv":        "预测终身价值",
		"past_spend":           "历史消费",
		"churn":                "流失风险",
		"churn_bands":          "按风险等级的会员数",
		"churn_histogram":      "按流失概率的会员分布",
		"churn_probability":    "流失概率",
		"model_quality":        "模型质量",
		"auc":                  "AUC",
		"baseline_auc":         "基线 AUC（仅最近购买）",
		"calibration":          "分十分位校准",
		"predicted":            "预测",
		"observed":             "实际",
		"lift":                 "分十分位提升度",
		"lift_top":             "前 10% 提升度",
		"no_quality":           "流失模型在该数据日期没有记录验证指标",
		"tiers":                "会员等级",
		"tier_distribution":    "各等级会员数",
		"tier_migration":       "与上期相比的等级迁移",
		"from":                 "上期",
		"to":                   "本期",
		"upgrade_conversion":   "升级转化率",
		"upgraded":             "升级",
		"upgrade_retention":    "升级后复购率",
		"downgraded":           "降级",
		"lifecycle":            "生命周期",
		"lifecycle_flow":       "与上期相比的阶段流转",
		"potential":            "高潜力会员",
		"potential_by_reason":  "按原因的会员数",
		"any_reason":           "任一原因",
		"reason":               "原因",
		"runs":                 "任务运行",
		"next_runs":            "下次计划运行",
		"no_runs":              "暂无运行记录。",
		"job":                  "任务",
		"status":               "状态",
		"trigger":              "触发方式",
		"attempt":              "尝试次数",
		"started":              "开始时间",
		"duration":             "耗时",
		"rows":                 "行数",
		"error":                "错误",
		"at":                   "时间",
		"pp":                   "个百分点",
		"v.new":                "新客",
		"v.active":             "活跃",
		"v.loyal":              "忠诚",
		"v.silent":             "沉默",
		"v.sleeping":           "睡眠",
		"v.dormant":            "沉睡",
		"v.churned":            "流失",
		"v.prospect":           "潜在客户",
		"v.low":                "低",
		"v.medium":             "中",
		"v.high":               "高",
		"v.critical":           "极高",
		"v.lapsed":             "已流失",
		"v.clv_above_spend":    "终身价值远高于历史消费",
		"v.engaged_low_spend":  "互动活跃但消费低",
		"v.rising_value":       "客单价上升",
		"v.running":            "运行中",
		"v.succeeded":          "成功",
		"v.failed":             "失败",
		"v.cancelled":          "已取消",
		"v.skipped":            "已跳过",
		"v.abandoned":          "已放弃",
		"v.Champions":          "冠军客户",
		"v.Loyal":              "忠诚客户",
		"v.Potential Loyalist": "潜在忠诚客户",
		"v.New":                "新客户",
		"v.Promising":          "有潜力客户",
		"v.Need Attention":     "需要关注",
		"v.About to Sleep":     "即将沉睡",
		"v.Can't Lose Them":    "不能失去的客户",
		"v.At Risk":            "有流失风险",
		"v.Lost":               "已流失",
		"v.Hibernating":        "休眠客户",
		// Category preference (report/category.go).
		"category":           "品类偏好",
		"category_by_tier":   "各等级的偏好品类（占该等级会员的比例）",
		"preferred_category": "偏好品类",
		"category_tier":      "会员等级",
		"category_note":      "每位会员偏好的一级品类（模型 category_affinity：达到最低支持度的最高亲和指数）；没有偏好品类的会员不计入。",
	},
}
