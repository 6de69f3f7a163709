"""A real mail world on loopback: Debian's Postfix + Dovecot in one short temp dir.

Everything (config, queue, mail store, sockets, pid files, logs) lives under ``/tmp/mw.XXXXXX``;
both servers listen on 127.0.0.1 only; ``default_transport = error`` so nothing ever leaves.
Mailboxes are virtual users in a Dovecot passwd-file, delivered over LMTP; unknown users get a
real Postfix DSN; a user with a tiny quota gives a real "mailbox full" DSN.  See
``shared/notes/mail-world.md`` for the facts this follows.  Must run as root (Postfix's master).

    world = MailWorld(domains=["probe.sandbox.cn", "xx.gov.cn"])
    world.add_user("eval@probe.sandbox.cn", "secret")
    world.start()
    ...  # SMTP on world.smtp_port, IMAP on world.imap_port, both 127.0.0.1
    world.stop()
"""
from __future__ import annotations

import grp
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

POSTFIX_MASTER = "/usr/lib/postfix/sbin/master"
DOVECOT = "/usr/sbin/dovecot"
MAIL_UID = 8  # Debian's `mail` user: owns every virtual mailbox
HOST = "127.0.0.1"

_QUEUE_DIRS = {  # name: (owner is postfix, group postdrop, mode) - as /etc/postfix/postfix-files
    "active": (True, False, 0o700), "bounce": (True, False, 0o700), "corrupt": (True, False, 0o700),
    "defer": (True, False, 0o700), "deferred": (True, False, 0o700), "flush": (True, False, 0o700),
    "hold": (True, False, 0o700), "incoming": (True, False, 0o700), "private": (True, False, 0o700),
    "maildrop": (True, True, 0o730), "public": (True, True, 0o710), "pid": (False, False, 0o755),
    "saved": (True, False, 0o700), "trace": (True, False, 0o700),
}

_MASTER_CF = """\
{host}:{smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
{tls_services}"""

_MAIN_CF = """\
compatibility_level = 3.6
config_directory = {root}/pf
queue_directory = {root}/q
data_directory = {root}/pd
meta_directory = {root}/pf
mail_owner = postfix
setgid_group = postdrop
syslog_name = {name}
maillog_file = {root}/log/postfix.log
maillog_file_prefixes = {root}/log
myhostname = {hostname}
mydomain = {hostname}
myorigin = $myhostname
mydestination =
inet_interfaces = {host}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
alias_maps =
alias_database =
virtual_mailbox_domains = {domains}
virtual_mailbox_maps = {vmaps}
virtual_transport = lmtp:inet:{host}:{lmtp_port}
default_transport = error:nothing leaves the sandbox mail world
relay_transport = error:nothing leaves the sandbox mail world
local_transport = error:no local delivery in the sandbox mail world
smtpd_reject_unlisted_recipient = {reject_unlisted}
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {root}/q/private/auth
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
smtpd_banner = $myhostname ESMTP
smtpd_error_sleep_time = 0
smtpd_client_connection_count_limit = 0
in_flow_delay = 0
biff = no
append_dot_mydomain = no
smtputf8_enable = no
delay_warning_time = 0
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
lmtp_connection_cache_on_demand = yes
default_destination_concurrency_limit = 20
{tls_main}"""

_DOVECOT_CONF = """\
base_dir = {root}/dv
state_dir = {root}/dvstate
instance_name = {name}
log_path = {root}/log/dovecot.log
hostname = {hostname}
listen = {host}
protocols = imap lmtp
{dovecot_ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_plugins = quota
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_max_userip_connections = 200
shutdown_clients = yes
default_internal_user = dovecot
default_login_user = dovenull
lmtp_rcpt_check_quota = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%Lu {root}/users
}}
plugin {{
  quota = maildir:User quota
  quota_full_tempfail = no
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
  }}
  process_min_avail = 1
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp_port}
  }}
}}
service auth {{
  unix_listener {root}/q/private/auth {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""


class MailWorldError(RuntimeError):
    """The mail world could not be set up or started; the message names the log to read."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return kids


def _self_signed(folder: Path, hostname: str, ip: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``hostname``, localhost and ``ip`` (for the TLS world)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(mode=0o755)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname), x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


def _old(path: Path) -> None:
    """Backdate a config file: Postfix waits ~2 s for a freshly written file's mtime to settle."""
    t = time.time() - 60
    os.utime(path, (t, t))


@dataclass
class User:
    address: str
    password: str
    quota_bytes: int | None = None  # a tiny quota makes a real "mailbox full" bounce


