"""AsyncOpenAI, awaited calls, asyncio.gather over coroutines."""

import asyncio

from openai import AsyncOpenAI

client = AsyncOpenAI()


async def complete(prompt: str) -> str:
    response = await client.completions.create(
        model="gpt-3.5-turbo-instruct",
        prompt=prompt,
        max_tokens=32,
    )
    return response.choices[0].text


async def main() -> None:
    prompts = ["Translate cat to French", "Translate dog to German", "Translate bird to Spanish"]
    results = await asyncio.gather(*(complete(p) for p in prompts))
    for prompt, result in zip(prompts, results):
        print(f"{prompt} -> {result.strip()}")
    single = await client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hello")
    print("single:", single.choices[0].text.strip(), single.usage.completion_tokens)


asyncio.run(main())
