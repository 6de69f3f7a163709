"""mailprobe configuration: one YAML file (``MAILPROBE_CONFIG`` or ``--config``) plus environment overrides.

Validated once, here.  Passwords come from ``MAILPROBE_SMTP_PASSWORD`` / ``MAILPROBE_IMAP_PASSWORD``
or from a file (``password_file`` / ``MAILPROBE_*_PASSWORD_FILE``); they are held in a
:class:`Secret` whose repr never shows them, and are never printed or logged.

Example file::

    sender: {name: 张明, address: zhangming@pinggu.example.gov.cn}
    smtp: {host: smtp.example.gov.cn, port: 465, security: tls, username: zhangming@pinggu.example.gov.cn,
           password_file: /run/secrets/smtp}
    imap: {host: imap.example.gov.cn, port: 993, security: tls, folder: INBOX}
    campaign:
      name: 2024-autumn
      allowed_domains: [.gov.cn]
      rate: 0.2                 # messages per second (0 = as fast as the server takes them)
      holidays: [2024-10-01, 2024-10-02]
      templates:
        county: {subject: ..., body: ..., keywords: [...]}
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import ConfigError

SECURITY_CHOICES = ("tls", "starttls", "none")
#: Recipient domains a campaign may ever target outside the sandbox.
GOV_SUFFIX = "gov.cn"


class Secret:
    """A password: ``reveal()`` gives it; ``str``/``repr`` never do."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('******')"

    __str__ = __repr__


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str  # tls | starttls | none (none only on loopback)
    username: str = ""
    password: Secret = field(default_factory=lambda: Secret(""))
    ca_file: str = ""  # a private CA (or self-signed certificate) to trust, besides the system's

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def ssl_context(self) -> "ssl.SSLContext | None":
        """Certificate-checking TLS context for tls/starttls; None for security none."""
        if self.security == "none":
            return None
        ctx = ssl.create_default_context()
        if self.ca_file:
            ctx.load_verify_locations(cafile=self.ca_file)
        return ctx


@dataclass(frozen=True)
class Template:
    subject: str
    body: str
    keywords: tuple[str, ...] = ()


DEFAULT_TEMPLATES: dict[str, Template] = {
    "county": Template(
        subject="咨询：在{name}办理居住证需要哪些材料",
        body=(
            "{name}负责同志：\n\n"
            "您好！我是外地来{short}工作的居民，想咨询一下：在本地办理居住证需要准备哪些材料，"
            "应到哪个窗口办理，大约多长时间可以领取？\n\n"
            "麻烦您在方便时回复，谢谢！"
        ),
        keywords=("居住证", "材料", "窗口", "办理", "领取", "派出所", "身份证", "租房"),
    ),
    "department": Template(
        subject="咨询：向{name}申请政府信息公开的办理方式",
        body=(
            "{name}负责同志：\n\n"
            "您好！我想向贵单位申请公开一份本部门的工作文件，请问应当通过什么方式提交申请"
            "（网上、信函还是当面），需要提供哪些材料，多长时间内能够答复？\n\n"
            "麻烦您在方便时回复，谢谢！"
        ),
        keywords=("信息公开", "申请", "材料", "提交", "答复", "工作日", "身份证", "申请表"),
    ),
}
DEFAULT_TEMPLATES["default"] = DEFAULT_TEMPLATES["department"]


@dataclass(frozen=True)
class Campaign:
    name: str
    allowed_domains: tuple[str, ...] = (".gov.cn",)
    rate: float = 0.2  # messages per second; 0 = unthrottled
    templates: Mapping[str, Template] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))
    holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()  # 调休: weekend days that are working days

    def template_for(self, group: str | None) -> Template:
        return self.templates.get(group or "default") or self.templates.get("default") or DEFAULT_TEMPLATES["default"]

    def allows(self, address: str) -> bool:
        """The safety switch: True only for an address in one of the allowed domains."""
        domain = address.rsplit("@", 1)[-1].strip().lower().rstrip(".")
        if not domain or "@" not in address:
            return False
        for allowed in self.allowed_domains:
            a = allowed.lower().strip().lstrip(".").rstrip(".")
            if domain == a or domain.endswith("." + a):
                return True
        return False


@dataclass(frozen=True)
class Config:
    sender_name: str
    sender_address: str
    smtp: Server
    imap: Server
    folder: str
    campaign: Campaign

    @property
    def sender_domain(self) -> str:
        return self.sender_address.rsplit("@", 1)[1]

    @property
    def account(self) -> str:
        """Key of the IMAP account in ``messages`` (never includes the password)."""
        return f"{self.imap.username}@{self.imap.host}:{self.imap.port}"

    def with_campaign(self, **changes: Any) -> "Config":
        return replace(self, campaign=replace(self.campaign, **changes))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _password(section: Mapping[str, Any], env: Mapping[str, str], prefix: str) -> Secret:
    if "password" in section:
        raise ConfigError(f"{prefix.lower()}: put the password in {prefix}_PASSWORD or a password_file, not in the config file")
    if env.get(f"{prefix}_PASSWORD"):
        return Secret(env[f"{prefix}_PASSWORD"])
    path = env.get(f"{prefix}_PASSWORD_FILE") or section.get("password_file")
    if path:
        try:
            return Secret(Path(path).read_text().strip())
        except OSError as exc:
            raise ConfigError(f"{prefix}_PASSWORD_FILE: cannot read {path}: {exc.strerror}") from None
    return Secret("")


