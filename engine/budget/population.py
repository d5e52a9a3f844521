"""The population by year projected by a cohort-component step from mortality, fertility and
migration (issue 17: the budget's population "given, or projected"), single ages and sexes.

The population is counted at the **start** of each year (1 January), by single age ``a`` =
0 .. A-1 (completed years; the last age an open group "A-1 and over") and sex ``s`` (0 male,
1 female), as ``P[t, a, s]``, with ``t = 0`` the base. One annual step takes ``P[t]`` to
``P[t+1]``; a person aged ``a`` at the start of year ``t`` is aged ``a + 1`` at the start of year
``t + 1`` if alive. The step, on every age at once (arrays over ``a`` and ``s``)::

    survivors, ages 1 .. A-2:
        P[t+1, a] = max(0, P[t, a-1] (1 - q[t, a-1]) + M[t, a])
    open group A-1:
        P[t+1, A-1] = max(0, P[t, A-2] (1 - q[t, A-2]) + P[t, A-1] (1 - q[t, A-1]) + M[t, A-1])
    births in year t (women exposed on average over the year):
        B[t] = sum_a f[t, a] x (P[t, a, female] + P[t+1, a, female]) / 2
    age 0 at the start of t+1 (born during year t):
        P[t+1, 0, male]   = max(0, B[t] x srb / (1 + srb) x (1 - q[t, 0, male] / 2)
                                   + M[t, 0, male])
        P[t+1, 0, female] = max(0, B[t] x 1 / (1 + srb) x (1 - q[t, 0, female] / 2)
                                   + M[t, 0, female])

``q[t, a, s]`` the probability that a person aged ``a`` at the start of year ``t`` dies within
the year; ``f[t, a]`` births a year per woman aged ``a``; ``srb`` the sex ratio at birth (males
per female born, e.g. 1.05); ``M[t, a, s]`` net migrants (immigrants - emigrants) counted at the
end of year ``t`` at the age they then have (``a`` at the start of ``t + 1``).

Sources. The method is the cohort-component projection: Preston, Heuveline & Guillot,
*Demography: Measuring and Modeling Population Processes* (Blackwell, 2001), ch. 6 (§6.2-6.3):
survivors moved one age group on by a survival ratio, the open group fed by the group below and
its own survivors, births = the age-specific fertility rates x the women of each age averaged
between the start and the end of the interval (women at the end projected first, which is why
``f[t, 0]`` must be 0: age 0 at ``t + 1`` is the births' own output), split by the sex ratio at
birth and surviving to the end of the interval by the infants' survival ratio. The United
Nations Population Division projects the same way on single ages and single years (World
Population Prospects 2019 and later, *Methodology of the United Nations population estimates
and projections*). Preston's steps are five years long on five-year groups; this one is the
single-age, single-year case of the same method (``n = 1``).

House conventions (choices of this module, not of the sources):

* Survival of those aged ``a`` at the year's start is ``1 - q[t, a]``: the caller's ``q`` is
  taken as the probability of dying within the year for the persons aged ``a`` last birthday at
  the start of it. Strictly that is ``1 - L(a+1) / L(a)`` of a life table (Preston's survival
  ratio), and for the open group ``1 - T(A) / T(A-1)``; giving a life table's ``q(a)`` instead is
  an approximation of second order over one year, the caller's choice.
* Infants: born during year ``t`` and counted at age 0 at the start of ``t + 1``, they survive
  with ``1 - q[t, 0] / 2`` = ``L(0) / l(0)`` for births spread evenly over the year and deaths
  spread evenly over the first year of age (the separation factor ``a0 = 1/2``; real infant
  deaths crowd early in life, ``a0`` nearer 0.1-0.3, so this slightly overstates survival).
* Migration is net and counted at the **end** of the step, at the age then reached: migrants
  face none of year ``t``'s mortality, and women arriving at a fertile age count in the
  year-end half of the births' exposure (Preston adds half the migrants at the start and half
  at the end; all at the end is the house choice). Negative migration is allowed.
* The floor: a cell below zero after migration (more net emigrants than persons there) is set
  to 0; the excess emigration is dropped, not carried to another age, sex or year. Births use
  the floored women.
* Fertility is the caller's: normally 0 outside ages 15-49; only age 0 is required to be 0 (see
  above). ``qx``, ``fertility`` and ``migration`` carry either one row per step (``Y - 1``
  rows, row ``t`` used from year ``t`` to ``t + 1``) or a single row used for every step.
"""

from __future__ import annotations

import numpy as np

from reserva.errors import ARGUMENT, ArgumentError, BadCell
from reserva.finite import is_finite_number

__all__ = ["project_population"]


