"""Money: rates are Decimal yuan, ledger amounts are integer fen. Rounding happens here only."""

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100


def fen_for_units(*, units: int, piece_rate: Decimal) -> int:
    """Units × rate, rounded half-up to the fen once, when posted."""
    if not isinstance(piece_rate, Decimal):
        raise TypeError("piece_rate must be a Decimal")
    return int((Decimal(units) * piece_rate * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_from_yuan(amount: Decimal | str) -> int:
    return int((Decimal(amount) * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_fen(fen: int) -> str:
    """``123450`` → ``¥1,234.50``; negatives as ``-¥12.00``."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{yuan(abs(fen)):,.2f}"


def format_rate(rate: Decimal) -> str:
    """A piece rate for people: ``0.0350`` → ``¥0.035``, ``2.5000`` → ``¥2.50``."""
    text = f"{rate.normalize():f}"
    whole, _, frac = text.partition(".")
    return f"¥{whole}.{frac.ljust(2, '0')}"
