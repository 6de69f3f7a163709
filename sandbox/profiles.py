"""Site profiles of the sandbox: the 59 portals of the 2007 Xianyang evaluation, generated deterministically
from a seed and the evaluation date.

A profile is the ground truth of one site: its columns with their items, features, disclosure categories,
e-mail addresses, identity marks, traps and markup options. `sandbox.render` turns it into pages and
`sandbox.truth` into the facts a crawl must find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sandbox import titles
from sandbox.vocab import DISCLOSURE_LABELS, FEATURE_LABELS

DEFAULT_SEED = 2007
DEFAULT_EVAL_DATE = date(2007, 12, 20)

GROUP_COUNTY = "county"
GROUP_DEPARTMENT = "department"

TIERS = ("excellent", "good", "fair", "poor", "very_poor", "unreachable")
TEMPLATES = ("trs", "hanweb", "table", "script")
FAILURES = ("dns", "connect", "http_status", "empty_page")
EMAIL_FORMS = ("mailto", "text", "obfuscated", "image")
LIST_STYLES = ("span", "bracket", "cn", "slash", "table")

_OLDEST = date(2003, 1, 1)


@dataclass(frozen=True)
class Item:
    """One list entry (and its article page)."""

    title: str
    date: date
    time: str  # "HH:MM"
    url: str  # site-absolute path of the article
    column: str  # key of the column that owns the article
    seq: int
    future: bool = False  # deliberately dated after the evaluation date


@dataclass(eq=False)
class Column:
    """A navigation column. `kind`: list (own items), index (level-1 page listing only its sub-columns),
    aggregate (level-1 page listing its sub-columns' items), disclosure (政府信息公开 page: category links and
    own items), mailbox (interaction column showing consultation e-mail addresses and letters)."""

    key: str  # "xwzx" or "xwzx/zwyw"
    name: str
    level: int
    cls: str
    parent: str | None
    kind: str
    dir: str  # "/xwzx/" or "/col/col1003/"
    chan_id: int
    children: list[str] = field(default_factory=list)
    items: tuple[Item, ...] = field(default=(), repr=False)
    blank: bool = False
    blank_style: str = "text"  # "text" (暂无信息) or "empty" (empty list)
    stale: bool = False
    date_style: str = "span"
    page_size: int = 20
    intro: str = ""

    @property
    def path(self) -> str:
        return self.dir + "index.html"

    def page_path(self, n: int) -> str:
        """Path of list page n (0-based): index.html, index_1.html, ..."""
        return self.dir + ("index.html" if n == 0 else f"index_{n}.html")

    @property
    def page_count(self) -> int:
        if self.kind == "index" or not self.items:
            return 1
        return (len(self.items) + self.page_size - 1) // self.page_size

    def page_items(self, n: int) -> tuple[Item, ...]:
        if self.kind == "index":
            return ()
        return self.items[n * self.page_size : (n + 1) * self.page_size]


@dataclass(frozen=True)
class Link:
    """A feature or disclosure link: canonical name, rendered label, target path, where it is shown
    (header and footer: every page; home: homepage only; page: the 政府信息公开 page)."""

    canonical: str
    label: str
    path: str
    place: str
    image: bool = False  # rendered as an image link with the label in alt/title


@dataclass(frozen=True)
class Email:
    address: str
    form: str  # mailto | text | obfuscated | image
    place: str  # footer (every page) | mailbox (the mailbox column page) | registry (known, not on a page)
    shown: str  # the text as printed (obfuscated forms), "" for image


@dataclass(frozen=True)
class Identity:
    site_code: str | None
    site_code_place: str  # footer | meta | both | none
    icp: str | None
    icp_linked: bool
    psb: str | None
    psb_linked: bool
    party_badge: bool  # conac badge image + link in the markup
    conac_script: bool  # only the conac document.write script (not a badge)


@dataclass(frozen=True)
class DeadLink:
    path: str
    label: str
    status: int


@dataclass(frozen=True)
class LinkTrap:
    """A link for the link check: kind gone (410) | error (5xx) | html_attachment (a document link answered
    200 with an HTML page) | attachment (a real file) | head_refused (HEAD answered 405, GET 200); shown on
    the homepage (place home) or on every column list page (place column)."""

    path: str
    label: str
    kind: str
    place: str
    status: int = 200


@dataclass(eq=False)
class SiteProfile:
    id: str
    name: str  # legal name (registry)
    short: str
    group: str
    tier: str
    rank: int  # order of the notice: excellent sites first, in the notice's order
    host: str
    https: bool
    failure: str | None
    eval_date: date
    seed: int
    template: str = "trs"
    url_style: str = "trs"
    encoding: str = "utf-8"  # bytes on the wire
    meta_charset: str | None = "utf-8"
    http_charset: str | None = "utf-8"
    server: str = "Apache"
    site_name: str = ""  # name shown on the homepage (legal name or an abbreviation)
    legal_name_shown: bool = True
    title: str = ""
    columns: tuple[Column, ...] = field(default=(), repr=False)
    home_blocks: tuple[str, ...] = ()
    home_block_size: int = 6
    features: tuple[Link, ...] = ()
    disclosure_home: tuple[Link, ...] = ()
    disclosure_page: tuple[Link, ...] = ()
    xxgk: str = "none"  # nav (a level-1 column) | banner (homepage link only) | none
    emails: tuple[Email, ...] = ()
    identity: Identity | None = None
    today_trap: bool = False
    updated_trap: bool = False
    calendar: bool = False
    robots: str = "none"  # disallow | open | none
    search: bool = False
    broken_links: tuple[DeadLink, ...] = ()
    future_items: tuple[Item, ...] = ()
    parent_style: str = "index"
    list_style: str = "span"
    nested_nav: bool = True
    friends: tuple[tuple[str, str], ...] = ()
    address: str = ""
    phone: str = ""
    articles: dict[str, Item] = field(default_factory=dict, repr=False)
    notes: str = ""
    # Availability behaviour of the homepage, active only when the server runs with flaky=True (uptime
    # checks; sandbox.timeline): share of homepage GETs that fail, how they fail, and a steady delay.
    flap_share: float = 0.0
    link_traps: tuple[LinkTrap, ...] = ()
    flap_kinds: tuple[str, ...] = ()
    slow_seconds: float = 0.0

    @property
    def reachable(self) -> bool:
        return self.failure is None

    @property
    def scheme(self) -> str:
        return "https" if self.https else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def url(self) -> str:
        return self.base_url + "/"

    @property
    def gov_cn(self) -> bool:
        return self.host.endswith(".gov.cn")

    @property
    def nav_script_built(self) -> bool:
        return self.template == "script"

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"site {self.id}: no column {key!r}")

    @property
    def level1(self) -> list[Column]:
        return [c for c in self.columns if c.level == 1]

    def children_of(self, col: Column) -> list[Column]:
        return [self.column(k) for k in col.children]


# ---------------------------------------------------------------------------------------------------------
# The 59 sites. (id, legal name, short name, host, tier, template, encoding, options)
# Options: https; wrong-meta (meta says utf-8, bytes gbk); wrong-gbk (meta says gb2312, bytes utf-8);
# abbrev (homepage shows only an abbreviation); future (deliberately future-dated items).

_COUNTIES: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("qindu", "咸阳市秦都区人民政府", "秦都区", "www.qindu.gov.cn", "excellent", "trs", "utf-8", "https"),
    ("yongshou", "永寿县人民政府", "永寿县", "www.yongshou.gov.cn", "excellent", "trs", "utf-8", ""),
    ("weicheng", "咸阳市渭城区人民政府", "渭城区", "www.weicheng.gov.cn", "excellent", "hanweb", "utf-8", ""),
    ("wugong", "武功县人民政府", "武功县", "www.wugong.gov.cn", "excellent", "trs", "utf-8", "https"),
    ("xunyi", "旬邑县人民政府", "旬邑县", "www.xunyi.gov.cn", "excellent", "hanweb", "gbk", ""),
    ("sanyuan", "三原县人民政府", "三原县", "www.sanyuan.gov.cn", "good", "table", "gbk", ""),
    ("xingping", "兴平市人民政府", "兴平市", "www.xingping.gov.cn", "good", "trs", "gbk", ""),
    ("jingyang", "泾阳县人民政府", "泾阳县", "www.jingyang.gov.cn", "fair", "hanweb", "utf-8", ""),
    ("liquan", "礼泉县人民政府", "礼泉县", "www.liquan.gov.cn", "fair", "script", "utf-8", ""),
    ("qianxian", "乾县人民政府", "乾县", "www.qianxian.gov.cn", "fair", "table", "gbk", "wrong-meta"),
    ("binxian", "彬县人民政府", "彬县", "www.binxian.gov.cn", "poor", "table", "gbk", ""),
    ("chunhua", "淳化县人民政府", "淳化县", "www.chunhua.gov.cn", "poor", "trs", "gbk", ""),
    ("changwu", "长武县人民政府", "长武县", "www.changwu.gov.cn", "very_poor", "table", "gbk", "abbrev"),
]

_DEPARTMENTS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("renshi", "咸阳市人事局", "人事局", "www.xysrsj.gov.cn", "excellent", "trs", "utf-8", "https"),
    ("weisheng", "咸阳市卫生局", "卫生局", "www.xyswsj.gov.cn", "excellent", "hanweb", "utf-8", "https"),
    ("caizheng", "咸阳市财政局", "财政局", "www.xyscz.gov.cn", "excellent", "trs", "gbk", ""),
    ("jisheng", "咸阳市人口和计划生育委员会", "计生委", "www.xysjsw.gov.cn", "excellent", "hanweb", "utf-8", ""),
    ("jiaoyu", "咸阳市教育局", "教育局", "www.xysjyj.gov.cn", "excellent", "trs", "utf-8", ""),
    ("gongan", "咸阳市公安局", "公安局", "www.xysgaj.gov.cn", "good", "trs", "utf-8", ""),
    ("fagai", "咸阳市发展和改革委员会", "发改委", "www.xysfgw.gov.cn", "good", "hanweb", "utf-8", ""),
    ("laodong", "咸阳市劳动和社会保障局", "劳动保障局", "www.xysldj.gov.cn", "good", "trs", "gbk", ""),
    ("guotu", "咸阳市国土资源局", "国土资源局", "www.xysgtj.gov.cn", "good", "table", "gbk", ""),
    ("keji", "咸阳市科学技术局", "科技局", "www.xyskjj.gov.cn", "good", "hanweb", "utf-8", ""),
    ("tongji", "咸阳市统计局", "统计局", "www.xystjj.gov.cn", "good", "trs", "utf-8", ""),
    ("zhijian", "咸阳市质量技术监督局", "质监局", "www.xyszjj.gov.cn", "good", "table", "gbk", ""),
    ("jianshe", "咸阳市建设局", "建设局", "www.xysjsj.gov.cn", "good", "trs", "utf-8", ""),
    ("xyrb", "咸阳日报社", "咸阳日报", "www.xyrb.com.cn", "good", "hanweb", "utf-8", ""),
    ("gongshang", "咸阳市工商行政管理局", "工商局", "www.xysgsj.gov.cn", "fair", "trs", "utf-8", ""),
    ("minzheng", "咸阳市民政局", "民政局", "www.xysmzj.gov.cn", "fair", "table", "gbk", ""),
    ("jiaotong", "咸阳市交通局", "交通局", "www.xysjtj.gov.cn", "fair", "hanweb", "utf-8", ""),
    ("shuili", "咸阳市水利局", "水利局", "www.xysslj.gov.cn", "fair", "trs", "gbk", ""),
    ("nongye", "咸阳市农业局", "农业局", "www.xysnyj.gov.cn", "fair", "table", "gbk", ""),
    ("wenhua", "咸阳市文化局", "文化局", "www.xyswhj.gov.cn", "fair", "script", "utf-8", ""),
    ("huanbao", "咸阳市环境保护局", "环保局", "www.xyshbj.gov.cn", "fair", "hanweb", "utf-8", ""),
    ("shenji", "咸阳市审计局", "审计局", "www.xyssjj.gov.cn", "fair", "trs", "utf-8", ""),
    ("shangwu", "咸阳市商务局", "商务局", "www.xysswj.gov.cn", "fair", "table", "utf-8", ""),
    ("yaojian", "咸阳市食品药品监督管理局", "药监局", "www.xysfda.gov.cn", "fair", "hanweb", "gbk", ""),
    ("sifa", "咸阳市司法局", "司法局", "www.xyssfj.gov.cn", "poor", "table", "gbk", ""),
    ("linye", "咸阳市林业局", "林业局", "www.xyslyj.gov.cn", "poor", "trs", "utf-8", ""),
    ("guangdian", "咸阳市广播电视局", "广电局", "www.xysgdj.gov.cn", "poor", "table", "utf-8", "wrong-gbk"),
    ("tiyu", "咸阳市体育局", "体育局", "www.xystyj.gov.cn", "poor", "hanweb", "utf-8", ""),
    ("lvyou", "咸阳市旅游局", "旅游局", "www.xianyangtour.net", "poor", "script", "utf-8", ""),
    ("guihua", "咸阳市规划局", "规划局", "www.xysghj.gov.cn", "poor", "trs", "gbk", ""),
    ("wujia", "咸阳市物价局", "物价局", "www.xyswjj.gov.cn", "poor", "table", "gbk", ""),
    ("anjian", "咸阳市安全生产监督管理局", "安监局", "www.xysajj.gov.cn", "poor", "hanweb", "utf-8", ""),
    ("dangan", "咸阳市档案局", "档案局", "www.xysdaj.gov.cn", "poor", "trs", "utf-8", ""),
    ("minzong", "咸阳市民族宗教事务局", "民宗局", "www.xysmzzj.gov.cn", "poor", "table", "gbk", ""),
    ("fangguan", "咸阳市房产管理局", "房管局", "www.xysfgj.gov.cn", "very_poor", "table", "gbk", "future"),
    ("jiancha", "咸阳市监察局", "监察局", "www.xysjcj.gov.cn", "very_poor", "trs", "utf-8", ""),
    ("tongzhan", "中共咸阳市委统一战线工作部", "统战部", "www.xystzb.gov.cn", "very_poor", "hanweb", "utf-8", ""),
    ("kaohe", "咸阳市目标责任考核办公室", "考核办", "www.xyskhb.gov.cn", "very_poor", "table", "gbk", "abbrev"),
    ("fangzhi", "咸阳市地方志办公室", "方志办", "www.xysdfz.gov.cn", "very_poor", "trs", "gbk", ""),
    ("fupin", "咸阳市扶贫开发办公室", "扶贫办", "www.xysfpb.gov.cn", "very_poor", "table", "gbk", ""),
    ("renfang", "咸阳市人民防空办公室", "人防办", "www.xysrfb.gov.cn", "very_poor", "hanweb", "utf-8", "abbrev"),
    ("zonggonghui", "咸阳市总工会", "总工会", "www.xyzgh.org.cn", "very_poor", "table", "gbk", "abbrev"),
    ("liangshi", "咸阳市粮食局", "粮食局", "www.xyslsj.gov.cn", "unreachable", "", "", "dns"),
    ("kexie", "咸阳市科学技术协会", "科协", "www.xyskx.gov.cn", "unreachable", "", "", "connect"),
    ("dizhen", "咸阳市地震局", "地震局", "www.xysdzj.gov.cn", "unreachable", "", "", "http_status"),
    ("youzheng", "咸阳市邮政局", "邮政局", "www.xypost.com.cn", "unreachable", "", "", "empty_page"),
]

# Abbreviations shown by the sites that do not show their legal name (must not contain the legal name).
_ABBREVIATIONS = {
    "changwu": "长武政府网",
    "kaohe": "咸阳考核网",
    "renfang": "咸阳人防",
    "zonggonghui": "咸阳工会网",
}

# 6-digit division codes of the counties (网站标识码 prefix); departments use the city's 610400.
_DIVISION = {
    "qindu": "610402", "weicheng": "610404", "sanyuan": "610422", "jingyang": "610423", "qianxian": "610424",
    "liquan": "610425", "yongshou": "610426", "binxian": "610427", "changwu": "610428", "xunyi": "610429",
    "chunhua": "610430", "wugong": "610431", "xingping": "610481",
}

_SERVERS = {
    "trs": ("Apache/2.2.3 (Red Hat)", "Microsoft-IIS/6.0", "Apache-Coyote/1.1"),
    "hanweb": ("Apache-Coyote/1.1", "Apache/2.0.59 (Unix)"),
    "table": ("Microsoft-IIS/6.0", "Microsoft-IIS/5.0"),
    "script": ("Apache/2.2.3 (Red Hat)", "Microsoft-IIS/6.0"),
}

# tier -> probability scale used for optional things (features, disclosure categories, sub-columns)
_P = {"excellent": 0.92, "good": 0.75, "fair": 0.55, "poor": 0.4, "very_poor": 0.22}

# Newest-item age ranges (days before the evaluation date) of columns that are kept up to date, per tier.
_FRESH_AGE = {
    "excellent": {"news": (0, 2), "notice_policy": (0, 20), "personnel_plan": (0, 120), "other": (0, 90), "interaction": (0, 6)},
    "good": {"news": (0, 6), "notice_policy": (3, 45), "personnel_plan": (10, 200), "other": (10, 150), "interaction": (0, 12)},
    "fair": {"news": (3, 12), "notice_policy": (10, 90), "personnel_plan": (30, 250), "other": (30, 200), "interaction": (5, 30)},
    "poor": {"news": (16, 60), "notice_policy": (30, 150), "personnel_plan": (60, 330), "other": (60, 300), "interaction": (20, 80)},
    "very_poor": {"news": (70, 240), "notice_policy": (190, 400), "personnel_plan": (200, 500), "other": (150, 500), "interaction": (100, 300)},
}
# Age ranges of deliberately stale columns (beyond every threshold of STANDARDS.md for their class).
_STALE_AGE = {"news": (35, 260), "notice_policy": (200, 520), "personnel_plan": (380, 700), "other": (200, 600), "interaction": (100, 360)}
# Mean gap in days between consecutive items of a news column; other classes multiply it.
_NEWS_GAP = {"excellent": 0.8, "good": 1.8, "fair": 4.0, "poor": 9.0, "very_poor": 20.0}
_GAP_FACTOR = {"news": 1.0, "notice_policy": 3.0, "personnel_plan": 7.0, "other": 12.0, "interaction": 2.0}
_NEWS_COUNT = {"excellent": (70, 190), "good": (40, 120), "fair": (22, 70), "poor": (8, 35), "very_poor": (3, 14)}
_COUNT_FACTOR = {"news": 1.0, "notice_policy": 0.5, "personnel_plan": 0.25, "other": 0.08, "interaction": 0.45}
_BLANK_COUNT = {"excellent": (0, 0), "good": (0, 1), "fair": (1, 2), "poor": (2, 3), "very_poor": (4, 6)}
_STALE_COUNT = {"excellent": (0, 1), "good": (1, 2), "fair": (2, 4), "poor": (4, 6), "very_poor": (99, 99)}


# Column catalogues: (slug, name, class, kind, [(slug, name, class, kind), ...]). "{unit}" is replaced.
_CatalogEntry = tuple[str, str, str, str, list[tuple[str, str, str, str]]]


def _county_catalog(kind: str, short: str) -> list[tuple[_CatalogEntry, bool]]:
    """(entry, core) pairs; `kind` is 区, 县 or 市."""
    head = {"区": "区长", "县": "县长", "市": "市长"}[kind]
    place = short[:-1] if len(short) > 2 else short
    return [
        (("zj", f"走进{place}", "other", "list", [
            ("gk", f"{kind}情概况", "other", "list"),
            ("lsyg", "历史沿革", "other", "list"),
            ("xzqh", "行政区划", "other", "list"),
        ]), False),
        (("xwzx", "新闻中心", "news", "list", [
            ("zwyw", "政务要闻", "news", "list"),
            ("xzdt", "乡镇动态", "news", "list"),
            ("bmdt", "部门动态", "news", "list"),
        ]), True),
        (("tzgg", "通知公告", "notice_policy", "list", []), True),
        (("xxgk", "政府信息公开", "other", "disclosure", []), True),
        (("zwgk", "政务公开", "other", "list", [
            ("zcwj", "政策文件", "notice_policy", "list"),
            ("rsxx", "人事信息", "personnel_plan", "list"),
            ("ghjh", "规划计划", "personnel_plan", "list"),
            ("ldxx", "领导信息", "other", "list"),
        ]), True),
        (("wsbs", "网上办事", "other", "list", [
            ("bszn", "办事指南", "other", "list"),
            ("bgxz", "表格下载", "other", "list"),
        ]), False),
        (("hdjl", "互动交流", "interaction", "list", [
            ("ldxx", f"{head}信箱", "interaction", "mailbox"),
            ("zxzx", "在线咨询", "interaction", "list"),
        ]), True),
        (("zsyz", "招商引资", "other", "list", [
            ("tzhj", "投资环境", "other", "list"),
            ("zsxm", "招商项目", "other", "list"),
        ]), False),
        (("lywh", "文化旅游", "other", "list", []), False),
        (("ztzl", "专题专栏", "other", "list", []), False),
    ]


def _department_catalog(short: str) -> list[tuple[_CatalogEntry, bool]]:
    head = "主任" if short.endswith(("委", "办")) else ("部长" if short.endswith("部") else "局长")
    if short.endswith(("会", "报")) or short == "咸阳日报":
        head = "领导"
    return [
        (("dwgk", "单位概况", "other", "list", [
            ("ldxx", "领导信息", "other", "list"),
            ("jgzn", "机构职能", "other", "list"),
            ("nsks", "内设科室", "other", "list"),
        ]), True),
        (("xwzx", "新闻中心", "news", "list", [
            ("gzdt", "工作动态", "news", "list"),
            ("xqdt", "县区动态", "news", "list"),
            ("hydt", "行业动态", "news", "list"),
        ]), True),
        (("tzgg", "通知公告", "notice_policy", "list", []), True),
        (("zcwj", "政策文件", "notice_policy", "list", []), True),
        (("xxgk", "信息公开", "other", "disclosure", []), True),
        (("rsxx", "人事信息", "personnel_plan", "list", []), False),
        (("ghjh", "规划计划", "personnel_plan", "list", []), False),
        (("bsfw", "办事服务", "other", "list", [
            ("bszn", "办事指南", "other", "list"),
            ("bgxz", "表格下载", "other", "list"),
        ]), False),
        (("hdjl", "互动交流", "interaction", "list", [
            ("jzxx", f"{head}信箱", "interaction", "mailbox"),
            ("ywzx", "业务咨询", "interaction", "list"),
        ]), True),
        (("djgz", "党建工作", "other", "list", []), False),
        (("ztzl", "专题专栏", "other", "list", []), False),
    ]


# ---------------------------------------------------------------------------------------------------------


def build_profiles(seed: int = DEFAULT_SEED, eval_date: date = DEFAULT_EVAL_DATE) -> list[SiteProfile]:
    """The 59 site profiles (13 county, 46 department), deterministic from `seed` and `eval_date`.

    A date after DEFAULT_EVAL_DATE is the same world later on (sandbox.timeline): the profiles of the default
    date, with the items published since added, a few withdrawn and a re-dated one."""
    if eval_date > DEFAULT_EVAL_DATE:
        from sandbox import timeline

        return timeline.advance(build_profiles(seed, DEFAULT_EVAL_DATE), eval_date)
    profiles: list[SiteProfile] = []
    for group, table in ((GROUP_COUNTY, _COUNTIES), (GROUP_DEPARTMENT, _DEPARTMENTS)):
        for rank, spec in enumerate(table, start=1):
            profiles.append(_build(spec, group, rank, seed, eval_date))
    hosts = {p.id: p for p in profiles}
    for p in profiles:
        if p.reachable:
            p.friends = _friends(p, hosts, random.Random(f"friends:{seed}:{p.id}"))
    for p in profiles:
        p.flap_share, p.flap_kinds, p.slow_seconds = FLAKY.get(p.id, (0.0, (), 0.0))
        if p.reachable:
            p.link_traps = LINK_TRAPS.get(p.id, ())
    return profiles


#: Links for the link check (govcrawl.links) on a few sites: dead (410) and failing (5xx) links, document
#: links that return an HTML page, a real document, and a link whose server refuses HEAD.  Failing links
#: sit on column pages only: every homepage link answers 200, 403 or 404 (tests/test_sandbox.py).
LINK_TRAPS: dict[str, tuple[LinkTrap, ...]] = {
    "qindu": (LinkTrap("/uploads/2007/ndbg.pdf", "年度资料", "attachment", "home"),),
    "binxian": (
        LinkTrap("/ztzl/hd2007/index.html", "专题活动", "error", "column", 500),
        LinkTrap("/uploads/2007/bszn.doc", "资料一", "html_attachment", "home"),
        LinkTrap("/old/2005/index.html", "往年资料", "gone", "column", 410),
    ),
    "chunhua": (
        LinkTrap("/cms/download.asp?id=7", "资料二", "head_refused", "home"),
        LinkTrap("/uploads/2006/gzzj.pdf", "资料三", "html_attachment", "column"),
        LinkTrap("/ztzl/sy/index.html", "专题二", "error", "column", 503),
    ),
    "renfang": (
        LinkTrap("/bbs/index.asp", "论坛", "error", "column", 502),
        LinkTrap("/old/2004/index.html", "往年资料", "gone", "column", 410),
        LinkTrap("/uploads/2005/fj.xls", "附件", "html_attachment", "home"),
    ),
}


#: Homepages that fail a share of uptime checks, and how (sandbox.timeline.flap_at), or answer slowly:
#: id -> (share of failing GETs, failure kinds, steady delay in seconds).  Only with a flaky server.
FLAKY: dict[str, tuple[float, tuple[str, ...], float]] = {
    "jingyang": (0.25, ("http_status", "timeout"), 0.0),
    "tiyu": (0.10, ("error_page", "reset"), 0.0),
    "fupin": (0.05, ("empty_page",), 0.0),
    "dangan": (0.15, ("timeout",), 0.0),
    "anjian": (0.0, (), 1.2),
}


def _build(spec: tuple[str, ...], group: str, rank: int, seed: int, eval_date: date) -> SiteProfile:
    sid, name, short, host, tier, template, encoding, opts = spec
    rng = random.Random(f"govcrawl-sandbox:{seed}:{sid}")
    if tier == "unreachable":
        return SiteProfile(
            id=sid, name=name, short=short, group=group, tier=tier, rank=rank, host=host, https=False,
            failure=opts, eval_date=eval_date, seed=seed, site_name=name, notes=_notes(group, host),
            emails=(Email(f"webmaster@{host.removeprefix('www.')}", "text", "registry", ""),),
        )
    p = SiteProfile(
        id=sid, name=name, short=short, group=group, tier=tier, rank=rank, host=host,
        https="https" in opts, failure=None, eval_date=eval_date, seed=seed, template=template,
        notes=_notes(group, host),
    )
    p.url_style = "hanweb" if template == "hanweb" else "trs"
    _encoding(p, encoding, opts, rng)
    p.server = rng.choice(_SERVERS[template])
    if "abbrev" in opts:
        p.site_name, p.legal_name_shown = _ABBREVIATIONS[sid], False
        p.title = p.site_name
    else:
        p.site_name, p.legal_name_shown = name, True
        p.title = name + rng.choice(("", "门户网站", "网站", "政务网"))
    p.nested_nav = template in ("trs", "script")
    p.list_style = rng.choice(
        {"trs": ("span", "bracket", "cn"), "hanweb": ("table", "span", "slash"),
         "table": ("table", "slash", "cn"), "script": ("span", "cn")}[template]
    )
    p.parent_style = rng.choice(("index", "aggregate"))
    p.home_block_size = rng.choice((5, 6, 7, 8))
    _columns(p, rng, "future" in opts)
    _features(p, rng)
    _disclosure(p, rng)
    _emails(p, rng)
    _identity(p, rng)
    _traps(p, rng, opts)
    _home_blocks(p, rng)
    p.articles = {it.url: it for col in p.columns if col.kind != "aggregate" for it in col.items}
    p.address, p.phone = _contact(p, rng)
    return p


def _notes(group: str, host: str) -> str:
    kind = "县市区政府网站" if group == GROUP_COUNTY else "市直部门网站"
    return kind if host.endswith(".gov.cn") else kind + "（非gov.cn域名）"


def _encoding(p: SiteProfile, encoding: str, opts: str, rng: random.Random) -> None:
    if "wrong-meta" in opts:  # bytes gbk, meta says utf-8, HTTP says nothing
        p.encoding, p.meta_charset, p.http_charset = "gbk", "utf-8", None
    elif "wrong-gbk" in opts:  # bytes utf-8, meta says gb2312, HTTP says nothing
        p.encoding, p.meta_charset, p.http_charset = "utf-8", "gb2312", None
    elif encoding == "gbk":
        p.encoding = "gbk"
        p.meta_charset = rng.choice(("gb2312", "gb2312", "gbk"))
        p.http_charset = rng.choice((None, "GB2312", p.meta_charset))
    else:
        p.encoding = "utf-8"
        p.meta_charset = "utf-8"
        p.http_charset = rng.choice(("utf-8", "UTF-8", None))


def _columns(p: SiteProfile, rng: random.Random, future: bool) -> None:
    if p.group == GROUP_COUNTY:
        kind = "市" if p.short.endswith("市") else ("区" if p.short.endswith("区") else "县")
        catalog = _county_catalog(kind, p.short)
    else:
        catalog = _department_catalog(p.short)
    prob = _P[p.tier]
    xxgk_mode = {
        "excellent": "nav", "good": "nav", "fair": rng.choice(("nav", "nav", "banner")),
        "poor": rng.choice(("banner", "none", "nav")), "very_poor": "none",
    }[p.tier]
    p.xxgk = xxgk_mode
    page_size = rng.choice({"excellent": (20, 20, 15, 25), "good": (20, 15), "fair": (20, 15, 10),
                            "poor": (15, 10), "very_poor": (10, 15)}[p.tier])
    columns: list[Column] = []
    chan = 1000 + rng.randint(0, 80)
    for (slug, name, cls, kind_, children), core in catalog:
        if slug == "xxgk" and xxgk_mode != "nav":
            continue
        if not core and rng.random() > prob:
            continue
        chan += rng.randint(1, 3)
        kept = [c for c in children if rng.random() < max(prob, 0.5)] if children else []
        if children and not kept:
            kept = [children[0]]
        if p.tier == "very_poor" and len(kept) > 2:
            kept = kept[:2]
        parent = Column(
            key=slug, name=name, level=1, cls=cls, parent=None,
            kind=kind_ if not kept else p.parent_style, dir="", chan_id=chan, page_size=page_size,
        )
        parent.dir = _col_dir(p, parent)
        columns.append(parent)
        for cslug, cname, ccls, ckind in kept:
            chan += 1
            child = Column(
                key=f"{slug}/{cslug}", name=cname, level=2, cls=ccls, parent=slug, kind=ckind, dir="",
                chan_id=chan, page_size=page_size,
            )
            child.dir = _col_dir(p, child)
            parent.children.append(child.key)
            columns.append(child)
    p.columns = tuple(columns)
    _items(p, rng, future)


def _col_dir(p: SiteProfile, col: Column) -> str:
    if p.url_style == "hanweb":
        return f"/col/col{col.chan_id}/"
    return f"/{col.key}/"


def _items(p: SiteProfile, rng: random.Random, future: bool) -> None:
    """Generate the items of every column with own items, then choose blank and stale columns."""
    own = [c for c in p.columns if c.kind in ("list", "mailbox", "disclosure")]
    # Columns that may be blank: never the first news column of a site that is not very poor.
    first_news = next((c for c in own if c.cls == "news"), None)
    blank_pool = [c for c in own if c is not first_news or p.tier == "very_poor"]
    lo, hi = _BLANK_COUNT[p.tier]
    n_blank = min(rng.randint(lo, hi), max(0, len(blank_pool) - 1))
    blanks = set(id(c) for c in rng.sample(blank_pool, n_blank))
    lo, hi = _STALE_COUNT[p.tier]
    rest = [c for c in own if id(c) not in blanks]
    if p.tier == "very_poor":
        stale = set(id(c) for c in rest)
    else:
        stale_pool = [c for c in rest if c is not first_news]
        # excellent sites let only slow columns go stale
        if p.tier == "excellent":
            stale_pool = [c for c in stale_pool if c.cls in ("personnel_plan", "other")]
        stale = set(id(c) for c in rng.sample(stale_pool, min(rng.randint(lo, hi), len(stale_pool))))
    seq = rng.randint(120, 4800)
    for col in own:
        if id(col) in blanks:
            col.blank = True
            col.blank_style = rng.choice(("text", "text", "empty"))
            continue
        col.stale = id(col) in stale
        cls = col.cls if col.kind != "disclosure" else "notice_policy"
        lo_age, hi_age = (_STALE_AGE if col.stale else _FRESH_AGE[p.tier])[cls]
        age = rng.randint(lo_age, hi_age)
        lo_n, hi_n = _NEWS_COUNT[p.tier]
        n = max(1, round(rng.randint(lo_n, hi_n) * _COUNT_FACTOR[cls]))
        if cls == "other" and rng.random() < 0.3:
            n = rng.randint(1, 3)
        gap = _NEWS_GAP[p.tier] * _GAP_FACTOR[cls]
        d = p.eval_date - timedelta(days=age)
        items: list[Item] = []
        for _ in range(n):
            if d < _OLDEST:
                break
            title = titles.title(rng, p, col, d.year)
            seq += rng.randint(1, 9)
            items.append(_make_item(p, col, title, d, rng, seq))
            d -= timedelta(days=int(rng.expovariate(1.0 / gap)) if gap > 0 else 0)
        items.sort(key=lambda it: (it.date, it.time, it.seq), reverse=True)
        col.items = tuple(items)
    if future:
        _future(p, rng, seq + 50)
    for col in p.columns:
        if col.kind == "aggregate":
            merged = [it for k in col.children for it in p.column(k).items]
            merged.sort(key=lambda it: (it.date, it.time, it.seq), reverse=True)
            col.items = tuple(merged)
            col.blank = not merged
            col.blank_style = "text"
    for col in p.columns:
        col.date_style = _date_style(p, p.list_style, col.items)
        col.intro = titles.intro(p, col)


def _future(p: SiteProfile, rng: random.Random, seq: int) -> None:
    """Two deliberately future-dated items at the top of the site's notice column."""
    col = next((c for c in p.columns if c.cls == "notice_policy" and c.kind == "list"), None)
    if col is None:
        return
    future = []
    for i, days in enumerate((9, 41)):
        d = p.eval_date + timedelta(days=days)
        title = titles.title(rng, p, col, d.year)
        future.append(_make_item(p, col, title, d, rng, seq + i, future=True))
    col.blank = False
    col.items = tuple(sorted(future, key=lambda it: it.date, reverse=True)) + col.items
    p.future_items = tuple(future)


