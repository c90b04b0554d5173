#!/usr/bin/env python3
"""Time whole processes side by side, interleaved, and print medians.

    scripts/bench-compare.py RUNS NAME=COMMAND NAME=COMMAND ...

Each round runs every command once, in turn (so a burst of load from other
work on the machine hits all of them alike), with its stdout discarded. For
each command it prints the median wall time and the median CPU time (user +
system, from wait4), then the ratio of the medians of the last command
against each of the others. Peak RSS is measured in separate runs under GNU time
(`/usr/bin/time -f %M`): a child forked from this Python process would
report Python's own memory as its peak. The load average is printed before
and after.
"""

import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time


def run(argv):
    start = time.perf_counter_ns()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e6
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"{shlex.join(argv)} exited {proc.returncode}: {err.decode(errors='replace')[-500:]}")
    cpu = (usage.ru_utime + usage.ru_stime) * 1e3
    return wall, cpu


def peak_rss(argv):
    """Peak RSS in MiB, as GNU time reports it for a child it forks."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *argv],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return int(out.read().split()[-1]) / 1024


def main():
    runs = int(sys.argv[1])
    commands = []
    for arg in sys.argv[2:]:
        name, _, command = arg.partition("=")
        commands.append((name, shlex.split(command)))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    samples = {name: [] for name, _ in commands}
    for name, argv in commands:  # warm the page cache
        run(argv)
    for _ in range(runs):
        for name, argv in commands:
            samples[name].append(run(argv))
    rss = {name: statistics.median(peak_rss(argv) for _ in range(5)) for name, argv in commands}
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'':44} {'median wall':>12} {'median CPU':>11} {'peak RSS':>10}  ({runs} runs each, interleaved)")
    medians = {}
    for name, _ in commands:
        wall, cpu = (statistics.median(s[i] for s in samples[name]) for i in range(2))
        medians[name] = (wall, cpu)
        print(f"{name:44} {wall:9.1f} ms {cpu:8.1f} ms {rss[name]:6.1f} MiB")
    last = commands[-1][0]
    for name, _ in commands[:-1]:
        print(f"ratio {last} / {name}: {medians[last][0] / medians[name][0]:.1f}x wall, "
              f"{medians[last][1] / medians[name][1]:.1f}x CPU")


if __name__ == "__main__":
    main()
