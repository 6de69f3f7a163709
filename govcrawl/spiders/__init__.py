"""The spiders: portals (one generic spider driven by the registry)."""
