"""``Authentication-Results`` (RFC 8601): parse the header and decide whether to trust a message.

Pure: header values in, a verdict out.

**The trust rule.** Anyone can write an ``Authentication-Results`` header into a message, so
mailbot believes only headers that its *own* mail server added on the last hop, and a server adds
its headers at the *top* of the header block, above the ``Received`` header of the hop it checked.
mailbot therefore reads the headers top down, *only until the first* ``Received`` *header*, and
takes the ``Authentication-Results`` headers there whose authserv-id is in ``[senders]
trusted_authserv_ids`` (several, when e.g. OpenDKIM and OpenDMARC each add one). A ``Received``
header marks an earlier hop: whatever lies below it was already in the message when it reached
our server, so it may be forged, and a message with no trusted header above the first
``Received`` is not authenticated (our server did not vouch for it; a trusted-looking header
further down is the sender's own work).

Within that topmost block the message passes when

* ``dkim=pass`` for a signing domain (``header.d``, else ``header.i``) aligned with the ``From``
  domain, **or** ``spf=pass`` for an aligned ``smtp.mailfrom`` domain. Aligned is DMARC's relaxed
  alignment (RFC 7489 3.1): both have the same organizational domain, the registrable domain
  found with the Public Suffix List (``napoli.example.org`` and ``example.org`` are aligned;
  ``org``, a public suffix, is aligned with nothing). A pass that names no domain is not aligned;
* no ``spf=`` result in the block says anything but ``pass`` when an SPF pass is what is relied
  on (one hop has one SPF check: two different answers mean tampering);
* every ``dmarc=`` result in the block, where present, is ``pass``.

The rule assumes what RFC 8601 section 5 asks of the receiving server, and the operator must make
sure of it: the server adds its ``Authentication-Results`` header to *every* message, and removes
on arrival any such header that claims its own authserv-id (OpenDKIM, OpenDMARC, rspamd and Exim
can do both). Otherwise a message the server did not check at all could show a forged header as
the topmost one, or a forged header could sit right below the real one with no ``Received``
header between them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

# The Public Suffix List as packaged by ``publicsuffixlist``: the list ships inside the wheel (its
# version carries the list's date, and new releases follow the list), it is read from there and
# never fetched at run time. publicsuffix2 bundles a list last updated in 2019; tldextract fetches
# the list over the network unless told not to; Python has no list of its own.
from publicsuffixlist import PublicSuffixList

HEADER = "authentication-results"


@dataclass(frozen=True)
class Result:
    """One ``method=result`` clause with its properties (``header.d``, ``smtp.mailfrom``, ...)."""

    method: str
    result: str
    reason: str | None = None
    props: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthResults:
    """One parsed ``Authentication-Results`` header."""

    authserv_id: str
    results: tuple[Result, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Whether a message is authenticated, and why (one sentence, no message content)."""

    ok: bool
    reason: str


def _strip_comments(value: str) -> str:
    """Remove RFC 5322 comments ``( ... )`` (nested, with quoted-pairs), outside quoted strings."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\" and (quoted or depth):
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            out.append(ch)
            if ch == '"':
                quoted = False
            continue
        if ch == "(":
            depth += 1
            out.append(" ")
            continue
        if ch == ")" and depth:
            depth -= 1
            continue
        if depth:
            continue
        if ch == '"':
            quoted = True
        out.append(ch)
    return "".join(out)


def _split(value: str, sep: str) -> list[str]:
    """Split on ``sep`` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            current.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _tokens(clause: str) -> list[str]:
    """``dkim = pass header.d=x`` → ``["dkim=pass", "header.d=x"]``."""
    text = " ".join(clause.split())
    text = text.replace(" =", "=").replace("= ", "=")
    return [t for t in _split(text, " ") if t]


