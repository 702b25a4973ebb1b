"""Start-up and scale benchmark: every figure is a ratio to a minimal Typer app measured in the same run.

Usage: python benchmarks/run.py [--runs N] [--quick] [--keep DIR] [--only TEXT]...

It builds its own synthetic content packs (1k / 10k / 100k facts) and review histories (10k / 100k / 1M
reviews), runs the installed `serverless-study` command from a scratch folder, and prints one table. Not part of
the pytest run: these machines are shared and noisy, so only ratios measured side by side mean anything.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOOR_APP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye() -> None:
    """Say bye."""
    print("bye")


app()
'''


# Ratios to the floor: 10k facts since the first release; 100k facts from issue 17.
CHECK_BUDGETS = {"10k": 2.5, "100k": 10.0}


@dataclass
class Run:
    seconds: float
    max_rss_mb: float
    returncode: int


def run_once(argv: list[str], cwd: Path, env: dict[str, str], stdin: bytes = b"", *, tty: bool = False) -> Run:
    """Run a whole process; wall time and its own peak RSS.

    posix_spawn (not fork) so the child's peak RSS is its own: a forked child would count this script's
    memory too. wait4 gives that child's rusage. With `tty` its output goes to an 80x24 pseudo-terminal, read as
    it comes (as a terminal would), so the command draws its terminal view.
    """
    exe = argv[0] if os.sep in argv[0] else shutil.which(argv[0]) or argv[0]
    with tempfile.TemporaryFile() as err, _output(tty) as out:
        r, w = os.pipe()
        start = time.perf_counter()
        pid = _spawn(exe, argv, env, cwd, r, w, out, err.fileno())
        os.close(r)
        with contextlib.suppress(BrokenPipeError):
            os.write(w, stdin)
        os.close(w)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 130):
            err.seek(0)
            sys.stderr.write(f"  ! {' '.join(argv[-4:])} exited {code}: {err.read().decode()[-400:]}\n")
    return Run(elapsed, usage.ru_maxrss / 1024, code)


@contextlib.contextmanager
def _output(tty: bool):  # type: ignore[no-untyped-def]
    """The child's standard output: /dev/null, or a pseudo-terminal drained by a thread until the child is done."""
    if not tty:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            yield devnull
        finally:
            os.close(devnull)
        return
    import fcntl
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

    def drain() -> None:
        with contextlib.suppress(OSError):  # EIO once the child has closed its end
            while os.read(master, 65536):
                pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield slave
    finally:
        os.close(slave)
        reader.join(timeout=5)
        os.close(master)


def _spawn(exe: str, argv: list[str], env: dict[str, str], cwd: Path, r: int, w: int, out: int, err: int) -> int:
    # posix_spawn has no cwd argument before Python 3.13: change into it around the call.
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return os.posix_spawn(
            exe,
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, r, 0),
                (os.POSIX_SPAWN_DUP2, out, 1),
                (os.POSIX_SPAWN_DUP2, err, 2),
                (os.POSIX_SPAWN_CLOSE, w),
            ],
        )
    finally:
        os.chdir(here)


