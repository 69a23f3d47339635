"""verify's reading of the service's counts (``GET /hi/players/{player}/matches/count``).

Checked against the real samples when ``../shared`` is there, and always against a
document of their shape with numbers of our own.
"""

from __future__ import annotations

import pytest

from grunt_archive.errors import MalformedResponseError
from grunt_archive.verify import service_counts
from tests.conftest import load_json, sample_paths

# The shape of the three real samples (grunt2022, legacy2022, spnkr), with our own numbers.
COUNT = {"CustomMatchesPlayedCount": 2, "MatchesPlayedCount": 40,
         "MatchmadeMatchesPlayedCount": 37, "LocalMatchesPlayedCount": 1}  # fmt: skip


@pytest.mark.parametrize(
    "path", [None, *sample_paths("*match_count.json")], ids=lambda p: p.name if p else "own"
)
def test_a_count_document_reads_as_its_three_counts(path):
    document = COUNT if path is None else load_json(path)
    counts = service_counts("xuid(1)", document)
    assert list(counts) == ["matchmade", "custom", "local"]
    assert sum(counts.values()) == document["MatchesPlayedCount"]
    assert counts["custom"] == document["CustomMatchesPlayedCount"]


def test_the_simulator_counts_with_the_real_documents_fields():
    from grunt_archive.simulator import Simulator, SimulatorConfig

    sim = Simulator(SimulatorConfig(seed=4, players=1, matches=12))
    served = sim.match_count(0)  # the first tracked player
    for path in sample_paths("*match_count.json") or [None]:
        real = COUNT if path is None else load_json(path)
        assert served.keys() == real.keys()
    assert sum(service_counts("x", served).values()) == served["MatchesPlayedCount"] == 12


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("LocalMatchesPlayedCount", None),
        ("MatchmadeMatchesPlayedCount", "37"),
        ("CustomMatchesPlayedCount", True),
        ("MatchmadeMatchesPlayedCount", -1),
        ("CustomMatchesPlayedCount", 2.0),
    ],
)
def test_a_count_missing_or_not_a_whole_number_is_refused_not_read_as_zero(field, value):
    # Read as 0, a missing count would call an archive complete that lacks those matches.
    document = {k: v for k, v in COUNT.items() if k != field or value is not None}
    if value is not None:
        document[field] = value
    with pytest.raises(MalformedResponseError, match=field):
        service_counts("xuid(1)", document)
    with pytest.raises(MalformedResponseError, match="not a JSON object"):
        service_counts("xuid(1)", [document])
