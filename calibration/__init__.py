"""calibration: IMU and mounting calibration values (frozen, versioned, unit-declared)."""
