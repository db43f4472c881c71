"""Time gaitmap's own pipeline on a gaitmap-style CSV; print one JSON line.

Run with the interpreter of an environment that has gaitmap installed (it pins
its own numpy/pandas, so it usually lives in a separate venv); benchmarks/speed.py
calls it.  The pipeline is the one of gaitmap's MaD example: gravity alignment,
foot-frame conversion, BarthDtw stride segmentation, RamppEventDetection (the
event part), then StrideLevelTrajectory and the temporal and spatial parameters
(the full part).  Each part is run ``repeats`` times after one warm-up run (so
numba compilation is excluded); the best time is reported.

    python benchmarks/gaitmap_peer.py imu_sample.csv 204.8 5
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import pandas as pd  # noqa: E402
from gaitmap.event_detection import RamppEventDetection  # noqa: E402
from gaitmap.parameters import SpatialParameterCalculation, TemporalParameterCalculation  # noqa: E402
from gaitmap.preprocessing import align_dataset_to_gravity  # noqa: E402
from gaitmap.stride_segmentation import BarthDtw  # noqa: E402
from gaitmap.trajectory_reconstruction import StrideLevelTrajectory  # noqa: E402
from gaitmap.utils.coordinate_conversion import convert_to_fbf  # noqa: E402


def events(data, fs):
    data_sf = align_dataset_to_gravity(data, fs)
    bf = convert_to_fbf(data_sf, left_like="left_", right_like="right_")
    dtw = BarthDtw().segment(data=bf, sampling_rate_hz=fs)
    ed = RamppEventDetection().detect(data=bf, stride_list=dtw.stride_list_, sampling_rate_hz=fs)
    return data_sf, ed


def full(data, fs):
    data_sf, ed = events(data, fs)
    traj = StrideLevelTrajectory().estimate(data=data_sf, stride_event_list=ed.min_vel_event_list_,
                                            sampling_rate_hz=fs)
    temporal = TemporalParameterCalculation().calculate(stride_event_list=ed.min_vel_event_list_,
                                                        sampling_rate_hz=fs)
    spatial = SpatialParameterCalculation().calculate(stride_event_list=ed.min_vel_event_list_,
                                                      positions=traj.position_, orientations=traj.orientation_,
                                                      sampling_rate_hz=fs)
    return temporal, spatial


def best_of(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    path, fs, repeats = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    data = pd.read_csv(path, header=[0, 1], index_col=0)
    n = len(data)
    t_ev = best_of(lambda: events(data, fs), repeats)
    t_full = best_of(lambda: full(data, fs), max(1, repeats // 2))
    import gaitmap
    print(json.dumps({"gaitmap_version": gaitmap.__version__, "n_samples_per_sensor": n,
                      "n_sensors": 2, "events_s": t_ev, "full_s": t_full}))


if __name__ == "__main__":
    main()
