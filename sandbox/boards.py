"""Published mailbox / message boards of the sandbox portals (领导信箱, 咨询投诉, 留言板): the letters a site
publishes with their asked and answered dates, in the layouts real portals use, and its posting form.

A board hangs off one of the site's homepage feature links (a /gzhd/ page): the feature page either shows
page 1 of the list itself ("inline") or links to it (信件选登, "linked"). Layouts of the list:
  table         标题 | 来信时间 | 答复单位 | 回复时间 (empty or 未回复 when unanswered)
  table_status  标题 | 来信时间 | 状态 (已回复 / 未回复): the reply date is on the detail page only
  list          li: title, 留言时间：..., 回复时间：... or [未回复], 答复单位：...
  detail        li: title, 留言时间：... only: reply date and unit on the detail page
Every title links to a detail page (留言内容 / 答复单位 / 答复时间 / 答复内容). The posting form is on the
feature page or behind 我要写信, and may need a real-name login (实名, 登录后写信) or a captcha (验证码).

Letters are generated once per site from the seed, on a timeline anchored at the evaluation date (for a
later date of the same world - sandbox.timeline - at the default date), so that a later run sees new
letters and late replies.  Nothing here draws from a profile's own random stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sandbox.profiles import DEFAULT_EVAL_DATE, GROUP_COUNTY, SiteProfile

BOARD_FEATURES = ("领导信箱", "咨询投诉", "留言板")
LAYOUTS = ("table", "table_status", "list", "detail")

# tier -> (mean days between letters, (lag lo, lag hi), share answered very late (90-200 days), share never)
_TIER = {
    "excellent": (3.0, (0, 4), 0.0, 0.0),
    "good": (5.0, (1, 12), 0.0, 0.0),
    "fair": (8.0, (3, 30), 0.08, 0.05),
    "poor": (11.0, (7, 60), 0.25, 0.2),
    "very_poor": (20.0, (20, 150), 0.3, 0.35),
}
_HISTORY_DAYS = 730
_FUTURE_DAYS = 200
_MAX_LETTERS = 70

_SUBJECTS = (
    "城关镇东街路灯不亮", "小区供暖温度不达标", "农村低保申请条件", "子女入学户籍证明", "退休人员医保报销",
    "道路施工噪音扰民", "自来水水质发黄", "农用车年检地点", "个体工商户执照变更", "下岗职工再就业培训",
    "廉租房申请条件", "耕地占用补偿标准", "村道硬化进度", "公交线路调整", "企业职工养老金发放",
    "合作医疗报销比例", "城区违章建筑", "集贸市场占道经营", "果园病虫害防治", "冬季取暖煤价",
    "学校周边交通安全", "居民楼电梯维修", "二手房过户费用", "失地农民社保", "河道垃圾清理",
)
_FORMS = ("关于{}的问题", "{}何时解决？", "反映{}", "请问{}", "{}怎么办？", "建议改善{}")
_DEPT_UNITS = ("办公室", "法规科", "业务科", "监督科", "综合科")
_COUNTY_UNITS = ("教育局", "民政局", "交通局", "建设局", "农业局", "劳动局", "水利局", "城关镇政府")
_NAMES = ("张**", "李**", "王**", "刘**", "陈**", "杨**", "赵**", "网友", "匿名")


@dataclass(frozen=True)
class Letter:
    seq: int
    title: str
    asked: date
    answered: date | None  # the day the reply is published (None: never)
    unit: str
    who: str


@dataclass(frozen=True)
class Board:
    feature: str  # canonical feature of the homepage link it hangs off
    entry: str  # path of that feature page
    variant: str  # inline | linked
    layout: str
    page_size: int
    asked_label: str
    answered_label: str
    unit_label: str
    title_label: str
    detail_style: str  # table | lines
    form: str  # inline | page
    real_name: bool
    captcha: bool
    captcha_name: str
    letters: tuple[Letter, ...]  # every letter of the timeline, newest first
    eval_date: date

    @property
    def list_dir(self) -> str:
        return self.entry[: -len(".html")] + "/" if self.variant == "inline" else "/gzhd/xjxd/"

    def page_path(self, n: int) -> str:
        """List page n (0-based)."""
        if self.variant == "inline":
            return self.entry if n == 0 else self.entry[: -len(".html")] + f"_{n}.html"
        return self.list_dir + ("index.html" if n == 0 else f"index_{n}.html")

    def detail_path(self, letter: Letter) -> str:
        return f"{self.list_dir}{letter.asked:%Y%m}/xj_{letter.seq}.html"

    @property
    def write_path(self) -> str:
        return self.list_dir + "write.html"

    @property
    def published(self) -> tuple[Letter, ...]:
        """Letters asked on or before the evaluation date, newest first."""
        return tuple(x for x in self.letters if x.asked <= self.eval_date)

    def shown_answer(self, letter: Letter) -> date | None:
        """The reply date as published on the evaluation date (None: not answered yet)."""
        return letter.answered if letter.answered is not None and letter.answered <= self.eval_date else None

    @property
    def page_count(self) -> int:
        return max(1, (len(self.published) + self.page_size - 1) // self.page_size)

    def page_letters(self, n: int) -> tuple[Letter, ...]:
        return self.published[n * self.page_size: (n + 1) * self.page_size]


def board_of(p: SiteProfile) -> Board | None:
    """The site's published board, None when it publishes none (or is unreachable)."""
    if not p.reachable:
        return None
    return _board(p.id, p.seed, p.tier, p.group, p.short, p.site_name, p.eval_date,
                  tuple((f.canonical, f.path) for f in p.features), tuple(c.path for c in p.columns))


