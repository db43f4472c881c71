"""firmware_bridge: foot-pod devices, wire protocol and transports (see issue 4)."""
