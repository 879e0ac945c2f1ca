"""The module-level client: openai.completions.create."""

import openai

MODEL_NAME = "gpt-3.5-turbo-instruct"


def classify(review: str) -> str:
    completion = openai.completions.create(
        model=MODEL_NAME,
        prompt=f"Classify the sentiment of this review: {review}\nSentiment:",
        max_tokens=8,
        stop=["\n"],
    )
    return completion.choices[0].text.strip()


for review in ["I loved this movie", "Terrible service and cold food"]:
    print(review, "=>", classify(review))
