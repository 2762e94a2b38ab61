"""Chinese and English for the map pages.

Chinese is the default because the readers are mostly Lianzhou residents and officials;
`?lang=en` switches. Status and category labels are not here: they come from the lookup
tables `project_statuses` / `project_categories`, so the database stays the one source of
those names. Every other label — page text, legend, popups, built client-side from the
`js` subset — is in `MESSAGES`, and a test checks both languages have the same keys.
"""

from fastapi import Request

from app.catalog.fields import field_label
from app.catalog.vocab import Lang
from app.web.i18n_editing import EDITING_MESSAGES
from app.web.i18n_monitoring import MAP_JS_KEYS, MONITORING_MESSAGES
from app.web.i18n_pages import PAGES_JS_KEYS, PAGES_MESSAGES
from app.web.i18n_states import STATE_JS_KEYS, STATES_MESSAGES

LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

MESSAGES: dict[Lang, dict[str, str]] = {
    "zh": {
        "site_title": "连州“十四五”规划项目地图",
        "site_short": "连州规划地图",
        "nav_overview": "总览",
        "nav_near": "我附近",
        "nav_dashboard": "进展",
        "nav_towns": "镇街",
        "nav_api": "数据接口",
        "switch_lang": "English",
        "overview_title": "全市项目总览",
        "overview_intro": "连州市“十四五”规划（2022年修订）所列项目，按规划表述的状态着色、按类别显示图标。"
        "位置多为估计，详见各项目说明。",
        "town_title": "{name}的规划项目",
        "town_intro": "镇域范围为近似（按镇政府驻地的泰森多边形划分），并非法定边界。",
        "town_counts": "按状态统计",
        "project_title": "{name}",
        "near_title": "我附近的项目",
        "near_intro": "选择一个位置：使用浏览器定位、在地图上点击，或从列表中选择一个镇。",
        "dashboard_title": "规划进展",
        "dashboard_intro": "“已开工”指在建或已建成的项目；“开工比例”不计规划中列为现有的项目。"
        "跨镇项目在每个镇各计一次。",
        "not_found_title": "未找到",
        "not_found_text": "没有这个页面：{what}",
        "back_overview": "返回总览",
        "statuses": "状态",
        "categories": "类别",
        "town": "镇",
        "plan_ref": "规划出处",
        "chapter": "章",
        "section": "节",
        "figures": "规划数字",
        "years": "年份",
        "name_other": "英文名",
        "details": "详情",
        "count": "数量",
        "total": "合计",
        "started": "已开工",
        "started_share": "开工比例",
        "plan_projects": "规划项目（不含现有）",
        "layers": "图层",
        "base_layers": "底图",
        "county": "市界",
        "town_areas": "镇域（近似）",
        "town_labels": "镇名",
        "all": "全部",
        "none": "全不选",
        "radius": "半径",
        "choose_town": "选择一个镇",
        "use_my_location": "使用我的位置",
        "click_map_hint": "或在地图上点击任意位置",
        "distance": "距离",
        "results": "结果",
        "no_results": "该半径内没有项目。",
        "near_none_yet": "尚未选择位置。",
        "near_count": "{n} 个项目，按距离排序",
        "locating": "正在定位…",
        "locate_failed": "无法获得您的位置：",
        "chosen_place": "所选位置",
        "loading": "加载中…",
        "load_failed": "数据加载失败",
        "here_count": "此处有 {n} 个项目",
        "here_more": "仅列出最近的 {n} 个；可按状态或类别筛选。",
        "tiles_note": "共 {n} 个项目：地图按屏幕范围分块加载（矢量切片），点击项目查看详情。",
        "precision_surveyed": "实测",
        "precision_approximate": "近似",
        "precision_town": "仅知所在镇",
        "precision_warning_approximate": "此位置为估计，并非实测；误差范围见位置说明。",
        "precision_warning_town": "规划只写明了所在镇：此处标在镇政府驻地，并非项目的实际位置。",
        "legend_town_marker": "虚线圈 = 仅知所在镇（标在镇政府驻地）",
        "no_data": "无",
        "tiles_none_note": "未加载底图：显示市界与镇域轮廓。",
        "choropleth_legend": "开工比例",
        "by_town": "各镇项目（按状态）",
        "by_category": "各类别项目（按状态）",
        "history": "修改记录",
        "history_none": "暂无修改记录（数据来自规划文本）。",
        "km": "公里",
        "m": "米",
        "map_of": "地图",
    },
    "en": {
        "site_title": "Lianzhou 14th Five-Year Plan projects map",
        "site_short": "Lianzhou plan map",
        "nav_overview": "Overview",
        "nav_near": "Near me",
        "nav_dashboard": "Progress",
        "nav_towns": "Towns",
        "nav_api": "API",
        "switch_lang": "中文",
        "overview_title": "All projects of the county",
        "overview_intro": "Projects named in Lianzhou's 14th Five-Year Plan (2022 update), coloured by the status the "
        "plan states and marked by category. Most locations are estimates; each project says how far off it may be.",
        "town_title": "Projects in {name}",
        "town_intro": "The town area is approximate (the Voronoi cell of the town seat), not the legal boundary.",
        "town_counts": "Projects by status",
        "project_title": "{name}",
        "near_title": "Projects near me",
        "near_intro": "Choose a place: use your browser's location, click on the map, or pick a town from the list.",
        "dashboard_title": "Plan progress",
        "dashboard_intro": "“Started” means under construction or completed; the share started leaves out projects the "
        "plan lists as already existing. A project crossing several towns counts in each.",
        "not_found_title": "Not found",
        "not_found_text": "There is no such page: {what}",
        "back_overview": "Back to the overview",
        "statuses": "Status",
        "categories": "Categories",
        "town": "Town",
        "plan_ref": "Where in the plan",
        "chapter": "chapter",
        "section": "section",
        "figures": "Figures in the plan",
        "years": "Years",
        "name_other": "Chinese name",
        "details": "Details",
        "count": "Count",
        "total": "Total",
        "started": "Started",
        "started_share": "Share started",
        "plan_projects": "Plan projects (excl. existing)",
        "layers": "Layers",
        "base_layers": "Base",
        "county": "County outline",
        "town_areas": "Town areas (approximate)",
        "town_labels": "Town names",
        "all": "All",
        "none": "None",
        "radius": "Radius",
        "choose_town": "Choose a town",
        "use_my_location": "Use my location",
        "click_map_hint": "or click anywhere on the map",
        "distance": "Distance",
        "results": "Results",
        "no_results": "No project within this radius.",
        "near_none_yet": "No place chosen yet.",
        "near_count": "{n} projects, nearest first",
        "locating": "Locating…",
        "locate_failed": "Could not get your location: ",
        "chosen_place": "Chosen place",
        "loading": "Loading…",
        "load_failed": "Could not load the data",
        "here_count": "{n} projects here",
        "here_more": "Only the nearest {n} are listed; filter by status or category for the rest.",
        "tiles_note": "{n} projects: the map loads them tile by tile for the area on screen (vector tiles); "
        "click one for its details.",
        "precision_surveyed": "Surveyed",
        "precision_approximate": "Approximate",
        "precision_town": "Town only",
        "precision_warning_approximate": "This location is an estimate, not surveyed; the note says how far off it "
        "may be.",
        "precision_warning_town": "The plan names only the town: the project is drawn at the town seat, which is not "
        "where it actually is.",
        "legend_town_marker": "Dashed ring = town known only (drawn at the town seat)",
        "no_data": "none",
        "tiles_none_note": "No base map loaded: showing the county and town outlines.",
        "choropleth_legend": "Share started",
        "by_town": "Projects by town and status",
        "by_category": "Projects by category and status",
        "history": "Change history",
        "history_none": "No changes recorded (the data comes from the plan text).",
        "km": "km",
        "m": "m",
        "map_of": "Map",
    },
}

