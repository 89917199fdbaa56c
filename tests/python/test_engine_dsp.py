"""The DSP processors (issue 4) in the real-time engine (issue 3): the same objects, run by the audio
callback, give the same output as their offline process() on the same input.

The input is known exactly: the virtual:counter device captures frame k of channel c as
((k mod 2^23) + c) / 2^23, and capture='output' gives what the chain produced from it, from frame 0."""
import numpy as np
import pytest

import percept
from percept import dsp

SR = 48000
SCALE = float(1 << 23)


def device_counter(n, channel=0):
    k = (np.arange(n, dtype=np.int64) % (1 << 23)) + channel
    return (k.astype(np.float32) / np.float32(SCALE)).astype(np.float32)


def run_duplex(chain, frames, channels=1, blocksize=64):
    with percept.Duplex(chain=chain, device="virtual:counter", samplerate=SR, channels=channels, blocksize=blocksize,
                        capture="output") as d:
        y = d.read(frames, timeout=10.0)
        info = d.last_read
        stats = d.stats
    assert info["first_frame"] == 0 and info["lost_frames"] == 0
    assert stats["frames_lost"] == 0
    return y


def vcs3_and_butterworth():
    return [dsp.Vcs3Filter(SR), dsp.Butterworth(4, 2000.0, "lowpass", sample_rate=SR)]


def test_vcs3_and_butterworth_in_the_engine_equal_their_offline_process():
    n = SR  # 1 s: 750 callbacks of 64 frames
    live = run_duplex(vcs3_and_butterworth(), n)
    x = device_counter(n)
    offline = dsp.Chain(vcs3_and_butterworth()).process(x)
    assert live.dtype == np.float32 and offline.dtype == np.float32
    assert np.max(np.abs(offline)) > 1e-4  # the filters pass the (rising) input: not a comparison of zeros
    np.testing.assert_array_equal(live, offline)
    # Processor by processor, offline: the same result (a chain is the processors in series).
    y = x
    for p in vcs3_and_butterworth():
        y = p.process(y)
    np.testing.assert_array_equal(live, y)


def test_nonlinear_regime_ring_modulator_and_newton_vcs3_two_channels():
    # The ring modulator's internal 500 Hz modulator turns the (amplified) ramp into an audio-rate signal,
    # amplified again into the Newton-solved VCS3.
    def make():
        return [dsp.Gain(40.0), dsp.DiodeRingModulator(SR), dsp.Gain(40.0),
                dsp.Vcs3Filter(SR, feedback=4.0, solver="newton"), dsp.Butterworth(2, 3000.0, sample_rate=SR)]
    n = SR // 2
    live = run_duplex(make(), n, channels=2, blocksize=128)
    x = np.stack([device_counter(n, 0), device_counter(n, 1)])
    offline = dsp.Chain(make()).process(x)
    assert live.shape == offline.shape == (2, n)
    assert np.std(offline[0, n // 2:]) > 1e-3  # an audio-rate signal, not a ramp
    np.testing.assert_array_equal(live, offline)


def test_duplex_accepts_a_chain_text_or_a_dsp_chain():
    n = SR // 4
    text = "vcs3(feedback=4) | butterworth(order=2, cutoff_hz=3000)"
    live_text = run_duplex(text, n)
    live_obj = run_duplex(dsp.parse_chain(text, SR), n)
    offline = dsp.parse_chain(text, SR).process(device_counter(n))
    np.testing.assert_array_equal(live_text, offline)
    np.testing.assert_array_equal(live_obj, offline)
    with percept.Duplex(chain=text, device="virtual", samplerate=SR, blocksize=64) as d:
        assert [p.name for p in d.chain] == ["chain"] and d._engine.chain == "chain"
        assert d.chain[0].describe() == "vcs3 | butterworth" and d.chain[0].sample_rate == SR  # prepared by the engine
    with pytest.raises(percept.ParameterError, match="feedbak"):
        percept.Duplex(chain="vcs3(feedbak=4)", device="virtual")
    with pytest.raises(percept.ParameterError, match="expected '\\|'"):
        percept.Duplex(chain="gain:-6,lowpass:2000", device="virtual")  # the old engine syntax is gone
    with pytest.raises(percept.ParameterError):
        percept.Duplex(chain=[lambda x: x], device="virtual")  # never Python code on the audio thread


def test_counter_and_cascade_are_dsp_processors():
    c = dsp.Counter()
    y = c.process(np.zeros((2, 1000), dtype=np.float32))
    k = np.arange(1000)
    np.testing.assert_array_equal(y[0], ((k + 1) / SCALE).astype(np.float32))
    np.testing.assert_array_equal(y[1], y[0])
    y2 = c.process(np.zeros((2, 10), dtype=np.float32))  # state carries across calls
    np.testing.assert_array_equal(y2[0], ((k[:10] + 1001) / SCALE).astype(np.float32))
    assert dsp.Counter.value(2**23 - 1) == 1.0 and dsp.Counter.value(2**23) == pytest.approx(1 / SCALE)
    cas = dsp.SaturatingCascade(stages=4, cutoff_hz=1000.0)
    step = cas.process(np.full(4800, 0.5), sample_rate=SR)
    assert abs(step[-1] - 0.5) < 0.02 and np.all(np.isfinite(step))
    parsed = dsp.parse_chain("cascade(stages=4, cutoff_hz=1000) | counter", SR)
    assert parsed.describe() == "cascade | counter"
    assert {"cascade", "counter"} <= set(dsp.chain_stage_names())
    assert "stages" in dsp.chain_stage_usage("cascade")
    with pytest.raises(percept.ParameterError):
        dsp.SaturatingCascade(stages=0)
    with pytest.raises(percept.ParameterError, match="unknown stage 'reverb'"):
        dsp.parse_chain("reverb(size_m=3)", SR)


def test_the_counter_in_a_duplex_loop_on_the_virtual_device():
    # virtual loopback: what the chain (a counter) plays comes back 2 periods later, every sample in order.
    with percept.Duplex(chain="counter", device="virtual", samplerate=SR, blocksize=64, capture="input") as d:
        x = d.read(9600, timeout=10.0)
    assert np.all(x[:128] == 0)
    np.testing.assert_array_equal(x[128:], ((np.arange(9600 - 128) + 1) / SCALE).astype(np.float32))
