"""Remove secrets from any text before it is shown, stored in a DataFrame or written to a report.

What is redacted is a table of data, :data:`SHAPES`: each :class:`SecretShape` has a name,
how it is found, and the sample lines (positive: must lose their secret; negative: must come
out unchanged) that the tests check.  A shape is found in every encoding it takes in real
logs: plain, URL-encoded once or twice (``%3D``, ``%253D``), JSON-escaped (``\\u0026``,
``\\"``), XML/HTML-escaped (``&amp;``, ``&quot;``) and as a Python repr (``'…'``).

Matching is linear in the length of the text: every pattern starts at a literal anchor and
uses possessive quantifiers (nothing to backtrack into), and the extent of a quoted or
bracketed value is found by a forward scan, not by a lazy regex.

>>> redact("GET https://a.blob.core.windows.net/c/x.status?sv=2018-03-28&sr=b&sig=abc%2Bd&se=1 -- IOError")
'GET https://a.blob.core.windows.net/c/x.status?<redacted> -- IOError'
>>> redact('{"protectedSettings": "MIIB9wYJKoZI", "publicSettings": {}}')
'{"protectedSettings": "<redacted>", "publicSettings": {}}'
>>> redact("<UserPassword>hunter2</UserPassword>")
'<UserPassword><redacted></UserPassword>'
>>> redact("curl -H 'Authorization: Bearer eyJ0eXAiOiJKV1Qi' https://u:pw1@proxy:3128")
"curl -H 'Authorization: Bearer <redacted>' https://u:<redacted>@proxy:3128"
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

REDACTED = "<redacted>"

# -- separators in every encoding: plain, %XX (any number of %25 layers), \u00XX (any escaping) --
_ESC = r"(?:\\++u00|%(?:25)*+)"
EQ = rf"(?:=|{_ESC}3[dD])"
AMP = rf"(?:&(?:amp;)?|{_ESC}26)"
QM = rf"(?:\?|{_ESC}3[fF])"
QUOTE = rf"(?:\\*+\"|\\*+'|&quot;|&#34;|&#39;|&#x2[27];|&apos;|{_ESC}2[27])"
COLON = rf"(?:\s*+(?::|{_ESC}3[aA])\s*+)"

#: SAS query fields: a query string holding any of them goes whole.
_SAS_FIELDS = r"(?:sv|sig|se|sp|skoid|sktid|srt|ss|spr|sr|st|ske|sks|skv)"
_SAS_QUERY = re.compile(rf"(?P<key>{QM})(?P<value>(?:[^\s\"'<>\])\\]|\\++(?![\"'\\]))++)")
_SAS_FIELD_IN = re.compile(rf"(?:^|{AMP}|[;,]){_SAS_FIELDS}{EQ}", re.IGNORECASE)

#: A value outside quotes: up to a delimiter, an encoded ``&``/``;``/quote, or a backslash escape.
_BARE = r"(?:[^\s,;&\"'<>(){}\[\]\\%]|%(?!(?:25)*+(?:26|3[bB]|22|27|2[cC]|20))|\\(?![\\\"'u]))++"
_BARE_VALUE = re.compile(_BARE)

#: Key names whose value is a secret, in JSON, XML-escaped JSON, repr, key=value or key: value.
_SECRET_NAMES = (r"protectedsettings|pass(?:word|wd|phrase)|pwd|secret"
                 r"|accountkey|sharedaccesskey|customdata|privatekey|private_key|connectionstring|sasuri"
                 r"|token|api[_-]?key"
                 r"|x-ms-encryption-key|credentials?")
_KEY_VALUE = re.compile(
    rf"(?i)(?:{_SECRET_NAMES}){QUOTE}?+(?:{COLON}|\s*+{EQ}\s*+)",
)


@dataclass(frozen=True)
class SecretShape:
    """One way a secret appears in a log, with samples that prove the shape is found (or not)."""

    name: str
    find: Callable[[str], str]
    positives: tuple[str, ...]
    negatives: tuple[str, ...] = ()
    #: Lower-case literals one of which every match of the shape contains (in the lowered text):
    #: a text with none of them is passed over without running ``find``.  Empty: always run.
    anchors: tuple[str, ...] = ()
    #: ``find`` matches case-insensitively: the anchors then hold only for ASCII text (re's
    #: IGNORECASE also matches ``ſ`` to ``s`` and the Kelvin sign to ``k``, which lower() does not).
    ignorecase: bool = False


def _sub(pattern: str, flags: int = 0) -> Callable[[str], str]:
    """Replace group ``value`` of every match of ``pattern``, keeping the rest."""
    compiled = re.compile(pattern, flags)

    def find(text: str) -> str:
        return compiled.sub(lambda m: f"{text[m.start():m.start('value')]}{REDACTED}"
                                      f"{text[m.end('value'):m.end()]}", text)
    return find


def _sas_query(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        return m.group("key") + REDACTED if _SAS_FIELD_IN.search(m.group("value")) else m.group(0)
    return _SAS_QUERY.sub(one, text)


def _key_values(text: str) -> str:
    """``key <sep> value`` for every secret key name: the value's extent is scanned, not guessed."""
    out: list[str] = []
    done = 0
    for m in _KEY_VALUE.finditer(text):
        if m.start() < done:
            continue
        start = m.end()
        end = _value_end(text, start)
        value = text[start:end] if end is not None else ""
        quote = _opening_quote(value)
        if not value or value == quote * 2 or REDACTED in value[:len(quote) + len(REDACTED)]:
            continue
        out.append(text[done:start])
        if quote and value.endswith(quote) and len(value) >= 2 * len(quote):
            out.append(quote + REDACTED + quote)
        else:
            out.append(REDACTED)
        done = end
    out.append(text[done:])
    return "".join(out)


