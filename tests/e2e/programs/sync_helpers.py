"""Sync client, a module-level legacy MODEL, max_tokens, and helpers around the response."""

from openai import OpenAI
from openai.types import Completion

MODEL = "text-davinci-003"

client = OpenAI()


def ask(question: str, max_tokens: int = 16) -> Completion:
    return client.completions.create(
        model=MODEL,
        prompt=f"Q: {question}\nA:",
        max_tokens=max_tokens,
        temperature=0,
    )


def first_text(response: Completion) -> str:
    return response.choices[0].text.strip()


def report(response) -> None:  # untyped on purpose: the rules must follow the call
    print("finish:", response.choices[0].finish_reason)
    print("tokens:", response.usage.total_tokens)


if __name__ == "__main__":
    answer = ask("What is the capital of France?")
    print("answer:", first_text(answer))
    report(answer)
    short = ask("Name three primary colours please", max_tokens=3)
    print("short:", first_text(short))
    report(short)
