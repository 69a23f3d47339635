"""Run the simulator: ``python -m grunt_archive.simulator --port 0``."""

from grunt_archive.simulator.command import simulate

if __name__ == "__main__":
    simulate(prog_name="python -m grunt_archive.simulator")