def _server(section: Mapping[str, Any], env: Mapping[str, str], prefix: str, default_port: dict[str, int]) -> Server:
    host = env.get(f"{prefix}_HOST") or section.get("host") or ""
    security = (env.get(f"{prefix}_SECURITY") or section.get("security") or "tls").lower()
    if not host:
        raise ConfigError(f"{prefix}_HOST (or {prefix.split('_')[1].lower()}.host in the config file) is required")
    if security not in SECURITY_CHOICES:
        raise ConfigError(f"{prefix}_SECURITY must be one of {', '.join(SECURITY_CHOICES)}, not {security!r}")
    if security == "none" and not is_loopback(host):
        raise ConfigError(f"{prefix}_SECURITY=none is only allowed for 127.0.0.1, not {host}: use tls or starttls")
    try:
        port = int(env.get(f"{prefix}_PORT") or section.get("port") or default_port[security])
    except ValueError:
        raise ConfigError(f"{prefix}_PORT must be a number") from None
    username = env.get(f"{prefix}_USERNAME") or section.get("username") or ""
    ca_file = env.get(f"{prefix}_CA_FILE") or section.get("ca_file") or ""
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"{prefix}_CA_FILE: {ca_file} is not a file")
    return Server(host=host, port=port, security=security, username=username, password=_password(section, env, prefix),
                  ca_file=str(ca_file))


def _dates(values: Any, what: str) -> frozenset[dt.date]:
    out = set()
    for v in values or []:
        if isinstance(v, dt.date):
            out.add(v)
            continue
        try:
            out.add(dt.date.fromisoformat(str(v)))
        except ValueError:
            raise ConfigError(f"campaign.{what}: {v!r} is not a YYYY-MM-DD date") from None
    return frozenset(out)


def _templates(raw: Mapping[str, Any] | None) -> dict[str, Template]:
    out = dict(DEFAULT_TEMPLATES)
    for group, t in (raw or {}).items():
        if not isinstance(t, Mapping) or not t.get("subject") or not t.get("body"):
            raise ConfigError(f"campaign.templates.{group}: needs a subject and a body")
        out[str(group)] = Template(subject=str(t["subject"]), body=str(t["body"]), keywords=tuple(t.get("keywords") or ()))
    return out


def load(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (``path``, else ``MAILPROBE_CONFIG``, else none) and the environment."""
    env = os.environ if env is None else env
    path = path or env.get("MAILPROBE_CONFIG")
    data: dict[str, Any] = {}
    if path:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read the mailprobe config {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    return from_mapping(data, env)


def from_mapping(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Config:
    env = {} if env is None else env
    sender = data.get("sender") or {}
    address = env.get("MAILPROBE_SENDER") or sender.get("address") or ""
    if "@" not in address:
        raise ConfigError("MAILPROBE_SENDER (or sender.address) must be a real sender address")
    name = env.get("MAILPROBE_SENDER_NAME") or sender.get("name") or ""
    smtp = _server(data.get("smtp") or {}, env, "MAILPROBE_SMTP", {"tls": 465, "starttls": 587, "none": 25})
    imap_section = data.get("imap") or {}
    imap = _server(imap_section, env, "MAILPROBE_IMAP", {"tls": 993, "starttls": 143, "none": 143})
    if not imap.username:
        imap = replace(imap, username=smtp.username or address)
    if not smtp.username and smtp.password:
        smtp = replace(smtp, username=address)
    folder = env.get("MAILPROBE_IMAP_FOLDER") or imap_section.get("folder") or "INBOX"
    c = data.get("campaign") or {}
    cname = env.get("MAILPROBE_CAMPAIGN") or c.get("name") or ""
    if not cname:
        raise ConfigError("MAILPROBE_CAMPAIGN (or campaign.name) is required: probes are counted per campaign")
    allowed_raw = env.get("MAILPROBE_ALLOWED_DOMAINS")
    allowed = tuple(d.strip() for d in allowed_raw.split(",")) if allowed_raw else tuple(c.get("allowed_domains") or (".gov.cn",))
    allowed = tuple(d for d in allowed if d)
    for d in allowed:
        if not d.lower().rstrip(".").endswith(GOV_SUFFIX) and not smtp.loopback:
            raise ConfigError(
                f"campaign.allowed_domains: {d!r} is not a .gov.cn domain; other domains are only allowed "
                "against the sandbox mail world (an SMTP server on 127.0.0.1)"
            )
    try:
        rate = float(env.get("MAILPROBE_RATE") or c.get("rate", 0.2))
    except ValueError:
        raise ConfigError("MAILPROBE_RATE must be a number of messages per second") from None
    if rate < 0:
        raise ConfigError("campaign.rate must be >= 0 (0 = unthrottled)")
    campaign = Campaign(
        name=cname, allowed_domains=allowed, rate=rate, templates=_templates(c.get("templates")),
        holidays=_dates(c.get("holidays"), "holidays"), extra_workdays=_dates(c.get("extra_workdays"), "extra_workdays"),
    )
    return Config(sender_name=name, sender_address=address, smtp=smtp, imap=imap, folder=folder, campaign=campaign)
