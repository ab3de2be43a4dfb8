"""The results tables: whole sessions against the floor, and the cost per request inside the tests.

A ratio of whole sessions understates differences, since every session pays pytest's startup and
the SDK's import; "net" subtracts the empty suite with the same tests, which leaves the requests,
the per-test work and each plugin's import. Time inside the test bodies leaves only the requests:
it shows, with far less noise, how the price of a request grows with the recordings in the test.
Its ratios pair each contender with the floor of the same repetition (``paired_ratios``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from workloads import Workload


@dataclass
class Timings:
    """Seconds per repetition, for one contender on one workload (or for one empty suite)."""

    runs: list[float] = field(default_factory=list)  # whole sessions
    in_bodies: list[float] = field(default_factory=list)  # inside the test functions

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def body_median(self) -> float:
        return statistics.median(self.in_bodies)

    @property
    def spread(self) -> str:
        return f"{min(self.runs):.2f}-{max(self.runs):.2f}"


Results = dict[str, dict[str, Timings]]  # workload name -> contender name -> timings


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def _ratio(value: float, floor: float) -> str:
    """Ratios to a floor that noise can put near zero say nothing; they are left out."""
    return f"{value / floor:.1f}" if floor > 0.02 else "n/a"


def main_table(
    workloads: list[Workload], results: Results, startups: dict[Workload, Timings], floor: str
) -> str:
    """One row per empty twin (``startups``), then one per workload and contender."""
    header = [
        "workload",
        "contender",
        "median s",
        "min-max s",
        "net s",
        "ms / request (net)",
        "x floor",
        "x floor (net)",
    ]
    rows = [
        [twin.title, "empty tests (startup)", f"{timings.median:.2f}", timings.spread, "", "", "", ""]
        for twin, timings in startups.items()
    ]
    for workload in workloads:
        startup = startups[workload.empty_twin].median
        floor_median = results[workload.name][floor].median
        for contender, timings in results[workload.name].items():
            net = timings.median - startup
            rows.append(
                [
                    workload.title,
                    contender,
                    f"{timings.median:.2f}",
                    timings.spread,
                    f"{net:.2f}",
                    f"{1000 * net / workload.requests:.2f}",
                    f"{timings.median / floor_median:.2f}",
                    _ratio(net, floor_median - startup),
                ]
            )
    return _markdown(header, rows)


def paired_ratios(timings: Timings, floor: Timings) -> list[float]:
    """The contender against the floor within each repetition, where both ran minutes apart at most.

    A shared machine drifts between repetitions (here the floor itself moved by a third from one
    to the next), and a ratio of medians taken over different repetitions carries that drift; the
    ratio inside one repetition mostly cancels it.
    """
    return [mine / theirs for mine, theirs in zip(timings.in_bodies, floor.in_bodies, strict=True)]


def body_table(workloads: list[Workload], results: Results, floor: str) -> str:
    """Milliseconds per request inside the test bodies, with the median ratio to the floor's within a
    repetition, and the range of those ratios."""
    header = ["contender", *(w.title for w in workloads)]
    rows = []
    for contender in results[workloads[0].name]:
        cells = [contender]
        for workload in workloads:
            cell = results[workload.name]
            ms = 1000 * cell[contender].body_median / workload.requests
            ratios = paired_ratios(cell[contender], cell[floor])
            spread = f", {min(ratios):.2f}-{max(ratios):.2f}" if contender != floor else ""
            cells.append(f"{ms:.2f} ms ({statistics.median(ratios):.2f}x{spread})")
        rows.append(cells)
    return _markdown(header, rows)
