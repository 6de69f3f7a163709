"""Item titles and article text of the sandbox portals (2007-era Chinese government news style).

Titles never contain a word of `vocab.TITLE_BANNED`, so list entries add no disclosure or feature name.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sandbox.vocab import TITLE_BANNED

if TYPE_CHECKING:
    from sandbox.profiles import Column, SiteProfile

_NAMES = ("王建国", "李志强", "张文华", "刘振东", "陈晓明", "杨宏伟", "赵立新", "周国庆", "吴永红", "孙海涛",
          "马俊杰", "郭秀兰", "何长春", "高云峰", "罗新民", "梁志刚")
# Names with characters outside GB2312 (in GBK): only used on GBK sites.
_GBK_NAMES = ("王喆", "李堃", "张镕", "刘玥", "陈赟", "杨昇", "赵珺", "周旻", "吴璟", "孙垚")
_PLACES = ("城关镇", "东关街道", "北屯镇", "马庄镇", "新兴社区", "王家村", "红星村", "高庄镇", "西张堡镇",
           "南坊镇", "周陵镇", "正阳街道", "店张镇", "阳峪镇")
_TOPICS = ("新农村建设", "安全生产", "冬季防火", "农民工工资支付", "项目建设", "社会治安综合治理",
           "党风廉政建设", "节能减排", "冬春农田水利建设", "城乡环境卫生整治", "防汛抗旱", "科技下乡",
           "文明创建", "干部作风建设", "民生工程", "重点项目", "林业生态建设", "春季植树造林",
           "食品卫生专项整治", "义务教育经费保障", "新型农村合作医疗", "农村劳动力转移培训", "扶贫开发",
           "机关效能建设", "流动人口服务管理", "苹果产业发展", "奶畜产业发展", "信访稳定")
_MEETINGS = ("年终述职会", "党组中心组学习会", "全体干部职工大会", "目标责任考核动员会", "半年工作点评会",
             "务虚会", "专题民主生活会", "廉政建设座谈会")
_CAMPAIGNS = ("“科技之春”宣传月", "送温暖", "“三下乡”", "平安创建", "法制宣传日", "学习贯彻党的十七大精神",
              "“讲正气、树新风”主题教育", "“双百”帮扶", "结对帮扶", "“安全生产月”")
_PROBLEMS = ("路灯不亮", "道路破损", "噪音扰民", "供水不正常", "低保办理", "养老保险转移", "职称评审",
             "子女入学", "拆迁补偿", "小区物业管理", "农村五保供养", "医疗费用报销")
_COUNTY_PLACES = ("秦都区", "渭城区", "兴平市", "三原县", "泾阳县", "乾县", "礼泉县", "永寿县", "彬县", "长武县",
                  "旬邑县", "淳化县", "武功县")
_MATTERS = ("专业技术职务任职资格评审", "企业登记", "社会团体登记", "医师执业注册", "建设工程规划", "取水许可证换发",
            "门诊特殊疾病认定", "独生子女父母光荣证", "教师资格认定", "档案查询", "退休审核", "失业登记")
_OFFICES = ("办公室", "法规科", "综合科", "人事科", "财务科", "监察室", "业务一科", "业务二科", "信息中心")
_DOCS = ("管理办法", "实施细则", "暂行规定", "实施方案", "工作方案", "考核办法", "工作要点", "实施意见")


def _unit(p: SiteProfile) -> str:
    if p.group == "county":
        return "我" + p.short[-1]
    if p.short.endswith("委"):
        return "我委"
    if p.short.endswith("办"):
        return "我办"
    if p.short.endswith("部"):
        return "我部"
    if p.short.endswith(("会", "报")):
        return "我会" if p.short.endswith("会") else "我社"
    return "我局"


def _leader(rng: random.Random, p: SiteProfile) -> str:
    names = _NAMES + (_GBK_NAMES if p.encoding == "gbk" else ())
    name = rng.choice(names)
    if p.group == "county":
        head = {"区": "区长", "县": "县长", "市": "市长"}[p.short[-1]]
        return rng.choice((f"{head}{name}", f"副{head}{name}", f"书记{name}"))
    return rng.choice((f"局长{name}", f"副局长{name}", f"党组书记{name}", f"{name}同志"))


def _one(rng: random.Random, p: SiteProfile, cls: str, year: int) -> str:
    unit = _unit(p)
    place = rng.choice(_PLACES if p.group == "county" else _COUNTY_PLACES)
    topic = rng.choice(_TOPICS)
    if cls == "news":
        return rng.choice((
            f"{_leader(rng, p)}到{place}调研{topic}工作",
            f"{place}召开{topic}工作推进会",
            f"{unit}举办{topic}培训班",
            f"{place}{topic}工作取得明显成效",
            f"{_leader(rng, p)}主持召开{rng.choice(_MEETINGS)}",
            f"{unit}组织开展{rng.choice(_CAMPAIGNS)}活动",
            f"{unit}召开{year}年{topic}工作会议",
            f"省检查组来{unit}检查指导{topic}工作",
            f"{unit}{topic}工作走在全市前列",
            f"{place}扎实推进{topic}",
        ))
    if cls == "notice_policy":
        return rng.choice((
            f"关于做好{year}年{topic}工作的意见",
            f"关于进一步加强{topic}工作的实施意见",
            f"{topic}{rng.choice(_DOCS)}",
            f"关于开展{rng.choice(_CAMPAIGNS)}活动的安排",
            f"关于表彰{year}年度{topic}先进集体和先进个人的决定",
            f"关于印发《{topic}{rng.choice(_DOCS)}》的函",
        ))
    if cls == "personnel_plan":
        return rng.choice((
            f"关于{_leader(rng, p)[-3:]}等同志职务任免的决定",
            f"{year}年{unit}公开招聘工作人员拟聘用人员名单",
            f"{unit}{year}年度工作要点",
            f"{year}年{topic}工作安排",
            f"{year}年公务员考试录用面试成绩",
            f"{unit}{year}年目标责任书",
        ))
    if cls == "interaction":
        return rng.choice((
            f"关于{place}{rng.choice(_PROBLEMS)}的问题",
            f"反映{place}{rng.choice(_PROBLEMS)}",
            f"询问{topic}有关政策",
            f"{place}群众来信的答复",
        ))
    return rng.choice((
        f"{place}经济社会发展概况",
        f"{topic}项目简介",
        f"{year}年{topic}情况介绍",
        f"{unit}{topic}工作简介",
        f"{place}基本情况介绍",
    ))


def _special(rng: random.Random, p: SiteProfile, col: Column) -> str | None:
    """Titles of service and profile columns, by column name."""
    name = col.name
    if name == "办事指南":
        return rng.choice(_MATTERS) + rng.choice(("办理须知", "办理流程", "办事程序", "所需材料"))
    if name == "表格下载":
        return rng.choice(_MATTERS) + rng.choice(("申请表", "登记表", "审核表"))
    if name == "领导信息":
        return rng.choice(_NAMES) + rng.choice(("同志个人简历", "同志工作分工"))
    if name in ("机构职能", "内设科室"):
        return "我单位" + rng.choice(_OFFICES) + rng.choice(("工作职责", "基本情况"))
    return None


def title(rng: random.Random, p: SiteProfile, col: Column, year: int | None = None) -> str:
    """A plausible title for an item of `col` dated in `year` (never containing a banned word)."""
    cls = col.cls if col.kind != "disclosure" else "notice_policy"
    year = year or p.eval_date.year
    for _ in range(20):
        text = _special(rng, p, col) or _one(rng, p, cls, year)
        if len(text) >= 8 and not any(word in text for word in TITLE_BANNED):
            return text
    return f"{_unit(p)}工作动态"  # pragma: no cover - the pools contain no banned word


_SENTENCES = (
    "会议强调，各级各部门要进一步统一思想，提高认识，把{topic}工作摆上重要议事日程。",
    "近年来，{unit}坚持以科学发展观为统领，认真贯彻落实上级有关决策部署，各项工作取得了新的进展。",
    "会上，与会人员结合工作实际，就做好下一阶段{topic}工作进行了深入讨论。",
    "要加强组织领导，明确工作责任，细化工作措施，确保各项任务落到实处。",
    "要坚持以人为本，切实解决群众最关心、最直接、最现实的利益问题。",
    "下一步，{unit}将继续加大工作力度，创新工作方法，推动{topic}工作再上新台阶。",
    "各有关单位要加强协调配合，形成工作合力，按时完成各项目标任务。",
    "据了解，今年以来{unit}累计投入资金{money}万元，完成项目{count}个。",
    "活动期间，共发放宣传资料{count}余份，接待群众{count2}人次。",
    "检查组一行先后深入{place}等地，实地查看了有关情况，听取了工作汇报。",
)


def body(rng: random.Random, p: SiteProfile, text_title: str) -> list[str]:
    """3-7 paragraphs of article text."""
    unit = _unit(p)
    topic = rng.choice(_TOPICS)
    out = []
    for _ in range(rng.randint(3, 7)):
        sentences = rng.sample(_SENTENCES, rng.randint(2, 4))
        out.append("".join(
            s.format(topic=topic, unit=unit, place=rng.choice(_PLACES), money=rng.randint(20, 900),
                     count=rng.randint(100, 5000), count2=rng.randint(50, 2000))
            for s in sentences
        ))
    return out


def intro(p: SiteProfile, col: Column) -> str:
    """Plain-text description of a column (shown on index pages of level-1 columns)."""
    return f"本栏目发布{p.short}{col.name}方面的信息，欢迎社会各界监督。"
