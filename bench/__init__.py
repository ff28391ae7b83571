"""Measurements of the suite and the reference server: overhead, throughput, scale, races, faults, input."""
