"""A stand-in internet on 127.0.0.1: the 59 portals of the 2007 Xianyang evaluation.

`sandbox.profiles.build_profiles()` makes the site profiles, `sandbox.render` turns a profile and a path
into a response, `sandbox.server.Sandbox` serves them by Host header over HTTP and HTTPS, and
`sandbox.truth.expected()` says what a static crawl must find. Nothing in govcrawl imports this package.
"""

from __future__ import annotations