@dataclass
class MailWorld:
    domains: list[str]
    hostname: str = "mx.sandbox.test"
    reject_unlisted: bool = False  # True: recipients unknown at start are refused at RCPT time
    users: dict[str, User] = field(default_factory=dict)
    root: Path | None = None
    smtp_port: int = 0
    imap_port: int = 0
    lmtp_port: int = 0
    host: str = HOST
    tls: bool = False  # STARTTLS on smtp/imap, implicit TLS on smtps_port/imaps_port (self-signed, see ca_file)
    smtps_port: int = 0
    imaps_port: int = 0

    @property
    def ca_file(self) -> str:
        """The self-signed certificate the TLS world serves; give it to clients as their CA."""
        assert self.root is not None and self.tls
        return str(self.root / "tls" / "cert.pem")

    # ------------------------------------------------------------------ users

    def add_user(self, address: str, password: str, quota_bytes: int | None = None) -> User:
        """Create (or replace) a mailbox.  Best before ``start``: a running Dovecot re-reads its
        passwd-file on change, but checks at most once a second, so allow a second before using it."""
        address = address.lower()
        domain = address.rsplit("@", 1)[1]
        if domain not in self.domains:
            raise MailWorldError(f"{address}: domain {domain} is not one of this mail world's domains")
        user = User(address, password, quota_bytes)
        self.users[address] = user
        if self.root is not None:
            self._write_users()
        return user

    def maildir(self, address: str) -> Path:
        local, domain = address.lower().rsplit("@", 1)
        assert self.root is not None
        return self.root / "mail" / domain / local

    def _write_users(self) -> None:
        assert self.root is not None
        lines = []
        for u in self.users.values():
            extra = f"userdb_quota_rule=*:storage={u.quota_bytes}B" if u.quota_bytes else ""
            lines.append(f"{u.address}:{{PLAIN}}{u.password}:{MAIL_UID}:{MAIL_UID}::{self.maildir(u.address)}::{extra}")
        path = self.root / "users"
        tmp = self.root / "users.tmp"
        tmp.write_text("\n".join(lines) + "\n")
        os.chmod(tmp, 0o640)
        os.chown(tmp, 0, grp.getgrnam("dovecot").gr_gid)
        os.replace(tmp, path)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "MailWorld":
        if os.geteuid() != 0:
            raise MailWorldError("the mail world needs root (Postfix's master must start as root)")
        for tool in (POSTFIX_MASTER, DOVECOT):
            if not os.path.exists(tool):
                raise MailWorldError(f"{tool} is missing: install postfix dovecot-imapd dovecot-lmtpd (see docs/mailprobe.md)")
        self.root = Path(tempfile.mkdtemp(prefix="mw.", dir="/tmp"))
        os.chmod(self.root, 0o755)
        self.smtp_port = self.smtp_port or free_port()
        self.imap_port = self.imap_port or free_port()
        self.lmtp_port = self.lmtp_port or free_port()
        name = "mw-" + self.root.name.split(".", 1)[1]
        pf_uid = pwd.getpwnam("postfix").pw_uid
        pf_gid = grp.getgrnam("postfix").gr_gid
        postdrop = grp.getgrnam("postdrop").gr_gid
        r = self.root
        for sub in ("pf", "q", "log", "dv", "dvstate", "mail"):
            (r / sub).mkdir()
            os.chmod(r / sub, 0o755)
        (r / "pd").mkdir(mode=0o700)
        os.chown(r / "pd", pf_uid, pf_gid)
        os.chmod(r / "log", 0o777)
        os.chown(r / "mail", MAIL_UID, MAIL_UID)
        for sub, (pf_owned, drop, mode) in _QUEUE_DIRS.items():
            p = r / "q" / sub
            p.mkdir()
            os.chown(p, pf_uid if pf_owned else 0, postdrop if drop else (pf_gid if pf_owned else 0))
            os.chmod(p, mode)
        tls_services = tls_main = ""
        dovecot_ssl = "ssl = no"
        if self.tls:
            self.smtps_port = self.smtps_port or free_port()
            self.imaps_port = self.imaps_port or free_port()
            cert, key = _self_signed(r / "tls", self.hostname, self.host)
            tls_services = (f"{self.host}:{self.smtps_port} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n"
                            "tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n")
            tls_main = (f"smtpd_tls_cert_file = {cert}\nsmtpd_tls_key_file = {key}\nsmtpd_tls_security_level = may\n"
                        "smtpd_tls_auth_only = yes\n")
            dovecot_ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
        values = dict(
            tls_services=tls_services, tls_main=tls_main, dovecot_ssl=dovecot_ssl, imaps_port=self.imaps_port or 0,
            root=r, name=name, hostname=self.hostname, host=self.host, smtp_port=self.smtp_port,
            imap_port=self.imap_port, lmtp_port=self.lmtp_port, domains=" ".join(self.domains),
            reject_unlisted="yes" if self.reject_unlisted else "no", uid=MAIL_UID, gid=MAIL_UID,
            vmaps=f"texthash:{r}/pf/vmailbox" if self.reject_unlisted else "",
        )
        # The users Postfix knows at RCPT time (only consulted with reject_unlisted; read at start).
        (r / "pf" / "vmailbox").write_text("".join(f"{a} OK\n" for a in self.users))
        _old(r / "pf" / "vmailbox")
        for fname, text in (("main.cf", _MAIN_CF), ("master.cf", _MASTER_CF)):
            (r / "pf" / fname).write_text(text.format(**values))
            _old(r / "pf" / fname)
        (r / "dovecot.conf").write_text(_DOVECOT_CONF.format(**values))
        self._write_users()
        try:
            self._start_dovecot()
            self._start_postfix()
            self._wait_port(self.smtp_port, "postfix", r / "log" / "postfix.log")
            self._wait_port(self.imap_port, "dovecot", r / "log" / "dovecot.log")
            self._wait_port(self.lmtp_port, "dovecot lmtp", r / "log" / "dovecot.log")
            if self.tls:
                self._wait_port(self.smtps_port, "postfix smtps", r / "log" / "postfix.log")
                self._wait_port(self.imaps_port, "dovecot imaps", r / "log" / "dovecot.log")
        except BaseException:
            self.stop()
            raise
        logger.info("mail world up in %s: smtp %d imap %d", r, self.smtp_port, self.imap_port)
        return self

    def _start_dovecot(self) -> None:
        assert self.root is not None
        with open(self.root / "log" / "dovecot.start.log", "ab") as log:
            rc = subprocess.run(
                [DOVECOT, "-c", str(self.root / "dovecot.conf")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30,
            ).returncode
        if rc != 0:
            raise MailWorldError(f"dovecot exited with {rc}; see {self.root}/log/dovecot.start.log and dovecot.log")

    def _start_postfix(self) -> None:
        assert self.root is not None
        with open(self.root / "log" / "postfix.start.log", "ab") as log:
            rc = subprocess.run(
                [POSTFIX_MASTER, "-c", str(self.root / "pf"), "-w"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30,
            ).returncode
        if rc != 0:
            raise MailWorldError(f"postfix master exited with {rc}; see {self.root}/log/postfix.log")

    def _wait_port(self, port: int, what: str, log: Path, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        raise MailWorldError(f"{what} did not listen on {self.host}:{port} within {timeout:.0f} s; see {log}")

    def _pids(self) -> list[int]:
        if self.root is None:
            return []
        pids = []
        for pidfile in (self.root / "q" / "pid" / "master.pid", self.root / "dv" / "master.pid"):
            try:
                pids.append(int(pidfile.read_text().split()[0]))
            except (OSError, ValueError, IndexError):
                pass
        return pids

    def stop(self, keep: bool = False) -> None:
        """TERM both masters and their children by pid; remove the temp dir unless ``keep``."""
        masters = [p for p in self._pids() if _pid_alive(p)]
        family = set(masters)
        for pid in masters:
            family.update(_children(pid))
        for pid in masters:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_pid_alive(p) for p in family):
            time.sleep(0.05)
        for pid in family:
            if _pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.root is not None and not keep:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> "MailWorld":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ delivery switch

    def hold_delivery(self, hold: bool = True) -> None:
        """Accept mail but keep it queued (``defer_transports = lmtp``), or deliver again and flush.

        Lets a benchmark measure the SMTP submission path alone, without the background
        delivery load of earlier messages competing for the same cores.
        """
        assert self.root is not None
        main_cf = self.root / "pf" / "main.cf"
        lines = [ln for ln in main_cf.read_text().splitlines() if not ln.startswith("defer_transports")]
        if hold:
            lines.append("defer_transports = lmtp")
        main_cf.write_text("\n".join(lines) + "\n")
        _old(main_cf)
        pid = int((self.root / "q" / "pid" / "master.pid").read_text().split()[0])
        os.kill(pid, signal.SIGHUP)  # master re-reads main.cf and restarts its children
        time.sleep(0.3)
        if not hold:
            subprocess.run(["/usr/sbin/postqueue", "-c", str(self.root / "pf"), "-f"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False)

    # ------------------------------------------------------------------ helpers for tests

    def queue_empty(self) -> bool:
        """True when Postfix holds no message (incoming, active or deferred)."""
        assert self.root is not None
        for sub in ("incoming", "active", "deferred", "maildrop"):
            for _dirpath, _dirs, files in os.walk(self.root / "q" / sub):
                if files:
                    return False
        return True

    def log_text(self) -> str:
        assert self.root is not None
        out = []
        for name in ("postfix.log", "dovecot.log"):
            p = self.root / "log" / name
            if p.exists():
                out.append(p.read_text(errors="replace"))
        return "\n".join(out)
