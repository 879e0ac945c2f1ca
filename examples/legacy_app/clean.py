"""Already on Chat Completions: nothing to do here."""

from openai import OpenAI

client = OpenAI()


def ask(question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return response.choices[0].message.content or ""
