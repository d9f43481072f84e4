#!/usr/bin/python3
# The CMD of bench/journal-pid1.mjs, run by ts-init as PID 1 of a PID namespace: starts each
# flood unit named on the command line (MODE=UNIT), and measures, from the unit's start until
# the journal's writer has gone quiet, the CPU PID 1 and the writer spent (/proc/PID/task/*/sched;
# PID 1's without what the pings cost it, measured alone first), the wall time, and PID 1's
# control socket answering `ping` every 10 ms meanwhile. Then PID 1's RssAnon once the burst is
# over, what the store holds of the unit (journalctl), and one JSON object per flood.
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time

TS_INIT = sys.argv[1]
# The flood's own ping (one program's, for both benches); no __pycache__ left in the checkout.
sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location('journal_flood', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'journal-flood.py'))
FLOOD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FLOOD)
FLOODS = [a.split('=', 1) for a in sys.argv[2:]]


def sched_ms(pid):
    total = 0.0
    for f in glob.glob(f'/proc/{pid}/task/*/sched'):
        try:
            with open(f) as fh:
                for line in fh:
                    if line.startswith('se.sum_exec_runtime'):
                        total += float(line.split(':')[1])
                        break
        except OSError:
            pass
    return total


def writer_pid():
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open(f'/proc/{d}/comm') as fh:
                    if fh.read().strip() == 'ts-init-journal':
                        return int(d)
            except OSError:
                pass
    return None


def rss_anon_kb(pid):
    with open(f'/proc/{pid}/status') as fh:
        for line in fh:
            if line.startswith('RssAnon:'):
                return int(line.split()[1])
    return None


class Pinger(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.took = []
        self.stop = False

    def run(self):
        i = 0
        while not self.stop:
            i += 1
            took = FLOOD.ping_once('/run/ts-init.sock', i)
            if took is not None:
                self.took.append(took)
            time.sleep(0.01)


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float('nan')


def journal_dir():
    for d in ('/var/log/journal', '/run/log/journal'):
        if glob.glob(f'{d}/*/*.journal'):
            return d
    return '/run/log/journal'


for _ in range(100):
    writer = writer_pid()
    if writer:
        break
    time.sleep(0.1)
time.sleep(1)
# What a ping costs PID 1 alone (subtracted from the floods' CPU: the pings are not the journal's).
cpu0 = sched_ms(1)
pinger = Pinger()
pinger.start()
time.sleep(2)
pinger.stop = True
pinger.join()
ping_ms = (sched_ms(1) - cpu0) / max(1, len(pinger.took))
time.sleep(0.5)
for mode, unit in FLOODS:
    cpu0, wcpu0 = sched_ms(1), sched_ms(writer)
    pinger = Pinger()
    t0 = time.monotonic()
    pinger.start()
    subprocess.run([TS_INIT, 'ctl', 'start', unit], stdout=subprocess.DEVNULL)
    # Quiet: the writer (the last of the path) spent less than 0.5 ms of CPU in 0.5 s.
    last = sched_ms(writer)
    last_busy = time.monotonic()
    while time.monotonic() - last_busy < 0.5:
        time.sleep(0.1)
        now = sched_ms(writer)
        if now - last > 0.1:
            last_busy = time.monotonic()
        last = now
    pinger.stop = True
    pinger.join()
    wall = last_busy - t0
    cpu, wcpu = sched_ms(1) - cpu0, sched_ms(writer) - wcpu0
    time.sleep(3)  # PID 1 gives back what the burst took (releaseMemorySoon)
    out = subprocess.run(['journalctl', '-D', journal_dir(), '--no-pager', f'_SYSTEMD_UNIT={unit}', '-o', 'cat'], capture_output=True).stdout
    stored = sum(1 for l in out.split(b'\n') if l.startswith(b'flood-'))
    notices = subprocess.run(['journalctl', '-D', journal_dir(), '--no-pager', '-t', 'ts-init', '-o', 'cat'], capture_output=True).stdout.decode(errors='replace')
    behind = sum(int(m) for m in re.findall(r"^Suppressed (\d+) messages: the journal's writer was behind", notices, re.M))
    print(json.dumps({
        'mode': mode, 'stored': stored, 'droppedBehind': behind, 'wallS': round(wall, 3), 'pid1Ms': round(cpu - ping_ms * len(pinger.took), 1), 'pingMs': round(ping_ms, 3), 'writerMs': round(wcpu, 1),
        'pings': len(pinger.took), 'pingP50': round(quantile(pinger.took, 0.5), 2), 'pingP99': round(quantile(pinger.took, 0.99), 2),
        'rssAnonKb': rss_anon_kb(1), 'writerRssAnonKb': rss_anon_kb(writer),
    }), flush=True)
    time.sleep(1)
