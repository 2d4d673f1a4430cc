"""Likelihood ratios for each kind of evidence that a body case is a missing person.

Disaster-victim identification weighs each finding by its likelihood ratio,
LR = P(finding | same person) / P(finding | different person), and multiplies
the ratios of independent findings with the prior odds (here: sums their
log10). An LR above 1 speaks for the pair, below 1 against it; none is ever 0
or infinite, because any record can be wrong. matching.py turns these into
the ranked list and the reasons a caseworker reads ("face very similar: ×290").

Where the numbers come from (the project has no real ground truth; see
bench/README.md, "matching", for how they were checked on synthetic reports):

- face: the face benchmark's calibration (bench/README.md, "faces": `bench/faces.py --methods dalil`,
  200 LFW identities, clean, seed 0): share of genuine (same identity) and impostor (another identity)
  distances below 0.45 / 0.50 / 0.55 / 0.60 was 83.5 / 95.0 / 98.0 / 98.5 % and 0.015 / 0.071 / 0.286 /
  1.128 %. Post-mortem photos are not LFW: under the benchmark's hardest condition ("combined") a quarter
  of the true identities were not even in the top 10, so P(d | same) mixes 75 % of the clean genuine
  distribution with 25 % "embedded far" (0.60 and above). FLOOR (0.2 %) is added to both sides of every
  bin: 200 probes cannot show rarer events, so no face bin claims more than that.
- date: the delay from arrest to death (DELAY_MASS) is an assumption written down here, not a measurement:
  most deaths in the archive's years came within months of arrest; a reported arrest day may be a guess,
  so a small share of true pairs have the body dated *before* the reported arrest, falling with the gap.
  P(date | different person) is the archive's own spread of case dates (its month histogram).
- branch: P(the body's branch is the arresting branch | same) = SAME_BRANCH (detainees were moved);
  P(that branch | different) is the branch's share of the archive.
- sex, age, marks, category: the constants below, each with its reason.
"""

import calendar
import math
from bisect import bisect_right
from datetime import date, timedelta

# --- the face ---------------------------------------------------------------------------------------------
FLOOR = 0.002
POST_MORTEM_FAR = 0.25  # share of true pairs whose body's face embeds far from the family's photo
_GENUINE_CDF = (0.835, 0.950, 0.980, 0.985)  # below 0.45, 0.50, 0.55, 0.60 (clean, dalil, 200 identities)
_IMPOSTOR_CDF = (0.00015, 0.00071, 0.00286, 0.01128)
FACE_EDGES = (0.45, 0.50, 0.55, 0.60)


def _face_bins() -> list[tuple[float, float]]:
    """(P(bin | same), P(bin | different)) for the bins [0, .45), [.45, .50), [.50, .55), [.55, .60), [.60, ∞)."""
    genuine = [a - b for a, b in zip(_GENUINE_CDF + (1.0,), (0.0,) + _GENUINE_CDF)]
    impostor = [a - b for a, b in zip(_IMPOSTOR_CDF + (1.0,), (0.0,) + _IMPOSTOR_CDF)]
    same = [(1 - POST_MORTEM_FAR) * g for g in genuine]
    same[-1] += POST_MORTEM_FAR
    return list(zip(same, impostor))


FACE_LOG_LR = tuple(math.log10((s + FLOOR) / (d + FLOOR)) for s, d in _face_bins())
# = (+2.47, +1.54, +0.77, -0.26, -0.58): ×292, ×35, ×5.9, ÷1.8, ÷3.8


COUNTED_BELOW = 0.55  # "similar" or nearer (dalil.faces.index.SIMILAR)


def face_log_lr(distance: float) -> float:
    """log10 LR of a stored face distance. Only "similar" or nearer counts: only the 50 nearest cases of a
    report are stored (dalil.identification.faces), so a case with a weak or no face distance cannot be told
    from one never compared (or without a face photo); all of them count as ×1 alike."""
    return FACE_LOG_LR[bisect_right(FACE_EDGES, distance)] if distance < COUNTED_BELOW else 0.0


# --- the date ---------------------------------------------------------------------------------------------
# Days from the (true) arrest to the body's date, and the share of true pairs in each span. Negative spans:
# the body dated before the reported arrest (a guessed day, a wrong month). The rest, TAIL, spread thin.
DELAY_MASS = (
    (-730, -365, 0.002), (-365, -90, 0.006), (-90, -30, 0.008), (-30, 0, 0.010),
    (0, 30, 0.19), (30, 90, 0.24), (90, 180, 0.19), (180, 365, 0.18), (365, 730, 0.13), (730, 1460, 0.04),
)
TAIL_DENSITY = (1 - sum(m for _, _, m in DELAY_MASS)) / 20_000  # per day, anywhere else
ABOUT_DAYS = 45  # "about" widens the reported window by this on each side
MIN_SPAN_DAYS = 365  # the background is never narrower than a year (small or new archives)
HISTOGRAM_PRIOR = 300  # cases' worth of an even spread mixed into the month histogram


_TAIL_START = -10_000
_EDGES = [DELAY_MASS[0][0]] + [end for _s, end, _m in DELAY_MASS]
_CUMULATIVE = [TAIL_DENSITY * (DELAY_MASS[0][0] - _TAIL_START)]
for _start, _end, _mass in DELAY_MASS:
    _CUMULATIVE.append(_CUMULATIVE[-1] + _mass)


def _delay_cdf(days: float) -> float:
    """∫ density of the delay from -∞ to `days` (the left tail counted from -10,000 days)."""
    if days <= _EDGES[0]:
        return TAIL_DENSITY * max(days - _TAIL_START, 0.0)
    if days >= _EDGES[-1]:
        return _CUMULATIVE[-1] + TAIL_DENSITY * (days - _EDGES[-1])
    i = bisect_right(_EDGES, days) - 1
    start, end, mass = DELAY_MASS[i]
    return _CUMULATIVE[i] + mass * (days - start) / (end - start)


