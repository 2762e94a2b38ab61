"""The words and table cells of the evaluation report, shared by its DOCX and PDF editions.

One home for them so both editions say the same sentences with the same numbers: a figure is formatted
here once, and a test that reads either document finds it in the same words.
"""

from app.reports.evaluation import ChapterRow, Evaluation, TownRow

SECTION_HEADINGS = {
    "summary": "一、总体情况",
    "map": "二、项目分布图",
    "chapters": "三、分章节实施情况",
    "towns": "四、分镇（街道）实施情况",
    "completed": "五、已竣工项目",
    "late": "六、滞后项目",
    "postponed": "七、推迟项目",
    "cancelled": "八、取消及合并项目",
    "feedback": "九、公众意见",
}
LIST_SECTIONS = (("completed", "completed"), ("late", "late"), ("postponed", "postponed"), ("cancelled", "cancelled"))
# The statuses that get a column of their own in the tables (the rest are rare and shown in the lists).
TABLE_STATUSES = ("planned", "preparing", "under_construction", "completed")


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def summary_lines(report: Evaluation) -> list[str]:
    t = report.totals
    labels = dict(report.statuses)
    by_status = "，".join(f"{labels[code]} {t[code]} 项" for code, _ in report.statuses if t.get(code))
    return [
        f"规划项目库共 {t['total']} 项，其中规划新建、续建项目 {t['plan_projects']} 项（不含规划所列现有设施）。",
        f"按状态：{by_status}。",
        f"已开工（在建及建成）{t['started']} 项，开工率 {percent(report.started_share)}。",
        f"已竣工 {t['completed']} 项；滞后（逾期未开工、逾期未竣工或规划期满未完成）{t['late']} 项。",
        f"推迟 {t.get('postponed', 0)} 项，取消 {t.get('cancelled', 0)} 项，合并 {t.get('merged', 0)} 项，"
        f"暂停 {t.get('suspended', 0)} 项；原因见第五至八部分。",
    ]


def _status_columns(report: Evaluation) -> list[str]:
    labels = dict(report.statuses)
    return [labels[s] for s in TABLE_STATUSES]


def chapter_header(report: Evaluation) -> list[str]:
    return ["规划章节", "项目数", *_status_columns(report), "已开工", "滞后"]


def chapter_cells(report: Evaluation, row: ChapterRow) -> list[str]:
    del report
    return [
        row.chapter,
        str(row.total),
        *(str(row.counts.get(s, 0)) for s in TABLE_STATUSES),
        str(row.started),
        str(row.late),
    ]


def town_header(report: Evaluation) -> list[str]:
    return ["镇（街道）", "项目数", *_status_columns(report), "已开工", "开工率", "滞后"]


def town_cells(report: Evaluation, row: TownRow) -> list[str]:
    del report
    return [
        row.name_zh,
        str(row.total),
        *(str(row.counts.get(s, 0)) for s in TABLE_STATUSES),
        str(row.started),
        percent(row.started_share),
        str(row.late),
    ]


def feedback_lines(report: Evaluation) -> list[str]:
    f = report.feedback
    received = sum(f.values())
    lines = [
        f"截至 {report.as_of.isoformat()}，公众对规划项目提交意见 {received} 条：已公开 {f.get('approved', 0)} 条"
        f"（涉及 {report.feedback_projects} 个项目），待审核 {f.get('pending', 0)} 条，"
        f"未予公开 {f.get('rejected', 0)} 条。"
    ]
    n, projects, average = report.ratings
    if n:
        lines.append(f"公众评价：已建成项目共获公开评分 {n} 个（{projects} 个项目），平均 {average} 分（满分 5 分）。")
    else:
        lines.append("公众评价：尚无公开的评分。")
    if report.feedback_top:
        top = "；".join(f"{name}（{n} 条）" for name, n in report.feedback_top)
        lines.append(f"公开意见较多的项目：{top}。")
    return lines
