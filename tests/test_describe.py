"""The pictures' text alternatives say what they show, with the figures read off them."""

from __future__ import annotations

import numpy as np

from autoencoder import describe


def test_a_short_code_is_named_unit_by_unit():
    assert describe.code([1.2, -0.4]) == "decoded from code z0 = 1.20, z1 = -0.40"


def test_a_long_code_shows_its_first_values_and_counts_the_rest():
    text = describe.code(np.arange(32, dtype=float))
    assert text.startswith("decoded from code z0 = 0.00, z1 = 1.00")
    assert text.endswith("and 28 more numbers")


def test_a_reconstruction_gives_its_error_and_percentile():
    text = describe.reconstruction("your drawing", 0.0721, 23.4, "MNIST test images")
    assert text == (
        "the model's reconstruction of your drawing (error 0.072, worse than 23% of MNIST "
        "test images)"
    )
    assert describe.reconstruction("it", 0.1) == "the model's reconstruction of it (error 0.100)"


def test_the_error_map_counts_pixels_with_too_much_and_too_little_ink():
    original = np.zeros(784)
    rebuilt = original.copy()
    original[:3] = 1  # three pixels left out
    rebuilt[10] = 0.5  # one added
    rebuilt[11] = 0.05  # too small a change to count
    text = describe.error_map(original, rebuilt, "your drawing")
    assert "1 of 784 pixels have too much ink" in text
    assert "3 too little" in text
    assert "no pixel differs" in describe.error_map(original, original)


def test_a_grid_says_its_rows_and_columns():
    assert describe.grid("24 codes", 24, 12) == "24 codes, in 2 rows of 12"
    assert describe.grid("3 codes", 3, 12) == "3 codes, in 1 row of 3"


def test_errors_read_as_a_range_and_mean():
    assert describe.errors([0.1, 0.3]) == "BCE from 0.100 to 0.300, mean 0.200"
    assert describe.errors([0.1234]) == "BCE 0.123"


def test_a_chart_of_lines_reads_as_where_each_starts_and_ends():
    text = describe.curves(
        "Chart of PSNR", {"conv": ([32, 2, 8], [24.0, 13.0, 20.0]), "pca": ([2], [10.0])},
        "{x:g} numbers", "dB",
    )  # fmt: skip
    assert text == (
        "Chart of PSNR. conv: rises from 13.0 dB at 2 numbers to 24.0 dB at 32 numbers; "
        "pca: 10.0 dB at 2 numbers."
    )


def test_a_peak_between_the_ends_is_told():
    text = describe.curve("noisy", [0, 1, 2], [10.0, 20.0, 5.0], "level {x:g}", "dB")
    assert text.endswith(
        "falls from 10.0 dB at level 0 to 5.0 dB at level 2, highest 20.0 dB at level 1"
    )


def test_small_values_keep_their_decimals_and_a_unitless_line_has_no_gap():
    text = describe.curve("train", [1, 2, 3], [0.2512, 0.1301, 0.1203], "epoch {x:g}", "", 4)
    assert text == "train: falls from 0.2512 at epoch 1 to 0.1203 at epoch 3"