def delay_density(died: date, low: date, high: date) -> float:
    """P(the body's date is `died` | same person), per day, the arrest anywhere in [low, high] alike."""
    if high <= low:
        delta = (died - low).days
        return (_delay_cdf(delta + 0.5) - _delay_cdf(delta - 0.5))
    return (_delay_cdf((died - low).days + 0.5) - _delay_cdf((died - high).days - 0.5)) / ((high - low).days + 1)


def arrest_window(report) -> tuple[date, date, str] | None:
    """(earliest, latest, precision) the arrest could be, from the date and its precision.

    MissingPersonReport has only `arrest_date` today (a day); a report may later say how precise it is
    (`arrest_date_precision`: "day", "month", "year", or "about"; or `arrest_date_approximate`): read
    when present, a day otherwise.
    """
    when = getattr(report, "arrest_date", None)
    if not when:
        return None
    precision = (getattr(report, "arrest_date_precision", "") or "day").lower()
    about = bool(getattr(report, "arrest_date_approximate", False)) or precision in ("about", "approximate")
    if precision == "year":
        low, high = date(when.year, 1, 1), date(when.year, 12, 31)
    elif precision == "month":
        low, high = when.replace(day=1), when.replace(day=calendar.monthrange(when.year, when.month)[1])
    else:
        low = high = when
        precision = "day"
    if about:
        low, high = low - timedelta(days=ABOUT_DAYS), high + timedelta(days=ABOUT_DAYS)
    return low, high, ("about" if about else precision)


class Background:
    """How case dates, branches and sexes are spread over the archive: P(finding | a different person)."""

    def __init__(self, dates: dict[date, int], branches: dict[str, int], sexes: dict[str, int]):
        self.total = max(sum(branches.values()), 1)
        self.branches, self.sexes = branches, sexes
        self.months: dict[tuple[int, int], int] = {}
        for day, n in dates.items():
            if day:
                self.months[(day.year, day.month)] = self.months.get((day.year, day.month), 0) + n
        known = [d for d in dates if d]
        self.first, self.last = (min(known), max(known)) if known else (date(2011, 1, 1), date(2011, 12, 31))
        self.span = max((self.last - self.first).days + 1, MIN_SPAN_DAYS)
        self.dated = sum(self.months.values())

    def date_density(self, day: date) -> float:
        """Per day: the month's share of dated cases, shrunk towards an even spread over the archive's span
        as if HISTOGRAM_PRIOR cases were spread evenly (a few cases say little about the months)."""
        in_month = self.months.get((day.year, day.month), 0) / calendar.monthrange(day.year, day.month)[1]
        return (in_month + HISTOGRAM_PRIOR / self.span) / (self.dated + HISTOGRAM_PRIOR)

    def branch_share(self, branch: str) -> float:
        return max(self.branches.get(branch, 0) / self.total, BRANCH_SHARE_FLOOR)

    def sex_share(self, sex: str) -> float:
        known = sum(n for s, n in self.sexes.items() if s)
        return min(max(self.sexes.get(sex, 0) / known, 0.05), 0.95) if known else 0.5


def date_log_lr(died: date, window: tuple[date, date, str], background: Background) -> float:
    low, high, _ = window
    same = delay_density(died, low, high)
    return math.log10(max(same, 1e-9) / background.date_density(died))


# --- branch, sex, age, marks, category, in log10 ------------------------------------------------------------
SAME_BRANCH = 0.6  # the body was registered by the branch that made the arrest
BRANCH_SHARE_FLOOR = 0.02  # a branch with almost no cases still counts as 2 % (typing mistakes, small samples)


def branch_log_lr(same: bool, share: float) -> float:
    if same:
        return math.log10((SAME_BRANCH + (1 - SAME_BRANCH) * share) / share)
    return math.log10(1 - SAME_BRANCH)


SEX_ERROR = 0.01  # a sex recorded wrongly on either side


def sex_log_lr(same: bool, share: float) -> float:
    return math.log10((1 - SEX_ERROR) / share) if same else math.log10(SEX_ERROR / (1 - share))


# Age at the body's date against the analyst's estimate: (P(gap | same), P(gap | different)). "fits" = inside
# the estimate, "close" = up to 3 years out, "off" = up to 8, "far" = more. Different: the spread of the
# synthetic archive's ages against random estimates (bench/matching.py --calibrate prints both).
AGE = {"fits": (0.80, 0.30), "close": (0.14, 0.22), "off": (0.05, 0.28), "far": (0.01, 0.20)}
AGE_LOG_LR = {k: math.log10(s / d) for k, (s, d) in AGE.items()}
MARK_WORD_LOG_LR = math.log10(3)  # each shared word of a description of marks, at most MARK_WORDS_MAX
MARK_WORDS_MAX = 3
OTHER_CATEGORY_LOG_PRIOR = -1.0  # a soldier or an attack scene is a tenth as likely a missing detainee


# --- words for a caseworker ----------------------------------------------------------------------------------

def factor(log_lr: float) -> str:
    """'×290', '×2.5', '÷20', '×1': how many times the finding multiplies the odds."""
    ratio = 10 ** abs(log_lr)
    if ratio < 1.05:
        return "×1"
    text = f"{ratio:.1f}".rstrip("0").rstrip(".") if ratio < 10 else f"{_two_figures(ratio):,}"
    return ("×" if log_lr > 0 else "÷") + text


def _two_figures(value: float) -> int:
    digits = int(math.floor(math.log10(value))) - 1
    return int(round(value, -digits))