def parse(value: str) -> AuthResults | None:
    """Parse one header value; None when it is not an ``Authentication-Results`` value at all."""
    text = _strip_comments(value.replace("\r", " ").replace("\n", " "))
    pieces = _split(text, ";")
    head = pieces[0].split()
    if not head:
        return None
    authserv_id = _unquote(head[0]).strip().lower().rstrip(".")
    if not authserv_id or "=" in authserv_id:
        return None
    results: list[Result] = []
    for clause in pieces[1:]:
        tokens = _tokens(clause)
        if not tokens or "=" not in tokens[0]:
            continue  # "none" or junk
        method, _, result = tokens[0].partition("=")
        method = method.split("/", 1)[0].strip().lower()
        result = _unquote(result).strip().lower()
        if not method or not result:
            continue
        reason: str | None = None
        props: dict[str, str] = {}
        for token in tokens[1:]:
            name, eq, val = token.partition("=")
            if not eq:
                continue
            name = name.lower()
            if name == "reason":
                reason = _unquote(val)
            elif "." in name:
                props.setdefault(name, _unquote(val))
        results.append(Result(method, result, reason, props))
    return AuthResults(authserv_id, tuple(results))


def trusted_block(headers: Iterable[tuple[str, str]], trusted: Sequence[str]) -> list[AuthResults]:
    """The ``Authentication-Results`` headers of a trusted server above the first ``Received`` one.

    Empty when there is none there (see the module doc): the message is then not authenticated.
    """
    ids = {t.strip().lower().rstrip(".") for t in trusted}
    block: list[AuthResults] = []
    for name, value in headers:
        lname = name.strip().lower()
        if lname == "received":
            break
        if lname != HEADER:
            continue
        parsed = parse(value)
        if parsed is None or parsed.authserv_id not in ids:
            continue
        block.append(parsed)
    return block


def _domain(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().strip("<>").lower().rstrip(".")
    domain = value.rpartition("@")[2]
    return domain or None


@cache
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # about 0.15 s to read the packaged list: once per process


def organizational_domain(domain: str) -> str | None:
    """The registrable domain of ``domain`` (``napoli.example.org`` → ``example.org``).

    None for a public suffix itself (``org``, ``co.uk``) or something that is not a domain name.
    """
    domain = domain.strip().lower().rstrip(".")
    if not domain or ".." in domain or domain.startswith("."):
        return None
    found: str | None = _public_suffixes().privatesuffix(domain)
    return found


def _aligned(signer: str | None, from_domain: str | None) -> bool:
    """DMARC relaxed alignment: the same organizational domain; an unknown side is not aligned."""
    if not signer or not from_domain:
        return False
    org = organizational_domain(signer)
    return org is not None and org == organizational_domain(from_domain)


def evaluate(
    headers: Iterable[tuple[str, str]], trusted: Sequence[str], from_address: str | None = None
) -> Verdict:
    """Decide whether the message passed DKIM or SPF (and DMARC where checked) at a trusted server."""
    names = ", ".join(trusted) or "(none configured)"
    block = trusted_block(headers, trusted)
    fail = f"no passing DKIM/SPF result from a trusted server ({names})"
    if not block:
        return Verdict(False, f"{fail}: no Authentication-Results header from it")
    results = [r for h in block for r in h.results]
    from_domain = _domain(from_address)
    dmarc = [r.result for r in results if r.method == "dmarc"]
    if any(r != "pass" for r in dmarc):
        return Verdict(False, f"{fail}: dmarc={next(r for r in dmarc if r != 'pass')[:20]}")
    dkim_ok = any(
        r.method == "dkim"
        and r.result == "pass"
        and _aligned(_domain(r.props.get("header.d") or r.props.get("header.i")), from_domain)
        for r in results
    )
    spf = [r for r in results if r.method == "spf"]
    spf_ok = (
        bool(spf)
        and all(r.result == "pass" for r in spf)
        and all(_aligned(_domain(r.props.get("smtp.mailfrom")), from_domain) for r in spf)
    )
    if dkim_ok or spf_ok:
        how = " and ".join(m for m, ok in (("dkim", dkim_ok), ("spf", spf_ok)) if ok)
        return Verdict(True, f"authenticated by {block[0].authserv_id} ({how}=pass)")
    seen = ", ".join(f"{r.method}={r.result[:20]}" for r in results if r.method in ("dkim", "spf")) or "none"
    return Verdict(False, f"{fail}: {seen}")