# Logging in, editing, history and feedback keep their words in app/web/i18n_editing.py.
# Plan monitoring (warnings, planned versus actual, as of a date) in app/web/i18n_monitoring.py.
# The names of project fields the pages print come from the field registry (app.catalog.fields), as the
# history's and the feeds' do; these message keys are older than the registry, hence the mapping.
_FIELD_KEYS = {
    "status": "status",
    "category": "category",
    "towns": "towns",
    "precision": "location_precision",
    "location_note": "location_note",
    "quote": "source_quote",
    "status_basis": "status_basis",
    "aliases": "aliases",
    "updated_at": "updated_at",
    "version": "version",
    "slug": "slug",
}
for _lang in LANGS:
    MESSAGES[_lang].update({key: field_label(name, _lang, heading=True) for key, name in _FIELD_KEYS.items()})
    MESSAGES[_lang].update(EDITING_MESSAGES[_lang])
    MESSAGES[_lang].update(MONITORING_MESSAGES[_lang])
    MESSAGES[_lang].update(PAGES_MESSAGES[_lang])
    MESSAGES[_lang].update(STATES_MESSAGES[_lang])

# The subset the browser needs for popups, legends and the near-me list.
JS_KEYS = (
    "status",
    "statuses",
    "category",
    "categories",
    "towns",
    "precision",
    "quote",
    "details",
    "layers",
    "base_layers",
    "county",
    "town_areas",
    "town_labels",
    "all",
    "none",
    "distance",
    "no_results",
    "near_count",
    "locating",
    "locate_failed",
    "chosen_place",
    "loading",
    "load_failed",
    "tiles_note",
    "here_count",
    "here_more",
    "precision_surveyed",
    "precision_approximate",
    "precision_town",
    "legend_town_marker",
    "choropleth_legend",
    "started_share",
    "no_data",
    "km",
    "m",
    *MAP_JS_KEYS,
    *PAGES_JS_KEYS,
    *STATE_JS_KEYS,
)


def get_lang(request: Request) -> Lang:
    """The page language from `?lang=`; anything unknown falls back to Chinese rather than failing."""
    raw = request.query_params.get("lang", DEFAULT_LANG)
    return "en" if raw == "en" else "zh"


def translator(lang: Lang) -> "Translator":
    return Translator(lang)


class Translator:
    """`t("key", name=...)` in templates; a missing key shows the key itself so it is noticed, not hidden."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.messages = MESSAGES[lang]

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages.get(key, key)
        return text.format(**values) if values else text

    def js_messages(self) -> dict[str, str]:
        return {key: self.messages[key] for key in JS_KEYS}

    def state_words(self) -> dict[str, str]:
        """What every page's reads say while loading, when empty and when failed (base.html, kit.js `load`)."""
        return {key: self.messages[key] for key in STATE_JS_KEYS}
