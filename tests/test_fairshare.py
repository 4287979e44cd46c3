import threading
import time

import numpy as np

from autoencoder.config import Config
from autoencoder.fairshare import MIN_IMAGES, Lane
from autoencoder.network import operation_count

SEED = Config()  # 104,448 multiply-adds per image
HEAVY = Config.for_family("conv", filters=(128, 128), hidden_units=(64,), latent_dim=8)


def test_a_cheap_model_scores_the_whole_test_set():
    sample = Lane(rate=2e9).sample(SEED, 10_000)
    assert sample.whole and len(sample.indices) == 10_000
    assert sample.describe() == "all 10,000 test images"


def test_a_costly_model_scores_an_evenly_spaced_sample_that_fits_the_time():
    lane = Lane(rate=1e10)
    sample = lane.sample(HEAVY, 10_000, seconds=3.0)
    assert MIN_IMAGES <= len(sample.indices) < 10_000
    assert lane.seconds(HEAVY, len(sample.indices)) <= 3.0 + 1e-9
    steps = np.diff(sample.indices)
    assert steps.min() >= 1 and steps.max() - steps.min() <= 1  # evenly spaced, no repeats
    assert sample.indices[0] == 0 and sample.indices[-1] == 9_999
    assert "of the 10,000 test images" in sample.describe()


def test_never_fewer_than_a_useful_sample():
    sample = Lane(rate=1.0).sample(HEAVY, 10_000)
    assert len(sample.indices) == MIN_IMAGES


def test_one_pass_at_a_time_for_all_visitors_models():
    lane = Lane()
    running, most = [0], [0]
    lock = threading.Lock()

    def visitor():
        with lane.turn(SEED, 100):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=visitor) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1 and lane.waiting == 0


def test_the_lane_learns_this_machines_pace():
    lane = Lane(rate=1.0)
    with lane.turn(SEED, 1_000):
        time.sleep(0.1)
    measured = 1_000 * operation_count(SEED) / 0.1
    assert 0.3 * measured < lane.rate < 0.6 * measured  # halfway from the guess to the pace
