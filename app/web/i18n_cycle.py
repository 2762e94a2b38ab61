"""The words of the implementation cycle on the map pages, the year's dashboard and the review page.

Kept here, with the cycle's pages, rather than in the shared catalogues every page edits. Each entry
is (Chinese, English); `{name}` placeholders are filled by the page or its script, as text.
"""

from typing import Any

from app.web.i18n import Translator

Words = dict[str, tuple[str, str]]

# The map pages: popup rows, the list's flags, the two filters of the list's form and their note.
MAP_WORDS: Words = {
    "filters": ("月报与年度目标", "Reports and the year's target"),
    "no_report": ("未按期报送月报", "No report by the deadline"),
    "behind": ("落后于年度目标", "Behind the year's target"),
    "progress": ("形象进度", "Progress"),
    "progress_value": ("{pct}（{month} 月报）", "{pct} (report for {month})"),
    "progress_none": ("尚无已审核的月报", "No approved report yet"),
    "report_label": ("{month} 月报", "Report for {month}"),
    "report_missing": ("未报送", "missing"),
    "report_late": ("逾期报送", "filed late"),
    "report_on_time": ("按期报送", "filed on time"),
    "target": ("年度目标", "Year's target"),
    "target_behind": (
        "落后：完成年度计划投资 {done}，时间进度 {time}",
        "Behind: {done} of the year's planned investment done, {time} of the year gone",
    ),
    "target_on_track": (
        "未落后：完成年度计划投资 {done}，时间进度 {time}",
        "On track: {done} of the year's planned investment done, {time} of the year gone",
    ),
    "target_unknown": ("无法判断：年度计划未填计划投资", "Cannot say: the programme gives no planned investment"),
    "target_not_in_programme": (
        "不在 {year} 年度计划中，无年度目标可比",
        "Not in the {year} annual programme: no target to be behind",
    ),
    "flag_missing": ("{month} 月报未报送", "no report for {month}"),
    "flag_late": ("{month} 月报逾期", "report for {month} late"),
    "flag_behind": ("落后于年度目标", "behind the year's target"),
    "photo_alt": ("最新现场照片 {caption}", "Latest site photo {caption}"),
    "note_report": (
        "{month} 月报应于 {due}（连州时间）前报送；“未按期”含未报送和逾期报送。",
        'Reports for {month} were due by {due} (Lianzhou time); "no report" means missing or late.',
    ),
    "note_behind": (
        "“落后”：截至 {through} 完成投资占 {year} 年度计划投资的比例低于时间进度 {share}；"
        "不在 {year} 年度计划中的项目不作判断。",
        '"Behind": investment through {through} is below {share} of the {year} plan (the share of '
        "the year gone); projects not in the {year} programme are not judged.",
    ),
    "note_behind_none": (
        "{year} 年尚无到期月报，无法判断是否落后。",
        "No report of {year} is due yet: nobody is behind or ahead.",
    ),
    "note_as_of": ("判断日期：{date}。", "Judged on {date}."),
    "load_failed": ("月报数据未能载入：{error}", "The reports could not be loaded: {error}"),
}


def words(t: Translator, table: Words) -> dict[str, str]:
    """The table in the page's language."""
    return {key: pair[1 if t.lang == "en" else 0] for key, pair in table.items()}


def map_cycle_config(t: Translator, header: dict[str, Any] | None = None) -> dict[str, Any]:
    """The map script's cycle config. A page showing a past day passes it to the API as `as_of`, which
    judges that day as it stood; a tile map's page also carries the `header` (the note's dates)."""
    return {"api": "/api/progress/projects", "words": words(t, MAP_WORDS), "header": header}