def project_population(base: np.ndarray, years: int, *, qx: np.ndarray, fertility: np.ndarray,
                       sex_ratio_at_birth: float, migration: np.ndarray) -> np.ndarray:
    """The population ``[years, A, 2]`` at the start of each year, year 0 = ``base``, by the
    cohort-component step of the module's docstring.

    ``base`` [A, 2] persons by single age 0 .. A-1 (A >= 2; the last an open group) and sex
    (0 male, 1 female) at the start of the first year; ``years`` >= 1 the years returned (the
    base included, so ``years - 1`` steps); ``qx`` [years-1 or 1, A, 2] probabilities of dying
    within the year in [0, 1]; ``fertility`` [years-1 or 1, A] births per woman a year, >= 0 and
    0 at age 0; ``sex_ratio_at_birth`` males per female born, > 0; ``migration``
    [years-1 or 1, A, 2] net migrants at the end of the step (negative allowed). Every bad
    argument is reported at once (``ArgumentError``).
    """
    base_a, q_a, f_a, m_a = _checked(base, years, qx, fertility, sex_ratio_at_birth, migration)
    n_ages = base_a.shape[0]
    male_share = sex_ratio_at_birth / (1.0 + sex_ratio_at_birth)
    shares = np.array([male_share, 1.0 - male_share])
    out = np.empty((years, n_ages, 2), dtype=np.float64)
    out[0] = base_a
    for t in range(years - 1):
        p = out[t]
        q = q_a[t if q_a.shape[0] > 1 else 0]
        f = f_a[t if f_a.shape[0] > 1 else 0]
        m = m_a[t if m_a.shape[0] > 1 else 0]
        survivors = p * (1.0 - q)  # [A, 2]: alive at the year's end, still at the start's age
        nxt = np.empty_like(p)
        nxt[1:] = survivors[:-1]  # ages 1 .. A-1 from ages 0 .. A-2
        nxt[-1] += survivors[-1]  # the open group's own survivors
        nxt[1:] = np.maximum(nxt[1:] + m[1:], 0.0)
        # f[0] == 0 (checked), so the women at age 0 at t+1 (made by these births) weigh nothing
        births = float(np.dot(f[1:], (p[1:, 1] + nxt[1:, 1]) / 2.0))
        nxt[0] = np.maximum(births * shares * (1.0 - q[0] / 2.0) + m[0], 0.0)
        out[t + 1] = nxt
    return out


def _checked(base, years, qx, fertility, srb, migration):
    """The arguments as float arrays of the right shapes, or every bad one at once."""
    cells: list[BadCell] = []

    def bad(name: str, value: str, expected: str, fix: str = "") -> None:
        cells.append(BadCell(ARGUMENT, None, name, value, expected, fix))

    def array(name, value):
        try:
            return np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            bad(name, repr(value)[:60], "an array of numbers")
            return None

    if isinstance(years, bool) or not isinstance(years, int | np.integer) or years < 1:
        bad("years", repr(years), "a whole number >= 1 (the years returned, the base included)")
        years = None
    base_a = array("base", base)
    n_ages = None
    if base_a is not None:
        if base_a.ndim != 2 or base_a.shape[1] != 2 or base_a.shape[0] < 2:
            bad("base", f"shape {base_a.shape}", "shape (A, 2) with A >= 2 ages (the last open)")
        elif not np.all(np.isfinite(base_a)) or np.any(base_a < 0):
            bad("base", _worst(base_a, base_a < 0), "finite persons >= 0")
        else:
            n_ages = base_a.shape[0]
    rows = {1} if years is None else {1, years - 1}
    rows_text = "1" if years is None or years <= 2 else f"1 or {years - 1}"
    q_a = array("qx", qx)
    f_a = array("fertility", fertility)
    m_a = array("migration", migration)
    for name, arr, tail in (("qx", q_a, (2,)), ("fertility", f_a, ()),
                            ("migration", m_a, (2,))):
        if arr is None:
            continue
        shape_ok = (arr.ndim == 2 + len(tail) and arr.shape[0] in rows
                    and (n_ages is None or arr.shape[1] == n_ages) and arr.shape[2:] == tail)
        if not shape_ok:
            want = f"({rows_text}, {'A' if n_ages is None else n_ages}" + (", 2)" if tail else ")")
            bad(name, f"shape {arr.shape}", f"shape {want}: one row per step or one for all")
            continue
        if not np.all(np.isfinite(arr)):
            bad(name, _worst(arr, ~np.isfinite(arr)), "finite numbers")
        elif name == "qx" and np.any((arr < 0) | (arr > 1)):
            bad(name, _worst(arr, (arr < 0) | (arr > 1)), "probabilities of dying in [0, 1]")
        elif name == "fertility" and np.any(arr < 0):
            bad(name, _worst(arr, arr < 0), "births per woman >= 0")
        elif name == "fertility" and np.any(arr[:, 0] != 0):
            bad(name, _worst(arr[:, 0], arr[:, 0] != 0), "0 at age 0",
                "infants have no births (the births of year t make age 0 at t+1)")
    if not is_finite_number(srb) or srb <= 0:
        bad("sex_ratio_at_birth", repr(srb), "males per female born, a finite number > 0",
            "e.g. 1.05")
    ArgumentError.raise_all(cells, "population projection")
    return base_a, q_a, f_a, m_a


def _worst(arr: np.ndarray, mask: np.ndarray) -> str:
    """The first bad value and where it is, for an error's cell."""
    mask = mask | ~np.isfinite(arr)
    at = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"{float(arr[at])!r} at index {at}"
