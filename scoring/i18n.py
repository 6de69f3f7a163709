"""Labels of every export, in Chinese (default, the notice's wording) with an English option."""
from __future__ import annotations

LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"),
    "site_name": ("网站名称", "Site"),
    "site": ("网站编号", "Site id"),
    "total": ("总分", "Total"),
    "grade": ("等级", "Grade"),
    "group": ("类别", "Group"),
    "vetoes": ("单项否决", "Vetoes"),
    "flags": ("人工核查", "Flags for a person"),
    "excellent": ("优秀网站", "Excellent sites"),
    "unreachable": ("无法打开的网站", "Sites that could not be opened"),
    "reason": ("原因", "Reason"),
    "evidence": ("评分依据", "Evidence"),
    "indicator": ("指标", "Indicator"),
    "item": ("评分项", "Item"),
    "rule": ("规则", "Rule"),
    "observation": ("观测项", "Observation"),
    "value": ("观测值", "Value"),
    "url": ("网址", "URL"),
    "seen": ("观测时间", "Seen"),
    "points": ("得分", "Points"),
    "max": ("满分", "Max"),
    "tie": ("并列", "tie"),
    "tiebreak": ("并列，按在线测评得分/扣分区分", "tie decided by the online score / deductions"),
    "stability": ("排名稳定性", "Rank stability"),
    "stable": ("稳定", "stable"),
    "fragile": ("易变", "fragile"),
    "max_move": ("权重±20%时最大名次变动", "Largest rank move at ±20 % weight"),
    "model": ("评分模型", "Model"),
    "inputs": ("数据来源", "Inputs"),
    "missing": ("缺失数据", "Missing inputs"),
    "online": ("在线测评", "Online measurement"),
    "experts": ("专家评估", "Expert review"),
    "votes": ("网上投票", "Public votes"),
    "availability": ("可用率", "Availability"),
    "totals_chart": ("各组总分", "Totals per group"),
    "indicator_chart": ("各指标平均得分", "Mean score per indicator"),
    "availability_chart": ("监测期内可用率", "Availability over the window"),
    "reply_chart": ("邮件咨询回复率与回复时长", "Reply rate by delay (mail probes)"),
    "change_chart": ("与上次评估相比的名次与得分变化", "Rank and score change against the previous evaluation"),
    "previous_rank": ("上次排名", "Previous rank"),
    "rank_change": ("名次变化", "Rank change"),
    "score_change": ("得分变化", "Score change"),
    "report_title": ("政府网站考核评比结果", "Government website evaluation results"),
    "generated": ("生成时间", "Generated"),
    "days": ("天", "days"),
    "replied_share": ("已回复比例", "Share replied"),
    "no_data": ("无数据", "no data"),
    "pass": ("合格", "pass"),
    "fail": ("不合格", "fail"),
    "fail_veto": ("不合格（单项否决）", "fail (veto)"),
    "good": ("良好", "good"),
    "excellent_grade": ("优秀", "excellent"),
    "bonus": ("加分", "Bonus"),
    "deductions": ("扣分", "Deductions"),
    "notes": ("说明", "Notes"),
    "county": ("县市区政府网站", "County/district governments"),
    "department": ("市直部门网站", "City departments"),
}


def t(key: str, lang: str = "zh") -> str:
    """The label of ``key`` in ``lang`` (unknown keys come back unchanged)."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def group_label(group: str, lang: str = "zh") -> str:
    return t(group, lang) if group in LABELS else group


def both(key: str) -> str:
    """'中文 English', for places that show both."""
    zh, en = LABELS.get(key, (key, key))
    return f"{zh} {en}"
