"""Vocabulary of the sandbox: canonical disclosure and feature names, the labels rendered for them,
column classes, and the words item titles must never contain.

The sandbox keeps its ground truth in the canonical names of DESIGN.md ("Stable machine interfaces") and
renders one of the labels below on the page. Matching is by substring after removing whitespace, and every
label the sandbox renders as a link contains the synonyms of exactly one canonical name (or of none), so an
extractor matching whole link texts and one matching substrings find the same names.
"""

from __future__ import annotations

import re

# canonical name -> labels the sandbox may render (the canonical name itself first)
DISCLOSURE_LABELS: dict[str, tuple[str, ...]] = {
    "公开指南": ("公开指南", "信息公开指南", "政府信息公开指南"),
    "公开目录": ("公开目录", "信息公开目录", "政府信息公开目录"),
    "公开年报": ("公开年报", "信息公开年报", "政府信息公开年报"),
    "依申请公开": ("依申请公开",),
    "机构职能": ("机构职能", "机构设置"),
    "负责人信息": ("负责人信息", "领导信息", "领导简介", "领导之窗"),
    "政策文件": ("政策文件", "规范性文件"),
    "政策解读": ("政策解读", "文件解读"),
    "人事信息": ("人事信息", "人事任免"),
    "财政信息": ("财政信息", "财政预决算", "预决算公开"),
    "行政许可": ("行政许可", "行政审批", "行政许可事项"),
    "通知公告": ("通知公告", "公示公告", "公告公示"),
    "规划计划": ("规划计划", "发展规划"),
    "统计信息": ("统计信息", "统计数据"),
}

FEATURE_LABELS: dict[str, tuple[str, ...]] = {
    "领导信箱": ("领导信箱", "局长信箱", "书记信箱", "主任信箱", "部长信箱", "县长信箱", "区长信箱", "市长信箱"),
    "咨询投诉": ("咨询投诉", "在线咨询", "网上咨询", "业务咨询"),
    "留言板": ("留言板", "网上留言", "公众留言"),
    "在线访谈": ("在线访谈", "网上访谈"),
    "征集调查": ("征集调查", "网上调查", "民意征集", "在线调查"),
    "网上听证": ("网上听证",),
    "网上评议": ("网上评议", "行风评议"),
    "站内搜索": ("站内搜索", "全文检索", "高级搜索"),
    "网站地图": ("网站地图", "站点地图"),
    "无障碍": ("无障碍", "无障碍浏览", "长者模式", "关怀版"),
    "办事指南": ("办事指南", "服务指南"),
    "表格下载": ("表格下载", "下载中心", "资料下载"),
    "RSS": ("RSS", "RSS订阅"),
}

DISCLOSURE_NAMES: tuple[str, ...] = tuple(DISCLOSURE_LABELS)
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURE_LABELS)

COLUMN_CLASSES: tuple[str, ...] = ("news", "notice_policy", "personnel_plan", "interaction", "other")

# Words other vocabularies commonly file under a disclosure or feature name (kept out of titles too).
_COMMON_SYNONYMS = (
    "信息公开规定", "主动公开目录", "信息公开平台", "法定主动公开内容", "年度报告", "申请公开", "依申请",
    "机构职责", "机构概况", "内设机构", "职能职责", "主要职责", "部门职责", "机构简介", "领导班子", "领导介绍",
    "领导分工", "领导成员", "现任领导", "政策法规", "法规文件", "政府文件", "文件资料", "政府规章", "法律法规",
    "图解政策", "人事动态", "干部任免", "招考录用", "公务员招录", "人事招聘", "招聘信息", "部门预算", "部门决算",
    "财政资金", "财务公开", "财政财务", "三公经费", "预算决算", "财政收支", "审批事项", "许可事项", "审批公示",
    "通知通告", "公告栏", "工作计划", "规划信息", "计划总结", "工作总结", "规划总结", "统计公报", "统计分析",
    "统计资料", "数据发布", "镇长信箱", "我要咨询", "我要投诉", "投诉咨询", "投诉建议", "咨询服务", "我要留言",
    "群众留言", "留言选登", "留言咨询", "网民留言", "访谈直播", "网络访谈", "意见征集", "调查征集", "网上征集",
    "问卷调查", "民意调查", "征求意见", "在线听证", "听证会", "在线评议", "民主评议", "政风行风", "高级检索",
    "信息检索", "站内检索", "网站搜索", "网站导航图", "无障碍阅读", "长者助手", "适老化", "老年模式", "长辈版",
    "办事须知", "办理指南", "文件下载", "表单下载", "表格填写", "信息订阅",
)

# Substrings that never appear in an item title, so that titles add no disclosure / feature name and
# no column-class keyword an extractor might match loosely.
TITLE_BANNED: tuple[str, ...] = tuple(
    sorted(
        {label for labels in DISCLOSURE_LABELS.values() for label in labels}
        | {label for labels in FEATURE_LABELS.values() for label in labels}
        | {
            "通知", "公告", "公示", "计划", "规划", "信箱", "咨询", "留言", "投诉", "访谈", "调查", "征集",
            "听证", "评议", "搜索", "检索", "地图", "无障碍", "指南", "下载", "年报", "解读", "预决算",
            "审批", "许可", "RSS", "信息公开", "政务公开", "更多", "今天是", "最后更新",
        }
        | set(_COMMON_SYNONYMS)
    )
)

_WS = re.compile(r"\s+")


def _match(label: str, table: dict[str, tuple[str, ...]]) -> set[str]:
    text = _WS.sub("", label).lower()
    found = set()
    for canonical, labels in table.items():
        if any(syn.lower() in text for syn in labels):
            found.add(canonical)
    return found


def disclosure_of(label: str) -> set[str]:
    """Canonical disclosure names a link label stands for (substring match, whitespace removed)."""
    return _match(label, DISCLOSURE_LABELS)


def features_of(label: str) -> set[str]:
    """Canonical feature names a link label stands for (substring match, whitespace removed)."""
    return _match(label, FEATURE_LABELS)
