"""An independent WebSocket peer for the relay tests: Python's `websockets` (Debian's
python3-websockets 10.x), used both as a provider and as a client.

usage: python_peer.py <relay base url> <request count>
Prints one JSON line with what it observed, then keeps both connections open until its
stdin closes, so the test can probe them from the relay side.
"""
import asyncio
import json
import sys
import time

import websockets


async def provider(base, count, results):
    async with websockets.connect(base + "/provider") as ws:
        results["provider_connected"] = True
        # Our own PING to the relay: the relay must answer it (through its queue).
        started = time.perf_counter()
        waiter = await ws.ping(b"py-provider")
        await asyncio.wait_for(waiter, 10)
        results["provider_pong_ms"] = (time.perf_counter() - started) * 1000
        answered = 0
        while answered < count:
            request = json.loads(await asyncio.wait_for(ws.recv(), 30))
            await ws.send(json.dumps({"id": request["id"], "result": {"echo": request.get("params"), "by": "python"}}))
            answered += 1
        results["provider_answered"] = answered
        await results["release"].wait()


async def client(base, count, results):
    async with websockets.connect(base + "/client") as ws:
        started = time.perf_counter()
        waiter = await ws.ping(b"py-client")
        await asyncio.wait_for(waiter, 10)
        results["client_pong_ms"] = (time.perf_counter() - started) * 1000
        for i in range(count):
            await ws.send(json.dumps({"id": f"py-{i}", "params": i}))
        replies = [json.loads(await asyncio.wait_for(ws.recv(), 30)) for _ in range(count)]
        results["client_replies"] = replies
        results["client_done"].set()
        await results["release"].wait()


async def main():
    base, count = sys.argv[1].rstrip("/"), int(sys.argv[2])
    results = {"client_done": asyncio.Event(), "release": asyncio.Event()}
    serving = asyncio.create_task(provider(base, count, results))
    # The client starts once the provider is registered, so no request meets "no provider".
    while "provider_connected" not in results:
        await asyncio.sleep(0.01)
    talking = asyncio.create_task(client(base, count, results))
    await results["client_done"].wait()
    report = {k: v for k, v in results.items() if k not in ("client_done", "release")}
    print(json.dumps(report), flush=True)
    # Hold both sessions open until the test closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    results["release"].set()
    await asyncio.gather(serving, talking)


asyncio.run(main())