def _make_item(
    p: SiteProfile, col: Column, title: str, d: date, rng: random.Random, seq: int, future: bool = False
) -> Item:
    hh, mm = rng.randint(8, 18), rng.choice((0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55))
    if p.url_style == "hanweb":
        url = f"/art/{d.year}/{d.month}/{d.day}/art_{col.chan_id}_{seq}.html"
    else:
        url = f"/{col.key}/{d:%Y%m}/t{d:%Y%m%d}_{seq}.html"
    return Item(title=title, date=d, time=f"{hh:02d}:{mm:02d}", url=url, column=col.key, seq=seq, future=future)


def _date_style(p: SiteProfile, style: str, items: tuple[Item, ...]) -> str:
    """`[12-07]` dates only when every item lies in the evaluation year, on or before the evaluation date,
    so that the year taken from context is unambiguous."""
    if style == "bracket" and not all(it.date.year == p.eval_date.year and it.date <= p.eval_date for it in items):
        return "span"
    return style


def _pick_label(rng: random.Random, labels: tuple[str, ...], canonical_bias: float = 0.5) -> str:
    if rng.random() < canonical_bias:
        return labels[0]
    return rng.choice(labels)


_FEATURE_PATHS = {
    "领导信箱": "/gzhd/ldxx.html", "咨询投诉": "/gzhd/zxts.html", "留言板": "/gzhd/lyb.html",
    "在线访谈": "/gzhd/zxft.html", "征集调查": "/gzhd/wsdc.html", "网上听证": "/gzhd/wstz.html",
    "网上评议": "/gzhd/wspy.html", "站内搜索": "/search/", "网站地图": "/sitemap.html",
    "无障碍": "/wza/index.html", "办事指南": "/bsfw/bszn.html", "表格下载": "/bsfw/bgxz.html",
    "RSS": "/rss/index.html",
}
_HEADER_FEATURES = ("无障碍", "网站地图", "RSS", "站内搜索")