_OPENING = re.compile(rf"{QUOTE}")


def _opening_quote(value: str) -> str:
    m = _OPENING.match(value)
    return m.group(0) if m else ""


def _value_end(text: str, start: int) -> int | None:
    """Where the value that starts at ``start`` ends (None: no value there)."""
    if start >= len(text):
        return None
    quote = _opening_quote(text[start:start + 16])
    if quote:
        return _closing(text, start + len(quote), quote)
    if text[start] in "{[":
        return _bracket_end(text, start)
    m = _BARE_VALUE.match(text, start)
    if not m:
        return None
    return m.end()


def _closing(text: str, pos: int, quote: str) -> int:
    """End of the quoted value whose body starts at ``pos`` (the line's end when it is not closed)."""
    while True:
        found = text.find(quote, pos)
        if found < 0:
            line_end = text.find("\n", pos)
            return len(text) if line_end < 0 else line_end
        if quote in ('"', "'"):
            slashes = len(text[max(pos, found - 8):found]) - len(text[max(pos, found - 8):found].rstrip("\\"))
            if slashes % 2:
                pos = found + 1
                continue
        return found + len(quote)


def _bracket_end(text: str, start: int) -> int:
    """End of the ``{…}`` / ``[…]`` value at ``start`` (brackets counted; the line's end if unbalanced)."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == "\n":
            return i
    return len(text)


_XML_NAMES = ("UserPassword", "Password", "AdminPassword", "CustomData", "UserData", "Data", "PrivateKey",
              "Pkcs12", "ProtectedSettings", "SharedKey")
_LT = r"(?:<|&lt;|\\*+u003[cC])"
_GT = r"(?:>|&gt;|\\*+u003[eE])"
_XML_OPEN = re.compile(rf"(?P<lt>{_LT})(?P<ns>[\w-]++:)?+(?P<tag>{'|'.join(_XML_NAMES)})"
                       rf"(?:\s(?:<\*>|[^<>&\\]|&(?!gt;|lt;)|\\(?!\\*+u003[eEcC]))*+)?+(?P<gt>{_GT})")


def _xml_elements(text: str) -> str:
    """``<UserPassword>…</UserPassword>`` and the like (any namespace prefix); unclosed ones are left."""
    out: list[str] = []
    done = 0
    unclosed: set[str] = set()
    for m in _XML_OPEN.finditer(text):
        if m.start() < done:
            continue
        close = f"{m.group('lt')}/{m.group('ns') or ''}{m.group('tag')}{m.group('gt')}"
        if close in unclosed:
            continue
        end = text.find(close, m.end())
        if end < 0:
            unclosed.add(close)   # no later opening tag of this name can find it either
            continue
        if end > m.end():
            out += [text[done:m.end()], REDACTED]
            done = end
    out.append(text[done:])
    return "".join(out)


_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]++-----(?:(?!-----END ).)*+(?:-----END [A-Z0-9 ]++-----)?+",
                  re.DOTALL)


def _pem(text: str) -> str:
    return _PEM.sub("<redacted certificate>", text)


_TOKEN = re.compile(r"[^\s\"'<>\\]++")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_MARKER = re.compile(r"(<redacted[^<>]*+>)")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_MAX_LAYERS = 4


def _percent_decoded(token: str) -> tuple[str, list[int]]:
    """``token`` with one layer of ``%XX`` decoded (each as the char of that byte) and, per decoded
    char, where it starts in ``token`` (one more entry: ``len(token)``)."""
    out: list[str] = []
    starts: list[int] = []
    pos = 0
    for m in _PERCENT.finditer(token):
        for i in range(pos, m.start()):
            out.append(token[i])
            starts.append(i)
        out.append(chr(int(m.group(1), 16)))
        starts.append(m.start())
        pos = m.end()
    for i in range(pos, len(token)):
        out.append(token[i])
        starts.append(i)
    starts.append(len(token))
    return "".join(out), starts


def _percent_encoded(text: str, layers: int) -> str:
    """``text`` encoded ``layers`` times as ``encodeURIComponent`` would, markers kept literal."""
    pieces = _MARKER.split(text)
    for _ in range(layers):
        pieces = [p if i % 2 else "".join(c if c in _UNRESERVED or ord(c) > 255 else f"%{ord(c):02X}"
                                          for c in p)
                  for i, p in enumerate(pieces)]
    return "".join(pieces)


def _url_encoded(text: str) -> str:
    """Any shape inside a percent-encoded token (once or more): ``password%3D…``, ``%3CCustomData%3E…``.

    The token is decoded layer by layer (keeping where each char came from), the other shapes run
    on the decoded text, and only the span between the first and the last change is written back,
    encoded again: the rest of the token keeps its exact bytes.
    """
    out: list[str] = []
    done = 0
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if "%" not in token:
            continue
        decoded, starts, layers = token, list(range(len(token) + 1)), 0
        while layers < _MAX_LAYERS and _PERCENT.search(decoded):
            decoded, inner = _percent_decoded(decoded)
            starts = [starts[i] for i in inner]
            layers += 1
        if not layers:
            continue
        redacted = _redact_shapes(decoded, SHAPES[:-1])
        if redacted == decoded:
            continue
        head = 0
        while head < min(len(decoded), len(redacted)) and decoded[head] == redacted[head]:
            head += 1
        tail = 0
        while (tail < min(len(decoded), len(redacted)) - head
               and decoded[-1 - tail] == redacted[-1 - tail]):
            tail += 1
        middle = redacted[head:len(redacted) - tail]
        while tail and middle.rfind("<redacted") > middle.rfind(">"):   # a marker's '>' kept as tail
            tail -= 1
            middle = redacted[head:len(redacted) - tail]
        marker = _MARKER.search(redacted, max(0, head - 12))
        if marker is not None and marker.start() < head:     # never cut into a marker's text
            head = marker.start()
        cut_from, cut_to = starts[head], starts[len(decoded) - tail]
        out += [text[done:m.start() + cut_from],
                _percent_encoded(redacted[head:len(redacted) - tail], layers)]
        done = m.start() + cut_to
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


_S = "hunter2Zz9"   # the secret in the samples below

#: Every secret shape, in the order they are applied (a later shape never sees an earlier one's value).
SHAPES: tuple[SecretShape, ...] = (
    SecretShape("pem_block", _pem, (f"-----BEGIN PRIVATE KEY-----\nMII{_S}\n-----END PRIVATE KEY-----",
                                    f"-----BEGIN CERTIFICATE-----MII{_S}"),
                ("-----BEGIN-----", "BEGIN CERTIFICATE"),
                anchors=("-----begin ",)),
    SecretShape("sas_query", _sas_query,
                (f"https://a.blob.core.windows.net/c/x?sv=2018-03-28&sr=b&sig={_S}&se=1",
                 f"https%3A%2F%2Fa%2Fx%3Fsv%3D2018-03-28%26sr%3Db%26sig%3D{_S}",
                 f"https%253A%252F%252Fa%252Fx%253Fsv%253D2018%2526sig%253D{_S}",
                 f"https://a/x?sv=2018-03-28\\u0026sr=b\\u0026sig={_S}",
                 f"https://a/x\\u003fsv\\u003d2018\\u0026sig\\u003d{_S}",
                 f"https://a/x?sv=2018-03-28&amp;sig={_S}&amp;se=1"),
                ("GET http://168.63.129.16/machine/?comp=goalstate -- IOError", "Why? Because.",
                 "https://a/x?restype=container&comp=list"),
                anchors=("?", "3f")),
    SecretShape("sas_signature", _sub(rf"(?i)(?<![A-Za-z0-9])(?:sig|signature){EQ}(?P<value>{_BARE})"),
                (f"sig={_S}", f"signature={_S}&se=2", f"SharedAccessSignature sr=x&sig%3D{_S}"),
                ("signatures were checked", "sig = ", "config=1"),
                anchors=("sig",), ignorecase=True),
    SecretShape("authorization_scheme",
                _sub(rf"(?i)(?<![A-Za-z0-9])(?:bearer\s++|sharedkey(?:lite)?+\s++[^\s:]++:|authorization{COLON}basic\s++)"
                     r"(?P<value>[A-Za-z0-9._~+/=-]{8,}+)"),
                (f"Authorization: Bearer eyJ{_S}.a.b", f"Authorization: SharedKey myaccount:{_S}=",
                 f"authorization: basic dXNlcjp{_S}=", f"bearer {_S}"),
                ("Basic information", "SharedKey", "the bearer of this"),
                anchors=("bearer", "sharedkey", "authorization"), ignorecase=True),
    SecretShape("url_userinfo", _sub(r"://[^\s:/@\"'<>]*+:(?P<value>[^\s@/\"'<>]++)@"),
                (f"http://proxyuser:{_S}@10.0.0.1:3128", f"HttpProxy=https://u:{_S}@proxy"),
                ("http://168.63.129.16:80/machine", "https://host:443/path@x"),
                anchors=("://",)),
    SecretShape("option_secret",
                _sub(r"(?i)(?<![\w-])--?+[\w-]{0,40}?(?:password|passwd|secret|token|api-?key)(?:=|\s++)"
                     r"(?P<value>\"[^\"\n]*+\"|'[^'\n]*+'|[^\s\"']++)"),
                (f"useradd --password {_S} bob", f"az login --client-secret={_S}", f"cmd -password '{_S} x'"),
                ("--no-password-login", "set-password"),
                anchors=("passw", "secret", "token", "api"), ignorecase=True),
    SecretShape("key_value", _key_values,
                (f'{{"protectedSettings": "{_S}"}}', f"&quot;protectedSettings&quot;: &quot;{_S}&quot;",
                 f'{{\\"protectedSettings\\":\\"{_S}\\"}}', f"{{'protectedSettings': '{_S}'}}",
                 f'"protectedSettings": {{"commandToExecute": "{_S}", "x": [1]}}',
                 f'password="{_S} with spaces"', f"password='{_S}'", f"OS.RootPassword={_S}",
                 f"AccountKey={_S};EndpointSuffix=x", f"AccountKey%3D{_S}%3BEndpointSuffix",
                 f"https://x/y?access_token={_S}&b=1", f'{{"privateKey": "{_S}"}}', f"token: {_S}",
                 f"refresh_token={_S}", f"x-ms-encryption-key: {_S}", f"SharedAccessKey={_S}",
                 f'"adminPassword":"{_S}"', f"client_secret={_S}", f'"customData": "{_S}"',
                 f'\\\\\\"password\\\\\\": \\\\\\"{_S}\\\\\\"'),
                ("protectedSettingsCertThumbprint: ABC", "passwordLength=12", "tokens: 3",
                 "No password given", '"password": ""', "Token acquired"),
                anchors=("protectedsettings", "pass", "pwd", "secret", "accountkey", "sharedaccesskey",
                         "customdata", "privatekey", "private_key", "connectionstring", "sasuri", "token",
                         "api", "x-ms-encryption-key", "credential"), ignorecase=True),
    SecretShape("xml_element", _xml_elements,
                (f"<UserPassword>{_S}</UserPassword>", f"<wa:CustomData>{_S}</wa:CustomData>",
                 f'<Data encoding="base64">{_S}</Data>', f"<Data encoding=<*>>{_S}</Data>",
                 f"\\u003cData encoding=\\<*>\\u003e{_S}\\u003c/Data\\u003e",
                 f"&lt;UserPassword&gt;{_S}&lt;/UserPassword&gt;",
                 f"\\u003cCustomData\\u003e{_S}\\u003c/CustomData\\u003e"),
                ("<Data/>", "<Database>x</Database>", "<UserPassword>"),
                anchors=("password", "data", "privatekey", "pkcs12", "protectedsettings", "sharedkey")),
    SecretShape("url_encoded", _url_encoded,
                (f"data=%7B%22protectedSettings%22%3A%22{_S}%22%7D", f"http%3A%2F%2Fu%3A{_S}%40proxy%3A3128",
                 f"a%253CUserPassword%253E{_S}%253C%252FUserPassword%253E",
                 f"Authorization%3A%20Bearer%20{_S}", f"--password%20{_S}%20bob"),
                ("https%3A%2F%2Fa%2Fx%3Frestype%3Dcontainer%26comp%3Dlist", "100%25 done",
                 "name%3Dpassword%20reset", "%E2%82%AC%20token%20count"),
                anchors=("%",)),
)

# Cheap pre-check on the lowered text: most lines hold none of these and skip every shape.
_TRIGGERS = ("?", "%3f", "u003f", "sig", "rotected", "pass", "pwd", "ecret", "custom", "key", "oken",
             "-----begin", "data", "u003c", "&lt;", "onnection", "sasuri", "pkcs12", "://", "bearer", "basic",
             "credential", "%3a%2f%2f", "%253a%252f%252f")


def redact(text: str) -> str:
    """Return ``text`` with every known secret shape replaced by ``<redacted>``."""
    return _redact_shapes(text, SHAPES)


def _redact_shapes(text: str, shapes: tuple[SecretShape, ...]) -> str:
    if not text:
        return text
    lowered = text.lower()
    if not any(map(lowered.__contains__, _TRIGGERS)):
        return text
    ascii_text = text.isascii()
    for shape in shapes:
        if shape.anchors and (ascii_text or not shape.ignorecase) and \
                not any(map(lowered.__contains__, shape.anchors)):
            continue     # no match of this shape can be in the text: skip its scan
        before = text
        text = shape.find(text)
        if text is not before and text != before:
            lowered = text.lower()
            ascii_text = text.isascii()
    return text


def redact_obj(obj: object) -> object:
    """Redact every string inside nested dicts/lists; keys named like secrets lose their value."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(k, str) and _is_secret_key(k) and v not in (None, "", {}, []):
                out[k] = REDACTED
            else:
                out[k] = redact_obj(v)
        return out
    if isinstance(obj, list | tuple):
        return [redact_obj(v) for v in obj]
    return obj


