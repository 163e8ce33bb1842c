"""Money is an integer number of halalas everywhere (1 SAR = 100 halalas)."""

HALALAS_PER_RIYAL = 100


def sar(riyals: int) -> int:
    """Halalas for a whole number of riyals: `sar(2000)` is 200000."""
    return riyals * HALALAS_PER_RIYAL


def format_sar(halalas: int) -> str:
    """`200050` -> `2,000.50`; the template adds the currency name in the page's language."""
    sign = "-" if halalas < 0 else ""
    whole, part = divmod(abs(halalas), HALALAS_PER_RIYAL)
    return f"{sign}{whole:,}.{part:02d}"
