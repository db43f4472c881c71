"""``gait batch`` (sprintgait.batch): a folder tree of recordings analysed again, locally
in processes and on a Dask cluster of real processes on the loopback (a worker killed
mid-batch; TLS with certificates of a private CA, a worker without them refused).

Recordings are simulated sessions (500 Hz, seeds 1-12 as given in the fixtures) of
two athletes.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dask_cluster import Cluster, client_config, make_certs
from gaitcore.simulate import SKIP, SPRINT, Rep, SessionPlan, simulate_plan, write_simulation
from sprintgait.batch import RESULT_SUFFIX, find_sessions, read_result
from sprintgait.cli import main
from sprintgait.history import History

ROOT = Path(__file__).resolve().parents[1]


def _session(path: Path, athlete: str, seed: int) -> None:
    plan = SessionPlan("t", "a sprint and skips", athlete,
                       (Rep(SPRINT, 30.0, accel_tau_s=1.2, brake_mps2=4.0), Rep(SKIP, 15.0)), rest_s=4.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_simulation(simulate_plan(plan, fs_hz=500.0, seed=seed), path)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """ann/ (seeds 1-2), zed/2026/ (seed 3), a corrupt recording and a notes file."""
    root = tmp_path_factory.mktemp("archive")
    _session(root / "ann" / "mon.gaitrec", "Ann Example", 1)
    _session(root / "ann" / "wed.gaitrec", "Ann Example", 2)
    _session(root / "zed" / "2026" / "fri.gaitrec", "Zed Quux", 3)
    good = (root / "ann" / "mon.gaitrec").read_bytes()
    (root / "zed" / "broken.gaitrec").write_bytes(good[: len(good) // 3])     # the head of one: cut short
    (root / "zed" / "notes.txt").write_text("spikes were new\n")
    return root


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """12 sessions (seeds 1-12) for the cluster tests."""
    root = tmp_path_factory.mktemp("many")
    for seed in range(1, 13):
        _session(root / f"a{seed % 2}" / f"s{seed:02d}.gaitrec", f"Athlete {seed % 2}", seed)
    return root


def _results(out: Path) -> dict[str, dict]:
    return {str(p.relative_to(out)): read_result(p) for p in out.rglob(f"*{RESULT_SUFFIX}")}


def _hidden(out: Path) -> list[Path]:
    return [p for p in out.rglob(".*")]


def test_sessions_are_found_by_content(archive, tmp_path):
    found = find_sessions(archive, archive / "gait-results")
    names = [n for n, _ in found.sessions]
    assert names == ["ann/mon.gaitrec", "ann/wed.gaitrec", "zed/2026/fri.gaitrec", "zed/broken.gaitrec"]
    assert found.unreadable == ()
    # a folder of sensor files beside a native file: the sensor files are one session, the native file another
    import shutil
    mixed = tmp_path / "mixed"
    shutil.copytree(ROOT / "validation" / "data" / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU", mixed)
    shutil.copy(archive / "ann" / "mon.gaitrec", mixed / "mon.gaitrec")
    got = find_sessions(mixed, mixed / "out").sessions
    assert [(n, [p.name for p in ps]) for n, ps in got] == [
        ("mixed", ["LF.csv", "LS.csv", "RF.csv", "RS.csv"]), ("mon.gaitrec", ["mon.gaitrec"])]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_analyses_each_session_and_lists_the_bad_one(tmp_path, archive, jobs, capsys):
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    assert main(["batch", str(archive), "--out", str(out), "--jobs", str(jobs), "--save", "--db", str(db),
                 "--report", "--parquet", "-q"]) == 2
    captured = capsys.readouterr()
    assert "3 analysed, 0 up to date, 1 failed" in captured.out
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("gait: error: zed/broken.gaitrec: ")
    got = _results(out)
    assert sorted(got) == [f"ann/mon.gaitrec{RESULT_SUFFIX}", f"ann/wed.gaitrec{RESULT_SUFFIX}",
                           f"zed/2026/fri.gaitrec{RESULT_SUFFIX}"]
    from sprintgait.ingest import analyse_recording
    direct = analyse_recording([archive / "ann" / "mon.gaitrec"]).analysis
    assert got[f"ann/mon.gaitrec{RESULT_SUFFIX}"]["analysis"] == direct      # the same analysis as gait analyze
    assert len(list(out.rglob("*.html"))) == 3
    parquet = sorted(str(p.relative_to(out / "steps").parent) for p in out.rglob("*.parquet"))
    assert parquet == ["athlete=Ann%20Example/date=" + got[f"ann/mon.gaitrec{RESULT_SUFFIX}"]["history"]
                       ["session_date"]] * 2 + [f"athlete=Zed%20Quux/date={got[f'zed/2026/fri.gaitrec{RESULT_SUFFIX}']['history']['session_date']}"]
    for f in [*out.rglob("*.json"), *out.rglob("*.html"), *out.rglob("*.parquet")]:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert not _hidden(out)
    with History.open(db) as h:
        assert h.count("sessions") == 3


def test_a_second_run_skips_what_is_up_to_date(tmp_path, archive, capsys):
    out = tmp_path / "out"
    main(["batch", str(archive), "--out", str(out), "-q"])
    capsys.readouterr()
    first = {p: p.stat().st_mtime_ns for p in out.rglob(f"*{RESULT_SUFFIX}")}
    assert main(["batch", str(archive), "--out", str(out), "-q"]) == 2      # (the broken file fails again)
    assert "0 analysed, 3 up to date, 1 failed" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob(f"*{RESULT_SUFFIX}")} == first
    assert main(["batch", str(archive), "--out", str(out), "-q", "--force"]) == 2
    assert "3 analysed, 0 up to date, 1 failed" in capsys.readouterr().out
    (archive / "ann" / "wed.gaitrec").touch()            # a recording changed since: analysed again
    assert main(["batch", str(archive), "--out", str(out), "-q"]) == 2
    assert "1 analysed, 2 up to date, 1 failed" in capsys.readouterr().out
    assert main(["batch", str(archive), "--out", str(out), "-q", "--report"]) == 2     # reports asked: made
    assert "3 analysed, 0 up to date" in capsys.readouterr().out


def test_bad_batch_arguments_are_one_line(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "none")]) == 2
    assert main(["batch", str(tmp_path)]) == 2
    assert "no recordings under" in capsys.readouterr().err
    assert main(["batch", str(tmp_path), "--dask-config", "x.yaml"]) == 2
    with pytest.raises(SystemExit) as stop:
        main(["batch", str(tmp_path), "--jobs", "0"])
    assert stop.value.code == 2


def _run_batch(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sprintgait", "batch", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_a_result(p: subprocess.Popen, out: Path) -> None:
    """Until the batch ``p`` has finished its first session (polling its results)."""
    deadline = time.monotonic() + 300
    while not list(out.rglob(f"*{RESULT_SUFFIX}")):
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline, "no session finished"
        time.sleep(0.05)


def test_a_dask_cluster_with_a_worker_killed_mid_batch_analyses_every_session_once(tmp_path, many):
    out, db = tmp_path / "out", tmp_path / "h.sqlite"
    with Cluster(tmp_path / "logs", n_workers=2) as cluster:
        p = _run_batch([str(many), "--out", str(out), "--scheduler", cluster.address, "--save", "--db", str(db),
                        "-q"])                     # (the workers write Parquet without --parquet too)
        _wait_for_a_result(p, out)
        other = _run_batch([str(many / "a1"), "--out", str(tmp_path / "other"), "--scheduler", cluster.address,
                            "-q"])                   # another batch on the cluster at the same time
        cluster.workers[0].kill()
        done_at_kill = len(list(out.rglob(f"*{RESULT_SUFFIX}")))
        stdout, stderr = p.communicate(timeout=600)
        other_out, other_err = other.communicate(timeout=600)
    assert other.returncode == 0, other_err
    assert "6 analysed, 0 up to date, 0 failed" in other_out and len(_results(tmp_path / "other")) == 6
    assert done_at_kill < 12, "the batch ended before the worker was killed"
    assert p.returncode == 0, stderr
    assert "12 analysed, 0 up to date, 0 failed" in stdout
    assert len(_results(out)) == 12 and not _hidden(out)
    assert len(list(out.rglob("*.parquet"))) == 12
    with History.open(db) as h:
        assert h.count("sessions") == 12 and h.check() == "ok"
        assert len({s.recordings[0] for s in h.sessions()}) == 12


def test_a_tls_cluster_takes_certified_clients_and_workers_only(tmp_path, many):
    certs = make_certs(tmp_path / "certs")
    stranger = make_certs(tmp_path / "other", name="stranger")       # signed by another CA
    config = client_config(tmp_path / "dask.yaml", certs)
    out = tmp_path / "out"
    with Cluster(tmp_path / "logs", n_workers=1, certs=certs) as cluster:
        assert cluster.address.startswith("tls://")
        no_cert = cluster.start_worker("no-cert", None)
        wrong = cluster.start_worker("wrong-ca", stranger)
        p = _run_batch([str(many / "a0"), "--out", str(out), "--scheduler", cluster.address, "--dask-config",
                        str(config), "-q"])
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr
        assert "6 analysed" in stdout and len(_results(out)) == 6
        assert cluster.worker_names() == ["w0"]          # neither worker without the CA's certificate joined
        p = _run_batch([str(many / "a1"), "--out", str(tmp_path / "out2"), "--scheduler", cluster.address, "-q"])
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 2 and "cannot connect without the cluster's certificates" in stderr
        assert len(stderr.strip().splitlines()) == 1
        wrong_config = client_config(tmp_path / "wrong.yaml", stranger)
        p = _run_batch([str(many / "a1"), "--out", str(tmp_path / "out2"), "--scheduler", cluster.address,
                        "--dask-config", str(wrong_config), "-q"])
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 2 and "cannot connect" in stderr and len(stderr.strip().splitlines()) == 1
        assert not (tmp_path / "out2").exists() or not _results(tmp_path / "out2")
        assert no_cert.wait(timeout=120) != 0             # no certificate: it cannot even open a TLS connection
        assert wrong.poll() is None and cluster.worker_names() == ["w0"]     # another CA's: still knocking
    scheduler_log = (tmp_path / "logs" / "scheduler.log").read_text()
    assert "TLS handshake failed" in scheduler_log and "unknown ca" in scheduler_log


def _pool_workers(pid: int) -> list[int]:
    """The worker processes of a process's pool (spawned: their command line runs spawn_main)."""
    kids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    return [k for k in kids if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()]


