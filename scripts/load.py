"""Load on `nmref serve`: concurrent clients on loopback, bounded in count and time.

    python -m pip install -e '.[web]' && python scripts/load.py             # 50 clients, 20 s
    python scripts/load.py --clients 20 --seconds 5

Starts `nmref serve` on a free loopback port, runs the clients (each requests the Ceraxon drug
page and the JSON of a warfarin + aspirin check in turn) until the time is up, stops the
server, and prints requests per second, the median and 99th-percentile latency of each page,
and the error count. Exits 1 if any request failed. It only ever talks to 127.0.0.1.
"""

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

PAGES = {
    "drug page": "/-/nmref/drug/ceraxon",
    "check JSON": "/-/nmref/check.json?drug=warfarin&drug=aspirin",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    script = Path(sys.executable).parent / "nmref"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]
    server = subprocess.Popen([*command, "serve", "--port", str(port)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/-/nmref", timeout=5)
        except httpx.HTTPError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
            continue
        if server.poll() is None:  # the answer came from this server, not another on the port
            return server
        break
    server.kill()
    raise SystemExit(f"load: nmref serve did not start: {server.stderr.read().decode()[-500:]}")


async def client(base: str, stop: float, timings: dict[str, list[float]], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as session:
        while time.monotonic() < stop:
            for name, path in PAGES.items():
                started = time.perf_counter()
                try:
                    response = await session.get(path)
                    if response.status_code != 200:
                        errors.append(f"{name}: HTTP {response.status_code}")
                except httpx.HTTPError as error:
                    errors.append(f"{name}: {error!r}")
                timings[name].append(time.perf_counter() - started)


async def load(base: str, clients: int, seconds: float) -> tuple[dict[str, list[float]], list[str], float]:
    timings: dict[str, list[float]] = {name: [] for name in PAGES}
    errors: list[str] = []
    started = time.monotonic()
    stop = started + seconds
    await asyncio.gather(*(client(base, stop, timings, errors) for _ in range(clients)))
    return timings, errors, time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, choices=range(1, 201), metavar="1-200")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 120:
        parser.error("--seconds must be more than 0 and at most 120")
    port = free_port()
    server = start_server(port)
    try:
        timings, errors, elapsed = asyncio.run(load(f"http://127.0.0.1:{port}", args.clients, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(values) for values in timings.values())
    print(f"nmref serve under load: {args.clients} clients for {elapsed:.1f} s on 127.0.0.1")
    print(f"  {total} requests, {total / elapsed:.0f} requests/s, {len(errors)} errors")
    for name, values in timings.items():
        print(
            f"  {name:<11} {len(values):>6} requests  p50 {statistics.median(values) * 1000:6.1f} ms"
            f"  p99 {percentile(values, 0.99) * 1000:6.1f} ms"
        )
    for error in errors[:5]:
        print(f"  error: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
