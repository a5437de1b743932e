"""What `changegate mcp-proxy` adds in front of an MCP server: at start-up and on each tool call.

The same upstream is started directly and behind the proxy, alternately (so a busy machine slows both alike),
through the official SDK client, as an agent would start it:

    python bench/mcp_proxy.py [--runs 10] [--calls 50] [-- UPSTREAM COMMAND…]

Start-up is from spawning the process to the first `tools/list` answer; a call is one `tools/call` of a tool
the gate allows (the upstream's `get_argv`, or --tool NAME with --arguments JSON for another server). Prints p50
and p90 in milliseconds and the proxy's ratio (start-up) and overhead (per call).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

UPSTREAM = Path(__file__).resolve().parents[1] / "tests" / "agents" / "mcp_upstream.py"


def params(upstream: list[str], proxied: bool, cwd: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGEGATE_URL")}
    if proxied:
        return StdioServerParameters(command=sys.executable, args=["-m", "changegate", "mcp-proxy", "--name",
                                                                   "bench", "--", *upstream], env=env, cwd=cwd)
    return StdioServerParameters(command=upstream[0], args=upstream[1:], env=env, cwd=cwd)


async def start(server: StdioServerParameters) -> float:
    started = time.perf_counter()
    async with Client(server, mode="legacy") as client:
        await client.list_tools()
        return (time.perf_counter() - started) * 1000


async def calls(server: StdioServerParameters, tool: str, arguments: dict[str, Any], count: int) -> list[float]:
    out: list[float] = []
    async with Client(server, mode="legacy") as client:
        await client.list_tools()
        await client.call_tool(tool, arguments)  # warm: the proxy's engine imports happen on the first check
        for _ in range(count):
            started = time.perf_counter()
            result = await client.call_tool(tool, arguments)
            out.append((time.perf_counter() - started) * 1000)
            if result.is_error:
                raise SystemExit(f"the call was refused or failed: {result.content}")
    return out


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--tool", default="get_argv")
    parser.add_argument("--arguments", default="{}")
    parser.add_argument("upstream", nargs="*")
    args = parser.parse_args()
    workdir = Path.cwd()
    upstream = args.upstream or [sys.executable, str(UPSTREAM), str(workdir)]
    direct, proxied = params(upstream, False, str(workdir)), params(upstream, True, str(workdir))
    starts: dict[str, list[float]] = {"direct": [], "proxied": []}
    for _ in range(max(args.runs, 1)):
        starts["direct"].append(anyio.run(start, direct))
        starts["proxied"].append(anyio.run(start, proxied))
    arguments = json.loads(args.arguments)
    per_call = {"direct": anyio.run(calls, direct, args.tool, arguments, args.calls),
                "proxied": anyio.run(calls, proxied, args.tool, arguments, args.calls)}
    print(f"upstream: {' '.join(upstream)}")
    for name in ("direct", "proxied"):
        print(f"start-up {name:8} {figures(starts[name])}")
    ratio = statistics.median(starts["proxied"]) / statistics.median(starts["direct"])
    print(f"start-up ratio (proxied / direct, p50): {ratio:.2f}x")
    for name in ("direct", "proxied"):
        print(f"call     {name:8} {figures(per_call[name])}")
    overhead = statistics.median(per_call["proxied"]) - statistics.median(per_call["direct"])
    print(f"per-call overhead (p50): {overhead:.1f} ms")


if __name__ == "__main__":
    main()