@lru_cache(maxsize=512)
def _board(sid: str, seed: int, tier: str, group: str, short: str, site_name: str, eval_date: date,
           features: tuple[tuple[str, str], ...], column_paths: tuple[str, ...]) -> Board | None:
    anchor = min(eval_date, DEFAULT_EVAL_DATE)
    rng = random.Random(f"board:{seed}:{sid}:{anchor.isoformat()}")
    hosts = [(f, path) for f, path in features
             if f in BOARD_FEATURES and path.startswith("/gzhd/") and path not in column_paths]
    if not hosts or (tier == "very_poor" and rng.random() < 0.4):
        return None
    hosts.sort(key=lambda h: BOARD_FEATURES.index(h[0]))
    feature, entry = hosts[0] if rng.random() < 0.7 else rng.choice(hosts)
    layout = LAYOUTS[(sum(map(ord, sid)) + seed) % len(LAYOUTS)]
    real_p = {"excellent": 0.2, "good": 0.3, "fair": 0.4, "poor": 0.5, "very_poor": 0.5}[tier]
    return Board(
        feature=feature, entry=entry, variant=rng.choice(("inline", "linked")), layout=layout,
        page_size=rng.choice((10, 12, 15)),
        asked_label=rng.choice(("来信时间", "留言时间", "提问时间", "写信时间") if layout != "list" else ("留言时间", "来信时间")),
        answered_label=rng.choice(("回复时间", "答复时间", "办结时间")),
        unit_label=rng.choice(("答复单位", "回复单位", "办理单位")),
        title_label=rng.choice(("信件标题", "标题", "主题")),
        detail_style=rng.choice(("table", "lines")),
        form=rng.choice(("inline", "page")),
        real_name=rng.random() < real_p,
        captcha=rng.random() < 0.55,
        captcha_name=rng.choice(("yzm", "checkcode", "randCode", "verifycode")),
        letters=_letters(rng, tier, group, short, site_name, anchor),
        eval_date=eval_date,
    )