_SECRET_KEY = re.compile(r"(?i)(protectedsettings$|password|passwd|secret|accountkey|sharedaccesskey|"
                         r"customdata|sasuri|connectionstring|^sig$|privatekey|private_key|token$|encryption-key$|"
                         r"credentials?$|apikey$|api_key$)")


_SECRET_KEYS_SEEN: dict[str, bool] = {}


def _is_secret_key(key: str) -> bool:
    hit = _SECRET_KEYS_SEEN.get(key)
    if hit is None:
        hit = bool(_SECRET_KEY.search(key))
        if len(_SECRET_KEYS_SEEN) < 4096:     # field names are few; a hostile document's are not kept
            _SECRET_KEYS_SEEN[key] = hit
    return hit


#: ``waagent.conf`` keys whose value is a secret (``OS.RootPassword``, ``*.ApiKey``, ``*Token``…).
_SECRET_SETTING = re.compile(r"(?i)password|secret|token|key$")
#: ``user[:password]@`` at the start of a proxy URL.
_USERINFO = re.compile(r"^(?P<scheme>[a-z]+://)?[^@/\s]+@")


def redact_setting(key: str, value: str | None) -> str | None:
    """A ``waagent.conf`` value as it may be shown: a secret key's value goes whole, a proxy's
    user and password go, and the rest is :func:`redact`-ed.

    >>> redact_setting("OS.RootPassword", "hunter2"), redact_setting("HttpProxy.Host", "http://u:p@proxy")
    ('<redacted>', 'http://<redacted>@proxy')
    >>> redact_setting("Logs.Verbose", "y"), redact_setting("OS.RootPassword", None)
    ('y', None)
    """
    if not value:
        return value
    if _SECRET_SETTING.search(key):
        return REDACTED
    if key.startswith("HttpProxy"):
        value = _USERINFO.sub(lambda m: f"{m.group('scheme') or ''}{REDACTED}@", value)
    return redact(value)


