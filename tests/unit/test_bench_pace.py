"""bench_pace runs: the host PACE and every floor of the goal rows, one pair each (no timing asserts).

The benchmark broke once unnoticed when perform_pace's signature changed (issue 12 layers);
this keeps it running with the driver it measures.
"""

from __future__ import annotations

from testsupport.bench import load_benchmark


def test_goal_rows_and_both_floors_run():
    bench = load_benchmark("bench_pace")
    for mapping_kind, pid in (("GM", 12), ("IM", 13), ("CAM", 12), ("IM", 2)):
        card, info = bench._card(mapping_kind, pid)
        floors = [bench._floor_fn(mapping_kind, pid), bench._floor_fn(mapping_kind, pid, True)]
        host_ms, per_floor = bench._paired(lambda i: bench._host_run(card, info, i), floors, 3)
        assert host_ms > 0 and len(per_floor) == 2 and all(f > 0 for f, _ in per_floor)
    host_ms, per_floor = bench._cam_check_row(13, 2, True)
    assert host_ms > 0 and len(per_floor) == 2


def test_system_libcrypto_floors_run_on_every_ec_mapping():
    """The floor at the system libcrypto's price: beside pyca's (P-256) and alone where pyca has
    no such curve (brainpoolP224r1); each floor computes what it prices (its asserts hold)."""
    bench = load_benchmark("bench_pace")
    for mapping_kind, pid in (("GM", 12), ("IM", 12), ("CAM", 12), ("IM", 11), ("GM", 11)):
        card, info = bench._card(mapping_kind, pid)
        host_ms, per_floor = bench._paired(lambda i: bench._host_run(card, info, i),
                                           [bench._system_floor_fn(mapping_kind, pid)], 2)
        assert host_ms > 0 and per_floor[0][0] > 0
    assert not bench._pyca_has(11) and bench._pyca_has(12) and bench._pyca_has(2)
    # every Table 12 domain has a row, IM everywhere it is defined
    rows = set(bench.ROWS)
    for pid in list(bench.domain_params.STANDARD_EC) + list(bench.domain_params.STANDARD_DH):
        assert ("GM", pid) in rows
        assert (("IM", pid) in rows) == (pid != 10)  # P-224: p = 1 mod 4
