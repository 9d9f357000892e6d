"""Full-int8 TFLite conversion with the input quantization OpenMV assumes.

OpenMV feeds an int8 model ``pixel − 128`` and ignores the model's input
scale, so the input must be quantized with scale 1/255 and zero point −128:
then ``(q − zp) · scale = pixel / 255``, exactly what the float model was
trained on. The converter derives the input parameters from the range the
calibration data spans; the first calibration face gets one pixel at 0 and
one at 255 so that range is exactly [0, 1], and the result is checked.
"""

import contextlib
import os
import warnings

import numpy as np

INPUT_SCALE = 1.0 / 255.0
INPUT_ZERO_POINT = -128
CALIBRATION_SAMPLES = 500


def quantize_int8(model, calibration, *, samples=CALIBRATION_SAMPLES, seed=0):
    """Convert a Keras model to full-int8 TFLite bytes (int8 input and output).

    Parameters
    ----------
    model : keras.Model with input (None, H, W, 1) in [0, 1]
    calibration : uint8 array (N, H, W), faces from the train split
    """
    import tensorflow as tf

    calibration = np.asarray(calibration)
    expected = tuple(model.input_shape[1:3])
    if calibration.dtype != np.uint8 or calibration.ndim != 3 or calibration.shape[1:] != expected or not len(calibration):
        raise ValueError(
            f"calibration set must be uint8 faces of shape (N, {expected[0]}, {expected[1]}), "
            f"got {calibration.dtype} {calibration.shape}"
        )
    rng = np.random.default_rng(seed)
    picks = calibration[rng.permutation(len(calibration))[:samples]].copy()
    picks[0, 0, 0], picks[0, 0, 1] = 0, 255  # pin the input range to exactly [0, 1]

    def representative():
        for face in picks:
            yield [(face.astype(np.float32) / 255.0)[None, ..., None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs")  # int8 input: intended
        tflite = converter.convert()  # (the exporter prints its graph to stdout)
    scale, zero_point = input_quantization(tflite)
    if zero_point != INPUT_ZERO_POINT or not np.isclose(scale, INPUT_SCALE, rtol=1e-6):
        raise RuntimeError(f"int8 input quantization came out as scale {scale}, zero point {zero_point}; "
                           f"the camera needs 1/255 and -128")
    return tflite


def input_shape(tflite):
    """(height, width, channels) of a TFLite model's first input: the geometry the camera must feed."""
    from ai_edge_litert.interpreter import Interpreter

    shape = Interpreter(model_content=bytes(tflite)).get_input_details()[0]["shape"]
    return tuple(int(v) for v in shape[1:4]) if len(shape) == 4 else (int(shape[1]), int(shape[2]), 1)


def input_quantization(tflite):
    """(scale, zero point) of a TFLite model's first input."""
    from ai_edge_litert.interpreter import Interpreter

    detail = Interpreter(model_content=bytes(tflite)).get_input_details()[0]
    scale, zero_point = detail["quantization"]
    return float(scale), int(zero_point)
