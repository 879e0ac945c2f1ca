"""A service class holding self.client, with sync and streamed methods."""

from typing import Optional

from openai import OpenAI


class Summarizer:
    def __init__(self, client: Optional[OpenAI] = None, model: str = "gpt-3.5-turbo-instruct"):
        self.client = client or OpenAI()
        self.model = model

    def summarize(self, text: str) -> str:
        response = self.client.completions.create(
            model=self.model,
            prompt="Summarize in a few words:\n" + text,
            max_tokens=12,
            temperature=0.2,
        )
        return response.choices[0].text.strip()

    def summarize_streamed(self, text: str) -> str:
        parts = []
        for chunk in self.client.completions.create(
            model=self.model, prompt="Summarize:\n" + text, stream=True
        ):
            parts.append(chunk.choices[0].text)
        return "".join(parts).strip()


if __name__ == "__main__":
    summarizer = Summarizer()
    article = "The city council approved a new park on the east side of town yesterday."
    print("summary:", summarizer.summarize(article))
    print("streamed:", summarizer.summarize_streamed(article))
