"""UI strings of the import page (keys ``importing.*``, and its menu title ``nav.import``)."""

ENTRIES: dict[str, dict[str, str]] = {
    "nav.import": {"zh": "数据导入", "en": "Data import"},
    "importing.title": {"zh": "数据导入", "en": "Data import"},
    "importing.intro": {
        "zh": "上传各单位导出的CSV或Excel（.xlsx）文件：系统按表头自动识别数据表，先完整校验、"
              "试算新增与更新的行数，确认后在一个事务中全部写入。任何文件有错误时不会写入任何数据；"
              "同一文件重复导入不会产生重复记录。",
        "en": "Upload CSV or Excel (.xlsx) files exported by the offices: each file's table is "
              "recognised from its headers, everything is checked and the new and updated "
              "rows are counted first, and only after you confirm is everything written in "
              "one transaction. If any file has an error nothing is written; importing the "
              "same file again creates no duplicates."},
    # --- templates ------------------------------------------------------------------------
    "importing.templates.header": {"zh": "① 下载导入模板", "en": "① Download the templates"},
    "importing.templates.caption": {
        "zh": "每张数据表一个模板（CSV为UTF-8编码，XLSX含填写说明和下拉选项）。表头可用中文或英文，"
              "带*的列必填。",
        "en": "One template per table (CSV in UTF-8; XLSX with instructions and drop-down "
              "lists). Headers may be Chinese or English; columns marked * are required."},
    "importing.templates.zip": {"zh": "下载全部模板（ZIP）", "en": "Download all templates (ZIP)"},
    "importing.templates.csv": {"zh": "CSV模板", "en": "CSV template"},
    "importing.templates.xlsx": {"zh": "XLSX模板", "en": "XLSX template"},
    "importing.templates.each": {"zh": "按数据表下载", "en": "Templates by table"},
    "importing.table.companies": {"zh": "物业企业", "en": "Companies"},
    "importing.table.estates": {"zh": "小区", "en": "Estates"},
    "importing.table.fees": {"zh": "物业费收缴", "en": "Fee collection"},
    "importing.table.surveys": {"zh": "满意度调查", "en": "Satisfaction surveys"},
    "importing.table.complaints": {"zh": "投诉", "en": "Complaints"},
    "importing.table.assessments": {"zh": "考核评分", "en": "Assessments"},
    # --- upload -----------------------------------------------------------------------------
    "importing.upload.header": {"zh": "② 上传并校验", "en": "② Upload and check"},
    "importing.upload.label": {"zh": "选择一个或多个CSV / XLSX文件",
                               "en": "Choose one or more CSV / XLSX files"},
    "importing.upload.help": {
        "zh": "可同时上传物业企业、小区和其他数据表：系统按“企业→小区→其他”的顺序导入。"
              "CSV可为UTF-8、带BOM的UTF-8或GBK编码。",
        "en": "Companies, estates and the other tables may be uploaded together: they are "
              "imported companies first, then estates, then the rest. CSV may be UTF-8, "
              "UTF-8 with BOM or GBK."},
    "importing.upload.table_label": {"zh": "数据表", "en": "Table"},
    "importing.upload.table_auto": {"zh": "自动识别（按表头）", "en": "Recognise from headers"},
    "importing.upload.empty": {
        "zh": "尚未上传文件。请先下载模板填写，或直接上传其他系统导出的表格（表头与模板一致即可）。",
        "en": "No file uploaded yet. Fill in a template, or upload a spreadsheet exported "
              "from another system whose headers match the template."},
    "importing.progress.reading": {"zh": "正在读取文件…", "en": "Reading files…"},
    "importing.progress.checking": {"zh": "正在校验 {label}：已检查{rows}行",
                                    "en": "Checking {label}: {rows} rows"},
    "importing.progress.writing": {"zh": "正在写入：{done} / {total} 行",
                                   "en": "Writing: {done} of {total} rows"},
    "importing.progress.refreshing": {"zh": "正在更新汇总表…",
                                      "en": "Refreshing the summary tables…"},
    "importing.progress.done": {"zh": "完成", "en": "Done"},
    # --- what was recognised ------------------------------------------------------------------
    "importing.recognised.header": {"zh": "识别结果", "en": "What was recognised"},
    "importing.col.file": {"zh": "文件", "en": "File"},
    "importing.col.sheet": {"zh": "工作表", "en": "Sheet"},
    "importing.col.table": {"zh": "数据表", "en": "Table"},
    "importing.col.rows": {"zh": "行数", "en": "Rows"},
    "importing.col.encoding": {"zh": "编码", "en": "Encoding"},
    "importing.col.status": {"zh": "状态", "en": "Status"},
    "importing.col.row": {"zh": "行号", "en": "Row"},
    "importing.col.column": {"zh": "列", "en": "Column"},
    "importing.col.value": {"zh": "值", "en": "Value"},
    "importing.col.reason": {"zh": "问题说明", "en": "Reason"},
    "importing.col.severity": {"zh": "级别", "en": "Severity"},
    "importing.col.inserted": {"zh": "新增", "en": "New"},
    "importing.col.updated": {"zh": "更新", "en": "Updated"},
    "importing.col.unchanged": {"zh": "无变化", "en": "Unchanged"},
    "importing.col.rejected": {"zh": "拒绝", "en": "Rejected"},
    "importing.col.when": {"zh": "导入时间", "en": "When"},
    "importing.col.who": {"zh": "导入人", "en": "Who"},
    "importing.col.hash": {"zh": "文件指纹", "en": "File hash"},
    "importing.status.ok": {"zh": "可导入", "en": "Ready"},
    "importing.status.errors": {"zh": "{count}个错误", "en": "{count} error(s)"},
    "importing.status.warnings": {"zh": "可导入（{count}个提示）",
                                  "en": "Ready ({count} warning(s))"},
    "importing.status.skipped": {"zh": "未识别，已跳过", "en": "Not recognised: skipped"},
    "importing.status.empty": {"zh": "没有数据行", "en": "No data rows"},
    "importing.status.unreadable": {"zh": "无法导入", "en": "Cannot be imported"},
    "importing.severity.error": {"zh": "错误", "en": "error"},
    "importing.severity.warning": {"zh": "提示", "en": "warning"},
    "importing.unknown": {"zh": "未识别", "en": "not recognised"},
    # --- preview ------------------------------------------------------------------------------
    "importing.preview.header": {"zh": "内容预览", "en": "Preview"},
    "importing.preview.caption": {
        "zh": "每个工作表的前{rows}行，按文件原样显示（行号同电子表格）；联系电话已打码。",
        "en": "The first {rows} rows of each sheet as written in the file (row numbers as in "
              "the spreadsheet); phone numbers are masked."},
    "importing.preview.empty": {"zh": "该工作表没有可预览的数据行。",
                                "en": "This sheet has no data rows to preview."},
    # --- validation report ----------------------------------------------------------------------
    "importing.problems.header": {"zh": "校验报告", "en": "Validation report"},
    "importing.problems.caption": {
        "zh": "共{errors}个错误、{warnings}个提示。行号为电子表格中的行号（表头为第1行）。",
        "en": "{errors} error(s), {warnings} warning(s). Row numbers are the spreadsheet's "
              "(the header is row 1)."},
    "importing.download.csv": {"zh": "下载（CSV）", "en": "Download (CSV)"},
    "importing.download.xlsx": {"zh": "下载（XLSX）", "en": "Download (XLSX)"},
    "importing.download.problems": {"zh": "导入校验报告 · 文件：{files}",
                                    "en": "Import validation report · files: {files}"},
    "importing.download.recognised": {"zh": "导入文件识别结果 · 文件：{files}",
                                      "en": "Files recognised for import · files: {files}"},
    "importing.download.result": {"zh": "导入结果 · 文件：{files}",
                                  "en": "Import result · files: {files}"},
    "importing.download.history": {"zh": "导入记录（最近{limit}条，最新在前）",
                                   "en": "Import history (latest {limit}, newest first)"},
    "importing.ready": {
        "zh": "校验通过：共{rows}行可导入，其中新增{inserted}行、更新{updated}行、"
              "无变化{unchanged}行。确认后才会写入数据库。",
        "en": "Validation passed: {rows} rows ready — {inserted} new, {updated} updated, "
              "{unchanged} unchanged. Nothing is written until you confirm."},
    "importing.blocked": {
        "zh": "发现{errors}个错误，本次导入不会写入任何数据。请按校验报告修改文件后重新上传。",
        "en": "{errors} error(s) found: nothing will be written. Correct the file(s) as the "
              "validation report says and upload them again."},
    "importing.nothing": {"zh": "上传的文件中没有可导入的数据行。",
                          "en": "The uploaded files hold no rows to import."},
    "importing.confirm": {"zh": "确认导入", "en": "Confirm import"},
    "importing.confirm_help": {
        "zh": "在一个事务中写入全部文件；中途失败时数据库保持原样。",
        "en": "Writes every file in one transaction; if anything fails the database stays "
              "as it was."},
    "importing.done": {
        "zh": "导入完成：新增{inserted}行、更新{updated}行、无变化{unchanged}行。"
              "各页面已显示最新数据。",
        "en": "Import complete: {inserted} new, {updated} updated, {unchanged} unchanged. "
              "Every page now shows the new data."},
    "importing.result.header": {"zh": "导入结果", "en": "Import result"},
    "importing.rejected_on_import": {
        "zh": "导入时发现问题，已全部撤销，数据库未作任何修改。",
        "en": "A problem was found while importing: everything was rolled back and the "
              "database is unchanged."},
    "importing.failed": {
        "zh": "处理文件时发生意外错误，数据库未作任何修改。请检查文件后重试；问题持续时请联系管理员。",
        "en": "An unexpected error occurred while processing the files; the database is "
              "unchanged. Check the files and try again, or contact the administrator."},
    # --- history ------------------------------------------------------------------------------
    "importing.history.header": {"zh": "③ 导入记录", "en": "③ Import history"},
    "importing.history.caption": {
        "zh": "每次导入按文件和数据表各记一行，最新在前。导入人在启用登录后记录。",
        "en": "One row per file and table of each import, newest first. Who imported is "
              "recorded once login exists."},
    "importing.history.empty": {"zh": "尚无导入记录。", "en": "Nothing has been imported yet."},
    "importing.history_status.imported": {"zh": "已导入", "en": "imported"},
    "importing.history_status.rejected": {"zh": "已拒绝", "en": "rejected"},
    "importing.history_status.dry_run": {"zh": "试算", "en": "dry run"},
}