def _features(p: SiteProfile, rng: random.Random) -> None:
    prob = _P[p.tier]
    chosen = [f for f in FEATURE_LABELS if rng.random() < prob]
    if not chosen:
        chosen = ["领导信箱"]
    links = []
    by_feature = {}
    for col in p.columns:  # a feature that is also a column links to the column page
        for f in FEATURE_LABELS:
            if col.name in FEATURE_LABELS[f]:
                by_feature[f] = col
    image_block = rng.random() < 0.4
    for f in chosen:
        labels = FEATURE_LABELS[f]
        if f == "领导信箱":
            head = "局长信箱"
            if p.group == GROUP_COUNTY:
                head = {"区": "区长信箱", "县": "县长信箱", "市": "市长信箱"}[p.short[-1]]
            labels = ("领导信箱", head, "书记信箱")
        label = _pick_label(rng, labels)
        if f in by_feature:
            label, path = by_feature[f].name, by_feature[f].path
        else:
            path = _FEATURE_PATHS[f]
        place = "header" if f in _HEADER_FEATURES else "home"
        links.append(Link(f, label, path, place, image=image_block and place == "home"))
    p.features = tuple(links)
    p.search = any(link.canonical == "站内搜索" for link in links)


def _disclosure(p: SiteProfile, rng: random.Random) -> None:
    if p.xxgk == "none":
        page: list[Link] = []
    else:
        prob = _P[p.tier]
        page = [
            Link(c, _pick_label(rng, DISCLOSURE_LABELS[c]), f"/xxgk/{_DISC_SLUG[c]}.html", "page")
            for c in DISCLOSURE_LABELS
            if rng.random() < prob
        ]
    p.disclosure_page = tuple(page)
    n_home = {"excellent": (4, 7), "good": (2, 5), "fair": (0, 3), "poor": (0, 2), "very_poor": (0, 1)}[p.tier]
    pool = list(page) if page else [
        Link(c, _pick_label(rng, DISCLOSURE_LABELS[c]), f"/xxgk/{_DISC_SLUG[c]}.html", "home")
        for c in ("通知公告", "政策文件", "人事信息", "行政许可")
    ]
    k = min(len(pool), rng.randint(*n_home))
    p.disclosure_home = tuple(
        Link(link.canonical, link.label, link.path, "home") for link in rng.sample(pool, k)
    )


