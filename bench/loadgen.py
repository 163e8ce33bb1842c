"""A small HTTP/1.1 load generator for the benchmarks that wrk cannot drive: open-loop (a fixed
rate, latency measured from when each request was due, so a slow server cannot hide its queue) and
closed-loop load of requests that must each be unique (signed bank notifications with a fresh
nonce, one-time codes).

It runs as its own process, pinned to one core by the caller (`taskset`), and reads one JSON job
on stdin; it prints one JSON result on stdout:

    {"mode": "open", "rate": 120, "seconds": 15, "connections": 64,
     "host": "127.0.0.1", "port": 8400, "source": {...}}
    {"mode": "closed", "connections": 8, "seconds": 10, ...}

Sources: `fixed` (a list of requests, taken in turn), `sadad` and `sadad_batch` (signed payment
notifications of bills from a file, each used once), `otp` (one-time codes from a file, each used
once). A source that runs out ends the run early; the result says so."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

RIYADH = dt.timezone(dt.timedelta(hours=3))


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    items: int = 1


class Exhausted(Exception):
    pass


class Source:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.kind = spec["kind"]
        if self.kind == "fixed":
            requests = [
                Request(
                    r.get("method", "GET"),
                    r["path"],
                    r.get("headers", {}),
                    r.get("body", "").encode(),
                )
                for r in spec["requests"]
            ]
            self._fixed = _cycle(requests)
        elif self.kind in ("sadad", "sadad_batch", "otp"):
            lines = Path(spec["file"]).read_text().split()
            self._items: Iterator[str] = iter(lines)
        else:
            raise SystemExit(f"unknown source {self.kind!r}")
        self.counter = 0

    def next(self) -> Request:
        if self.kind == "fixed":
            return next(self._fixed)
        if self.kind == "otp":
            challenge = self._take()
            body = json.dumps({"challenge_id": challenge, "code": self.spec["code"]}).encode()
            return Request("POST", self.spec["path"], {"Content-Type": "application/json"}, body)
        if self.kind == "sadad":
            body = json.dumps(self._notification(self._take()), separators=(",", ":")).encode()
            return self._signed(self.spec["path"], body, 1)
        size = self.spec["batch"]
        items = []
        for _ in range(size):
            try:
                items.append(self._notification(self._take()))
            except Exhausted:
                break
        if not items:
            raise Exhausted
        body = json.dumps({"items": items}, separators=(",", ":")).encode()
        return self._signed(self.spec["path"], body, len(items))

    def _take(self) -> str:
        try:
            return next(self._items)
        except StopIteration:
            raise Exhausted from None

    def _notification(self, sadad_number: str) -> dict:
        self.counter += 1
        return {
            "sadad_number": sadad_number,
            "amount": self.spec["amount"],
            "bank_code": self.spec["bank_code"],
            "bank_reference": f"{self.spec['reference_prefix']}{self.counter:010d}",
            "paid_at": dt.datetime.now(RIYADH).isoformat(timespec="seconds"),
        }

    def _signed(self, path: str, body: bytes, items: int) -> Request:
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        message = f"{timestamp}.{nonce}.POST.{path}.".encode() + body
        signature = hmac.new(self.spec["secret"].encode(), message, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Partner": self.spec["partner"],
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": signature,
        }
        return Request("POST", path, headers, body, items)


def _cycle(requests: list[Request]) -> Iterator[Request]:
    while True:
        yield from requests


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None  # nosec B101
        lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in request.headers.items()]
        if request.body or request.method == "POST":
            lines.append(f"Content-Length: {len(request.body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + request.body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    requests: int = 0
    items: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    exhausted: bool = False
    late: int = 0

    def record(self, status: int, items: int, latency_ms: float) -> None:
        self.requests += 1
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
        if 200 <= status < 300:
            self.items += items
            self.latencies_ms.append(latency_ms)
        else:
            self.errors += 1


async def _one(connection: Connection, request: Request, result: Result, due: float) -> None:
    try:
        status = await connection.send(request)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        connection.close()
        status = 0
    result.record(status, request.items, (time.perf_counter() - due) * 1000)


async def closed_loop(job: dict, source: Source) -> tuple[Result, float]:
    result = Result()
    deadline = time.perf_counter() + job["seconds"]

    async def worker() -> None:
        connection = Connection(job["host"], job["port"])
        while time.perf_counter() < deadline and not result.exhausted:
            try:
                request = source.next()
            except Exhausted:
                result.exhausted = True
                break
            await _one(connection, request, result, time.perf_counter())
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(job["connections"])))
    return result, time.perf_counter() - started


async def open_loop(job: dict, source: Source) -> tuple[Result, float]:
    """Requests are due at a fixed rate whatever the server does; a request waits for a free
    connection if all are busy, and that wait counts in its latency."""
    result = Result()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    connections = [Connection(job["host"], job["port"]) for _ in range(job["connections"])]
    for connection in connections:
        idle.put_nowait(connection)
    interval = 1.0 / job["rate"]
    total = int(job["rate"] * job["seconds"])
    tasks: list[asyncio.Task] = []

    async def run(request: Request, due: float) -> None:
        connection = await idle.get()
        try:
            await _one(connection, request, result, due)
        finally:
            idle.put_nowait(connection)

    started = time.perf_counter()
    for index in range(total):
        due = started + index * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            result.late += 1  # the generator itself fell behind by more than 5 ms
        try:
            request = source.next()
        except Exhausted:
            result.exhausted = True
            break
        tasks.append(asyncio.create_task(run(request, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return result, elapsed


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    job = json.loads(sys.stdin.read())
    source = Source(job["source"])
    runner = open_loop if job["mode"] == "open" else closed_loop
    with contextlib.suppress(KeyboardInterrupt):
        result, elapsed = asyncio.run(runner(job, source))
    print(
        json.dumps(
            {
                "requests": result.requests,
                "items": result.items,
                "errors": result.errors,
                "statuses": result.statuses,
                "seconds": elapsed,
                "rps": result.requests / elapsed if elapsed else 0.0,
                "items_per_second": result.items / elapsed if elapsed else 0.0,
                "p50_ms": percentile(result.latencies_ms, 0.50),
                "p99_ms": percentile(result.latencies_ms, 0.99),
                "exhausted": result.exhausted,
                "late": result.late,
            }
        )
    )


if __name__ == "__main__":
    main()
