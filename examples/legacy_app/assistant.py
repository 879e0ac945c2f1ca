"""A question-answering helper built on the legacy Completions endpoint."""

from __future__ import annotations

import openai
from openai import OpenAI

MODEL = "gpt-3.5-turbo-instruct"


class Assistant:
    def __init__(self, api_key: str | None = None) -> None:
        self.client = OpenAI(api_key=api_key)

    def answer(self, question: str) -> str:
        response = self.client.completions.create(
            model=MODEL,
            prompt=f"Answer briefly.\n\nQ: {question}\nA:",
            max_tokens=64,
            temperature=0,  # deterministic answers for the test-suite
        )
        return response.choices[0].text.strip()

    def alternatives(self, question: str, count: int = 3) -> list[str]:
        response = self.client.completions.create(
            model=MODEL, prompt=question, n=count, logprobs=1
        )
        return [choice.text for choice in response.choices]

    def stream(self, question: str) -> str:
        pieces = []
        for chunk in self.client.completions.create(model=MODEL, prompt=question, stream=True):
            pieces.append(chunk.choices[0].text)
        return "".join(pieces)


def summarize(text: str) -> str:
    completion = openai.completions.create(model="text-davinci-003", prompt="Summarize:\n" + text)
    return show(completion)


def show(completion) -> str:
    first = completion.choices[0]
    return first.text.strip()