_DISC_SLUG = {
    "公开指南": "gkzn", "公开目录": "gkml", "公开年报": "gknb", "依申请公开": "ysqgk", "机构职能": "jgzn",
    "负责人信息": "fzrxx", "政策文件": "zcwj", "政策解读": "zcjd", "人事信息": "rsxx", "财政信息": "czxx",
    "行政许可": "xzxk", "通知公告": "tzgg", "规划计划": "ghjh", "统计信息": "tjxx",
}


def _emails(p: SiteProfile, rng: random.Random) -> None:
    domain = p.host.removeprefix("www.")
    locals_ = ["xxgk", "webmaster", p.id[:6], "bgs", "zxzx"]
    rng.shuffle(locals_)
    forms = {
        "excellent": ["mailto", "mailto"], "good": ["mailto", rng.choice(("text", "mailto"))],
        "fair": [rng.choice(("text", "obfuscated", "mailto"))],
        "poor": [rng.choice(("obfuscated", "image", "text"))],
        "very_poor": [rng.choice(("image", "text", "obfuscated"))] if rng.random() < 0.7 else [],
    }[p.tier]
    mailbox = next((c for c in p.columns if c.kind == "mailbox"), None)
    out: list[Email] = []
    for i, form in enumerate(forms):
        if rng.random() < 0.25 and p.tier in ("fair", "poor", "very_poor"):
            address = f"xy{p.id[:5]}{rng.randint(2001, 2007)}@{rng.choice(('163.com', '126.com', 'sina.com'))}"
        else:
            address = f"{locals_[i]}@{domain}"
        place = "mailbox" if (i == 1 and mailbox is not None) else "footer"
        out.append(Email(address, form, place, _shown(address, form, rng)))
    if mailbox is not None and not any(e.place == "mailbox" for e in out) and rng.random() < 0.6:
        address = f"{locals_[3]}@{domain}"
        form = rng.choice(("mailto", "text", "obfuscated"))
        out.append(Email(address, form, "mailbox", _shown(address, form, rng)))
    p.emails = tuple(out)


