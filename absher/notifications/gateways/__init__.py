"""SMS gateways behind one interface; `registry.get_gateway()` returns the configured one."""