def redact_many(texts: list[str]) -> list[str]:
    """``[redact(t) for t in texts]``, with the cheap pre-checks run over all texts at once.

    A table column is mostly text without any trigger: with pyarrow installed, one RE2 pass
    over an Arrow array of the lowered texts tells which hold a trigger (the same test
    :func:`_redact_shapes` makes, literal by literal), and one pass per shape over those which
    hold its anchors; only then is a shape run on a text.  Without pyarrow, or for text that is
    not all ASCII, each text is checked and redacted alone.

    >>> redact_many(["plain", "password=hunter2 x", ""])
    ['plain', 'password=<redacted> x', '']
    """
    out = list(texts)
    for first in range(0, len(texts), _SLICE):    # slices: the lowered copies stay small
        piece = out[first:first + _SLICE]
        checked = _prechecks(piece)
        if checked is None:
            out[first:first + _SLICE] = [redact(t) for t in piece]
            continue
        for i, hits in checked.items():
            text = piece[i]
            out[first + i] = _redact_shapes(text, SHAPES) if hits is None else _redact_hits(text, hits)
    return out


#: Texts pre-checked at a time by :func:`redact_many` (its lowered copies of them are held meanwhile).
_SLICE = 1 << 16


def _redact_hits(text: str, hits: tuple[bool, ...]) -> str:
    """:func:`_redact_shapes` of an ASCII ``text`` with a trigger, whose anchor tests per shape
    were already made (``hits``); once a shape changed the text, the later ones test it again."""
    changed = False
    for shape, hit in zip(SHAPES, hits, strict=True):
        if changed:
            lowered = text.lower()
            if shape.anchors and (text.isascii() or not shape.ignorecase) and \
                    not any(map(lowered.__contains__, shape.anchors)):
                continue
        elif not hit:
            continue
        before = text
        text = shape.find(text)
        changed = changed or text != before
    return text