def _shown(address: str, form: str, rng: random.Random) -> str:
    user, _, domain = address.partition("@")
    if form == "obfuscated":
        return rng.choice((f"{user}#{domain}", f"{user}(at){domain}", f"{user}[at]{domain}", f"{user}＠{domain}"))
    if form == "image":
        return ""
    return address


def _identity(p: SiteProfile, rng: random.Random) -> None:
    tier = p.tier
    has_code = tier in ("excellent", "good") or (tier == "fair" and rng.random() < 0.6) or (
        tier == "poor" and rng.random() < 0.25)
    prefix = _DIVISION.get(p.id, "610400")
    code = f"{prefix}{rng.randint(1, 60):04d}" if has_code else None
    place = rng.choice(("footer", "footer", "both", "meta")) if code else "none"
    has_icp = tier != "very_poor" or rng.random() < 0.5
    icp = None
    if has_icp:
        icp = f"陕ICP备{rng.choice(('05', '06', '07'))}{rng.randint(0, 19999):06d}号"
        if rng.random() < 0.4:
            icp += f"-{rng.randint(1, 3)}"
    has_psb = tier in ("excellent", "good") or (tier in ("fair", "poor") and rng.random() < 0.4)
    psb = None
    if has_psb:
        number = f"6104{rng.randint(2, 4):02d}02{rng.randint(0, 999999):06d}"
        psb = f"陕公网安备 {number}号" if rng.random() < 0.6 else f"陕公网安备{number}号"
    badge = tier == "excellent" or (tier == "good" and rng.random() < 0.5)
    script = not badge and tier in ("good", "fair") and rng.random() < 0.5
    p.identity = Identity(
        site_code=code, site_code_place=place, icp=icp, icp_linked=rng.random() < 0.8, psb=psb,
        psb_linked=rng.random() < 0.8, party_badge=badge, conac_script=script,
    )


