"""`await openai.Completion.acreate(...)`, several prompts gathered at once."""

import asyncio

import openai

MODEL = "gpt-3.5-turbo-instruct"


async def answer(question: str) -> str:
    response = await openai.Completion.acreate(
        model=MODEL, prompt=question, max_tokens=30, temperature=0
    )
    return response["choices"][0]["text"].strip()


async def main() -> None:
    questions = ["What is the capital of France", "Name a prime number", "Why is the sky blue"]
    answers = await asyncio.gather(*(answer(q) for q in questions))
    for question, text in zip(questions, answers):
        print(f"{question}? -> {text}")


asyncio.run(main())