# The year's dashboard (/dashboard/year): the programme summed by town, lead unit, category and class.
YEAR_WORDS: Words = {
    "title": ("{year} 年度计划执行情况", "The {year} annual programme so far"),
    "intro": (
        "按镇、牵头单位、项目类别和计划类别汇总年度计划投资、已完成投资和月报报送情况。数据取自 "
        "/api/progress/summary。",
        "The year's planned and completed investment and the monthly reports, "
        "summed by town, lead unit, category and class. Figures from /api/progress/summary.",
    ),
    "year": ("年度", "Year"),
    "show": ("查看", "Show"),
    "no_programme": ("尚无任何年度计划。", "No annual programme yet."),
    "loading": ("正在载入…", "Loading…"),
    "dates": (
        "数据截至 {as_of}（连州时间）；月报统计至 {through}（报送期限为次月 {day} 日）。",
        "Figures as of {as_of} (Lianzhou time); reports counted through {through} (due by day {day} of "
        "the next month).",
    ),
    "dates_none": (
        "数据截至 {as_of}（连州时间）；{year} 年尚无到期月报。",
        "Figures as of {as_of} (Lianzhou time); no report of {year} is due yet.",
    ),
    "by_town": ("按镇", "By town"),
    "by_unit": ("按牵头单位", "By lead unit"),
    "by_category": ("按项目类别", "By category"),
    "by_class": ("按计划类别（新开工/续建/竣工/预备）", "By class (new start / continuing / completion / preparatory)"),
    "col_name": ("名称", "Name"),
    "col_projects": ("项目数", "Projects"),
    "col_planned": ("年度计划投资(万元)", "Planned for the year (10k CNY)"),
    "col_done": ("已完成投资(万元)", "Invested so far (10k CNY)"),
    "col_rate": ("完成率", "Done"),
    "col_reports": ("已报/应报月报", "Reports filed / due"),
    "col_missing": ("未报", "Missing"),
    "col_late": ("逾期", "Late"),
    "col_behind": ("落后项目", "Behind"),
    "total": ("合计（每个项目计一次）", "Total (each project once)"),
    "town_note": (
        "跨镇项目在所涉每个镇各计一次，各镇之和可能大于合计。",
        "A project in several towns counts in each of them, so the towns may add up to more than the total.",
    ),
    "not_planned": (
        "其中 {n} 个项目未填年度计划投资，未计入计划投资。",
        "{n} project(s) give no planned investment and are not in the planned sum.",
    ),
    "no_town": ("（无镇）", "(no town)"),
    "no_lead": ("（无牵头单位）", "(no lead unit)"),
    "failed": ("数据未能载入：{error}", "The figures could not be loaded: {error}"),
    "back": ("返回监测面板", "Back to the dashboard"),
}

# The planners' review of progress reports (/progress/review).
REVIEW_WORDS: Words = {
    "title": ("月报审核", "Review of progress reports"),
    "intro": (
        "需审核单位报送的月报在此等待审核：通过后公开并计入统计；退回须说明原因，报送人可据此重新报送。每项决定均记入审计日志。",
        "Reports of units that require review wait here: an approved report is published and counted; a "
        "report sent back needs a reason its author can act on. Every decision is audited.",
    ),
    "none": ("没有待审核的月报。", "No report is waiting for review."),
    "month": ("月份", "Month"),
    "version": ("版本", "Version"),
    "by": ("报送人", "Filed by"),
    "at": ("报送时间", "Filed at"),
    "invested": ("本月完成投资(万元)", "Invested this month (10k CNY)"),
    "progress": ("形象进度(%)", "Physical progress (%)"),
    "work_done": ("形象进度描述", "What was done"),
    "problems": ("存在问题", "Problems"),
    "coordination": ("需协调事项", "Coordination needed"),
    "correction": ("更正原因", "Reason for the correction"),
    "photos": ("照片", "Photos"),
    "approve": ("通过", "Approve"),
    "reason": ("退回原因", "Why it is sent back"),
    "send_back": ("退回", "Send back"),
    "approved": ("已通过，已公开。", "Approved and published."),
    "rejected": ("已退回。", "Sent back."),
    "reason_needed": ("请填写退回原因。", "Say why it is sent back."),
    "planners_only": ("只有规划人员可以审核月报。", "Only planners review progress reports."),
}
