"""Async streaming: awaited create, async for, += accumulation and a usage chunk."""

import asyncio

from openai import AsyncOpenAI


async def stream_answer(client: AsyncOpenAI, prompt: str) -> str:
    text = ""
    stream = await client.completions.create(
        model="gpt-3.5-turbo-instruct",
        prompt=prompt,
        stream=True,
        stream_options={"include_usage": True},
    )
    async for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].text
        if chunk.usage is not None:
            print("usage:", chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
    return text


async def main() -> None:
    client = AsyncOpenAI()
    answer = await stream_answer(client, "Explain recursion in one sentence")
    print("answer:", answer)
    async for chunk in await client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Count to five", stream=True
    ):
        print(chunk.choices[0].text, end="", flush=True)
    print()


if __name__ == "__main__":
    asyncio.run(main())
