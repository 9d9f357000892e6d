"""Models, trainer, int8 quantizer and evaluation (see the trainer issue)."""
