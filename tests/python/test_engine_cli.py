"""The engine's CLI commands: duplex/latency JSON reports, and a recording that survives a dying JACK server."""
import json
import os
import subprocess
import time

import numpy as np
import pytest

import percept

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERCEPT = os.path.join(ROOT, "build", "bin", "percept")


def run(*args, timeout=60):
    return subprocess.run([PERCEPT, *args], capture_output=True, text=True, timeout=timeout)


def test_devices_json_lists_the_virtual_devices():
    r = run("devices", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [x["name"] for x in d["devices"]][:2] == ["virtual", "virtual:tone"]
    assert {a["name"] for a in d["host_apis"]} == {"virtual", "JACK", "ALSA"}


def test_duplex_on_jack_dummy_writes_stats_json(tmp_path):
    out = tmp_path / "stats.json"
    r = run("duplex", "--jack-dummy", "--chain", "gain(gain_db=-6) | cascade(stages=4)", "--seconds", "1", "--measure-latency",
            "--stats-json", str(out), "-q")
    assert r.returncode == 0, r.stderr
    s = json.loads(out.read_text())
    assert s["device"]["host_api"] == "JACK" and s["device"]["period"] == 64
    assert s["round_trip"]["frames"] == 64 == s["round_trip"]["expected_frames"]
    assert s["frames"] >= 48000 * 0.9 and s["frames_lost"] == 0
    assert 0 < s["load"]["mean"] <= s["load"]["max"]
    assert s["chain"] == "gain(gain_db=-6) | cascade(stages=4)"


def test_latency_on_the_virtual_device_equals_configured_buffering(tmp_path):
    out = tmp_path / "lat.json"
    r = run("latency", "-d", "virtual", "-b", "128", "--periods", "3", "--repeat", "2", "--json", str(out))
    assert r.returncode == 0, r.stderr
    m = json.loads(out.read_text())["measurements"]
    assert [x["frames"] for x in m] == [384, 384] and all(x["expected_frames"] == 384 for x in m)


def test_bad_chain_and_device_are_clear_errors():
    r = run("duplex", "--chain", "reverb(size=3)", "--seconds", "1", "-d", "virtual")
    assert r.returncode == 1 and "unknown stage 'reverb'" in r.stderr
    r = run("duplex", "--chain", "gain:-6,lowpass:2000", "--seconds", "1", "-d", "virtual")  # not the chain syntax
    assert r.returncode == 1 and "chain:" in r.stderr
    r = run("duplex", "--chain", "vcs3(feedbak=4)", "--seconds", "1", "-d", "virtual")
    assert r.returncode == 1 and "feedbak" in r.stderr
    r = run("record", "/tmp/percept-never.wav", "--seconds", "1", "-d", "nothing-here")
    assert r.returncode == 1 and "no audio device named 'nothing-here'" in r.stderr


def test_record_keeps_every_frame_when_the_jack_server_dies(tmp_path):
    out = tmp_path / "rec.wav"
    with percept.JackDummyServer(samplerate=48000, blocksize=64) as server:
        p = subprocess.Popen([PERCEPT, "record", str(out), "--seconds", "30", "-d", "jack:" + server.name, "-b", "64",
                              "--subtype", "FLOAT"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        server.kill()
        _, err = p.communicate(timeout=20)  # a clear error, not a hang
    assert p.returncode == 1
    assert "shut down" in err and "the recording keeps the" in err
    kept = int(err.split("the recording keeps the ")[1].split()[0])
    info = percept.info(str(out))
    assert info.frames == kept and kept > 48000 // 2
    y, sr = percept.load(str(out), sr=None)
    assert sr == 48000 and y.size == kept and np.all(np.isfinite(y))


def test_duplex_runs_dsp_processors_from_the_fx_syntax(tmp_path):
    out = tmp_path / "stats.json"
    chain = "butterworth(order=2,cutoff_hz=3000) | vcs3(feedback=4)"
    r = run("duplex", "-d", "virtual:tone", "--chain", chain, "--seconds", "1", "--stats-json", str(out), "-q")
    assert r.returncode == 0, r.stderr
    s = json.loads(out.read_text())
    assert s["chain"] == chain and s["device"]["host_api"] == "virtual"
    assert s["frames"] >= 48000 * 0.9 and s["frames_lost"] == 0 and 0 < s["load"]["mean"]


def test_fx_list_names_the_engine_stages_with_their_parameters():
    r = run("fx", "--list")
    assert r.returncode == 0, r.stderr
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.strip()}
    assert "stages=" in lines["cascade"] and "cutoff_hz=" in lines["cascade"]
    assert "2^23" in lines["counter"] and "feedback=" in lines["vcs3"]


def test_demo_live_runs_without_hardware_and_stops_on_its_own(tmp_path):
    out = tmp_path / "demo.json"
    t0 = time.monotonic()
    r = run("demo-live", "-d", "virtual:tone", "--seconds", "2", "--stats-json", str(out))
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 30
    assert "butterworth(order=2,cutoff_hz=3000) | vcs3(feedback=4)" in r.stdout  # the default chain
    assert "dBFS" in r.stdout and "statistics" in r.stdout and "round trip on the virtual loopback" in r.stdout
    s = json.loads(out.read_text())
    assert s["frames"] >= 48000 * 1.5 and s["frames_lost"] == 0 and s["load"]["mean"] > 0
    r = run("demo-live", "-d", "virtual:tone", "--seconds", "0")
    assert r.returncode != 0 and "--seconds" in r.stderr
