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
		"from":                 "From",
		"to":                   "To",
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
		"v.engaged_low_spend":  "Engaged, low spend",
		"v.running":            "running",
		"v.succeeded":          "succeeded",
		"v.failed":             "failed",
		"v.cancelled":          "cancelled",
		"v.skipped":            "skipped",
		"v.abandoned":          "abandoned",
		// A report that explains itself: definitions, units, CSV,
		// trends and filters.
		"definitions":          "Definitions",
		"download_csv":         "Download CSV",
		"not_recorded":         "not recorded for this as_of (model %s, model_params %s)",
		"n_days":               "%s days",
		"unit_count":           "count",
		"unit_money":           "currency units",
		"def_currency":         "Currency",
		"def_currency_text":    "amounts in %s, two decimals in tables (%s), short in charts",
		"def_currency_none":    "amounts without a currency symbol (report.currency is empty), two decimals in tables",
		"def_as_of_text":       "business date the models ran for, inclusive",
		"def_change":           "Change",
		"def_change_text":      "relative change (%) from the previous as_of; rates change in percentage points (pp)",
		"def_window":           "Window",
		"def_horizon":          "Horizon",
		"trends":               "Headline figures over time",
		"no_trends":            "no headline figure has been recorded yet",
		"def_as_ofs":           "As_ofs",
		"as_ofs_n":             "as_ofs",
		"def_trend_point":      "Point",
		"def_trend_point_text": "one per as_of at which the figure's model wrote rows, up to this report's as_of",
		"filters":              "Members by region, channel and tier",
		"def_slices":           "Slices",
		"def_slices_text":      "one dimension at a time; each dimension's slices add up to all members; beyond the %d largest values the rest is shown as Other",
		"def_spend":            "Spend",
		"def_spend_text":       "net paid spend in the RFM window (%s); revenue per buyer = spend / buyers",
		"spend_window":         "Spend",
		"all_members":          "All members",
		"show":                 "Show",
		"dim_region":           "Region",
		"dim_channel":          "Channel",
		"dim_tier":             "Tier",
		"dimension":            "Dimension",
		"value":                "Value",
		"other":                "Other",
		"of_all":               "of all members",
		"colon":                ": ",
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
		"from":                 "上期",
		"to":                   "本期",
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
		"v.engaged_low_spend":  "互动活跃但消费低",
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
		// 自解释的报告：定义、单位、CSV、趋势、互动与筛选。
		"definitions":          "定义",
		"download_csv":         "下载 CSV",
		"not_recorded":         "该数据日期未记录（模型 %s，model_params %s）",
		"n_days":               "%s 天",
		"unit_count":           "人",
		"unit_money":           "货币单位",
		"def_currency":         "货币",
		"def_currency_text":    "金额单位 %s，表格保留两位小数（%s），图表为简写",
		"def_currency_none":    "金额不带货币符号（report.currency 为空），表格保留两位小数",
		"def_as_of_text":       "模型运行所对应的业务日期（含当日）",
		"def_change":           "变化",
		"def_change_text":      "相对上期的变化（%）；比率的变化以百分点计",
		"def_window":           "统计窗口",
		"def_horizon":          "预测期",
		"trends":               "核心指标趋势",
		"no_trends":            "尚未记录任何核心指标",
		"def_as_ofs":           "数据日期",
		"as_ofs_n":             "个数据日期",
		"def_trend_point":      "数据点",
		"def_trend_point_text": "指标所属模型写入数据的每个数据日期一个点，截至本报告的数据日期",
		"filters":              "按地区、渠道与等级的会员",
		"def_slices":           "切片",
		"def_slices_text":      "每次一个维度；每个维度的切片合计等于全部会员；最大的 %d 个取值之外归入“其他”",
		"def_spend":            "消费",
		"def_spend_text":       "RFM 窗口（%s）内的已付净额；客均消费 = 消费 / 购买会员",
		"spend_window":         "消费",
		"all_members":          "全部会员",
		"show":                 "显示",
		"dim_region":           "地区",
		"dim_channel":          "渠道",
		"dim_tier":             "等级",
		"dimension":            "维度",
		"value":                "取值",
		"other":                "其他",
		"of_all":               "占全部会员",
		"colon":                "：",
	},
}
