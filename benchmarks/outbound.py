"""Outbound parcels: printing 1,000 shipping labels, with the steps around them.

Run ``python -m benchmarks.outbound`` (``--quick`` for 50 labels). On a fresh SQLite file,
1,000 outbound parcels are opened (the shop's call), received and packed at one station, then
each label is printed the way the agent does it (one 100 × 150 mm PDF per request: the
parcel read from the database, its text laid out, the PDF drawn), then all of them as one
1,000-page PDF (a station's printer queue), and the hub's CSV manifest is written. The time
per label is the number that matters; the full run writes ``benchmarks/results/outbound.md``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import platform
import tempfile
import time
from collections.abc import Callable

import pypdf
from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.command_line import run_from_command_line
from core.db import make_engine, make_sessionmaker, transaction
from core.models import County, Household, Role, Township, User, Village
from core.services import create_user, grant_role
from core.timeutil import utcnow
from logistics import outbound
from logistics.models import OutboundParcel
from logistics.outbound import handover, label, parcels
from shop.models_registry import metadata

FULL, QUICK = 1_000, 50
#: Per label, printed one at a time as the agent does (DESIGN: a label in well under 0.1 s).
TARGET_MS_PER_LABEL = 50.0
ADDRESS = "广东省深圳市南山区粤海街道科技园南路 8 号 {n} 室"


def _station(session: Session) -> tuple[Village, User]:
    township = Township(
        county=County(name="桃江县"), name="灰山港镇", hub_address="镇中心", lat=28.5, lon=112.1
    )
    village = Village(
        township=township, name="桃源村", station_address="桃源村村委会旁", lat=28.52, lon=112.12
    )
    home = Household(
        village=village,
        head_name="李代办",
        phone="13900000201",
        address="1号",
        lat=28.52,
        lon=112.12,
    )
    session.add_all([village, home])
    agent = create_user(
        session,
        phone="13900000201",
        name="李代办",
        password_hash="!",  # noqa: S106 - no login
        household=home,
    )
    grant_role(session, user=agent, role=Role.AGENT, village=village)
    session.flush()
    return village, agent


def _timed(results: dict[str, float | int], name: str, step: Callable[[], object]) -> None:
    began = time.perf_counter()
    step()
    results[name] = round(time.perf_counter() - began, 2)


def run(count: int) -> dict[str, float | int]:
    results: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/outbound.sqlite3")
        metadata.create_all(engine)
        sessions = make_sessionmaker(engine)
        with transaction(sessions) as session:
            village, agent = _station(session)
            station_id, agent_id = village.id, agent.id

        def open_all() -> None:
            with transaction(sessions) as session:
                for n in range(1, count + 1):
                    outbound.open_outbound(
                        session,
                        order_id=n,
                        station_id=station_id,
                        seller_user_id=agent_id,
                        recipient="陈晓雯",
                        phone=f"139{n:08d}",
                        division_code="440305",
                        street=ADDRESS.format(n=n),
                        weight_g=2_000 + n,
                        ready_by=utcnow() + dt.timedelta(days=1),
                    )

        def pack_all() -> None:
            with transaction(sessions) as session:
                agent = session.get_one(User, agent_id)
                for parcel_id in session.scalars(select(OutboundParcel.id)):
                    parcels.receive_goods(
                        session, agent=agent, village_id=station_id, parcel_id=parcel_id
                    )
                    parcels.pack(
                        session, agent=agent, village_id=station_id, parcel_id=parcel_id,
                        weight_g=2_500,
                    )  # fmt: skip

        pages: list[bytes] = []

        def print_one_by_one() -> None:
            with transaction(sessions) as session:
                for parcel_id in session.scalars(select(OutboundParcel.id)).all():
                    found = parcels.packed_parcel(
                        session, village_id=station_id, parcel_id=parcel_id
                    )
                    pages.append(label.labels_pdf([label.label_text(found)]))

        batch: list[bytes] = []

        def print_as_one_pdf() -> None:
            with transaction(sessions) as session:
                found = session.scalars(select(OutboundParcel)).all()
                batch.append(label.labels_pdf(label.label_text(p) for p in found))

        manifest: list[str] = []

        def write_manifest() -> None:
            with transaction(sessions) as session:
                manifest.append(handover.manifest_csv(session.scalars(select(OutboundParcel))))

        _timed(results, f"open {count} parcels (the shop's call)", open_all)
        _timed(results, f"receive and pack {count} parcels", pack_all)
        _timed(results, f"print {count} labels, one PDF each", print_one_by_one)
        _timed(results, f"print {count} labels as one PDF", print_as_one_pdf)
        _timed(results, f"handover manifest CSV of {count}", write_manifest)
        engine.dispose()
    one_by_one = float(results[f"print {count} labels, one PDF each"])
    results["ms per label, one PDF each"] = round(1000 * one_by_one / count, 1)
    results["ms per label, one PDF"] = round(
        1000 * float(results[f"print {count} labels as one PDF"]) / count, 1
    )
    results["bytes per one-label PDF (mean)"] = sum(len(p) for p in pages) // len(pages)
    results["pages in the one PDF (checked with pypdf)"] = len(
        pypdf.PdfReader(io.BytesIO(batch[0])).pages
    )
    results["manifest rows"] = len(manifest[0].splitlines()) - 1
    return results


def report(count: int, results: dict[str, float | int]) -> str:
    per_label = float(results["ms per label, one PDF each"])
    lines = [
        f"# Outbound benchmark: printing {count:,} shipping labels",
        "",
        f"SQLite, one process; {platform.python_version()} on {os.cpu_count()} cores"
        f" ({platform.machine()}). Times in seconds unless the step says otherwise.",
        "",
        "| step | value |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in results.items()),
        "",
        f"Target: under {TARGET_MS_PER_LABEL:.0f} ms per label printed one at a time —"
        f" {'met' if per_label < TARGET_MS_PER_LABEL else 'MISSED'} ({per_label} ms).",
        "",
        "The county-sized outbound day (station to courier, PostgreSQL) is"
        " `benchmarks/outbound_day.py`, results in `outbound-day.md`.",
    ]
    return "\n".join(lines) + "\n"


def _report_of(quick: bool) -> str:
    count = QUICK if quick else FULL
    return report(count, run(count))


def main() -> None:
    run_from_command_line(
        __doc__, quick_help=f"{QUICK} labels", result_file="outbound.md", report_of=_report_of
    )


if __name__ == "__main__":
    main()
