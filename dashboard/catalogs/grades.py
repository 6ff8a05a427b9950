"""UI strings of the grades pages: league table, company profile, red/black list,
quality–price mismatch list."""

ENTRIES: dict[str, dict[str, str]] = {
    # --- menu and cross links ----------------------------------------------------------
    "grades.nav.companies": {"zh": "企业排行", "en": "Company league"},
    "grades.nav.company": {"zh": "企业档案", "en": "Company profile"},
    "grades.nav.redblack": {"zh": "红黑榜", "en": "Red & black list"},
    "grades.nav.mismatch": {"zh": "质价相符", "en": "Quality–price match"},
    # --- common --------------------------------------------------------------------------
    "grades.grade.none": {"zh": "未评级", "en": "Not graded"},
    "grades.yes": {"zh": "是", "en": "yes"},
    "grades.download.xlsx": {"zh": "下载表格（Excel）", "en": "Download table (Excel)"},
    "grades.quarters_range": {"zh": "{first}至{last}", "en": "{first} to {last}"},
    "grades.col.company": {"zh": "企业名称", "en": "Company"},
    "grades.col.code": {"zh": "企业代码", "en": "Company code"},
    "grades.col.estate_code": {"zh": "小区代码", "en": "Estate code"},
    "grades.col.estate": {"zh": "小区", "en": "Estate"},
    "grades.col.street": {"zh": "街道", "en": "Street"},
    "grades.col.households": {"zh": "户数", "en": "Households"},
    "grades.col.fee": {"zh": "物业费（元/㎡·月）", "en": "Fee (yuan/m²·month)"},
    "grades.col.fee_tier": {"zh": "收费档次", "en": "Fee tier"},
    "grades.col.supported_tier": {"zh": "等级可支撑档次", "en": "Tier the grade supports"},
    "grades.col.gap": {"zh": "差距（档）", "en": "Gap (tiers)"},
    "grades.col.points_short": {"zh": "距所需等级差（分）", "en": "Points short of required grade"},
    "grades.col.required_grade": {"zh": "收费档次所需等级", "en": "Grade the tier requires"},
    "grades.col.match": {"zh": "质价相符", "en": "Quality–price match"},
    "grades.match.ok": {"zh": "相符", "en": "matches"},
    "grades.match.over": {"zh": "收费高于等级（差{gap}档）", "en": "fee above grade ({gap} tier(s))"},
    "grades.col.quarter": {"zh": "季度", "en": "Quarter"},
    "grades.col.unqualified_quarters": {"zh": "连续不合格季度", "en": "Consecutive unqualified quarters"},
    "grades.col.scores": {"zh": "最近各季度得分", "en": "Latest quarterly scores"},
    "grades.ks.run": {"zh": "{first}起连续 {n} 个季度", "en": "{n} quarters since {first}"},
    "grades.tier.label": {"zh": "{tier}档", "en": "Tier {tier}"},
    "grades.tier.below": {"zh": "低于 {high}", "en": "below {high}"},
    "grades.tier.between": {"zh": "{low} 至 {high}（不含）", "en": "{low} to under {high}"},
    "grades.tier.from": {"zh": "{low} 及以上", "en": "{low} and above"},
    # --- "how grades are computed" panel ---------------------------------------------------
    "grades.rules.title": {"zh": "等级如何计算", "en": "How grades are computed"},
    "grades.rules.project": {
        "zh": "项目（小区）季度得分 = Σ 评价主体权重 ×（Σ 维度权重 × 维度得分），两组权重均在实际"
              "参与的主体和维度上归一化。",
        "en": "Quarterly project (estate) score = Σ assessor weight × (Σ dimension weight × "
              "dimension score), both weight sets normalised over the assessors and "
              "dimensions present."},
    "grades.rules.company": {
        "zh": "企业得分 = 其各项目得分按户数加权平均（多个季度时，对期内全部项目季度按户数加权）。"
              "企业和项目均按下表划分等级。",
        "en": "Company score = household-weighted mean of its projects' scores (over several "
              "quarters: of all its project-quarters in the period). Companies and projects "
              "are graded with the thresholds below."},
    "grades.rules.key_supervision": {
        "zh": "重点监管：企业或项目连续 {n} 个季度考核不合格。",
        "en": "Key supervision: a company or project graded Unqualified in {n} consecutive "
              "quarters."},
    "grades.rules.red": {
        "zh": "红榜（按年度）：当年每个考核季度均为优秀，且超过答复时限的投诉不超过投诉总数的 {share}。",
        "en": "Red list (per year): Excellent in every assessed quarter of the year, and at "
              "most {share} of its complaints answered after their response deadline."},
    "grades.rules.black": {
        "zh": "黑榜（按年度）：当年 {n} 个及以上季度不合格，或在当年最后一个考核季度处于重点监管。",
        "en": "Black list (per year): Unqualified in {n} or more quarters of the year, or on "
              "key supervision in the year's last assessed quarter."},
    "grades.rules.league": {
        "zh": "排行榜：统计期内受访户数少于 {n} 户的企业显示“数据不足”，不参与排名。",
        "en": "League table: companies with fewer than {n} surveyed households in the period "
              "show \"insufficient data\" instead of a rank."},
    "grades.rules.quality_price": {
        "zh": "质价相符：按物业费单价划分收费档次，每个等级最多支撑下表所列档次；收费档次高于等级"
              "可支撑档次的小区列为质价不符。",
        "en": "Quality–price match: fees per m² fall into tiers; each grade supports tiers up "
              "to the one listed below; an estate whose fee tier is above what its grade "
              "supports is a mismatch."},
    "grades.rules.source": {
        "zh": "以上规则均来自配置文件 assets/grading.toml。",
        "en": "All of these rules come from one configuration file, assets/grading.toml."},
    "grades.rules.tier_col": {"zh": "收费档次", "en": "Fee tier"},
    "grades.rules.fee_col": {"zh": "物业费（元/㎡·月）", "en": "Fee (yuan/m²·month)"},
    "grades.rules.grade_col": {"zh": "所需最低等级", "en": "Lowest grade required"},
    "grades.rules.no_grade": {"zh": "无等级可支撑", "en": "no grade supports it"},
    # --- league table ----------------------------------------------------------------------
    "grades.league.title": {"zh": "物业服务企业排行榜", "en": "Property company league table"},
    "grades.league.caption": {
        "zh": "{description}。考核得分覆盖{quarters}；在管小区和户数为{month}末。",
        "en": "{description}. Scores cover the assessments of {quarters}; estates and "
              "households as at the end of {month}."},
    "grades.league.area_note": {
        "zh": "已选区域：各项指标只统计企业在该区域内的小区；重点监管和红黑榜按全部范围认定。",
        "en": "An area is selected: figures cover each company's estates in that area only; "
              "key supervision and the red/black list are decided on the whole scope."},
    "grades.league.filter_grade": {"zh": "按等级筛选", "en": "Filter by grade"},
    "grades.league.all_grades": {"zh": "全部等级", "en": "All grades"},
    "grades.league.search": {"zh": "搜索企业名称或代码", "en": "Search company name or code"},
    "grades.league.count": {"zh": "显示 {shown} 家企业（共 {total} 家）。",
                            "en": "Showing {shown} of {total} companies."},
    "grades.league.select_hint": {
        "zh": "点选表格左侧的行可打开该企业的档案；点击表头可排序。",
        "en": "Select a row (left edge of the table) to open the company's profile; click a "
              "header to sort."},
    "grades.league.insufficient_note": {
        "zh": "受访户数少于 {n} 户的企业样本太小，显示“数据不足”，不参与排名。",
        "en": "Companies with fewer than {n} surveyed households are too small a sample: "
              "they show \"insufficient data\" and are not ranked."},
    "grades.league.empty": {
        "zh": "{description}没有由物业企业服务的小区。",
        "en": "No estate is served by a property company in {description}."},
    "grades.league.no_match": {"zh": "没有符合筛选条件的企业。",
                               "en": "No company matches the filters."},
    "grades.col.rank": {"zh": "排名", "en": "Rank"},
    "grades.col.estates": {"zh": "在管小区", "en": "Estates"},
    "grades.col.households_managed": {"zh": "在管户数", "en": "Households"},
    "grades.col.trend": {"zh": "近{n}季度得分", "en": "Score, last {n} quarters"},
    "grades.col.surveyed": {"zh": "受访户数", "en": "Surveyed households"},
    "grades.col.key_supervision": {"zh": "重点监管", "en": "Key supervision"},
    "grades.col.signal": {"zh": "投诉率信号", "en": "Complaint signal"},
    "grades.col.profile": {"zh": "档案", "en": "Profile"},
    "grades.profile_link": {"zh": "查看档案", "en": "Open profile"},
    "grades.rank.insufficient": {"zh": "数据不足", "en": "insufficient data"},
    "grades.rank.no_score": {"zh": "未评分", "en": "no score"},
    "grades.signal.high": {"zh": "显著偏高", "en": "high"},
    "grades.signal.elevated": {"zh": "偏高", "en": "elevated"},
    "grades.signal.normal": {"zh": "正常范围", "en": "within limits"},
    "grades.signal.low": {"zh": "偏低", "en": "low"},
    # --- funnel plot -----------------------------------------------------------------------
    "grades.funnel.title": {"zh": "投诉率漏斗图", "en": "Complaint-rate funnel plot"},
    "grades.funnel.caption": {
        "zh": "每个点是一家企业（年化投诉率 vs 期内平均在管户数）。实线为平均投诉率 {rate}，"
              "虚线和点线为 95% 和 99.8% 控制限：小企业的投诉率天然波动大，落在漏斗内的差异可视为"
              "随机波动。控制限 = 平均率 ± z × √(平均率 ÷ 户年数)。",
        "en": "Each dot is a company (annualised complaint rate vs households managed, period "
              "average). Solid line: average rate {rate}; dashed and dotted lines: 95% and "
              "99.8% control limits — small companies' rates vary more by chance, so "
              "differences inside the funnel are noise. Limits = average ± z × √(average ÷ "
              "household-years)."},
    "grades.funnel.x": {"zh": "在管户数（期内平均）", "en": "Households managed (period average)"},
    "grades.funnel.average": {"zh": "平均 {rate}", "en": "Average {rate}"},
    "grades.funnel.limit": {"zh": "{level} 控制限", "en": "{level} control limits"},
    "grades.funnel.empty": {"zh": "没有可绘制的企业投诉数据。",
                            "en": "No company complaint data to plot."},
    # --- key supervision -------------------------------------------------------------------
    "grades.ks.title": {"zh": "重点监管名单（{quarter}）", "en": "Key-supervision list ({quarter})"},
    "grades.ks.caption": {
        "zh": "连续 {n} 个及以上季度考核不合格的企业和项目（截至{quarter}）。",
        "en": "Companies and projects graded Unqualified in {n} or more consecutive quarters "
              "(as of {quarter})."},
    "grades.ks.companies": {"zh": "企业", "en": "Companies"},
    "grades.ks.projects": {"zh": "项目（小区）", "en": "Projects (estates)"},
    "grades.ks.none_companies": {"zh": "没有企业处于重点监管。",
                                 "en": "No company is on key supervision."},
    "grades.ks.none_projects": {"zh": "没有项目处于重点监管。",
                                "en": "No project is on key supervision."},
    "grades.ks.no_assessment": {"zh": "所选统计期没有考核数据。",
                                "en": "The selected period has no assessments."},
    # --- company profile -------------------------------------------------------------------
    "grades.profile.pick": {"zh": "选择企业", "en": "Choose a company"},
    "grades.profile.pick_hint": {
        "zh": "请选择一家企业，或在企业排行榜中点选一行。",
        "en": "Choose a company here, or select a row in the company league table."},
    "grades.profile.unknown": {"zh": "没有代码为“{code}”的企业。",
                               "en": "There is no company with code \"{code}\"."},
    "grades.profile.caption": {
        "zh": "企业代码 {code} · {period} · 统计该企业在权限范围内的全部小区（不受区域筛选影响）",
        "en": "Company code {code} · {period} · all of the company's estates within your "
              "scope (the area filter does not apply)"},
    "grades.profile.key_supervision": {"zh": "重点监管", "en": "Key supervision"},
    "grades.profile.rank": {"zh": "全市排名", "en": "Rank"},
    "grades.profile.rank_value": {"zh": "{rank} / {total}", "en": "{rank} of {total}"},
    "grades.profile.no_data": {
        "zh": "该企业在{period}没有在管小区或考核数据。",
        "en": "The company has no estates or assessments in {period}."},
    "grades.profile.map": {"zh": "在管小区分布", "en": "Estates served"},
    "grades.profile.estates": {"zh": "在管小区（{month}）", "en": "Estates served ({month})"},
    "grades.profile.no_estates": {"zh": "该企业在统计期末没有在管小区。",
                                  "en": "The company serves no estate at the end of the period."},
    "grades.profile.history": {"zh": "分维度得分走势", "en": "Score history by dimension"},
    "grades.profile.history_caption": {
        "zh": "各维度得分按项目户数加权；粗线为企业综合得分，虚线为等级线。",
        "en": "Dimension scores weighted by the projects' households; thick line: the "
              "company score; dashed lines: grade thresholds."},
    "grades.profile.waterfall": {"zh": "为什么是这个等级", "en": "Why this grade"},
    "grades.profile.waterfall_caption": {
        "zh": "{quarters}：六个维度的加权得分相加即为企业得分 {score}（{grade}）；虚线为等级线。",
        "en": "{quarters}: the six dimensions' weighted points add up to the company score "
              "{score} ({grade}); dashed lines: grade thresholds."},
    "grades.profile.next": {"zh": "距{grade}（{threshold} 分）还差 {points} 分。",
                            "en": "{points} points short of {grade} ({threshold})."},
    "grades.profile.top": {"zh": "已是最高等级（优秀），高出优秀线 {points} 分。",
                           "en": "Already at the top grade (Excellent), {points} points above "
                                 "its threshold."},
    "grades.profile.raise_title": {"zh": "单靠一个维度达到{grade}需要：",
                                   "en": "To reach {grade} through one dimension alone:"},
    "grades.col.dimension": {"zh": "维度", "en": "Dimension"},
    "grades.col.dimension_score": {"zh": "当前维度得分", "en": "Dimension score"},
    "grades.col.points": {"zh": "加权得分", "en": "Points"},
    "grades.col.raise": {"zh": "该维度需提高（分）", "en": "Raise needed (points)"},
    "grades.raise.impossible": {"zh": "单靠该维度无法达到", "en": "not reachable alone"},
    "grades.waterfall.total": {"zh": "企业得分", "en": "Company score"},
    "grades.profile.categories": {"zh": "投诉类别", "en": "Complaints by category"},
    "grades.profile.no_complaints": {"zh": "统计期内没有针对该企业的投诉。",
                                     "en": "No complaints about the company in the period."},
    "grades.col.category": {"zh": "类别", "en": "Category"},
    "grades.col.complaints": {"zh": "投诉件数", "en": "Complaints"},
    "grades.profile.lists": {"zh": "重点监管与红黑榜记录", "en": "Key supervision and list history"},
    "grades.profile.quarter_history": {"zh": "季度等级", "en": "Quarterly grades"},
    "grades.profile.year_history": {"zh": "年度红黑榜", "en": "Red/black list by year"},
    "grades.col.list": {"zh": "榜单", "en": "List"},
    "grades.col.year": {"zh": "年度", "en": "Year"},
    "grades.col.reason": {"zh": "原因", "en": "Reason"},
    "grades.list.red": {"zh": "红榜", "en": "Red list"},
    "grades.list.black": {"zh": "黑榜", "en": "Black list"},
    "grades.list.none": {"zh": "未上榜", "en": "not listed"},
    # --- complaint categories ----------------------------------------------------------------
    "grades.category.cleaning": {"zh": "环境卫生", "en": "Cleaning"},
    "grades.category.security": {"zh": "安全秩序", "en": "Security"},
    "grades.category.parking": {"zh": "停车管理", "en": "Parking"},
    "grades.category.elevators": {"zh": "电梯", "en": "Elevators"},
    "grades.category.fire_safety": {"zh": "消防安全", "en": "Fire safety"},
    "grades.category.ebike_charging": {"zh": "电动车充电", "en": "E-bike charging"},
    "grades.category.fees": {"zh": "收费", "en": "Fees"},
    "grades.category.public_income": {"zh": "公共收益", "en": "Common-area income"},
    "grades.category.greening": {"zh": "绿化", "en": "Greening"},
    "grades.category.water_leaks": {"zh": "漏水", "en": "Water leaks"},
    "grades.category.noise": {"zh": "噪音", "en": "Noise"},
    "grades.category.other": {"zh": "其他", "en": "Other"},
    # --- red/black list ----------------------------------------------------------------------
    "grades.redblack.title": {"zh": "物业服务企业红黑榜", "en": "Property company red and black list"},
    "grades.redblack.year": {"zh": "年度", "en": "Year"},
    "grades.redblack.caption": {
        "zh": "{year}年度 · {area}。仅含可公开信息：企业名称、企业代码、等级、年度和上榜原因。",
        "en": "{year} · {area}. Public fields only: company name, code, grade, year and "
              "reason."},
    "grades.redblack.provisional": {
        "zh": "{year}年的数据截至{month}，榜单为阶段性结果。",
        "en": "Data for {year} run through {month} only: the lists are provisional."},
    "grades.redblack.area_note": {
        "zh": "已选区域：列出在该区域服务小区的企业，上榜依据为企业在全部范围内的考核。",
        "en": "An area is selected: the companies serving estates there are listed; the "
              "decision rests on each company's assessments across the whole scope."},
    "grades.redblack.none_red": {"zh": "{year}年没有企业进入红榜。",
                                 "en": "No company is on the {year} red list."},
    "grades.redblack.none_black": {"zh": "{year}年没有企业进入黑榜。",
                                   "en": "No company is on the {year} black list."},
    "grades.redblack.no_years": {"zh": "数据库中还没有考核数据，无法生成红黑榜。",
                                 "en": "There are no assessments yet, so there is no list."},
    "grades.col.year_grade": {"zh": "年度等级", "en": "Grade of the year"},
    "grades.reason.red": {
        "zh": "全年 {quarters} 个考核季度均为优秀；超时答复投诉占比 {share}",
        "en": "Excellent in all {quarters} assessed quarters; {share} of complaints answered "
              "late"},
    "grades.reason.unqualified": {"zh": "{count} 个季度不合格（{quarters}）",
                                  "en": "Unqualified in {count} quarters ({quarters})"},
    "grades.reason.key_supervision": {"zh": "年末处于重点监管",
                                      "en": "On key supervision at year end"},
    # --- quality–price mismatch ----------------------------------------------------------------
    "grades.mismatch.title": {"zh": "质价不符小区清单", "en": "Quality–price mismatch list"},
    "grades.mismatch.caption": {
        "zh": "{description}。等级按{quarters}的考核得分；物业费为小区现行收费标准。差距从大到小排列。",
        "en": "{description}. Grades from the assessments of {quarters}; fees are the estates' "
              "current fees. Largest gap first."},
    "grades.mismatch.summary": {
        "zh": "{count} 个小区收费档次高于其等级可支撑的档次（共评级小区 {total} 个）。",
        "en": "{count} estates charge a fee tier above what their grade supports (of {total} "
              "graded estates)."},
    "grades.mismatch.empty": {"zh": "{description}没有质价不符的小区。",
                              "en": "No quality–price mismatch in {description}."},
}
