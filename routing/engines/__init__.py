"""Engines decide the order of visits; ``routing.schedule`` times them and the validator checks."""