def _literal_pattern(literals: tuple[str, ...]) -> str:
    """One RE2 alternation of plain literals (every non-alphanumeric char escaped)."""
    return "|".join("".join(c if c.isalnum() else "\\" + c for c in t) for t in literals)


def _prechecks(texts: list[str]) -> dict[int, tuple[bool, ...] | None] | None:
    """The texts that hold a trigger of :data:`_TRIGGERS` once lowered, each with whether it
    holds each shape's anchors (None for a text not all ASCII: it is checked alone).  None: not
    measured here (few texts, or no pyarrow)."""
    if len(texts) < 256:
        return None
    try:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    lowered = list(map(str.lower, texts))
    joined = "".join(lowered)
    others: list[int] = []
    if not joined.isascii():
        others = [i for i, text in enumerate(lowered) if not text.isascii()]
        for i in others:
            lowered[i] = ""
        joined = "".join(lowered)
    ends = np.zeros(len(lowered) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered)), out=ends[1:])
    column = pa.LargeStringArray.from_buffers(len(lowered), pa.py_buffer(ends),
                                              pa.py_buffer(joined.encode("utf-8")))
    hit = pc.match_substring_regex(column, _literal_pattern(_TRIGGERS)).to_numpy(zero_copy_only=False)
    where = np.flatnonzero(hit)
    subset = column.take(pa.array(where))
    per_shape = [pc.match_substring_regex(subset, _literal_pattern(shape.anchors)).to_numpy(
        zero_copy_only=False).tolist() if shape.anchors else [True] * len(where) for shape in SHAPES]
    checked: dict[int, tuple[bool, ...] | None] = dict(zip(where.tolist(), zip(*per_shape, strict=True),
                                                           strict=True))
    for i in others:
        checked[i] = None
    return checked


