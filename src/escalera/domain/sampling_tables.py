"""ISO 2859-1:1999 single sampling tables, transcribed as data (no logic).

Table 1 gives the sample size code letter for a lot size and an inspection level; Tables 2-A
(normal), 2-B (tightened) and 2-C (reduced) give, for each code letter, the sample size and,
for each AQL of the standard's series, either a plan or an arrow.

Cells of the master tables are written one row per code letter, one token per AQL column in
the order of :data:`AQL_SERIES`:

* a number ``c``: the plan Ac = c, Re = c + 1 (single sampling in ISO 2859-1:1999 has no gap
  between Ac and Re, the reduced table included);
* ``v``: arrow down, use the first plan below the arrow (a larger sample);
* ``^``: arrow up, use the first plan above the arrow (a smaller sample).

Cells checked against independently published copies are listed in docs/sampling.md.
"""

from __future__ import annotations

#: The AQL series of the standard, in percent nonconforming (up to 10) or nonconformities per
#: 100 units, written as the standard writes them.
AQL_SERIES: tuple[str, ...] = (
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
    "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250",
    "400", "650", "1000",
)

#: Inspection levels in the order of Table 1's columns.
LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

#: Table 1: (largest lot size of the range or None for "and over", code letters per level in
#: the order of LEVELS). The first range is 2 to 8; escalera also reads a lot of 1 with it.
CODE_LETTERS: tuple[tuple[int | None, str], ...] = (
    (8, "A A A A A A B"),
    (15, "A A A A A B C"),
    (25, "A A B B B C D"),
    (50, "A B B C C D E"),
    (90, "B B C C C E F"),
    (150, "B B C D D F G"),
    (280, "B C D E E G H"),
    (500, "B C D E F H J"),
    (1200, "C C E F G J K"),
    (3200, "C D E G H K L"),
    (10000, "C D F G J L M"),
    (35000, "C D F H K M N"),
    (150000, "D E G J L N P"),
    (500000, "D E G J M P Q"),
    (None, "D E H K N Q R"),
)

#: Sample sizes of Tables 2-A and 2-B (2-B alone has the row S).
SAMPLE_SIZES: dict[str, int] = {
    "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50, "J": 80, "K": 125,
    "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000, "S": 3150,
}

#: Sample sizes of Table 2-C (reduced inspection).
REDUCED_SAMPLE_SIZES: dict[str, int] = {
    "A": 2, "B": 2, "C": 2, "D": 3, "E": 5, "F": 8, "G": 13, "H": 20, "J": 32, "K": 50,
    "L": 80, "M": 125, "N": 200, "P": 315, "Q": 500, "R": 800,
}

#: Table 2-A: single sampling plans for normal inspection (master table).
NORMAL: dict[str, str] = {
    "A": "v v v v v v v v v v v v v v 0 v v 1 2 3 5 7 10 14 21 30",
    "B": "v v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44",
    "C": "v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^",
    "D": "v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^ ^",
    "E": "v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 30 44 ^ ^ ^",
    "F": "v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^",
    "G": "v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^",
    "H": "v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^",
    "J": "v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "K": "v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "L": "v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "M": "v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "N": "v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "P": "v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "Q": "0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "R": "^ 1 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
}

#: Table 2-B: single sampling plans for tightened inspection (master table).
TIGHTENED: dict[str, str] = {
    "A": "v v v v v v v v v v v v v v v 0 v v 1 2 3 5 8 12 18 27",
    "B": "v v v v v v v v v v v v v v 0 ^ v 1 2 3 5 8 12 18 27 41",
    "C": "v v v v v v v v v v v v v 0 ^ v 1 2 3 5 8 12 18 27 41 ^",
    "D": "v v v v v v v v v v v v 0 ^ v 1 2 3 5 8 12 18 27 41 ^ ^",
    "E": "v v v v v v v v v v v 0 ^ v 1 2 3 5 8 12 18 27 41 ^ ^ ^",
    "F": "v v v v v v v v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^",
    "G": "v v v v v v v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^",
    "H": "v v v v v v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^",
    "J": "v v v v v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "K": "v v v v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "L": "v v v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "M": "v v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "N": "v v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "P": "v v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "Q": "v 0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "R": "0 ^ v 1 2 3 5 8 12 18 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "S": ". . 1 . . . . . . . . . . . . . . . . . . . . . . .",
}

#: Table 2-C: single sampling plans for reduced inspection (master table), 1999 edition.
REDUCED: dict[str, str] = {
    "A": "v v v v v v v v v v v v v v v 0 v v 1 2 3 5 7 10 14 21",
    "B": "v v v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^",
    "C": "v v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^",
    "D": "v v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^",
    "E": "v v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^",
    "F": "v v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^",
    "G": "v v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^",
    "H": "v v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^",
    "J": "v v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^",
    "K": "v v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "L": "v v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "M": "v v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "N": "v v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "P": "v v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "Q": "v 0 ^ v 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
    "R": "0 ^ 1 1 2 3 5 7 10 14 21 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^",
}
