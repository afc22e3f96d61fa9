"""Remove secrets from any text before it is shown, stored in a DataFrame or written to a report.

What is redacted (every output, by default): SAS signatures and SAS query strings,
``protectedSettings`` values (JSON and XML-escaped JSON), passwords and secrets in
JSON/XML/key=value form, ``CustomData``, and certificate / private-key material.

>>> redact("GET https://a.blob.core.windows.net/c/x.status?sv=2018-03-28&sr=b&sig=abc%2Bd&se=1 -- IOError")
'GET https://a.blob.core.windows.net/c/x.status?<redacted> -- IOError'
>>> redact('{"protectedSettings": "MIIB9wYJKoZI", "publicSettings": {}}')
'{"protectedSettings": "<redacted>", "publicSettings": {}}'
>>> redact("<UserPassword>hunter2</UserPassword>")
'<UserPassword><redacted></UserPassword>'
"""
from __future__ import annotations

import re

REDACTED = "<redacted>"

# Any URL query string that carries a SAS field (sig=, sv=, se=, sp=, skoid=…) goes whole.
_SAS_QUERY = re.compile(
    r"\?(?=[^\s\"'<>]*?\b(?:sig|sv|se|sp|skoid|sktid|srt|ss)=)[^\s\"'<>\]\)]*", re.IGNORECASE)
# A bare signature outside a query string (e.g. logged parameters).
_SAS_SIG = re.compile(r"\b(sig|signature)=[^&\s\"'<>]+", re.IGNORECASE)
# "protectedSettings": "…" in JSON, also XML-escaped (&quot;) inside ExtensionsConfig.
_JSON_SECRET = re.compile(
    r"(?P<key>(?:\"|&quot;)(?:protectedSettings|[A-Za-z_]*(?:[Pp]assword|[Ss]ecret|[Tt]oken|"
    r"[Aa]ccount[Kk]ey|[Cc]ustom[Dd]ata|[Ss]as[Uu]ri|[Cc]onnection[Ss]tring))(?:\"|&quot;)\s*:\s*)"
    r"(?P<q>\"|&quot;)(?P<val>.*?)(?P=q)")
# <UserPassword>…</UserPassword>, <CustomData>…</CustomData>, certificate <Data>…</Data>.
_XML_SECRET = re.compile(
    r"(<(?:[\w-]+:)?(?:UserPassword|Password|CustomData|UserData|Data|PrivateKey|Pkcs12)\b[^>]*>)"
    r"(.*?)(</(?:[\w-]+:)?(?:UserPassword|Password|CustomData|UserData|Data|PrivateKey|Pkcs12)>)",
    re.DOTALL)
# key=value secrets in config files and command lines.
_KV_SECRET = re.compile(
    r"(?i)\b((?:[\w.]*password|[\w.]*secret|accountkey|sharedaccesskey|customdata)\s*[=:]\s*)"
    r"(?!<redacted>)[^\s,;&\"']+")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", re.DOTALL)

# Cheap pre-check: most lines hold none of these and skip the regexes.
_TRIGGERS = ("?", "sig", "Sig", "SIG", "rotected", "assword", "ASSWORD", "ecret", "ustom", "ustomData",
             "ccountKey", "ccountkey", "oken", "-----BEGIN", "<Data", ":Data", "onnection", "asUri",
             "PrivateKey", "Pkcs12", "UserData")


def redact(text: str) -> str:
    """Return ``text`` with every known secret shape replaced by ``<redacted>``."""
    if not text or not any(t in text for t in _TRIGGERS):
        return text
    text = _PEM.sub("<redacted certificate>", text)
    text = _SAS_QUERY.sub("?" + REDACTED, text)
    text = _SAS_SIG.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _JSON_SECRET.sub(lambda m: f"{m.group('key')}{m.group('q')}{REDACTED}{m.group('q')}", text)
    text = _XML_SECRET.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)
    text = _KV_SECRET.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
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


_SECRET_KEY = re.compile(r"(?i)(protectedsettings$|password|secret|accountkey|customdata|sasuri|"
                         r"connectionstring|^sig$|privatekey|token$)")


def _is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))
