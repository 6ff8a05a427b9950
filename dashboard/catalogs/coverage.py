"""UI strings of the coverage page (map, unmanaged estates, trends, bundle planner)."""

ENTRIES: dict[str, dict[str, str]] = {
    "coverage.nav": {"zh": "覆盖地图", "en": "Coverage map"},
    "coverage.title": {"zh": "专业物业覆盖与脱管小区", "en": "Coverage and unmanaged estates"},
    "coverage.intro": {
        "zh": "哪些小区没有物业？谁可以接手？地图显示{month}末各小区的管理方式，"
              "列表给出脱管小区及附近的物业企业，规划工具把相邻的脱管小区打包成“大物业”片区。",
        "en": "Where are the estates nobody manages, and who could take them over? The map "
              "shows each estate's management at the end of {month}; the list gives the "
              "unmanaged estates and the companies nearby; the planner groups neighbouring "
              "unmanaged estates into big-property (大物业) bundles."},
    "coverage.assets_missing": {
        "zh": "地图所需的离线脚本尚未安装（{files}）。请运行 make install（或 "
              "python -m dashboard.coverage_assets）后刷新本页。",
        "en": "The offline scripts the map needs are not installed ({files}). Run make "
              "install (or python -m dashboard.coverage_assets), then reload this page."},
    "coverage.no_estates": {
        "zh": "所选区域在{month}没有小区数据。", "en": "The selected area has no estates in {month}."},
    "coverage.no_data": {"zh": "无数据", "en": "no data"},
    # --- map ---------------------------------------------------------------------------
    "coverage.map": {"zh": "覆盖地图", "en": "Coverage map"},
    "coverage.map_caption": {
        "zh": "{description}；共 {estates} 个小区。右上角可切换图层：街道底色按专业物业覆盖率"
              "（按小区数或按户数）着色。点击小区查看详情。",
        "en": "{description}; {estates} estates. Switch layers at the top right: streets "
              "are coloured by professional coverage (by estate count or by households). "
              "Click an estate for its details."},
    "coverage.map_tiles": {"zh": "底图瓦片：{url}（{crs}）", "en": "Tiles: {url} ({crs})"},
    "coverage.map_no_tiles": {
        "zh": "未配置底图瓦片：以区县、街道边界为底图（离线可用）。",
        "en": "No tile server configured: district and street boundaries are the base "
              "map (works offline)."},
    "coverage.layer.tiles": {"zh": "底图瓦片", "en": "Map tiles"},
    "coverage.layer.by_estates": {"zh": "街道覆盖率（按小区数）",
                                  "en": "Street coverage (by estates)"},
    "coverage.layer.by_households": {"zh": "街道覆盖率（按户数）",
                                     "en": "Street coverage (by households)"},
    "coverage.layer.boundaries": {"zh": "仅街道边界", "en": "Street boundaries only"},
    "coverage.layer.districts": {"zh": "区县边界", "en": "District boundaries"},
    "coverage.layer.estates": {"zh": "小区（按管理方式）", "en": "Estates by management"},
    "coverage.layer.unmanaged": {"zh": "脱管小区", "en": "Unmanaged estates"},
    "coverage.layer.old": {"zh": "老旧小区（2006年前建成）",
                           "en": "Old estates (built before 2006)"},
    "coverage.layer.bundles": {"zh": "大物业片区（规划）", "en": "Big-property bundles (plan)"},
    "coverage.legend.title": {"zh": "图例", "en": "Legend"},
    "coverage.legend.modes": {"zh": "管理方式", "en": "Management"},
    "coverage.legend.size": {"zh": "圆点大小：户数", "en": "Dot size: households"},
    "coverage.legend.coverage": {"zh": "街道专业物业覆盖率", "en": "Street coverage"},
    # the same names as trends.mode.* (one vocabulary of management modes on every page)
    "coverage.mode.professional": {"zh": "专业物业", "en": "Professional company"},
    "coverage.mode.bundle": {"zh": "街道大物业", "en": "Street bundle (大物业)"},
    "coverage.mode.self": {"zh": "业主自管", "en": "Self-managed"},
    "coverage.mode.unmanaged": {"zh": "无物业", "en": "Unmanaged"},
    "coverage.no_company": {"zh": "无", "en": "none"},
    "coverage.not_assessed": {"zh": "未考核", "en": "not assessed"},
    "coverage.field.name": {"zh": "小区", "en": "Estate"},
    "coverage.field.code": {"zh": "编号", "en": "Code"},
    "coverage.field.company": {"zh": "物业企业", "en": "Company"},
    "coverage.field.mode": {"zh": "管理方式", "en": "Management"},
    "coverage.field.households": {"zh": "户数", "en": "Households"},
    "coverage.field.grade": {"zh": "考核等级", "en": "Grade"},
    "coverage.field.built": {"zh": "建成年份", "en": "Built"},
    "coverage.field.street": {"zh": "街道", "en": "Street"},
    "coverage.field.coverage": {"zh": "覆盖率（按小区）", "en": "Coverage (estates)"},
    "coverage.field.coverage_households": {"zh": "覆盖率（按户）",
                                           "en": "Coverage (households)"},
    "coverage.field.estates": {"zh": "小区数", "en": "Estates"},
    "coverage.field.unmanaged": {"zh": "脱管小区", "en": "Unmanaged"},
    "coverage.field.bundle": {"zh": "片区", "en": "Bundle"},
    "coverage.field.income": {"zh": "预计年物业费收入", "en": "Expected annual fees"},
    "coverage.field.candidates": {"zh": "候选企业", "en": "Candidate companies"},
    "coverage.yuan_per_year": {"zh": "{amount}/年", "en": "{amount} / year"},
    "coverage.income_wan": {"zh": "{value} 万元", "en": "¥{value}k"},
    # --- card ---------------------------------------------------------------------------
    "coverage.card.title": {"zh": "所选小区", "en": "Selected estate"},
    "coverage.card.hint": {
        "zh": "点击地图上的小区圆点，这里显示它的关键数据和档案链接。",
        "en": "Click an estate on the map to see its key figures and a link to its "
              "profile here."},
    "coverage.card.profile": {"zh": "查看小区档案", "en": "Open the estate profile"},
    "coverage.card.area": {"zh": "建筑面积", "en": "Floor area"},
    "coverage.card.fee": {"zh": "物业费标准", "en": "Fee"},
    "coverage.card.fee_value": {"zh": "{fee} 元/㎡·月", "en": "¥{fee} / m² / month"},
    "coverage.card.area_value": {"zh": "{area} ㎡", "en": "{area} m²"},
    "coverage.card.location": {"zh": "位置", "en": "Location"},
    "coverage.card.unmanaged_for": {"zh": "脱管时长", "en": "Unmanaged for"},
    "coverage.card.nearest": {"zh": "最近的有物业小区", "en": "Nearest managed estates"},
    "coverage.card.clear": {"zh": "取消选择", "en": "Clear selection"},
    # --- KPIs -----------------------------------------------------------------------------
    "coverage.kpi_caption": {
        "zh": "指标口径见“指标口径”页；存量指标取{month}末。",
        "en": "Definitions on the Definitions page; stocks at the end of {month}."},
    # --- unmanaged list ---------------------------------------------------------------------
    "coverage.unmanaged.title": {"zh": "脱管小区清单", "en": "Unmanaged estates"},
    "coverage.unmanaged.caption": {
        "zh": "{description}；{count} 个脱管小区（无物业企业、也未纳入街道大物业，含自管），"
              "按户数从多到少。距离为直线距离。",
        "en": "{description}; {count} unmanaged estates (no company and no street bundle, "
              "self-managed included), most households first. Distances are straight-line."},
    "coverage.unmanaged.none": {
        "zh": "所选区域在{month}末没有脱管小区。",
        "en": "The selected area has no unmanaged estates at the end of {month}."},
    "coverage.col.estate": {"zh": "小区", "en": "Estate"},
    "coverage.col.code": {"zh": "编号", "en": "Code"},
    "coverage.col.street": {"zh": "街道", "en": "Street"},
    "coverage.col.households": {"zh": "户数", "en": "Households"},
    "coverage.col.build_year": {"zh": "建成年份", "en": "Built"},
    "coverage.col.mode": {"zh": "管理方式", "en": "Management"},
    "coverage.col.unmanaged_for": {"zh": "脱管时长", "en": "Unmanaged for"},
    "coverage.col.nearest": {"zh": "最近的有物业小区（企业，距离）",
                             "en": "Nearest managed estates (company, distance)"},
    "coverage.months": {"zh": "{months} 个月", "en": "{months} months"},
    "coverage.never_managed": {"zh": "数据中从未有物业", "en": "never managed in the data"},
    "coverage.neighbour": {"zh": "{estate}（{company}，{distance}）",
                           "en": "{estate} ({company}, {distance})"},
    "coverage.distance_m": {"zh": "{value} 米", "en": "{value} m"},
    "coverage.distance_km": {"zh": "{value} 公里", "en": "{value} km"},
    # --- trends ---------------------------------------------------------------------------
    "coverage.trend.title": {"zh": "覆盖率与脱管小区走势", "en": "Coverage and unmanaged estates over time"},
    "coverage.trend.caption": {
        "zh": "{area}及其下属{level}，自有数据以来；虚线为目标值。",
        "en": "{area} and each {level} in it, since data began; dashed line: target."},
    "coverage.trend.caption_single": {
        "zh": "{area}自有数据以来的走势；虚线为目标值。",
        "en": "{area} since data began; dashed line: target."},
    "coverage.trend.level.district": {"zh": "区县", "en": "district"},
    "coverage.trend.level.street": {"zh": "街道", "en": "street"},
    "coverage.trend.grain": {"zh": "趋势粒度", "en": "Trend by"},
    "coverage.trend.total": {"zh": "{area}合计", "en": "{area} (total)"},
    "coverage.trend.none": {"zh": "所选区域没有可以绘制的历史数据。",
                            "en": "The selected area has no history to chart."},
    "coverage.col.period": {"zh": "统计期", "en": "Period"},
    "coverage.col.area": {"zh": "区域", "en": "Area"},
    # --- planner --------------------------------------------------------------------------
    "coverage.plan.title": {"zh": "大物业片区规划", "en": "Big-property bundle planner"},
    "coverage.plan.intro": {
        "zh": "把同一街道内相邻的脱管小区打包成片区：小区与片区内至少一个小区的距离不超过"
              "“最大间距”即并入该片区；片区户数达到“最少户数”才算可行。预计年收入 = "
              "物业费标准 × 建筑面积 × 12 个月 × 收缴率。候选企业为片区周边"
              "“搜索半径”内已在服务的企业，考核等级高者优先。",
        "en": "Neighbouring unmanaged estates of one street are grouped into bundles: an "
              "estate joins a bundle when it lies within the maximum distance of at least "
              "one estate of it; a bundle is viable when its households reach the minimum. "
              "Expected annual income = fee × floor area × 12 months × payment rate. "
              "Candidates are companies already serving estates within the search radius, "
              "best grade first."},
    "coverage.plan.max_distance": {"zh": "最大间距（米）", "en": "Maximum distance (m)"},
    "coverage.plan.min_households": {"zh": "最少户数", "en": "Minimum households"},
    "coverage.plan.fee": {"zh": "物业费标准（元/㎡·月）", "en": "Fee (yuan/m²/month)"},
    "coverage.plan.payment_rate": {"zh": "预计收缴率（%）", "en": "Expected payment rate (%)"},
    "coverage.plan.radius": {"zh": "候选企业搜索半径（米）", "en": "Candidate search radius (m)"},
    "coverage.plan.only_viable": {"zh": "只显示可行片区", "en": "Viable bundles only"},
    "coverage.plan.summary": {
        "zh": "{bundles} 个片区，其中 {viable} 个可行（覆盖 {estates} 个脱管小区、{households} 户），"
              "可行片区预计年收入合计 {income}。",
        "en": "{bundles} bundles, {viable} viable (covering {estates} unmanaged estates, "
              "{households} households); expected annual income of the viable bundles "
              "{income}."},
    "coverage.plan.payment_hint": {
        "zh": "所选区域{period}实际收缴率：{rate}。",
        "en": "Actual payment rate of the selected area in {period}: {rate}."},
    "coverage.plan.none": {"zh": "没有可以打包的脱管小区。",
                           "en": "There are no unmanaged estates to bundle."},
    "coverage.plan.missing_area": {
        "zh": "{count} 个小区缺少建筑面积，未计入收入。",
        "en": "{count} estates have no floor area and add no income."},
    "coverage.col.bundle": {"zh": "片区", "en": "Bundle"},
    "coverage.col.estates": {"zh": "小区数", "en": "Estates"},
    "coverage.col.estate_names": {"zh": "包含小区", "en": "Estates in the bundle"},
    "coverage.col.floor_area": {"zh": "建筑面积（㎡）", "en": "Floor area (m²)"},
    "coverage.col.income": {"zh": "预计年收入（元）", "en": "Expected annual income (yuan)"},
    "coverage.col.viable": {"zh": "可行", "en": "Viable"},
    "coverage.col.candidates": {"zh": "候选企业（等级，距离）",
                                "en": "Candidate companies (grade, distance)"},
    "coverage.yes": {"zh": "是", "en": "yes"},
    "coverage.no": {"zh": "否", "en": "no"},
    "coverage.candidate": {"zh": "{company}（{grade}，{distance}）",
                           "en": "{company} ({grade}, {distance})"},
    "coverage.plan.settings_line": {
        "zh": "参数：最大间距 {distance} 米，最少户数 {households}，物业费 {fee} 元/㎡·月，"
              "收缴率 {rate}%，搜索半径 {radius} 米",
        "en": "Settings: maximum distance {distance} m, minimum households {households}, "
              "fee {fee} yuan/m²/month, payment rate {rate}%, search radius {radius} m"},
    # --- downloads ------------------------------------------------------------------------
    "coverage.download.csv": {"zh": "下载表格（CSV）", "en": "Download table (CSV)"},
    "coverage.download.xlsx": {"zh": "下载片区（XLSX）", "en": "Download bundles (XLSX)"},
    "coverage.download.geojson": {"zh": "下载片区（GeoJSON）", "en": "Download bundles (GeoJSON)"},
    "coverage.download.filters": {"zh": "筛选条件：{description}", "en": "Filters: {description}"},
}
