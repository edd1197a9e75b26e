"""Timeouts and cancellation: the abandoned coroutine is cancelled, and its cleanup runs."""
import asyncio


async def forever():
    try:
        await asyncio.Event().wait()  # Never set.
    finally:
        print("cleanup ran")  # Runs on cancellation, as Rust's Drop does.


async def main():
    try:
        await asyncio.wait_for(forever(), 0.01)
        raise AssertionError("it cannot finish")
    except asyncio.TimeoutError:
        pass
    task = asyncio.create_task(forever())
    await asyncio.sleep(0)  # Let it start.
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


asyncio.run(main())
