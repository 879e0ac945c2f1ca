"""`async for chunk in await openai.Completion.acreate(..., stream=True)`."""

import asyncio

import openai


async def stream_poem(topic: str) -> str:
    parts = []
    async for chunk in await openai.Completion.acreate(
        engine="text-davinci-003",
        prompt=f"Write a short poem about {topic}",
        max_tokens=12,
        stream=True,
    ):
        text = chunk["choices"][0]["text"]
        print(text, end="", flush=True)
        parts.append(text)
    print()
    return "".join(parts)


poem = asyncio.run(stream_poem("the sea"))
print("chars:", len(poem))