def redact_obj_many(objs: list[object]) -> list[object]:
    """``[redact_obj(o) for o in objs]``, the strings inside all of them redacted by one
    :func:`redact_many` call.

    >>> redact_obj_many([None, {"password": "x", "m": "token=abc d", "n": [1, "ok"]}])
    [None, {'password': '<redacted>', 'm': 'token=<redacted> d', 'n': [1, 'ok']}]
    """
    strings: list[str] = []
    for obj in objs:
        if obj is not None:
            _collect(obj, strings)
    done = iter(redact_many(strings))
    return [None if obj is None else _rebuild(obj, done) for obj in objs]


def _hidden(key: object, value: object) -> bool:
    """Whether :func:`redact_obj` replaces ``value`` whole, as the value of a secret-named key."""
    return isinstance(key, str) and _is_secret_key(key) and value not in (None, "", {}, [])


_FLAT = (int, float, bool, type(None))
#: Key tuples of dicts seen: whether any key names a secret (few distinct field layouts exist).
_LAYOUTS: dict[tuple[object, ...], bool] = {}


def _plain_layout(obj: dict) -> bool:
    """Whether no key of ``obj`` names a secret (cached by its key tuple)."""
    keys = tuple(obj)
    plain = _LAYOUTS.get(keys)
    if plain is None:
        plain = not any(isinstance(k, str) and _is_secret_key(k) for k in keys)
        if len(_LAYOUTS) < 4096:
            _LAYOUTS[keys] = plain
    return plain


def _collect(obj: object, strings: list[str]) -> None:
    """The strings :func:`redact_obj` would redact in ``obj``, in the order it meets them."""
    if isinstance(obj, str):
        strings.append(obj)
    elif isinstance(obj, dict):
        plain = _plain_layout(obj)
        for k, v in obj.items():
            if type(v) is str:
                if plain or not _hidden(k, v):
                    strings.append(v)
            elif isinstance(v, _FLAT):
                continue
            elif plain or not _hidden(k, v):
                _collect(v, strings)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _collect(v, strings)


def _rebuild(obj: object, done: Iterator[str]) -> object:
    """:func:`redact_obj` of ``obj``, its strings taken from ``done`` (as :func:`_collect` listed them)."""
    if isinstance(obj, str):
        return next(done)
    if isinstance(obj, dict):
        plain = _plain_layout(obj)
        out = {}
        for k, v in obj.items():
            if not plain and _hidden(k, v):
                out[k] = REDACTED
            elif type(v) is str:
                out[k] = next(done)
            elif isinstance(v, _FLAT):
                out[k] = v
            else:
                out[k] = _rebuild(v, done)
        return out
    if isinstance(obj, list | tuple):
        return [_rebuild(v, done) for v in obj]
    return obj
