"""UI strings of the complaints page."""

ENTRIES = {
    "complaints.nav": {"zh": "投诉分析", "en": "Complaints"},
    "complaints.title": {"zh": "投诉受理与办理分析", "en": "Complaints: volume, handling, hot spots"},
    # categories, channels, levels
    "complaints.category.cleaning": {"zh": "环境卫生", "en": "Cleaning"},
    "complaints.category.security": {"zh": "安全秩序", "en": "Security"},
    "complaints.category.parking": {"zh": "停车管理", "en": "Parking"},
    "complaints.category.elevators": {"zh": "电梯", "en": "Elevators"},
    "complaints.category.fire_safety": {"zh": "消防安全", "en": "Fire safety"},
    "complaints.category.ebike_charging": {"zh": "电动车停放充电", "en": "E-bike charging"},
    "complaints.category.fees": {"zh": "收费问题", "en": "Fees"},
    "complaints.category.public_income": {"zh": "公共收益", "en": "Common-area income"},
    "complaints.category.greening": {"zh": "绿化养护", "en": "Greening"},
    "complaints.category.water_leaks": {"zh": "漏水渗水", "en": "Water leaks"},
    "complaints.category.noise": {"zh": "噪音扰民", "en": "Noise"},
    "complaints.category.other": {"zh": "其他", "en": "Other"},
    "complaints.channel.hotline": {"zh": "热线电话", "en": "Hotline"},
    "complaints.channel.tv": {"zh": "电视问政《你呼我应》", "en": "TV programme “You call, we respond”"},
    "complaints.channel.app": {"zh": "网上平台", "en": "App / online"},
    "complaints.channel.walk_in": {"zh": "来访", "en": "Walk-in"},
    "complaints.channel.street_office": {"zh": "街道转办", "en": "Via street office"},
    "complaints.level.estate": {"zh": "小区", "en": "Estate"},
    "complaints.level.community": {"zh": "社区", "en": "Community"},
    "complaints.level.street": {"zh": "街道", "en": "Street"},
    "complaints.level.district": {"zh": "区县", "en": "District"},
    "complaints.level.unknown": {"zh": "未注明", "en": "Not recorded"},
    # selection chips
    "complaints.chip.category": {"zh": "类别：{value}", "en": "Category: {value}"},
    "complaints.chip.channel": {"zh": "渠道：{value}", "en": "Channel: {value}"},
    "complaints.chip.month": {"zh": "月份：{value}", "en": "Month: {value}"},
    "complaints.chips_title": {"zh": "已选：", "en": "Selected:"},
    "complaints.chip_help": {"zh": "点击取消该筛选", "en": "Click to remove this filter"},
    "complaints.clear_all": {"zh": "全部清除", "en": "Clear all"},
    "complaints.select_hint": {
        "zh": "提示：点击“按类别”“按渠道”“按月份”图中的条形，可筛选本页其他图表；点击表格中的一行可打开该小区档案。",
        "en": "Tip: click a bar in the category, channel or month chart to filter the rest "
              "of the page; click a table row to open that estate's profile."},
    # headline
    "complaints.col.figure": {"zh": "指标", "en": "Figure"},
    "complaints.col.value": {"zh": "数值", "en": "Value"},
    "complaints.help.count": {"zh": "统计期内受理的投诉件数",
                              "en": "Complaints received in the period"},
    "complaints.hover": {"zh": "{label}<br><b>{count} 件</b> · 千户 {rate}",
                         "en": "{label}<br><b>{count}</b> · {rate} per 1,000 households"},
    # charts
    "complaints.by_category": {"zh": "按类别", "en": "By category"},
    "complaints.by_channel": {"zh": "按渠道", "en": "By channel"},
    "complaints.by_month": {"zh": "按月份", "en": "By month"},
    "complaints.heatmap": {"zh": "类别 × 月份（件）", "en": "Category × month (complaints)"},
    "complaints.empty_chart": {"zh": "{description}：没有投诉。",
                               "en": "{description}: no complaints."},
    "complaints.empty": {
        "zh": "{description}：没有受理的投诉。可在左侧更换统计期或区域，或清除已选条件。",
        "en": "No complaints were received for {description}. Choose another period or "
              "area in the sidebar, or clear the selection."},
    # columns
    "complaints.col.category": {"zh": "类别", "en": "Category"},
    "complaints.col.channel": {"zh": "渠道", "en": "Channel"},
    "complaints.col.month": {"zh": "月份", "en": "Month"},
    "complaints.col.complaints": {"zh": "投诉件数", "en": "Complaints"},
    "complaints.col.step": {"zh": "环节", "en": "Step"},
    "complaints.col.rate": {"zh": "比率", "en": "Rate"},
    "complaints.col.level": {"zh": "办结层级", "en": "Resolved at"},
    "complaints.col.resolved": {"zh": "办结件数", "en": "Resolved"},
    "complaints.col.code": {"zh": "投诉编号", "en": "Complaint no."},
    "complaints.col.received": {"zh": "受理日期", "en": "Received"},
    "complaints.col.due": {"zh": "答复期限", "en": "Answer due"},
    "complaints.col.days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "complaints.col.answered": {"zh": "答复日期", "en": "Answered"},
    "complaints.col.estate": {"zh": "小区", "en": "Estate"},
    "complaints.col.company": {"zh": "物业企业", "en": "Company"},
    "complaints.col.street": {"zh": "街道", "en": "Street"},
    "complaints.col.rank": {"zh": "排名", "en": "Rank"},
    "complaints.col.households": {"zh": "户数", "en": "Households"},
    "complaints.not_answered": {"zh": "未答复", "en": "not answered"},
    "complaints.no_company": {"zh": "无物业企业", "en": "no company"},
    # handling
    "complaints.handling": {"zh": "办理链条", "en": "Handling chain"},
    "complaints.handling_caption": {
        "zh": "受理 → 按时答复（受理日之后第3个工作日结束前，按国家法定工作日历）→ 办结；"
              "“小事不出小区、大事不出社区”：看投诉在哪一级办结。",
        "en": "Received → answered on time (by the end of the 3rd working day after the "
              "day of receipt, Chinese official calendar) → resolved; “small matters stay "
              "in the estate”: where complaints were resolved."},
    "complaints.step.received": {"zh": "受理", "en": "Received"},
    "complaints.step.on_time": {"zh": "按时答复", "en": "Answered on time"},
    "complaints.step.resolved": {"zh": "办结", "en": "Resolved"},
    "complaints.chain": {"zh": "受理 → 按时答复 → 办结", "en": "Received → on time → resolved"},
    "complaints.levels": {"zh": "办结层级", "en": "Where complaints were resolved"},
    "complaints.no_resolved": {"zh": "{description}：没有已办结的投诉。",
                               "en": "{description}: no resolved complaints."},
    "complaints.small_matters": {"zh": "小事不出小区：{share} 的已办结投诉在小区层面解决。",
                                 "en": "Small matters stay in the estate: {share} of resolved "
                                       "complaints were resolved within the estate."},
    # open complaints
    "complaints.open": {"zh": "逾期未办结投诉", "en": "Open complaints past their deadline"},
    "complaints.open_definition": {
        "zh": "口径：截至数据截止日 {as_of} 仍未办结，且未在答复期限（受理日之后第3个工作日）内答复"
              "（未答复或逾期答复）的投诉；逾期天数 = 答复期限次日至 {as_of} 的天数。"
              "仅含统计期内受理的投诉，按答复期限由早到晚排列。",
        "en": "Definition: not resolved by the data's as-of date {as_of} and not answered "
              "within the deadline (the 3rd working day after the day of receipt) — no answer "
              "or a late one; days overdue = days from the day after the deadline up to "
              "{as_of}. Complaints received in the period only, oldest deadline first."},
    "complaints.open_empty": {
        "zh": "{description}：截至 {as_of} 没有逾期未办结的投诉。",
        "en": "{description}: no open complaints past their deadline as of {as_of}."},
    "complaints.open_limited": {"zh": "共 {total} 件，显示最早的 {shown} 件。",
                                "en": "{total} in all; the {shown} oldest are shown."},
    "complaints.open_count": {"zh": "共 {total} 件。", "en": "{total} in all."},
    # ranking
    "complaints.ranking": {"zh": "小区投诉率排名", "en": "Estates ranked by complaint rate"},
    "complaints.min_households": {"zh": "参与排名的最少户数", "en": "Minimum households to rank"},
    "complaints.min_households_help": {
        "zh": "户数太少的小区，一两件投诉就会使投诉率大幅波动，不参与排名。",
        "en": "In small estates one or two complaints swing the rate; they are not ranked."},
    "complaints.ranking_caption": {
        "zh": "{description}；{ranked} 个小区户数不少于 {threshold} 户参与排名，显示投诉率最高的 {shown} 个"
              "（千户投诉量按年折算）。",
        "en": "{description}; {ranked} estates with at least {threshold} households are "
              "ranked, the {shown} with the highest rate shown (per 1,000 households, "
              "annualised)."},
    "complaints.ranking_empty": {
        "zh": "{description}：没有户数不少于 {threshold} 户的小区可以排名。",
        "en": "{description}: no estate has {threshold} households or more to rank."},
    "complaints.ranking_rule": {"zh": "排名规则：户数不少于 {threshold} 户的小区按投诉率由高到低排列。",
                                "en": "Ranking rule: estates with at least {threshold} "
                                      "households, highest complaint rate first."},
    "complaints.too_small": {
        "zh": "户数不足 {threshold} 户、不参与排名的小区：{count} 个（其中 {with_complaints} 个有投诉）",
        "en": "Too small to rank (under {threshold} households): {count} estates, "
              "{with_complaints} with complaints"},
    "complaints.too_small_title": {"zh": "户数过少、不参与排名的小区",
                                   "en": "Estates too small to rank"},
    "complaints.too_small_none": {"zh": "这些小区在所选范围内没有投诉。",
                                  "en": "None of them has complaints in this view."},
}