def test_a_local_worker_process_killed_mid_batch_loses_no_session(tmp_path, many):
    out = tmp_path / "out"
    p = _run_batch([str(many), "--out", str(out), "--jobs", "2", "-q"])
    _wait_for_a_result(p, out)
    workers = _pool_workers(p.pid)
    assert len(workers) == 2
    os.kill(workers[0], 9)
    done_at_kill = len(list(out.rglob(f"*{RESULT_SUFFIX}")))
    stdout, stderr = p.communicate(timeout=600)
    assert done_at_kill < 12, "the batch ended before the worker was killed"
    assert p.returncode == 0, stderr
    assert "12 analysed, 0 up to date, 0 failed" in stdout
    assert len(_results(out)) == 12 and not _hidden(out)


def test_a_session_that_kills_its_worker_process_fails_alone(tmp_path, archive):
    """The session named "crash" ends its process each time (tests/crashing_task.py): the
    sessions in the pool with it are run again alone and analysed; only it is reported."""
    import shutil
    from crashing_task import run_or_crash
    from sprintgait.batch import plan, run_local
    from sprintgait.ingest import ImportOptions
    tree = tmp_path / "tree"
    for i, name in enumerate(("a", "b", "crash", "c", "d")):
        (tree / name).mkdir(parents=True)
        shutil.copy(archive / "ann" / ("mon.gaitrec" if i % 2 else "wed.gaitrec"), tree / name / "s.gaitrec")
    tasks = plan(tree, tmp_path / "out", ImportOptions(), False, False)
    done = []
    run_local(tasks, 2, done.append, work=run_or_crash)
    assert sorted(d.name for d in done) == sorted(t.name for t in tasks)
    failed = {d.name: d.error for d in done if d.item is None}
    assert list(failed) == ["crash/s.gaitrec"] and "died while analysing it, 2 times" in failed["crash/s.gaitrec"]


def test_athlete_names_only_the_recordings_that_name_none(tmp_path, archive):
    out = tmp_path / "out"
    main(["batch", str(archive), "--out", str(out), "-q", "--athlete", "Somebody Else"])
    athletes = {k: r["history"]["athlete"] for k, r in _results(out).items()}
    assert set(athletes.values()) == {"Ann Example", "Zed Quux"}


def test_the_parquet_steps_read_as_one_dataset(tmp_path, archive):
    import pyarrow.dataset as ds
    out = tmp_path / "out"
    main(["batch", str(archive), "--out", str(out), "-q", "--parquet"])
    table = ds.dataset(out / "steps", format="parquet", partitioning="hive").to_table()
    results = _results(out)
    assert table.num_rows == sum(len(r["analysis"]["steps"]) for r in results.values())
    assert set(table.column("athlete").to_pylist()) == {"Ann Example", "Zed Quux"}     # (the quoting read back)
    assert table.schema.field("shank_angle_peak_deg").type == "double"
    for d in [out, *(p for p in (out / "steps").rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
