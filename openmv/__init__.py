"""Camera bundle, on-camera MicroPython scripts and flashing (see the camera issue)."""
