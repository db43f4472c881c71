"""Opt-in tests with real pods attached:

    pytest tests/test_real_devices.py --pod-url left=ble://footpod-left --pod-url right=/dev/ttyACM0

Without ``--pod-url`` they are deselected (conftest.py).  Also here, always run: the
serial transport over pyserial's own ``loop://`` URL handler (no device needed)."""
import asyncio

import numpy as np
import pytest

from firmware_bridge.protocol import Command, CommandFrame, DataFrame, SerialDecoder, serial_bytes
from firmware_bridge.transports import open_transport


def test_serial_transport_over_pyserial_loop_url():
    async def run():
        tr = open_transport("loop://")
        await tr.open()
        sent = serial_bytes(CommandFrame(5, Command.IDENTIFY))
        await tr.write(sent)
        got = b""
        for _ in range(20):
            got += await tr.read()
            if len(got) >= len(sent):
                break
        await tr.close()
        await tr.close()     # safe twice
        return sent, got
    sent, got = asyncio.run(run())
    assert got == sent and SerialDecoder().feed(got) == [CommandFrame(5, Command.IDENTIFY)]


@pytest.mark.realdevice
def test_real_pods_stream_complete_frames(pod_urls, tmp_path):
    """Record 10 s from the given podwire pods: every pod sends data, no frame is refused, sample
    indices are continuous (or the pod flagged an overflow), and the session analyses."""
    from firmware_bridge.assemble import decode_pods, pod_samples
    from firmware_bridge.recorder import record_session
    from firmware_bridge.session_file import read_session
    from gaitcore.signals import Placement, Segment, Side
    out = tmp_path / "real.podses"
    reports = asyncio.run(record_session(pod_urls, 10.0, out))
    assert all(r.bytes_received > 0 for r in reports), reports
    for stream in decode_pods(read_session(out)):
        assert stream.frames and not stream.stats.rejected, (stream.name, stream.stats)
        ps = pod_samples(stream, Placement(Side.UNKNOWN, Segment.FOOT), str(out))
        frames = [f for _, f in stream.frames if isinstance(f, DataFrame)]
        overflow = any(f.flags & 1 for f in frames)
        assert ps.n_missing == 0 or overflow, (stream.name, ps.n_missing)
        assert np.isfinite(ps.sensor.acc_mps2_sf).all()
