"""UI strings of the estate profile."""

ENTRIES = {
    "estate.nav": {"zh": "小区档案", "en": "Estate profile"},
    "estate.title": {"zh": "小区档案", "en": "Estate profile"},
    "estate.title_of": {"zh": "小区档案：{name}", "en": "Estate profile: {name}"},
    "estate.pick": {"zh": "选择小区（可输入名称搜索）", "en": "Choose an estate (type to search)"},
    "estate.pick_none": {"zh": "请选择小区", "en": "Choose an estate"},
    "estate.intro": {
        "zh": "在上方选择小区，或在“投诉分析”等页面的表格中点击某个小区，即可打开其档案。",
        "en": "Choose an estate above, or click an estate in a table on the Complaints "
              "page (or elsewhere) to open its profile."},
    "estate.not_found": {
        "zh": "找不到编号为 {code} 的小区，或您无权查看该小区。",
        "en": "There is no estate with code {code}, or it is outside what you may see."},
    "estate.scope_caption": {
        "zh": "{area} · 投诉统计期：{period}（趋势为全部历史）。本页不显示任何个人信息。",
        "en": "{area} · complaints in {period} (trends: whole history). No personal data "
              "is shown on this page."},
    "estate.facts": {"zh": "基本情况", "en": "Facts"},
    "estate.col.item": {"zh": "项目", "en": "Item"},
    "estate.col.value": {"zh": "内容", "en": "Value"},
    "estate.fact.code": {"zh": "小区编号", "en": "Code"},
    "estate.fact.address": {"zh": "地址", "en": "Address"},
    "estate.fact.area": {"zh": "所属区域", "en": "Area"},
    "estate.fact.households": {"zh": "户数", "en": "Households"},
    "estate.fact.age": {"zh": "建成年代", "en": "Age"},
    "estate.fact.mode": {"zh": "管理模式", "en": "Management mode"},
    "estate.fact.company": {"zh": "物业企业", "en": "Company"},
    "estate.fact.fee": {"zh": "物业费标准", "en": "Fee"},
    "estate.fact.committee": {"zh": "业主委员会", "en": "Owners' committee"},
    "estate.fact.party_org": {"zh": "小区党组织", "en": "Party organisation"},
    "estate.fact.smart_star": {"zh": "智慧小区星级", "en": "Smart-estate stars"},
    "estate.built": {"zh": "{year}年建成", "en": "built {year}"},
    "estate.old_suffix": {"zh": "（老旧小区）", "en": " (old estate)"},
    "estate.committee_since": {"zh": "已成立（{date}）", "en": "yes, since {date}"},
    "estate.company_party": {"zh": "（企业有党组织）", "en": " (company has a party organisation)"},
    "estate.fee": {"zh": "{fee} 元/平方米·月", "en": "{fee} yuan per m² a month"},
    "estate.no_company": {"zh": "无物业企业", "en": "no company"},
    "estate.no_star": {"zh": "未评星", "en": "not rated"},
    "estate.unknown": {"zh": "不详", "en": "unknown"},
    "estate.yes": {"zh": "有", "en": "yes"},
    "estate.no": {"zh": "无", "en": "no"},
    "estate.file_line": {"zh": "小区：{name}（{code}）", "en": "Estate: {name} ({code})"},
    "estate.trends": {"zh": "走势：与所在街道、全市对比", "en": "Trends against its street and the city"},
    "estate.trends_caption": {
        "zh": "红线为本小区，其余为所在街道与全市；虚线为目标值，点线为重要节点。",
        "en": "Red: this estate; the others: its street and the whole city; dashed line: "
              "target, dotted lines: milestones."},
    "estate.no_trend": {"zh": "{name}没有可绘制的历史数据。", "en": "{name} has no history to chart."},
    "estate.complaints": {"zh": "投诉", "en": "Complaints"},
    "estate.by_category": {"zh": "{period}投诉类别", "en": "Complaints by category, {period}"},
    "estate.no_complaints": {"zh": "{name}在{period}没有投诉。",
                             "en": "{name} had no complaints in {period}."},
    "estate.open": {"zh": "未办结投诉", "en": "Open complaints"},
    "estate.open_caption": {
        "zh": "截至 {as_of} 共 {total} 件未办结，其中 {overdue} 件已超过答复期限且未按时答复。",
        "en": "{total} open as of {as_of}; {overdue} of them past the answer deadline "
              "without a timely answer."},
    "estate.no_open": {"zh": "截至 {as_of}，{name}没有未办结的投诉。",
                       "en": "{name} has no open complaints as of {as_of}."},
    "estate.grades": {"zh": "考核等级", "en": "Assessment grades"},
    "estate.grades_caption": {
        "zh": "季度项目考核加权得分；≥ {excellent} 分为优秀，≥ {qualified} 分为合格。",
        "en": "Weighted quarterly project score; ≥ {excellent} excellent, ≥ {qualified} "
              "qualified."},
    "estate.no_grades": {"zh": "{name}还没有考核记录。", "en": "{name} has not been assessed yet."},
    "estate.col.quarter": {"zh": "季度", "en": "Quarter"},
    "estate.contracts": {"zh": "物业企业与合同历史", "en": "Company and contract history"},
    "estate.col.mode": {"zh": "方式", "en": "Mode"},
    "estate.col.start": {"zh": "起始月份", "en": "From"},
    "estate.col.end": {"zh": "终止月份", "en": "Until"},
    "estate.running": {"zh": "履行中", "en": "running"},
    "estate.no_contracts": {"zh": "{name}没有物业服务合同记录。",
                            "en": "{name} has no service contract on record."},
}
