"""Examples for skillforge: a small tool environment and trajectories recorded from it."""