def _traps(p: SiteProfile, rng: random.Random, opts: str) -> None:
    stale_site = p.tier in ("poor", "very_poor")
    p.today_trap = rng.random() < (0.8 if stale_site else 0.4)
    p.updated_trap = stale_site or (p.tier == "fair" and rng.random() < 0.3)
    p.calendar = rng.random() < 0.3
    p.robots = rng.choice(("disallow", "disallow", "open", "none")) if p.calendar else rng.choice(
        ("open", "none", "none", "disallow"))
    dead: list[DeadLink] = []
    n_dead = {"excellent": 0, "good": 0, "fair": rng.randint(0, 1) if rng.random() < 0.3 else 0,
              "poor": rng.randint(0, 2), "very_poor": rng.randint(1, 3)}[p.tier]
    pool = [
        DeadLink("/ztzl/2006/index.html", "专题报道", 404),
        DeadLink("/yqlj/index.html", "友情链接", 404),
        DeadLink("/about/gywm.html", "关于我们", 404),
        DeadLink("/admin/login.asp", "后台管理", 403),
        DeadLink("/tpxw/index.html", "图片新闻", 404),
    ]
    dead = rng.sample(pool, n_dead)
    p.broken_links = tuple(dead)


def _home_blocks(p: SiteProfile, rng: random.Random) -> None:
    """Homepage blocks: newest items of a few columns (level 2 news columns, notices, policies, ...)."""
    candidates = [c for c in p.columns if c.kind in ("list", "mailbox", "aggregate") and c.cls != "other"]
    order = {"news": 0, "notice_policy": 1, "personnel_plan": 2, "interaction": 3, "other": 4}
    candidates.sort(key=lambda c: (order[c.cls], c.kind == "aggregate"))
    n = {"excellent": 6, "good": 5, "fair": 4, "poor": 4, "very_poor": 3}[p.tier]
    blocks = candidates[:n]
    others = [c for c in p.columns if c.cls == "other" and c.kind == "list" and c not in blocks]
    if others and len(blocks) < n + 1:
        blocks.append(rng.choice(others))
    # the block style follows the site's list style, with the same year rule as the lists
    p.home_blocks = tuple(c.key for c in blocks)