def write_pack(folder: Path, files: int, facts_per_file: int = 100) -> Path:
    """A synthetic pack shaped like real content: prompt, short answer, accepted alternative, explanation."""
    folder.mkdir(parents=True, exist_ok=True)
    for t in range(files):
        lines = [f"id: synth-{t:04d}", f"title: Synthetic topic {t}", "facts:"]
        for f in range(facts_per_file):
            lines += [
                f"  - id: f{f:03d}",
                f"    prompt: What is the value recorded for item {f} of synthetic topic {t}?",
                f"    answer: value {t}x{f}",  # not {t}-{f}: "value 1-10" and "value 11-0" are the same letters
                f'    accept: ["v{t}x{f}"]',
                f"    explanation: Item {f} of synthetic topic {t} records the value {t}x{f}.",
            ]
        (folder / f"{t:04d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def write_history(data_dir: Path, pack: Path, reviews: int, now: datetime) -> None:
    """A review database with `reviews` log rows spread over the pack's cards and two years, written with SQL."""
    from serverless_study.cards import generate_cards
    from serverless_study.loader import load_topics
    from serverless_study.store import Store, iso

    topics = load_topics([pack]).topics
    cards = generate_cards(topics)
    rng = random.Random(7)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.in_dir(data_dir)
    store.close()
    import sqlite3

    conn = sqlite3.connect(data_dir / "reviews.sqlite3")
    with conn:
        conn.executemany(
            "INSERT INTO card_state (card_id, topic_id, phase, step, stability, difficulty, due, last_review, lapses,"
            " reps, content_hash) VALUES (?, ?, 'review', NULL, ?, ?, ?, ?, 0, ?, ?)",
            [
                (
                    c.id,
                    c.topic_id,
                    rng.uniform(1, 200),
                    rng.uniform(1, 10),
                    iso(now + timedelta(days=rng.uniform(-10, 60))),
                    iso(now - timedelta(days=rng.uniform(0, 30))),
                    max(1, reviews // len(cards)),
                    c.content_hash,
                )
                for c in cards
            ],
        )
        start = now - timedelta(days=730)
        step = timedelta(days=730) / max(reviews, 1)

        def rows():  # type: ignore[no-untyped-def]
            for i in range(reviews):
                c = cards[i % len(cards)]
                first = i < len(cards)  # each card's first answer: no prediction to save
                predicted = None if first else rng.uniform(0.6, 1.0)
                rating = 1 if rng.random() > (predicted or 0.9) else 3
                phase = "new" if first else "review"
                yield (c.id, iso(start + step * i), rating, "x", int(rating > 1), 4000, phase, None, predicted)

        conn.executemany(
            "INSERT INTO review_log (card_id, reviewed_at, rating, answer, correct, duration_ms, phase, previous,"
            " retrievability) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
    conn.close()


def due_queue_ms(data_dir: Path, pack: Path, now: datetime, repeats: int = 5) -> float:
    """Median in-process time to build the due queue (everything before the first question is shown)."""
    from serverless_study.cards import generate_cards
    from serverless_study.days import Calendar
    from serverless_study.loader import load_topics
    from serverless_study.session import Limits, build_queue
    from serverless_study.store import Store

    topics = load_topics([pack]).topics
    cards = generate_cards(topics)
    times = []
    for _ in range(repeats):
        store = Store.in_dir(data_dir)
        t = time.perf_counter()
        build_queue(store, cards, now=now, day=Calendar(UTC).day_of(now), limits=Limits(), rng=random.Random(1))
        times.append((time.perf_counter() - t) * 1000)
        store.close()
    return statistics.median(times)


@dataclass
class Figure:
    name: str
    argv: list[str]
    budget: float | None  # ratio to the floor, or None when only shown
    stdin: bytes = b""
    fresh_data: bool = False  # a new empty data directory for every run
    data_dir: Path | None = None
    memory_budget_mb: float | None = None
    runs: int | None = None  # fewer runs for slow figures (default: --runs)
    warm: bool = True  # run once before measuring (fills the content cache)
    before: list[str] | None = None  # run (untimed, same data directory) before every timed run
    tty: bool = False  # standard output is a terminal (80 columns), not a pipe


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per figure (median is reported)")
    parser.add_argument("--quick", action="store_true", help="skip the 100k-fact and 1M-review scale points")
    parser.add_argument("--keep", type=Path, help="build the synthetic data here and keep it")
    # Internal: the steps that import the package run in child processes, so this process stays small and
    # cannot inflate the children's peak memory (Linux carries the parent's high-water mark into a spawn).
    parser.add_argument("--history", nargs=4, metavar=("DATA", "PACK", "REVIEWS", "NOW"), help=argparse.SUPPRESS)
    parser.add_argument("--queue", nargs=3, metavar=("DATA", "PACK", "NOW"), help=argparse.SUPPRESS)
    parser.add_argument("--only", metavar="TEXT", action="append", help="only the figures whose name has TEXT")
    args = parser.parse_args()
    if args.history:
        data, pack, reviews, moment = args.history
        write_history(Path(data), Path(pack), int(reviews), datetime.fromisoformat(moment))
        return 0
    if args.queue:
        data, pack, moment = args.queue
        print(due_queue_ms(Path(data), Path(pack), datetime.fromisoformat(moment)))
        return 0

    exe = shutil.which("serverless-study", path=str(Path(sys.executable).parent)) or shutil.which("serverless-study")
    if not exe:
        print("serverless-study is not installed in this environment (pip install .)", file=sys.stderr)
        return 1
    work = args.keep or Path(tempfile.mkdtemp(prefix="ss-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    scratch = work / "cwd"
    scratch.mkdir(exist_ok=True)
    (work / "floor.py").write_text(FLOOR_APP)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work / "home"), "LANG": "C.UTF-8"}
    now = datetime.now(UTC).replace(microsecond=0)

    print(f"building synthetic data in {work} ...", file=sys.stderr)
    sizes = {"1k": 10, "10k": 100} if args.quick else {"1k": 10, "10k": 100, "100k": 1000}
    packs = {name: write_pack(work / f"pack-{name}", files) for name, files in sizes.items()}
    histories = {"10k": 10_000, "100k": 100_000} if args.quick else {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
    history_dirs = {}
    for name, n in histories.items():
        d = work / f"data-{name}"
        if not (d / "reviews.sqlite3").exists():
            subprocess.run(
                [sys.executable, __file__, "--history", str(d), str(packs["10k"]), str(n), now.isoformat()], check=True
            )
        history_dirs[name] = d

    floor = [sys.executable, str(work / "floor.py"), "--help"]
    answer_one = b"1\n1\n1\n"  # a choice, then a grade if asked; end of input ends the session
    figures: list[Figure] = [
        Figure("--help", [exe, "--help"], 1.15, fresh_data=True),
        Figure("learn x-ray (piped)", [exe, "learn", "x-ray"], 1.3, fresh_data=True),
        Figure(
            "quiz --plain --limit 1",
            [exe, "quiz", "--plain", "--limit", "1", "--seed", "1"],
            1.5,
            stdin=answer_one,
            fresh_data=True,
        ),
    ]
    for name, pack in packs.items():
        big = name == "10k"
        warm = work / f"data-warm-{name}"
        figures += [
            Figure(
                f"check, {name} facts (cold)",  # check never uses the content cache
                [exe, "check", str(pack)],
                CHECK_BUDGETS.get(name),
                memory_budget_mb=150 if big else None,
                fresh_data=True,
            ),
            Figure(
                f"quiz --limit 1, {name} facts (cold cache)",
                [exe, "--content", str(pack), "quiz", "--plain", "--limit", "1", "--seed", "1"],
                None,
                stdin=answer_one,
                fresh_data=True,
                memory_budget_mb=150 if big else None,
            ),
            Figure(
                f"quiz --limit 1, {name} facts",
                [exe, "--content", str(pack), "quiz", "--plain", "--limit", "1", "--seed", "1"],
                {"10k": 1.3, "100k": 1.6}.get(name),  # the content index: only the topics asked are loaded
                stdin=answer_one,
                data_dir=warm,
                memory_budget_mb={"10k": 150, "100k": 100}.get(name),
            ),
        ]
        if big:  # a learner alternating content sets: the pack's cache entries must survive the other command
            figures.append(
                Figure(
                    f"quiz --limit 1, {name} facts, after another set",
                    [exe, "--content", str(pack), "quiz", "--plain", "--limit", "1", "--seed", "1"],
                    1.3,
                    stdin=answer_one,
                    data_dir=work / f"data-alternate-{name}",
                    memory_budget_mb=150,
                    before=[exe, "learn", "x-ray"],
                )
            )
        figures += [
            Figure(
                f"export anki, {name} facts",
                [exe, "--content", str(pack), "export", "anki", str(work / f"out-{name}.csv")],
                2.0 if big else None,
                data_dir=warm,
                memory_budget_mb=150 if big else None,
            ),
        ]
    for name, d in history_dirs.items():
        for how, extra, tty in (("piped", [], False), ("--json", ["--json"], False), ("in a terminal", [], True)):
            figures.append(
                Figure(
                    f"stats {how}, {name} reviews",
                    [exe, "--content", str(packs["10k"]), "stats", *extra],
                    2.0 if name == "1M" else None,
                    data_dir=d,
                    tty=tty,
                )
            )

    for name in ("100k", "1M"):
        if name in history_dirs and importlib.util.find_spec("fsrs_rs_python") is not None:
            figures.append(
                Figure(
                    f"optimize --dry-run, {name} reviews",
                    [exe, "optimize", "--dry-run"],
                    None,
                    data_dir=history_dirs[name],
                    memory_budget_mb=300 if name == "1M" else None,
                    runs=1,
                    warm=False,
                )
            )

    if args.only:
        figures = [fig for fig in figures if any(text in fig.name for text in args.only)]
    rows = []
    floor_runs: list[float] = []
    for fig in figures:
        runs = fig.runs or (args.runs if "100k" not in fig.name else max(3, args.runs // 3))
        if fig.data_dir is not None and fig.warm:  # warm it once: the cache is filled by the first use
            run_once([*fig.argv[:1], "--data-dir", str(fig.data_dir), *fig.argv[1:]], scratch, env, fig.stdin)
        times, mems = [], []
        for i in range(runs):
            # Interleave the floor with the figure so both see the same machine load.
            floor_runs.append(run_once(floor, scratch, env).seconds)
            data = fig.data_dir or (work / "fresh" / f"{len(rows)}-{i}")
            if fig.fresh_data and data.exists():
                shutil.rmtree(data)
            if fig.before is not None:
                run_once([*fig.before[:1], "--data-dir", str(data), *fig.before[1:]], scratch, env)
            r = run_once([*fig.argv[:1], "--data-dir", str(data), *fig.argv[1:]], scratch, env, fig.stdin, tty=fig.tty)
            times.append(r.seconds)
            mems.append(r.max_rss_mb)
        rows.append((fig, statistics.median(times), max(mems), statistics.median(floor_runs[-runs:])))
        print(f"  measured {fig.name}", file=sys.stderr)

    measure_queue = not args.only or any(text in "due queue in-process" for text in args.only)
    queue = {
        name: float(
            subprocess.run(
                [sys.executable, __file__, "--queue", str(d), str(packs["10k"]), now.isoformat()],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for name, d in history_dirs.items()
        if measure_queue
    }

    floor_all = statistics.median(floor_runs)
    commit = (
        subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )
    print(
        f"\nserverless-study benchmark  (commit {commit}, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f})"
    )
    print(
        f"floor: minimal two-command Typer app --help, median {floor_all * 1000:.0f} ms over {len(floor_runs)} runs\n"
    )
    header = f"{'figure':44} {'median':>8} {'ratio':>6} {'budget':>7} {'peak MB':>8}  result"
    print(header)
    print("-" * len(header))
    failures = 0
    for fig, median, peak, floor_med in rows:
        ratio = median / floor_med
        ok_time = fig.budget is None or ratio <= fig.budget
        ok_mem = fig.memory_budget_mb is None or peak <= fig.memory_budget_mb
        verdict = (
            "-" if fig.budget is None and fig.memory_budget_mb is None else ("pass" if ok_time and ok_mem else "FAIL")
        )
        failures += verdict == "FAIL"
        budget = f"{fig.budget:.2f}x" if fig.budget else ""
        mem_note = f" (≤{fig.memory_budget_mb:.0f})" if fig.memory_budget_mb else ""
        print(f"{fig.name:44} {median * 1000:6.0f}ms {ratio:5.2f}x {budget:>7} {peak:7.1f}{mem_note:7} {verdict}")
    for name, ms in queue.items():
        verdict = ("pass" if ms <= 100 else "FAIL") if name == "1M" else "-"
        failures += verdict == "FAIL"
        print(
            f"{'due queue in-process, ' + name + ' reviews':44} {ms:6.1f}ms {'':>6} "
            f"{'100ms' if name == '1M' else '':>7}"
            f" {'':>8}  {verdict}"
        )
    print(f"\n{failures} budget(s) missed" if failures else "\nall budgets met")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
