"""The too-short-swing rule (events.drop_swing_artefacts) on hand-made event lists."""
import itertools

import numpy as np

from gaitcore.events import MIN_SWING_S, Event, EventKind, ICMethod, drop_swing_artefacts

FS_HZ = 200.0


def _ic(pos):
    return Event(EventKind.IC, float(pos), 300.0, ICMethod.ROTATION)


def _to(pos):
    return Event(EventKind.TO, float(pos), 300.0, None)


def _gyro(n, moving):
    """Gyro norm 20 dps everywhere except 400 dps over the (start, end) spans in ``moving``."""
    g = np.zeros((n, 3))
    g[:, 1] = 20.0
    for a, b in moving:
        g[a:b + 1, 1] = 400.0
    return g


def test_late_swing_contact_before_the_real_one_is_dropped():
    # real stance 100-160, swing, a "contact" at 300-312 with the foot rotating fast,
    # the real IC 8 samples (40 ms) later
    ev = [_ic(100), _to(160), _ic(300), _to(312), _ic(320), _to(380), _ic(520)]
    gyr = _gyro(600, [(170, 290), (300, 312), (390, 510)])
    out = drop_swing_artefacts(ev, gyr, FS_HZ)
    assert out == [_ic(100), _to(160), _ic(320), _to(380), _ic(520)]


def test_spurious_contact_after_a_real_one_is_dropped():
    ev = [_ic(100), _to(160), _ic(170), _to(182), _ic(320)]
    gyr = _gyro(400, [(165, 190), (190, 310)])
    assert drop_swing_artefacts(ev, gyr, FS_HZ) == [_ic(100), _to(160), _ic(320)]


def test_swings_at_the_limit_are_kept():
    gap = int(np.ceil(MIN_SWING_S * FS_HZ))
    for start in (100, 137):
        ev = [_ic(start), _to(start + 20), _ic(start + 20 + gap), _to(start + 40 + gap)]
        assert drop_swing_artefacts(ev, _gyro(400, []), FS_HZ) == ev


def test_alike_stances_are_both_kept():
    # a skip's hop: two real stances 0.09 s apart, equally still
    ev = [_ic(100), _to(128), _ic(146), _to(174), _ic(320)]
    gyr = _gyro(400, [(129, 145), (175, 319)])
    assert drop_swing_artefacts(ev, gyr, FS_HZ) == ev


def test_every_short_list_keeps_alternation_and_only_drops_ic_to_pairs():
    # exhaustive over IC/TO patterns of length <= 6 with swings of 5 or 60 samples; the
    # gyro norm grows 5% a sample, so no two stances are alike
    gyr = np.zeros((2000, 3))
    gyr[:, 0] = 20.0 * 1.05 ** np.arange(2000)
    for n in range(1, 7):
        for kinds in itertools.product((EventKind.IC, EventKind.TO), repeat=n):
            for gaps in itertools.product((5, 60), repeat=n):
                pos = np.cumsum(gaps) + 10
                ev = [_ic(p) if k is EventKind.IC else _to(p) for k, p in zip(kinds, pos)]
                out = drop_swing_artefacts(ev, gyr, FS_HZ)
                assert all(e in ev for e in out)
                dropped = [e for e in ev if e not in out]
                assert all(e.kind is EventKind.IC or ev[ev.index(e) - 1] in dropped for e in dropped)
                # what is left has no IC closer than MIN_SWING_S to a kept TO before it
                for a, b in zip(out, out[1:]):
                    assert not (a.kind is EventKind.TO and b.kind is EventKind.IC
                                and (b.pos - a.pos) / FS_HZ < MIN_SWING_S
                                and out[out.index(a) - 1].kind is EventKind.IC and out.index(a) > 0)


def test_which_contact_is_the_artefact():
    # the one decision the batch rule and the live display share
    from gaitcore.events import LESS_STILL_BY, swing_artefact
    assert swing_artefact(400.0, 20.0) == 0
    assert swing_artefact(20.0, 400.0) == 1
    assert swing_artefact(100.0, 100.0 * LESS_STILL_BY * 0.99) is None
    assert swing_artefact(100.0 * LESS_STILL_BY * 1.01, 100.0) == 0
