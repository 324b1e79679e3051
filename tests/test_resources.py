"""Resources: what the package refuses to do because it would exhaust a
laptop (issue 12, item 8)."""

import pytest

from cnn_course import models, viz


def test_layered_view_refuses_a_diagram_wider_than_any_screen_before_drawing():
    # ResNet-152 at 224 drew a 190,581 px wide image and peaked at 4.4 GB.
    # Box depth depends on channels, not on the image size: 64x64 is enough.
    model = models.build_model("resnet50", input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match=r"resnet50.*wide.*block_diagram"):
        viz.layered_view(model)


def test_layered_view_estimate_is_close_to_what_visualkeras_draws():
    model = models.lenet5()
    image = viz.layered_view(model, legend=False, max_width=None)
    estimate = viz._estimated_width(model, {})
    assert abs(image.size[0] - estimate) < 0.1 * image.size[0]


def test_named_diagram_styles_apply_and_give_way_to_explicit_options():
    from cnn_course.viz import DIAGRAM_STYLES, _style

    font, options = _style("vgg", None, {"spacing": 30})
    assert options["spacing"] == 30  # explicit wins
    assert options["scale_z"] == DIAGRAM_STYLES["vgg"]["scale_z"]
    import keras

    assert options["type_ignore"] == [keras.layers.Dropout]
    with pytest.raises(ValueError, match="`style`.*alexnet"):
        viz.layered_view(models.lenet5(), style="resnet")
