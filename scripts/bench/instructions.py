#!/usr/bin/env python3
"""Instructions per request, counted by valgrind's callgrind: a figure that does not move with the
machine's load (wall-clock throughput on a shared 2-core box swings by ±20 % between runs).

    scripts/bench/instructions.py                        # bare handler and target/release/tessera, HS256
    scripts/bench/instructions.py --alg ES256 --n 2000
    scripts/bench/instructions.py --bin old=/tmp/tessera-old --bin new=target/release/tessera

Each server runs under callgrind; after a warm-up of 300 requests the counters are zeroed, `--n`
requests are sent with oha (2 connections), and the counters are dumped: total instructions of the
whole process (every thread, background tasks included) divided by `--n`. The Tessera servers are
seeded like `load.py` (scripts/bench/load.sh installs oha and builds the binaries this needs).
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402


def oha():
    found = shutil.which("oha") or os.path.join(load.TARGET, "bench-tools", "bin", "oha")
    if not os.path.exists(found):
        sys.exit("oha is missing: run scripts/bench/load.sh once (it installs it)")
    return found


def measure(name, argv, url, auth, port, n, seed, workdir):
    out = os.path.join(workdir, f"{name}.callgrind")
    with open(os.path.join(workdir, f"{name}.log"), "w") as log:
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + argv,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 180
        while not load.healthy_port(port):
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{name} did not start; see {workdir}/{name}.log")
            time.sleep(0.2)
        if seed:
            while True:
                try:
                    url = url.replace("SESSION", load.seed_api(port)["session"])
                    break
                except Exception:  # the server may still be migrating
                    if time.time() > deadline:
                        raise
                    time.sleep(0.5)
        headers = ["-H", "Content-Type: application/json"]
        if auth:
            headers += ["-H", f"Authorization: Bearer {load.SECRET}"]
        send = lambda count: subprocess.run(  # noqa: E731
            [oha(), "-n", str(count), "-c", "2", "--no-tui", "-m", "POST", "-d", "{}"] + headers + [url],
            capture_output=True, check=True)
        send(300)
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, check=True)
        send(n)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True, check=True)
    finally:
        proc.terminate()
        proc.wait(60)
    # The dump asked for after the run is `<out>.1`; `<out>` is the remainder at exit.
    with open(out + ".1") as f:
        total = int(re.search(r"^(?:summary|totals):\s+(\d+)", f.read(), re.M).group(1))
    return total / n


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--alg", default="HS256", choices=load.ALGS)
    p.add_argument("--n", type=int, default=2000, help="requests counted per server (default 2000)")
    p.add_argument("--bin", action="append", default=[],
                   help="NAME=PATH of a tessera binary (repeatable; default: target/release/tessera)")
    p.add_argument("--skip-bare", action="store_true")
    p.add_argument("--keep", action="store_true",
                   help="keep the callgrind files (for callgrind_annotate) and print where they are")
    args = p.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        sys.exit("needs valgrind (apt-get install valgrind)")
    bins = [b.split("=", 1) for b in args.bin] or [["tessera", load.TESSERA]]
    workdir = tempfile.mkdtemp(prefix="tessera-instructions-")
    rows = []
    if not args.skip_bare:
        port = load.free_port()
        rows.append(("bare", measure("bare", [load.BARE, f"127.0.0.1:{port}"],
                                     f"http://127.0.0.1:{port}/sign/{args.alg}", False, port, args.n, False,
                                     workdir)))
    for name, path in bins:
        port = load.free_port()
        argv = [path, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(workdir, name),
                "--secret-key", load.SECRET, "--master-key", load.MASTER, "--rate-limit", "0"]
        url = f"http://127.0.0.1:{port}/v1/sessions/SESSION/tokens/{load.TEMPLATE[args.alg]}"
        rows.append((name, measure(name, argv, url, True, port, args.n, True, workdir)))
    bare = dict(rows).get("bare")
    print(f"{args.alg}, {args.n} requests each, instructions per request (whole server process):")
    for name, per in rows:
        extra = f"  (+{per - bare:,.0f} beyond bare)" if bare and name != "bare" else ""
        print(f"  {name:12} {per:>10,.0f}{extra}")
    if args.keep:
        print(f"callgrind files: {workdir}/<name>.callgrind.1")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
