"""Numbers as people read them, for the report, the board pack and the headline sentences.

A figure and its interval share one number of decimals, chosen from the largest of them so
that about three significant figures show (123, 12.3, 1.23, 0.123); thousands get separators;
a value that rounds to zero is "0", never "-0.0"; negatives take the typographic minus. No
figure is ever printed in exponent form (`1.199e+04`).
"""

from __future__ import annotations

import math

SIGNIFICANT = 3  # figures shown for the largest value of a set from 10 up (123, 12.3)
SMALL_SIGNIFICANT = 2  # and below 10 (1.2, 0.12), where a third figure is noise
MAX_DECIMALS = 4  # smaller values than 0.0001 show as 0
MINUS = "\u2212"
MISSING = "\u2013"  # an en dash for a figure that is not there (NaN)
MILLION = 1_000_000


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def decimals_for(*values: float) -> int:
    """Decimals that show three significant figures of the largest of `values` from 10 up
    (123, 12.3), two below (1.2, 0.12)."""
    finite = [abs(v) for v in _finite(values) if v != 0]
    if not finite:
        return 0
    magnitude = math.floor(math.log10(max(finite)))
    figures = SIGNIFICANT if magnitude >= 1 else SMALL_SIGNIFICANT
    return min(MAX_DECIMALS, max(0, figures - 1 - magnitude))


def number(x: float | None, decimals: int | None = None) -> str:
    """`x` with thousands separators and `decimals` places (chosen for `x` alone if None)."""
    if x is None or not math.isfinite(float(x)):
        return MISSING
    x = float(x)
    decimals = decimals_for(x) if decimals is None else decimals
    shown = f"{abs(x):,.{decimals}f}"
    if float(shown.replace(",", "")) == 0:
        return "0"
    return (MINUS if x < 0 else "") + shown


def significant(x: float | None, figures: int = SIGNIFICANT) -> str:
    """`x` to `figures` significant figures, never in exponent form ('0.548', '12,300')."""
    if x is None or not math.isfinite(float(x)) or float(x) == 0:
        return number(x, 0)
    magnitude = math.floor(math.log10(abs(float(x))))
    if magnitude >= figures:
        return number(round(float(x), figures - 1 - magnitude), 0)
    return number(x, max(0, figures - 1 - magnitude))


def interval(mean: float, lo: float, hi: float, decimals: int | None = None) -> str:
    """'mean [lo, hi]' with one number of decimals for all three."""
    decimals = decimals_for(mean, lo, hi) if decimals is None else decimals
    return f"{number(mean, decimals)} [{number(lo, decimals)}, {number(hi, decimals)}]"


def signed(x: float, decimals: int | None = None) -> str:
    """`number` with a '+' before a positive value (a change)."""
    text = number(x, decimals)
    return f"+{text}" if text not in ("0", MISSING) and x > 0 else text


def money(x: float | None) -> str:
    """GBP: '£1.26m' from a million up, '£12,300' below (three significant figures)."""
    if x is None or not math.isfinite(float(x)):
        return MISSING
    size = abs(float(x))
    if size >= MILLION:
        millions = size / MILLION
        body = f"£{number(millions, max(0, SIGNIFICANT - 1 - math.floor(math.log10(millions))))}m"
    else:
        magnitude = math.floor(math.log10(size)) if size else 0
        body = f"£{number(round(size, -max(0, magnitude - SIGNIFICANT + 1)), 0)}"
    if body in ("£0", "£0m"):
        return "£0"
    return (MINUS if x < 0 else "") + body


THOUSAND = 1_000


def money_short(x: float | None) -> str:
    """GBP for a table cell: '£1.26m', '£355k', '£62.6k', '£950' (three significant figures)."""
    if x is None or not math.isfinite(float(x)) or abs(float(x)) >= MILLION or abs(float(x)) < THOUSAND:
        return money(x)
    thousands = abs(float(x)) / THOUSAND
    body = f"£{significant(thousands)}k"
    if body == "£1,000k":  # rounds up to a million
        body = "£1.00m"
    return (MINUS if x < 0 else "") + body


def money_interval(mean: float, lo: float, hi: float) -> str:
    """'£1.26m [£1.10m, £1.40m]'."""
    return f"{money(mean)} [{money(lo)}, {money(hi)}]"


def percent(x: float, decimals: int = 1) -> str:
    """A share as a percentage ('12.3%'); 0.0 shows as '0%'."""
    text = number(100 * x, decimals)
    return f"{text}%"


def parameter_value(x) -> str:
    """A registry value for the appendix: integers as integers, others to four significant figures."""
    if x is None or isinstance(x, bool) or not isinstance(x, int | float):
        return "" if x is None else str(x)
    if not math.isfinite(float(x)):
        return MISSING
    if float(x).is_integer():
        return number(x, 0)
    magnitude = math.floor(math.log10(abs(x)))
    decimals = min(6, max(0, 3 - magnitude))
    text = number(x, decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text
