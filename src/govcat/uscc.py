"""The 统一社会信用代码 (unified social credit code, USCC) of GB 32100-2015.

An USCC is 18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY``:

    1     registration authority (1 机构编制, 5 民政, 9 工商, …)
    2     kind of body under that authority (for 机构编制: 1 机关, 2 事业单位, …)
    3-8   the registering division's GB/T 2260 code (e.g. 370000)
    9-17  the body's 组织机构代码 (GB 11714: eight characters and its own check character)
    18    the check character over characters 1-17

:func:`generate` mints codes for bodies whose real code is not known. The scheme is deterministic, so
the bundled registry can be rebuilt to the same codes: authority + division + ``"MB"`` + six digits
taken from the SHA-256 of a seed (normally the body's Chinese name) + the GB 11714 check character + the
GB 32100 check character. Such codes are always marked as generated in the registries.
"""

from __future__ import annotations

import hashlib
import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# 3^(i-1) mod 31 for i = 1..17
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# GB 11714 organisation-code check: weights over the first eight characters, digits 0-9, letters 10-35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_character(code17: str) -> str:
    """The GB 32100 check character of the first 17 characters of an USCC.

    >>> check_character("11370000MB284651X")
    'L'
    """
    if len(code17) != 17:
        raise ValueError(f"expected 17 characters, got {len(code17)}: {code17!r}")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(code17.upper(), WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed in an USCC") from None
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(uscc: str) -> bool:
    """True if ``uscc`` has the shape of an USCC and its check character is right.

    >>> is_valid("11370000MB284651XL"), is_valid("11370000MB284651XA")
    (True, False)
    """
    if not isinstance(uscc, str) or not _SHAPE.match(uscc):
        return False
    return check_character(uscc[:17]) == uscc[17]


def problem(uscc: str) -> tuple[str, str] | None:
    """Why ``uscc`` is not a valid USCC, as (zh, en), or None if it is valid."""
    if not isinstance(uscc, str) or len(uscc) != 18:
        n = len(uscc) if isinstance(uscc, str) else 0
        return (f"统一社会信用代码应为18位，实为{n}位", f"an USCC has 18 characters, this one has {n}")
    bad = sorted({c for c in uscc if c not in _VALUE})
    if bad:
        chars = "".join(bad)
        return (
            f"统一社会信用代码含不允许的字符 {chars}（不用 I、O、Z、S、V 及小写字母）",
            f"the USCC contains characters that are not allowed: {chars} (no I, O, Z, S, V or lower case)",
        )
    if not _SHAPE.match(uscc):
        return ("第3-8位应为行政区划代码（6位数字）", "characters 3-8 must be a division code (six digits)")
    expected = check_character(uscc[:17])
    if expected != uscc[17]:
        return (
            f"校验码错误：末位应为 {expected}，实为 {uscc[17]}",
            f"wrong check character: the last character should be {expected}, not {uscc[17]}",
        )
    return None


def org_code_check(code8: str) -> str:
    """The GB 11714 check character of an eight-character 组织机构代码 ('X' for 10, '0' for 11)."""
    total = sum(int(c, 36) * w for c, w in zip(code8.upper(), _ORG_WEIGHTS))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def generate(division: str, seed: str, *, authority: str = "11", salt: int = 0) -> str:
    """A valid, deterministic USCC for a body whose real code is unknown.

    ``authority`` is the first two characters (``11`` 机关, ``12`` 事业单位, ``91`` 企业); ``division`` the
    six-digit GB/T 2260 code; ``seed`` usually the body's Chinese name; ``salt`` picks another code for
    the same seed when one collides.

    >>> code = generate("370000", "山东省教育厅")
    >>> is_valid(code), code[:10]
    (True, '11370000MB')
    """
    if len(authority) != 2 or any(c not in _VALUE for c in authority):
        raise ValueError(f"authority must be two USCC characters, got {authority!r}")
    if not re.fullmatch(r"[0-9]{6}", division):
        raise ValueError(f"division must be six digits, got {division!r}")
    digest = hashlib.sha256(f"{seed}\x00{salt}".encode("utf-8")).hexdigest()
    org8 = "MB" + f"{int(digest, 16) % 10**6:06d}"
    code17 = authority + division + org8 + org_code_check(org8)
    return code17 + check_character(code17)
