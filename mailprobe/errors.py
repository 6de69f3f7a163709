"""Exceptions of mailprobe: one base class, narrow subclasses; messages say what and where."""
from __future__ import annotations


class MailprobeError(Exception):
    """Base of every mailprobe error."""


class ConfigError(MailprobeError):
    """The configuration is missing a value or contradicts itself; the message names the setting."""


class SafetyError(MailprobeError):
    """A recipient outside the campaign's allowed domains: refused before any SMTP traffic."""


class SendError(MailprobeError):
    """The SMTP server could not be reached or refused the session (login, TLS)."""


class CollectError(MailprobeError):
    """The IMAP server could not be reached, refused the login or the folder."""
