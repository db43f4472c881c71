"""firmware_bridge: foot-pod devices, wire protocol, transports, recorder and the live display's pipeline."""