def home_items(p: SiteProfile) -> list[tuple[Column, tuple[Item, ...]]]:
    """The items shown in each homepage block."""
    return [(p.column(k), p.column(k).items[: p.home_block_size]) for k in p.home_blocks]


def home_date_style(p: SiteProfile) -> str:
    shown = tuple(it for _, items in home_items(p) for it in items)
    return _date_style(p, p.list_style, shown)


def _contact(p: SiteProfile, rng: random.Random) -> tuple[str, str]:
    streets = ("人民路", "渭阳西路", "统一路", "文林路", "乐育路", "玉泉路", "世纪大道", "北平街")
    if p.group == GROUP_COUNTY:
        address = f"{p.short}{rng.choice(('城关镇', '东大街', '府前路', '政府街'))}{rng.randint(1, 99)}号"
        phone = f"029-{rng.randint(32000000, 36999999)}"
    else:
        address = f"咸阳市{rng.choice(streets)}{rng.randint(1, 199)}号"
        phone = f"029-{rng.randint(33100000, 33399999)}"
    return address, phone


def _friends(p: SiteProfile, sites: dict[str, SiteProfile], rng: random.Random) -> tuple[tuple[str, str], ...]:
    """友情链接 to other reachable sandbox sites of the same group (never to the unreachable ones)."""
    pool = [s for s in sites.values() if s.group == p.group and s.id != p.id and s.reachable]
    chosen = rng.sample(pool, min(len(pool), rng.randint(3, 6)))
    return tuple((s.short if s.group == GROUP_COUNTY else s.name, s.url) for s in chosen)