def _letters(rng: random.Random, tier: str, group: str, short: str, site_name: str, anchor: date) -> tuple[Letter, ...]:
    gap, (lo, hi), late_share, never_share = _TIER[tier]
    units = ([f"{short}{u}" for u in _DEPT_UNITS] if group != GROUP_COUNTY
             else [f"{short}{u}" for u in _COUNTY_UNITS])
    out: list[Letter] = []
    seq = rng.randint(1000, 9000)

    def letter(d: date) -> Letter:
        r = rng.random()
        if r < never_share:
            answered = None
        elif r < never_share + late_share:
            answered = d + timedelta(days=rng.randint(91, 200))
        else:
            answered = d + timedelta(days=rng.randint(lo, hi))
        title = rng.choice(_FORMS).format(rng.choice(_SUBJECTS))
        return Letter(seq, title, d, answered, rng.choice(units), rng.choice(_NAMES))

    # the past (newest first), then the letters still to come after the anchor (a later run sees them)
    d = anchor - timedelta(days=rng.randint(0, int(gap)))
    while d > anchor - timedelta(days=_HISTORY_DAYS) and len(out) < _MAX_LETTERS:
        seq -= rng.randint(1, 7)
        out.append(letter(d))
        d -= timedelta(days=max(1, round(rng.expovariate(1.0 / gap))))
    seq = out[0].seq if out else seq
    d = anchor + timedelta(days=max(1, round(rng.expovariate(1.0 / gap))))
    while d <= anchor + timedelta(days=_FUTURE_DAYS):
        seq += rng.randint(1, 7)
        out.append(letter(d))
        d += timedelta(days=max(1, round(rng.expovariate(1.0 / gap))))
    if tier in ("poor", "very_poor"):
        # V5 material: letters of the last year left without any reply for more than three months
        window = [i for i, x in enumerate(out) if anchor - timedelta(days=330) <= x.asked <= anchor - timedelta(days=100)]
        for i in window[:: max(1, len(window) // 3)][:3]:
            x = out[i]
            out[i] = Letter(x.seq, x.title, x.asked, None, x.unit, x.who)
    out.sort(key=lambda x: (x.asked, x.seq), reverse=True)
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# Rendering (HTML fragments; sandbox.render puts them in the site's page frame)


def _esc(s: str) -> str:
    from html import escape

    return escape(s)


def _rel(b: Board, path: str) -> str:
    return path[len(b.list_dir):] if path.startswith(b.list_dir) else path


def list_html(b: Board, n: int, here: str) -> str:
    """List page n as it appears at `here` (links relative to its directory)."""
    base = here.rsplit("/", 1)[0] + "/"

    def href(path: str) -> str:
        return path[len(base):] if path.startswith(base) else path

    letters = b.page_letters(n)
    rows: list[str] = []
    if b.layout in ("table", "table_status"):
        last = f"<th>{b.unit_label}</th><th>{b.answered_label}</th>" if b.layout == "table" else "<th>办理状态</th>"
        rows.append(f'<table class="xjlist" width="100%" border="0" cellspacing="1" cellpadding="3">'
                    f"<tr><th>序号</th><th>{b.title_label}</th><th>{b.asked_label}</th>{last}</tr>")
        for i, x in enumerate(letters, start=n * b.page_size + 1):
            ans = b.shown_answer(x)
            if b.layout == "table":
                tail = (f"<td>{_esc(x.unit)}</td><td>{ans:%Y-%m-%d}</td>" if ans
                        else f"<td></td><td>{'未回复' if x.seq % 2 else ''}</td>")
            else:
                tail = f"<td>{'已回复' if ans else '未回复'}</td>"
            rows.append(f'<tr><td>{i}</td><td class="xj_title"><a href="{href(b.detail_path(x))}" target="_blank">'
                        f"{_esc(x.title)}</a></td><td>{x.asked:%Y-%m-%d}</td>{tail}</tr>")
        rows.append("</table>")
    else:
        rows.append('<ul class="lylist">')
        for x in letters:
            ans = b.shown_answer(x)
            parts = [f'<a href="{href(b.detail_path(x))}" target="_blank">{_esc(x.title)}</a>',
                     f'<span class="ly_time">{b.asked_label}：{x.asked:%Y-%m-%d}</span>']
            if b.layout == "list":
                if ans:
                    parts.append(f'<span class="hf_time">{b.answered_label}：{ans:%Y-%m-%d}</span>')
                    parts.append(f'<span class="hf_unit">{b.unit_label}：{_esc(x.unit)}</span>')
                else:
                    parts.append('<span class="zt">[未回复]</span>')
            rows.append("<li>" + " ".join(parts) + "</li>")
        rows.append("</ul>")
    total = len(b.published)
    pages = b.page_count

    def link(i: int, text: str, enabled: bool) -> str:
        return f'<a href="{href(b.page_path(i))}">{text}</a>' if enabled else f"<span>{text}</span>"

    rows.append(f'<div class="page">共{total}条 每页{b.page_size}条 第{n + 1}/{pages}页 '
                f"{link(0, '首页', n > 0)} {link(n - 1, '上一页', n > 0)} "
                f"{link(n + 1, '下一页', n < pages - 1)} {link(pages - 1, '尾页', n < pages - 1)}</div>")
    return "\n".join(rows)


def form_html(b: Board) -> str:
    captcha = ""
    if b.captcha:
        captcha = (f'<p>验证码：<input name="{b.captcha_name}" size="6" maxlength="4" />'
                   f'<img src="/images/checkcode.jsp" alt="" align="absmiddle" /></p>')
    if b.real_name:
        return ('<div class="login_tip">本栏目实行实名制，请先登录后写信。</div>'
                '<form action="/gzhd/login.do" method="post" name="loginform" class="xj_login">'
                '<p>用户名：<input name="username" /></p><p>密　码：<input type="password" name="password" /></p>'
                f'{captcha}<p><input type="submit" value="登录" /></p></form>')
    return ('<form action="/gzhd/submit.do" method="post" class="xj_form">'
            '<p>姓名：<input name="name" /></p><p>联系电话：<input name="tel" /></p>'
            '<p>标题：<input name="title" size="40" /></p><p>内容：<textarea name="content" rows="8" cols="50"></textarea></p>'
            f'{captcha}<p><input type="submit" value="提交" /></p></form>')


def entry_html(b: Board) -> str:
    """The feature page the board hangs off: the list (inline) or a link to it, and the form or a link."""
    out = ['<div class="xj_intro"><p>欢迎您来信反映问题、提出意见和建议，我们将及时办理并公开答复。</p></div>']
    if b.variant == "inline":
        out.append(list_html(b, 0, b.entry))
    else:
        out.append(f'<p class="xjxd"><a href="{b.page_path(0)}">信件选登</a></p>')
    out.append(form_html(b) if b.form == "inline" else f'<p class="write"><a href="{b.write_path}">我要写信</a></p>')
    return "\n".join(out)


def detail_html(b: Board, x: Letter) -> str:
    ans = b.shown_answer(x)
    question = f"{x.title}。希望有关部门尽快给予答复，谢谢！"
    reply = (f"您好！您反映的问题已转{x.unit}办理，经核实，相关情况已处理，感谢您的关心和支持。" if ans
             else "暂未答复")
    if b.detail_style == "table":
        return (
            f'<h1 class="xj_title">{_esc(x.title)}</h1>\n<table class="xj_table" width="100%" border="1" cellspacing="0">'
            f'<tr><th>{b.title_label}</th><td colspan="3">{_esc(x.title)}</td></tr>'
            f"<tr><th>来信人</th><td>{_esc(x.who)}</td><th>{b.asked_label}</th><td>{x.asked:%Y-%m-%d} 10:{x.seq % 60:02d}</td></tr>"
            f'<tr><th>来信内容</th><td colspan="3">{_esc(question)}</td></tr>'
            f"<tr><th>{b.unit_label}</th><td>{_esc(x.unit) if ans else ''}</td><th>{b.answered_label}</th>"
            f"<td>{f'{ans:%Y-%m-%d}' if ans else ''}</td></tr>"
            f'<tr><th>答复内容</th><td colspan="3">{_esc(reply)}</td></tr></table>'
        )
    lines = [f'<h1 class="xj_title">{_esc(x.title)}</h1>', '<div class="lyxq">',
             f"<p>留言人：{_esc(x.who)}</p>", f"<p>{b.asked_label}：{x.asked:%Y年%m月%d日}</p>",
             f"<p>留言内容：{_esc(question)}</p>", "</div>"]
    if ans:
        lines += ['<div class="reply">', f"<p>{b.unit_label}：{_esc(x.unit)}</p>",
                  f"<p>{b.answered_label}：{ans:%Y年%m月%d日}</p>", f"<p>答复内容：{_esc(reply)}</p>", "</div>"]
    else:
        lines += ['<div class="reply"><p>办理状态：未回复</p></div>']
    return "\n".join(lines)


def route(b: Board, path: str) -> tuple[str, str] | None:
    """(page title, inner HTML) of a board path, None when `path` is not one of the board's pages (the
    entry page is rendered by the caller, with the feature's label as title)."""
    if path == b.entry:
        return "", entry_html(b)
    for n in range(b.page_count):
        if path == b.page_path(n):
            title = "信件选登" if b.variant == "linked" else ""
            return title, list_html(b, n, path)
    if path == b.write_path and b.form == "page":
        return "我要写信", form_html(b)
    if path.startswith(b.list_dir) and "/xj_" in path:
        for x in b.published:
            if path == b.detail_path(x):
                return x.title, detail_html(b, x)
    return None
