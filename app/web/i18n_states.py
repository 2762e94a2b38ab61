"""Chinese and English for the stated error drawn on a project's map and for the states of every fetch.

Kept apart from `i18n.py` (merged into its `MESSAGES` there; `STATE_JS_KEYS` go to every page script
that fetches) so the words of one change live in one place; a test checks both languages have the same keys.
"""

from typing import Literal

StatesLang = Literal["zh", "en"]

STATES_MESSAGES: dict[StatesLang, dict[str, str]] = {
    "zh": {
        # the project map's drawn uncertainty (app/web/uncertainty.py)
        "uncertainty_label": "误差范围",
        "uncertainty_legend_up_to": "浅蓝色范围：位置说明所述的误差，约{km}公里以内；项目应在此范围内。",
        "uncertainty_legend_at_least": "浅蓝色范围：位置说明所述误差的下限，至少{km}公里；实际误差可能更大。",
        "uncertainty_legend_town": "黄色区域：项目所在的镇（镇域为近似）；规划只写明了镇，项目可能在镇内任何位置。",
        "uncertainty_legend_none": "位置说明没有给出误差的数字，地图不画误差范围。",
        "uncertainty_note_words": "位置说明原文（英文）：{words}",
        # loading / nothing found / failed, with a retry, for every fetch of a page's data (kit.js `load`)
        "state_loading": "加载中…",
        "state_empty": "没有找到内容。",
        "state_error": "加载失败：{error}",
        "state_retry": "重试",
        "state_offline": "无法连接服务器",
        # a write (a form's submit) that failed for no fault of the reader: their input stays, they may send it again
        "state_offline_retry": "无法连接服务器，请检查网络后重试；已填写的内容仍保留。",
        "state_write_server_error": "服务器出错（HTTP {status}），请稍后重试；已填写的内容仍保留。",
        "state_server_error": "服务器出错（HTTP {status}）",
        # a refusal of what was typed that the server names by field only (a 422 without a code)
        "state_invalid_fields": "以下内容填写有误，请检查：{fields}",
        # refusals of a date the server names by code (X-Planmap-Error), for reads and forms alike
        "error_date_order": "起始日期不能晚于结束日期，请重新选择。",
        "error_date_in_future": "所选日期晚于今天（{today}），请选择今天或更早的日期。",
        "field_email": "电子邮箱",
        "field_text": "意见内容",
        "field_contact": "联系方式",
        "field_reason": "原因",
        "field_caption": "照片说明",
        "field_radius_km": "半径",
        "field_body": "内容",
        "progress_empty": "尚无月度进度报告。",
        "tickets_empty": "没有逾期或即将到期的督办事项。",
    },
    "en": {
        "uncertainty_label": "Stated error",
        "uncertainty_legend_up_to": "Light blue area: the error the location note states, up to about {km} km; the "
        "project should lie within it.",
        "uncertainty_legend_at_least": "Light blue area: the least error the location note states, at least {km} km; "
        "the real error may be larger.",
        "uncertainty_legend_town": "Yellow area: the project's town (its area is approximate); the plan names only "
        "the town, so the project may be anywhere in it.",
        "uncertainty_legend_none": "The location note gives no figure for the error, so none is drawn.",
        "uncertainty_note_words": "The location note says: {words}",
        "state_loading": "Loading…",
        "state_empty": "Nothing found.",
        "state_error": "Could not load: {error}",
        "state_retry": "Try again",
        "state_offline": "the server could not be reached",
        "state_offline_retry": "The server could not be reached; check the connection and try again. What you "
        "entered is kept.",
        "state_write_server_error": "The server failed (HTTP {status}); please try again later. What you entered "
        "is kept.",
        "state_server_error": "the server failed (HTTP {status})",
        "state_invalid_fields": "Please check: {fields}",
        "error_date_order": "The first date must not be after the second; choose the dates again.",
        "error_date_in_future": "The date chosen is after today ({today}); choose today or earlier.",
        "field_email": "email address",
        "field_text": "your comment",
        "field_contact": "contact",
        "field_reason": "reason",
        "field_caption": "photo caption",
        "field_radius_km": "radius",
        "field_body": "the text",
        "progress_empty": "No monthly progress report yet.",
        "tickets_empty": "No supervision ticket is overdue or due soon.",
    },
}

# What every page script that fetches needs: the words of its loading, empty and error states.
STATE_JS_KEYS: tuple[str, ...] = (
    "state_loading",
    "state_empty",
    "state_error",
    "state_retry",
    "state_offline",
    "state_offline_retry",
    "state_server_error",
    "state_write_server_error",
    "state_invalid_fields",
    "error_date_order",
    "error_date_in_future",
    *(f"field_{name}" for name in ("email", "text", "contact", "reason", "caption", "radius_km", "body")),
)
