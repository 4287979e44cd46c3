"""The Test images view's wiring."""

from __future__ import annotations

from tests.views.conftest import open_app


def test_samples_grid_and_new_random_set():
    app = open_app("views/samples.py")
    assert app.title[0].value == "Test images"
    first = app.caption[0].value
    assert first.startswith("Test images ")
    assert len(app.image) == 3  # the picked set, the best, the worst
    app.button[0].click().run()  # "New random set"
    assert app.caption[0].value != first


def test_samples_by_class_and_by_index():
    app = open_app("views/samples.py")
    app.segmented_control(key="sample_mode").set_value("By index").run()
    app.number_input(key="sample_index").set_value(100).run()
    app.slider(key="sample_count").set_value(5).run()
    assert app.caption[0].value.startswith("Test images 100, 101, 102, 103, 104:")
    app.segmented_control(key="sample_mode").set_value("By class").run()
    app.selectbox(key="sample_class").set_value(7).run()
    assert not app.exception
    indices = [int(text) for text in app.caption[0].value[12:].split(":")[0].split(", ")]
    from autoencoder.data import load_dataset

    labels = load_dataset("mnist", include_train=False).test.labels
    assert len(indices) == 5
    assert set(labels[indices]) == {7}


def test_samples_without_data_say_how_to_provide_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = open_app("views/samples.py")
    assert "AUTOENCODER_DATA_DIR" in app.info[0].value
    assert not app.image
