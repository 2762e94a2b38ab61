"""Chinese and English for what the pages gained in issue 18: the list beside the map, search, the
named list of a crowded point, honest distances, the base map note, and server messages by code.

Kept apart from `i18n.py` (merged into its `MESSAGES` and `JS_KEYS` there) so the page texts of one
change live in one place; a test checks both languages have the same keys.
"""

from typing import Literal

PagesLang = Literal["zh", "en"]

PAGES_MESSAGES: dict[PagesLang, dict[str, str]] = {
    "zh": {
        "meta_description": "连州市“十四五”规划所列项目的地图、清单与进展：每个项目的规划原文、位置精度与最新状态。",
        # the list beside the map
        "list_title": "项目清单",
        "skip_to_list": "跳过地图，直接到项目清单",
        "list_count": "显示 {n} 个，共 {total} 个",
        "list_loading": "正在加载项目清单……",
        "list_empty": "没有符合筛选条件的项目。",
        "list_error": "项目清单加载失败：{error}",
        "list_more": "再显示 {n} 个",
        "search_label": "搜索项目",
        "search_placeholder": "名称、别名或镇名",
        "search_go": "搜索",
        "search_clear": "清除",
        "sort_label": "排序",
        "sort_name": "名称",
        "sort_status": "状态",
        "sort_category": "类别",
        "sort_precision": "位置精度（实测在前）",
        "sort_warnings": "预警（红色在前）",
        "sort_updated": "资料日期（最新在前）",
        "show_on_map": "在地图上显示",
        "updated_on": "资料截至 {date}",
        "share_view": "本页网址包含当前的筛选、搜索和所选项目，可直接分享。",
        # a crowded point
        "cluster_label": "{n} 个项目，按回车键查看名单",
        "here_list_title": "此处 {n} 个项目",
        "here_town_seat": "以下项目均只知道位于{town}，标在镇政府驻地，并非实际位置。",
        "town_only": "仅知所在镇",
        "zoom_in": "放大查看",
        "fan_out": "在地图上逐个展开",
        # near: what a distance means
        "near_to_project": "到项目",
        "near_to_seat": "到{town}镇政府驻地（项目实际位置未知）",
        "near_precise_heading": "位置已知的项目（按距离）",
        "near_town_heading": "只知所在镇的项目（距离仅为到镇政府驻地）",
        "near_count_split": "{n} 个项目：{precise} 个位置已知，{town} 个只知所在镇",
        "near_approx_suffix": "（位置为近似）",
        # near: follow the works around the chosen place by email
        "near_follow_title": "邮件关注此处附近的项目",
        "near_follow_what": "每天最多一封摘要邮件：列出所选地点周围所选距离内、公开信息有更新的项目"
        "（名称、状态和项目页链接）。距离按实际距离计算；敏感设施按公开地图上显示的位置计算。我们先发一封确认邮件，您打开其中的链接后才开始发送；"
        "每封邮件都带退订链接，退订后您的邮箱地址即被删除，且从不显示或公开。",
        "near_follow_no_place": "请先在上方选择位置（使用我的位置、在地图上点击，或选择一个镇）。",
        "near_follow_place_town": "关注地点：{town}政府驻地",
        "near_follow_place_point": "关注地点：地图上选定的点（{lon}, {lat}）",
        "near_follow_radius": "范围",
        "near_follow_email": "邮箱地址",
        "near_follow_submit": "订阅每日摘要",
        "near_follow_sending": "正在发送……",
        "near_follow_sent": "确认邮件已发出，请打开邮件中的链接完成订阅。",
        # base map
        "basemap_label": "底图",
        "basemap_none": "底图：无（离线模式，仅显示市界与镇域轮廓，不需连接互联网）。",
        "basemap_osm": "底图：OpenStreetMap（需要连接互联网）。",
        "basemap_tianditu": "底图：天地图（需要连接互联网）。",
        "basemap_amap": "底图：高德地图（需要连接互联网）。",
        "tiles_failed": "底图无法加载（可能没有互联网连接），已改为只显示市界与镇域轮廓。",
        # feedback on a phone
        "pick_crosshair": "移动地图，使十字准星对准位置，然后点“用准星位置”。",
        "use_crosshair": "用准星位置",
        "pick_cancel": "取消",
        "beijing_time": "北京时间",
        "show_place_on_map": "在地图上查看此位置",
        # server refusals, by code (kit.js refusalText); the editor puts "保存失败：" before them
        "list_separator": "、",
        "error_outside_towns": "项目会落在{towns}，不在您负责的镇（{mine}）范围内。请把位置移回您负责的镇内再保存。",
        "error_not_your_towns": "这个项目位于{towns}，您只能编辑{mine}的项目。",
        "error_planners_only": "只有规划人员可以修改：{fields}。",
        "error_if_match_required": "请求中没有版本号（If-Match），为免覆盖他人的修改而未保存。请重新加载页面后再试。",
        "error_changed_during_edit": "保存的同时有人修改了这个项目。请重新加载后再试。",
        "edit_outside_towns": "注意：这个位置在{towns}，不在您负责的镇（{mine}）内，这样保存会被拒绝。"
        "请把它移回您负责的镇内。",
        "edit_outside_county": "注意：这个位置在连州市范围以外。",
        "edit_rebase": "保留我的修改，在新版本上重做",
        "edit_rebase_intro": "勾选要在新版本上重做的修改（未勾选的采用新版本的内容）：",
        "edit_rebase_apply": "按所选重做",
        "edit_rebase_mine": "我的：{value}",
        "edit_rebase_theirs": "期间已被改为：{value}",
        "edit_rebase_done": "已在版本 {version} 上重做所选修改。请检查后再保存。",
        "edit_rebase_geometry": "我移动后的位置",
        "edit_rebase_empty": "（空）",
        # the location note in the page's language
        "location_note_only_en": "暂无中文说明，以下为英文原文：",
        "location_note_only_zh": "No English note yet; the Chinese note:",
    },
    "en": {
        "meta_description": "Map, list and progress of the projects in Lianzhou's 14th Five-Year Plan: each project's "
        "plan text, how precisely its location is known, and its latest status.",
        "list_title": "Projects",
        "skip_to_list": "Skip the map: go to the list of projects",
        "list_count": "{n} shown of {total}",
        "list_loading": "Loading the list of projects…",
        "list_empty": "No project matches these filters.",
        "list_error": "The list of projects could not be loaded: {error}",
        "list_more": "Show {n} more",
        "search_label": "Search projects",
        "search_placeholder": "Name, alias or town",
        "search_go": "Search",
        "search_clear": "Clear",
        "sort_label": "Sort by",
        "sort_name": "Name",
        "sort_status": "Status",
        "sort_category": "Category",
        "sort_precision": "Location precision (surveyed first)",
        "sort_warnings": "Warnings (red first)",
        "sort_updated": "Information date (newest first)",
        "show_on_map": "Show on map",
        "updated_on": "information as of {date}",
        "share_view": "This page's address holds the current filters, search and selected project: share it as it is.",
        "cluster_label": "{n} projects: press Enter for the list",
        "here_list_title": "{n} projects here",
        "here_town_seat": "These projects are only known to lie in {town}: they are drawn at its town seat, "
        "not at their real sites.",
        "town_only": "town only",
        "zoom_in": "Zoom in",
        "fan_out": "Fan them out on the map",
        "near_to_project": "to the project",
        "near_to_seat": "to the seat of {town} (the project's site is not known)",
        "near_precise_heading": "Projects with a known location (nearest first)",
        "near_town_heading": "Projects known only by their town (distance to the town seat only)",
        "near_count_split": "{n} projects: {precise} with a known location, {town} known only by their town",
        "near_approx_suffix": " (approximate location)",
        "near_follow_title": "Follow the works near this place by email",
        "near_follow_what": (
            "At most one digest mail a day, listing the projects within the chosen distance of the chosen place "
            "whose public record changed (name, status and a link to the project's page). Distance is true distance; "
            "a sensitive site counts where the public map shows it. First we send a confirmation link: nothing else "
            "is sent until you open it. Every mail has an unsubscribe link, which deletes your address; it is never "
            "shown or published."
        ),
        "near_follow_no_place": "Choose a place above first (use your location, click the map, or pick a town).",
        "near_follow_place_town": "Place followed: the seat of {town}",
        "near_follow_place_point": "Place followed: the point chosen on the map ({lon}, {lat})",
        "near_follow_radius": "Within",
        "near_follow_email": "Email address",
        "near_follow_submit": "Subscribe to the daily digest",
        "near_follow_sending": "Sending…",
        "near_follow_sent": "A confirmation mail is on its way: open its link to start.",
        "basemap_label": "Base map",
        "basemap_none": "Base map: none (offline mode: county and town outlines only, no internet needed).",
        "basemap_osm": "Base map: OpenStreetMap (needs internet access).",
        "basemap_tianditu": "Base map: Tianditu (needs internet access).",
        "basemap_amap": "Base map: AMap (needs internet access).",
        "tiles_failed": "The base map could not be loaded (no internet access?): showing the county and town "
        "outlines instead.",
        "pick_crosshair": "Move the map until the crosshair is on the place, then press “Use crosshair”.",
        "use_crosshair": "Use crosshair",
        "pick_cancel": "Cancel",
        "beijing_time": "Beijing time",
        "show_place_on_map": "See this place on the map",
        "list_separator": ", ",
        "error_outside_towns": "the project would lie in {towns}, outside your towns ({mine}). Move it back inside "
        "your towns and save again.",
        "error_not_your_towns": "this project lies in {towns}; you edit only projects in {mine}.",
        "error_planners_only": "only planners may change: {fields}.",
        "error_if_match_required": "the request carried no version (If-Match), so nothing was saved rather than "
        "risk overwriting someone else's change. Reload the page and try again.",
        "error_changed_during_edit": "someone changed this project while you saved. Reload it and try again.",
        "edit_outside_towns": "Careful: this place is in {towns}, outside your towns ({mine}); saving it would be "
        "refused. Move it back inside your towns.",
        "edit_outside_county": "Careful: this place is outside Lianzhou.",
        "edit_rebase": "Keep my changes and redo them on the new version",
        "edit_rebase_intro": "Tick the changes to redo on the new version (unticked ones take the new "
        "version's value):",
        "edit_rebase_apply": "Redo the ticked changes",
        "edit_rebase_mine": "mine: {value}",
        "edit_rebase_theirs": "changed meanwhile to: {value}",
        "edit_rebase_done": "Your ticked changes are redone on version {version}. Check them, then save.",
        "edit_rebase_geometry": "the place where I moved it",
        "edit_rebase_empty": "(empty)",
        "location_note_only_en": "No Chinese note yet; the English note:",
        "location_note_only_zh": "No English note yet; the Chinese note:",
    },
}

# The feedback form's place picking (feedback.js).
PICK_JS_KEYS: tuple[str, ...] = ("pick_crosshair", "use_crosshair", "pick_cancel")

# The server's refusals a page localizes (kit.js refusalText): "error_" + the refusal's code.
ERROR_JS_KEYS: tuple[str, ...] = (
    "list_separator",
    "error_outside_towns",
    "error_not_your_towns",
    "error_planners_only",
    "error_if_match_required",
    "error_changed_during_edit",
    "edit_outside_towns",
    "edit_outside_county",
    "edit_rebase_mine",
    "edit_rebase_theirs",
    "edit_rebase_done",
    "edit_rebase_geometry",
    "edit_rebase_empty",
    "beijing_time",
)

# The keys the map and list scripts read from the page config's `messages`.
PAGES_JS_KEYS: tuple[str, ...] = (
    "list_count",
    "list_empty",
    "list_error",
    "list_more",
    "show_on_map",
    "updated_on",
    "cluster_label",
    "here_list_title",
    "here_town_seat",
    "town_only",
    "zoom_in",
    "fan_out",
    "near_to_project",
    "near_to_seat",
    "near_precise_heading",
    "near_town_heading",
    "near_count_split",
    "near_approx_suffix",
    "sort_name",
)
