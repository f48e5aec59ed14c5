"""The benchmarks run: a quick run of each emits every key and identical answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

RUN = Path(__file__).parents[2] / "benchmarks" / "run.py"

AVAILABILITY_KEYS = {
    "atp_speedup_100loc_90q10e",
    "atp_speedup_1000loc_90q10e",
    "atp_speedup_100loc_50q50e",
    "results_identical",
    "bytes_per_stock_position",
}


def run_quick(
    name: str, tmp_path: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], Any]:
    out = tmp_path / f"{name}.json"
    result = subprocess.run(
        [sys.executable, str(RUN), name, "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result, json.loads(out.read_text())


def test_a_quick_availability_run_writes_every_key_with_identical_answers(tmp_path: Path) -> None:
    result, figures = run_quick("availability", tmp_path)
    assert figures.keys() >= AVAILABILITY_KEYS
    assert figures["results_identical"] is True
    assert figures["bytes_per_stock_position"] > 0
    assert all(figures[key] > 0 for key in AVAILABILITY_KEYS if key.startswith("atp_speedup"))
    assert "100loc_90q10e" in result.stdout


def test_an_unknown_benchmark_is_refused_with_the_known_names() -> None:
    result = subprocess.run(
        [sys.executable, str(RUN), "nonsense"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "availability" in result.stderr


ROUTING_KEYS = {
    "cost_ratio_vs_optimum_t1.5",
    "cost_ratio_vs_optimum_t3.0",
    "cost_ratio_in_turn_t1.5",
    "cost_ratio_in_turn_t3.0",
    "decisions_per_s",
    "speedup_vs_naive",
    "custom_rule_overhead",
    "plans_feasible",
    "allocations_identical",
}


def test_a_quick_routing_run_writes_every_key_with_feasible_identical_plans(
    tmp_path: Path,
) -> None:
    _, figures = run_quick("routing", tmp_path)
    assert figures.keys() >= ROUTING_KEYS
    assert figures["plans_feasible"] is True
    assert figures["allocations_identical"] is True
    assert figures["decisions_per_s"] > 0
    assert figures["custom_rule_overhead"] > 0
    # Without the benchmark-only MIP solver the cost ratios are skipped, not faked.
    ratio = figures["cost_ratio_vs_optimum_t1.5"]
    assert ratio is None or ratio >= 0.999


PERSISTENCE_KEYS = {
    "orders_per_s_memory",
    "orders_per_s_sqlite_wal_full",
    "orders_per_s_sqlite_wal_normal",
    "orders_per_s_direct_sql_full",
    "orders_per_s_direct_sql_normal",
    "ratio_memory_vs_direct_sql_normal",
    "ratio_sqlite_full_vs_direct_sql_full",
    "ratio_sqlite_normal_vs_direct_sql_normal",
    "results_identical",
}


POSTGRES_KEYS = {
    "orders_per_s_postgres",
    "orders_per_s_direct_sql_postgres",
    "orders_per_s_direct_sql_postgres_without_locks",
    "ratio_postgres_vs_direct_sql_postgres",
    "postgres_statements_per_order",
    "postgres_write_statements_per_order",
    "postgres_lock_statements_per_order",
    "postgres_write_transactions_per_order",
}


def test_a_quick_persistence_run_writes_every_key_with_identical_results(tmp_path: Path) -> None:
    result, figures = run_quick("persistence", tmp_path)
    assert figures.keys() >= PERSISTENCE_KEYS | POSTGRES_KEYS | {"postgres_skipped"}
    assert figures["results_identical"] is True
    assert figures["errors"] == []
    assert all(figures[key] > 0 for key in PERSISTENCE_KEYS - {"results_identical"})
    assert "SqliteStore WAL" in result.stdout
    # With a server (always in CI) PostgreSQL is measured too, as the unit tests' pg_dsn
    # fixture requires; without one the benchmark starts its own when the binaries exist.
    if os.environ.get("OMSKIT_PG_DSN") or os.environ.get("OMSKIT_REQUIRE_PG") == "1":
        assert figures["postgres_skipped"] is None
    if figures["postgres_skipped"] is not None:
        assert all(figures[key] is None for key in POSTGRES_KEYS)
        assert "PostgreSQL skipped" in result.stdout
        return
    assert all(figures[key] > 0 for key in POSTGRES_KEYS)
    # Both SQL stores run the same repositories: the same writes in as many transactions.
    assert figures["postgres_write_statements_per_order"] == figures["write_statements_per_order"]
    assert (
        figures["postgres_write_transactions_per_order"] == figures["write_transactions_per_order"]
    )
    assert figures["postgres_fsync"] in {"on", "off"}
    assert figures["postgres_durable"] is (
        figures["postgres_fsync"] == "on" and figures["postgres_synchronous_commit"] != "off"
    )
    assert len(figures["seconds"]["direct_postgres"]) == figures["rounds"]
    assert "PostgresStore" in result.stdout


def test_a_persistence_run_whose_server_cannot_be_reached_skips_postgresql_saying_why(
    tmp_path: Path,
) -> None:
    unreachable = {**os.environ, "OMSKIT_PG_DSN": "postgresql://postgres@127.0.0.1:1/omskit"}
    result, figures = run_quick("persistence", tmp_path, env=unreachable)
    assert figures["postgres_skipped"].startswith("cannot connect to OMSKIT_PG_DSN")
    assert all(figures[key] is None for key in POSTGRES_KEYS)
    assert figures["results_identical"] is True
    assert figures["orders_per_s_sqlite_wal_full"] > 0
    assert "PostgreSQL skipped: cannot connect" in result.stdout
